"""Label sets through the store: export, import back, extend the codebook, refuse bad rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import annotations as ann
from annotator import labelsets
from annotator.annotations import Choice, Decision
from annotator.bootstrap import bootstrap
from annotator.exchange import FORMATS, tidy
from annotator.exchange.export import export_files, export_frame
from annotator.exchange.importer import import_file, import_frame
from annotator.labelsets import LabelSet
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql


def _label_some(store: Store, labelset: LabelSet) -> None:
    def save(sid: int, who: str, *decisions: Decision) -> None:
        ann.save(store, sentence_id=sid, annotator=who, decisions=decisions, labelset=labelset)

    save(
        1,
        "ani",
        Decision("stance", "Elon Musk", (Choice("neutral"),)),
        Decision("frames", "", (Choice("cyber-attack", 0, 9), Choice("political"))),
    )
    save(1, "budi", Decision("stance", "Elon Musk", (Choice("against"),)))
    save(2, "ani", Decision("frames", "", (Choice(""),)))
    save(50, "ani", Decision("bias", "", (Choice("biased", 0, 5), Choice("biased", 10, 20))))


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    _label_some(store, labelset)
    return store


def test_the_export_has_one_row_per_label_in_the_canonical_columns(labelled: Store) -> None:
    frame = export_frame(labelled)
    assert list(frame.columns) == list(tidy.COLUMNS)
    assert len(frame) == 7
    none_row = frame[(frame["task"] == "frames") & (frame["value"] == "")]
    assert len(none_row) == 1  # "annotated, no value applies" is a row with an empty value
    spans = frame[frame["span_start"].notna()]
    for row in spans.itertuples():
        assert row.text[row.span_start : row.span_end] == row.span_text
    assert set(frame["sentence_id"]) >= {f"{frame['document_id'].iloc[0]}:0"}
    assert set(frame["source"]) == {"human"}


def test_include_unlabelled_adds_one_empty_row_per_unlabelled_sentence(labelled: Store) -> None:
    frame = export_frame(labelled, include_unlabelled=True)
    empty = frame[frame["task"] == ""]
    assert len(empty) == 58 - 3
    assert (empty["value"] == "").all() and (empty["annotator"] == "").all()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_then_import_into_a_fresh_store_then_export_is_the_identity(
    labelled: Store, new_db_url: Callable[[], str], fmt: str
) -> None:
    first = export_frame(labelled, include_unlabelled=True)
    data = FORMATS[fmt].to_bytes(first)
    fresh = open_store(new_db_url())  # on the same database kind as ``labelled``
    bootstrap(fresh, seeds_dir=None)
    report = import_file(fresh, data, f"labels{FORMATS[fmt].extension}", format_name=fmt)
    assert report.ok and report.stored, report.problems
    pd.testing.assert_frame_equal(export_frame(fresh, include_unlabelled=True), first)
    fresh.engine.dispose()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_importing_onto_the_same_sentences_adds_nothing(labelled: Store, fmt: str) -> None:
    data = FORMATS[fmt].to_bytes(export_frame(labelled))
    with labelled.read() as conn:
        before = labels_sql.data_revision(conn)[1], labels_sql.annotation_count(conn)
    report = import_file(labelled, data, f"x{FORMATS[fmt].extension}", format_name=fmt)
    assert report.ok and report.labels_added == 0 and report.labels_unchanged == 7
    with labelled.read() as conn:
        assert (labels_sql.data_revision(conn)[1], labels_sql.annotation_count(conn)) == before


def test_cli_style_export_writes_the_file_and_its_data_card(
    labelled: Store, tmp_path: Path
) -> None:
    result = export_files(labelled, "csv", out=tmp_path / "out" / "labels.csv")
    assert result.path.read_bytes() == FORMATS["csv"].to_bytes(export_frame(labelled))
    card = result.card_path.read_text(encoding="utf-8")
    assert result.card_path.name == "labels.card.md"
    assert "BBC News Indonesia" in card and 'name = "default"' in card


def test_the_default_export_directory_is_named_after_the_label_set(
    labelled: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = export_files(labelled, "jsonl")
    assert result.path.parent.parent == Path("labels/exports")
    assert result.path.parent.name.startswith("default-") and result.path.name == "default.jsonl"


def _tidy_rows(rows: list[dict[str, object]]) -> pd.DataFrame:
    return tidy.normalize(pd.DataFrame(rows))


def test_unknown_tasks_targets_and_values_extend_the_label_set_with_kinds_inferred(
    empty_store: Store,
) -> None:
    before = labelsets.current(empty_store)
    frame = _tidy_rows(
        [
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Walz berbicara.",
                "sentence_index": 0,
                "annotator": "a",
                "task": "stance",
                "target": "Tim Walz",
                "value": "favor",
            },
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Walz berbicara.",
                "sentence_index": 0,
                "annotator": "a",
                "task": "tone",
                "value": "pro",
            },
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Kalimat dua.",
                "sentence_index": 1,
                "annotator": "a",
                "task": "topics",
                "value": "sport",
            },
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Kalimat dua.",
                "sentence_index": 1,
                "annotator": "a",
                "task": "topics",
                "value": "music",
            },
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Kalimat dua.",
                "sentence_index": 1,
                "annotator": "a",
                "task": "who",
                "target": "Tim Walz",
                "value": "pro",
            },
            {
                "document_id": "d1",
                "outlet": "Tempo",
                "text": "Kalimat dua.",
                "sentence_index": 1,
                "annotator": "a",
                "task": "frames",
                "value": "sports",
            },
        ]
    )
    report = import_frame(empty_store, frame, source_name="extra.csv")
    assert report.stored, report.problems
    after = labelsets.current(empty_store)
    assert after.version == before.version + 1 == report.label_set_version
    kinds = {t.name: t.kind for t in after.tasks}
    assert (kinds["tone"], kinds["topics"], kinds["who"]) == ("single", "multi", "stance")
    assert after.task("stance").target("Tim Walz") is not None  # type: ignore[union-attr]
    assert after.task("frames").value("sports") is not None  # type: ignore[union-attr]
    assert "stance@Tim Walz" in report.label_set_additions
    with empty_store.read() as conn:
        assert [d.outlet for d in texts_sql.list_documents(conn)] == ["Tempo"]
        assert texts_sql.count_sentences(conn) == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [
                {"text": "A.", "task": "bias", "value": "biased"},
                {"text": "A.", "task": "bias", "value": "not-biased"},
            ],
            "takes one",
        ),
        (
            [
                {
                    "text": "Kalimat.",
                    "task": "frames",
                    "value": "economic",
                    "span_start": 0,
                    "span_end": 99,
                    "span_text": "",
                }
            ],
            "outside",
        ),
        (
            [
                {"text": "Kalimat.", "task": "frames", "value": ""},
                {"text": "Kalimat.", "task": "frames", "value": "economic"},
            ],
            "mixed",
        ),
        (
            [
                {
                    "document_id": "d",
                    "sentence_index": 0,
                    "text": "Satu.",
                    "task": "bias",
                    "value": "biased",
                },
                {
                    "document_id": "d",
                    "sentence_index": 0,
                    "text": "Dua.",
                    "task": "bias",
                    "value": "biased",
                },
            ],
            "two different texts",
        ),
    ],
)
def test_bad_label_rows_are_named_and_nothing_is_stored(
    store: Store, rows: list[dict[str, object]], message: str
) -> None:
    with store.read() as conn:
        before = (
            labels_sql.data_revision(conn),
            labels_sql.annotation_count(conn),
            texts_sql.count_documents(conn),
        )
    version = labelsets.current(store).version
    report = import_frame(store, _tidy_rows(rows), source_name="bad.csv")
    assert not report.ok and not report.stored
    assert any(message in p.message and p.file == "bad.csv" and p.line for p in report.problems), (
        report.problems
    )
    with store.read() as conn:
        assert (
            labels_sql.data_revision(conn),
            labels_sql.annotation_count(conn),
            texts_sql.count_documents(conn),
        ) == before
    assert labelsets.current(store).version == version


def test_a_sentence_that_differs_from_the_stored_one_is_refused(labelled: Store) -> None:
    frame = export_frame(labelled)
    frame.loc[0, "text"] = "Kalimat yang lain."
    report = import_frame(labelled, frame, source_name="edited.csv")
    assert not report.ok
    assert "differs from the stored text" in report.problems[0].message


def test_a_file_in_no_known_format_is_a_problem_not_a_crash(store: Store) -> None:
    report = import_file(store, b'{"hello": 1}\n', "mystery.jsonl")
    assert not report.ok and report.problems[0].file == "mystery.jsonl"


_ANNOTATORS = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _decisions(draw: st.DrawFn, labelset: LabelSet) -> tuple[int, str, list[Decision]]:
    sid = draw(st.integers(1, 58))
    who = draw(_ANNOTATORS)
    decisions = []
    for task in labelset.tasks:
        if not draw(st.booleans()):
            continue
        if task.kind == "stance":
            target = draw(st.sampled_from([t.name for t in task.targets]))
            decisions.append(
                Decision(
                    task.name,
                    target,
                    (Choice(draw(st.sampled_from([v.name for v in task.values]))),),
                )
            )
        elif task.kind == "single":
            decisions.append(
                Decision(
                    task.name, "", (Choice(draw(st.sampled_from([v.name for v in task.values]))),)
                )
            )
        else:
            values = draw(
                st.lists(st.sampled_from([v.name for v in task.values]), max_size=3, unique=True)
            )
            start = draw(st.integers(0, 20))
            choices = tuple(
                Choice(v, start, start + 3) if i == 0 else Choice(v) for i, v in enumerate(values)
            )
            decisions.append(Decision(task.name, "", choices or (Choice(""),)))
    return sid, who, decisions


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite"
    store = open_store(f"sqlite:///{path}")
    bootstrap(store)
    store.engine.dispose()
    yield path


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), fmt=st.sampled_from(list(FORMATS)))
def test_export_import_export_is_the_identity_for_any_labels(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, fmt: str
) -> None:
    import shutil

    workdir = tmp_path_factory.mktemp("prop")
    shutil.copy(seeded_template, workdir / "a.sqlite")
    source = open_store(f"sqlite:///{workdir / 'a.sqlite'}")
    labelset = labelsets.current(source)
    for sid, who, decisions in data.draw(st.lists(_decisions(labelset), min_size=1, max_size=6)):
        ann.save(source, sentence_id=sid, annotator=who, decisions=decisions, labelset=labelset)
    first = export_frame(source)
    target = open_store(f"sqlite:///{workdir / 'b.sqlite'}")
    bootstrap(target, seeds_dir=None)
    report = import_file(
        target, FORMATS[fmt].to_bytes(first), f"x{FORMATS[fmt].extension}", format_name=fmt
    )
    assert report.ok, report.problems
    pd.testing.assert_frame_equal(export_frame(target), first)
    source.engine.dispose()
    target.engine.dispose()
