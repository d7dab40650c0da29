"""The export's fast path gives exactly what the plain, row-by-row export gave.

The export reads SQLite's rows as the driver gives them, formats timestamps
once per distinct value and builds the table with pyarrow; these tests hold it
to the obvious way (labels through SQLAlchemy's types, ``isoformat`` per row,
a sort by every column), in every format, on SQLite's path and on the path
other databases take.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import Connection

from annotator import annotations as ann
from annotator.annotations import Decision
from annotator.exchange import FORMATS, tidy
from annotator.exchange.export import export_frame
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage import tidy as tidy_sql
from tests.test_exchange_database import _label_some


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    _label_some(store, labelset)
    return store


ALL_KEYS = [*tidy.SORT_KEYS, *(c for c in tidy.COLUMNS if c not in tidy.SORT_KEYS)]


def _plain_export(store: Store, *, include_unlabelled: bool = False) -> pd.DataFrame:
    """The export built the slow, obvious way, as it was before the fast path:
    labels through SQLAlchemy's types (timestamps as aware datetimes), one row
    at a time, ``isoformat`` per row, sorted by every column."""
    rows: list[dict[str, object]] = []
    with store.read() as conn:
        current: dict[int, list[labels_sql.Label]] = {}
        for lab in labels_sql.current_labels(conn):
            current.setdefault(lab.sentence_id, []).append(lab)
        for doc in texts_sql.list_documents(conn):
            for sentence in texts_sql.sentences_of(conn, doc.id):
                base = {
                    "document_id": doc.uid, "outlet": doc.outlet, "title": doc.title,
                    "published": doc.published, "url": doc.url,
                    "sentence_id": f"{doc.uid}:{sentence.position}",
                    "sentence_index": sentence.position, "text": sentence.text,
                }  # fmt: skip
                for lab in current.get(sentence.id, []):
                    spanned = lab.span_start is not None and lab.span_end is not None
                    rows.append({
                        **base, "annotator": lab.annotator, "task": lab.task,
                        "target": lab.target, "value": lab.value, "span_start": lab.span_start,
                        "span_end": lab.span_end, "label_set": lab.label_set,
                        "label_set_version": lab.label_set_version, "source": lab.source,
                        "created_at": lab.created_at.isoformat(),
                        "span_text": sentence.text[lab.span_start : lab.span_end] if spanned else "",
                    })  # fmt: skip
                if include_unlabelled and sentence.id not in current:
                    rows.append(base)
    frame = tidy.normalize(pd.DataFrame(rows, columns=list(tidy.COLUMNS)))
    return frame.sort_values(ALL_KEYS, na_position="first", ignore_index=True)


def _label_at(store: Store, labelset: LabelSet, sentence_id: int, moment: datetime) -> None:
    row = {"sentence_id": sentence_id, "task": "bias", "value": "biased",
           "label_set": labelset.name, "label_set_version": labelset.version}  # fmt: skip
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="citra", source="human", rows=[row],
                                created_at=moment)  # fmt: skip


WHOLE_SECOND = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)
JAKARTA = timezone(timedelta(hours=7))


@pytest.fixture
def varied(labelled: Store, labelset: LabelSet) -> Store:
    """The labelled store plus timestamps on a whole second, with a few
    microseconds, from another time zone, and a sentence whose labels were
    all cleared."""
    _label_at(labelled, labelset, 3, WHOLE_SECOND)
    _label_at(labelled, labelset, 4, WHOLE_SECOND.replace(microsecond=5))
    _label_at(labelled, labelset, 5, datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=JAKARTA))
    ann.save(labelled, sentence_id=2, annotator="ani", decisions=[Decision("frames", "", ())],
             labelset=labelset)  # fmt: skip
    return labelled


@pytest.mark.parametrize("include_unlabelled", [False, True])
def test_the_export_is_the_plain_row_by_row_export_in_every_format(
    varied: Store, include_unlabelled: bool
) -> None:
    fast = export_frame(varied, include_unlabelled=include_unlabelled)
    plain = _plain_export(varied, include_unlabelled=include_unlabelled)
    pd.testing.assert_frame_equal(fast, plain)
    for fmt in FORMATS.values():  # Parquet would also see a different Arrow type
        assert fmt.to_bytes(fast) == fmt.to_bytes(plain), fmt.name


def test_timestamps_are_iso_utc_with_microseconds_only_when_there_are_some(varied: Store) -> None:
    frame = export_frame(varied)
    stamps = frame.loc[frame["annotator"] == "citra", "created_at"].tolist()
    assert sorted(stamps) == [
        "2025-01-01T20:04:05.500000+00:00",
        "2026-11-22T01:02:03+00:00",  # datetime.isoformat leaves out a zero fraction
        "2026-11-22T01:02:03.000005+00:00",
    ]


def test_a_sentence_whose_labels_were_all_cleared_is_exported_as_unlabelled(
    varied: Store,
) -> None:
    with varied.read() as conn:
        sentence = texts_sql.get_sentence(conn, 2)
        assert sentence is not None
        document = texts_sql.get_document(conn, sentence.document_id)
        assert document is not None
    sentence_id = f"{document.uid}:{sentence.position}"
    everything = export_frame(varied, include_unlabelled=True)
    assert everything.loc[everything["sentence_id"] == sentence_id, "task"].tolist() == [""]
    assert sentence_id not in set(export_frame(varied)["sentence_id"])


def test_the_export_is_the_same_when_the_driver_gives_datetimes(
    varied: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's path: rows through SQLAlchemy, timestamps as datetimes."""
    expected = export_frame(varied, include_unlabelled=True)
    real = tidy_sql.tidy_rows

    class NotSqlite:
        def __init__(self, conn: Connection) -> None:
            self.dialect = SimpleNamespace(name="postgresql")
            self.execute = conn.execute

    def through_sqlalchemy(conn: Connection, **options: bool) -> list[tuple[object, ...]]:
        rows = real(NotSqlite(conn), **options)  # type: ignore[arg-type]
        assert any(isinstance(row[-1], datetime) for row in rows)
        return rows

    monkeypatch.setattr(tidy_sql, "tidy_rows", through_sqlalchemy)
    pd.testing.assert_frame_equal(export_frame(varied, include_unlabelled=True), expected)
