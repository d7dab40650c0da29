"""The data card written next to an export."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from hypothesis import given, settings

from annotator.exchange import card, tidy
from tests.test_exchange_tidy import SETTINGS, tidy_frames  # the shared strategy

CODEBOOK = 'name = "default"\n\n[[tasks]]\nname = "stance"\n# ```not a fence```\n'
WHEN = datetime(2026, 11, 21, 23, 59, 21, tzinfo=UTC)


def labels() -> pd.DataFrame:
    rows = [
        ("d1", "kumparan", 0, "Musk | menang\nbesar", "Budi", "stance", "Elon Musk", "favor"),
        ("d1", "kumparan", 0, "Musk | menang\nbesar", "Siti", "stance", "Elon Musk", "against"),
        ("d1", "kumparan", 1, "Serangan siber.", "Budi", "frames", "", ""),
        ("d2", "BBC News Indonesia", 0, "Kudeta.", "Budi", "bias", "", "biased"),
        ("d2", "BBC News Indonesia", 0, "Kudeta.", "Budi", "bias", "", "biased"),
        ("d2", "BBC News Indonesia", 1, "Belum.", "", "", "", ""),
    ]
    columns = ["document_id", "outlet", "sentence_index", "text", "annotator", "task", "target",
               "value"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["span_start"] = [None, None, None, 0, 2, None]
    frame["span_end"] = [None, None, None, 2, 6, None]
    frame["span_text"] = ["", "", "", "Ku", "deta", ""]
    frame["label_set"] = ["default"] * 5 + [""]
    frame["label_set_version"] = [2] * 5 + [None]
    frame["source"] = ["human"] * 5 + [""]
    return tidy.normalize(frame)


def render(frame: pd.DataFrame | None = None, **options: str) -> str:
    return card.render_card(
        labels() if frame is None else frame,
        name=options.get("name", "default"),
        format_name=options.get("format_name", "csv"),
        codebook_toml=CODEBOOK,
        created=WHEN,
    )


def row_of(text: str, first_cell: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_the_card_has_title_date_format_and_counts() -> None:
    text = render()
    assert text.startswith("# Data card: default\n")
    assert "2026-11-21 23:59:21 UTC" in text and "- Format: csv" in text
    assert "default v2" in text and "human 5" in text
    assert row_of(text, "rows") == ["rows", "6"]
    assert row_of(text, "labels") == ["labels", "4"]  # two cue spans, one label
    assert row_of(text, "cue spans") == ["cue spans", "2"]
    assert row_of(text, "sentences") == ["sentences", "4"]
    assert row_of(text, "documents") == ["documents", "2"]
    assert row_of(text, "annotators") == ["annotators", "2"]


def test_the_card_counts_per_outlet_task_and_value() -> None:
    text = render()
    assert row_of(text, "kumparan") == ["kumparan", "1", "2", "3"]
    assert row_of(text, "BBC News Indonesia") == ["BBC News Indonesia", "1", "2", "1"]
    per_task = re.search(r"## Per task\n\n(.*?)\n\n", text, re.S)
    assert per_task and "| stance | Elon Musk | 2 | 2 | 1 |" in per_task.group(1)
    per_value = re.search(r"## Per value\n\n(.*?)\n\n", text, re.S)
    assert per_value and "| frames | — | (no value applies) | 1 | 100.0 % |" in per_value.group(1)
    assert "| stance | Elon Musk | favor | 1 | 50.0 % |" in per_value.group(1)


def test_the_card_explains_the_special_rows() -> None:
    text = render()
    assert '1 label(s) say "annotated, and no value applies"' in text
    assert "1 row(s) are unlabelled sentences" in text


def test_the_codebook_is_embedded_verbatim_in_a_fence_it_cannot_close() -> None:
    text = render()
    fenced = re.search(r"\n(`{3,})toml\n(.*)\n\1\n", text, re.S)
    assert fenced and fenced.group(2) == CODEBOOK.rstrip("\n")
    assert len(fenced.group(1)) == 4  # the codebook holds a run of three backticks


def test_data_cannot_break_the_tables() -> None:
    frame = labels()
    frame.loc[:, "outlet"] = "pipe | and\nnewline <b>"
    frame.loc[:, "target"] = frame["target"].where(frame["target"] == "", "a|b\\")
    text = render(frame)
    for line in text.splitlines():
        if line.startswith("| "):  # every table row has as many cells as its header
            assert line.endswith(" |") and "\n" not in line
    assert "pipe \\| and newline &lt;b&gt;" in text
    assert "a\\|b\\\\" in text
    tables = re.findall(r"(\| .*\|\n\| [-: |]+\|\n(?:\|.*\|\n)*)", text)
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.strip().split("\n")}
        assert len(widths) == 1


def test_an_empty_table_still_gives_a_card() -> None:
    text = render(tidy.empty())
    assert row_of(text, "rows") == ["rows", "0"] and "## Codebook" in text


@given(tidy_frames())
@settings(SETTINGS, max_examples=25)
def test_every_table_row_has_as_many_cells_as_its_header(frame: pd.DataFrame) -> None:
    text = render(frame, name="x | y\nz")
    assert text.splitlines()[0] == "# Data card: x | y z"
    tables = re.findall(r"(\| .*\|\n\| [-: |]+\|\n(?:\|.*\|\n)*)", text)
    assert len(tables) == 4
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.strip().split("\n")}
        assert len(widths) == 1


def test_write_card_writes_utf8_markdown(tmp_path: Path) -> None:
    path = tmp_path / "default.card.md"
    card.write_card(path, labels(), name="default", format_name="label-studio",
                    codebook_toml=CODEBOOK, created=WHEN)  # fmt: skip
    assert path.read_text(encoding="utf-8") == render(format_name="label-studio")


def _plain_tables(frame: pd.DataFrame) -> str:
    """The card's tables counted the plain way (deduplicating every sentence
    column, group by group), as the card did before it counted by number."""
    sentence_columns = list(tidy.SENTENCE_COLUMNS)
    labelled = frame[frame["task"] != ""]
    labels = labelled.drop_duplicates([*sentence_columns, "annotator", "task", "target", "value"])
    counts: list[list[object]] = [
        ["rows", len(frame)],
        ["labels", len(labels)],
        ["cue spans", int(labelled["span_start"].notna().sum())],
        ["sentences", len(frame.drop_duplicates(sentence_columns))],
        ["documents", frame.loc[frame["document_id"] != "", "document_id"].nunique()],
        ["annotators", labelled.loc[labelled["annotator"] != "", "annotator"].nunique()],
    ]
    per_outlet = [
        [card._or(outlet, "(no outlet)"),
         group.loc[group["document_id"] != "", "document_id"].nunique(),
         len(group.drop_duplicates(sentence_columns)), int((labels["outlet"] == outlet).sum())]
        for outlet, group in frame.groupby("outlet", sort=True)
    ]  # fmt: skip
    by_task = labels.groupby(["task", "target"], sort=True)
    per_task = [
        [task, card._or(target, "—"), len(group), group["annotator"].nunique(),
         len(group.drop_duplicates(sentence_columns))]
        for (task, target), group in by_task
    ]  # fmt: skip
    per_value: list[list[object]] = [
        [task, card._or(target, "—"), card._or(str(value), "(no value applies)"), count,
         f"{100 * count / len(group):.1f} %"]
        for (task, target), group in by_task
        for value, count in group["value"].value_counts().sort_index().items()
    ]  # fmt: skip
    return "\n".join([
        "## Counts", "", *card._table(["", "count"], counts), "", "## Per outlet", "",
        *card._table(["outlet", "documents", "sentences", "labels"], per_outlet, right=3),
        "", "## Per task", "",
        *card._table(["task", "target", "labels", "annotators", "sentences"], per_task, right=3),
        "", "## Per value", "",
        *card._table(["task", "target", "value", "labels", "share"], per_value, right=2),
    ])  # fmt: skip


@given(tidy_frames(max_sentences=6))
@settings(SETTINGS, max_examples=40)
def test_the_tables_count_what_deduplicating_every_sentence_column_counts(
    frame: pd.DataFrame,
) -> None:
    # Sentences that share a document and index but not their text or outlet.
    twins = frame.assign(text=frame["text"] + "!", outlet=frame["outlet"].str.upper())
    both = tidy.normalize(pd.concat([frame, twins.iloc[::2]], ignore_index=True))
    assert _plain_tables(both) in render(both)


def test_the_example_tables_are_the_plain_counts() -> None:
    assert _plain_tables(labels()) in render()
