"""The tidy table: canonical form, CSV / JSONL / Parquet files, bad input.

Also home of :func:`tidy_frames`, the Hypothesis strategy for valid tidy
tables that the format tests share.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from annotator.exchange import tidy, tidyfiles
from annotator.exchange.peers import records
from annotator.problems import errors

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_CHAR = st.characters(codec="utf-8")  # every character UTF-8 can hold
TRICKY = [
    "", "=SUM(A1:A9)", "+62 812", "-", "@here", "\tTab", "\rCR", "'=x", "''+y", "'", "'abc",
    '"kudeta", katanya', "a,b;c", "baris\nbaru", "x\r\ny", "Musk 🙂 Trump", "|pipe|", "\u2028",
]  # fmt: skip
texts = st.one_of(st.sampled_from(TRICKY), st.text(ANY_CHAR, max_size=12))
names = st.one_of(st.sampled_from(["Budi", "Siti Nurhaliza", "명수", "=cmd()", ""]), texts)
tasks = st.one_of(st.sampled_from(["stance", "bias", "frames", "opinion"]),
                  st.text(ANY_CHAR, min_size=1, max_size=8))  # fmt: skip
targets = st.one_of(st.sampled_from(["", "Elon Musk", "Donald Trump", "X"]), texts)
values = st.one_of(st.sampled_from(["favor", "against", "biased", "economic", "-1"]),
                   st.text(ANY_CHAR, min_size=1, max_size=8))  # fmt: skip
STAMPS = ["", "2026-11-21T23:59:21.123456+00:00", "2024-08-13T03:28:00+00:00"]


@st.composite
def _label_fields(draw: st.DrawFn, with_extras: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "label_set": draw(st.sampled_from(["default", "", "=other set"])),
        "label_set_version": draw(st.one_of(st.none(), st.integers(0, 9))),
        "source": draw(st.sampled_from(tidy.SOURCES)),
        "created_at": draw(st.one_of(st.sampled_from(STAMPS), texts)),
    }
    if with_extras:
        fields["probability"] = draw(st.one_of(st.none(), st.floats(allow_infinity=False)))
        # Text that never reads as a number, so CSV cannot mistake its type.
        fields["model_version"] = draw(st.one_of(st.just(""), texts.map(lambda t: "m" + t)))
    return fields


@st.composite
def _spans(draw: st.DrawFn, length: int) -> tuple[int, int]:
    start = draw(st.integers(0, length - 1))
    return start, draw(st.integers(start + 1, length))


@st.composite
def tidy_frames(draw: st.DrawFn, *, max_sentences: int = 4) -> pd.DataFrame:
    """Valid tidy tables: special rows, spans, several annotators, unicode."""
    with_extras = draw(st.booleans())
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, max_sentences))):
        doc = draw(st.sampled_from(["d3f2a9c1b2e4", "0a1b2c", "", "=doc"]))
        index = draw(st.one_of(st.none(), st.integers(0, 40)))
        text = draw(st.one_of(st.sampled_from(TRICKY), st.text(ANY_CHAR, max_size=40)))
        sentence = {
            "document_id": doc, "outlet": draw(texts), "title": draw(texts),
            "published": draw(st.sampled_from(["", "2024-08-13", "2024-08-13T10:28:00+07:00"])),
            "url": draw(st.sampled_from(["", "https://example.org/a?b=c|d"])),
            "sentence_id": f"{doc}:{i}", "sentence_index": index, "text": text,
        }  # fmt: skip
        if draw(st.integers(0, 4)) == 0:  # an unlabelled sentence
            blank = {"annotator": "", "task": "", "target": "", "value": ""}
            rows.append({**sentence, **blank, **draw(_label_fields(with_extras))})
            continue
        for annotator in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
            pairs = draw(st.lists(st.tuples(tasks, targets), min_size=1, max_size=3, unique=True))
            for task, target in pairs:
                label = {**sentence, "annotator": annotator, "task": task, "target": target}
                chosen = draw(st.one_of(st.just([""]), st.lists(values, min_size=1, max_size=3,
                                                                unique=True)))  # fmt: skip
                for value in chosen:
                    cues = [None]
                    if value and text and draw(st.booleans()):
                        cues = draw(
                            st.lists(_spans(len(text)), min_size=1, max_size=2, unique=True)
                        )
                    for cue in cues:
                        row = {**label, "value": value, **draw(_label_fields(with_extras))}
                        if cue is not None:
                            row.update(span_start=cue[0], span_end=cue[1],
                                       span_text=text[cue[0] : cue[1]])  # fmt: skip
                        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return tidy.empty()
    return tidy.normalize(frame)


def frame_of(**columns: list[Any]) -> pd.DataFrame:
    return tidy.normalize(pd.DataFrame(columns))


def two_labels() -> pd.DataFrame:
    return frame_of(
        document_id=["d1", "d1"],
        sentence_index=[0, 0],
        text=["=Musk menang", "=Musk menang"],
        annotator=["Budi", "Siti"],
        task=["stance", "bias"],
        target=["Elon Musk", ""],
        value=["favor", "biased"],
        span_start=[None, 1],
        span_end=[None, 5],
        span_text=["", "Musk"],
    )


# ------------------------------------------------------------ the frame


def test_normalize_gives_every_column_in_order_with_canonical_types() -> None:
    frame = frame_of(text=["a"], task=["bias"], value=["biased"], probability=[0.5])
    assert list(frame.columns) == [*tidy.COLUMNS, "probability"]
    for col in tidy.INT_COLUMNS:
        assert frame[col].dtype == "Int64"
    for col in tidy.STRING_COLUMNS:
        assert frame[col].dtype == "str"
        assert frame[col].notna().all()
    assert frame["probability"].dtype == "Float64"


def test_normalize_turns_missing_text_into_empty_strings() -> None:
    frame = frame_of(text=["a", None], task=[None, np.nan], value=["x", pd.NA])
    assert frame["task"].tolist() == ["", ""]
    assert frame["value"].tolist() == ["x", ""]


def test_normalize_refuses_a_fraction_where_a_whole_number_belongs() -> None:
    with pytest.raises(ValueError, match="span_start"):
        frame_of(text=["abc"], task=["t"], value=["v"], span_start=[1.5], span_end=[2])


@given(tidy_frames())
@SETTINGS
def test_normalize_and_sort_are_idempotent(frame: pd.DataFrame) -> None:
    once = tidy.sort(tidy.normalize(frame))
    assert_frame_equal(tidy.sort(tidy.normalize(once)), once)


@given(tidy_frames())
@SETTINGS
def test_generated_frames_are_valid(frame: pd.DataFrame) -> None:
    assert tidy.validate(frame, file="x") == []


def test_sort_orders_by_document_then_sentence_then_annotator() -> None:
    frame = frame_of(
        document_id=["b", "a", "a"], sentence_index=[0, 2, 1], text=["x", "y", "z"],
        annotator=["A", "A", "B"], task=["t", "t", "t"], value=["v", "v", "v"],
    )  # fmt: skip
    assert tidy.sort(frame)["text"].tolist() == ["z", "y", "x"]


ALL_KEYS = [*tidy.SORT_KEYS, *(c for c in tidy.COLUMNS if c not in tidy.SORT_KEYS)]


@given(tidy_frames(), st.randoms(use_true_random=False))
@SETTINGS
def test_sort_is_sorting_by_every_column(frame: pd.DataFrame, rnd: Any) -> None:
    """The fast sort (a check when in order, long columns only for ties) gives
    exactly what sorting by every column gives, ties and extras included."""
    # Copies that tie on the sort keys and differ in a later column or an extra.
    twins = frame.assign(title=frame["title"] + "~", **dict.fromkeys(tidy.extra_columns(frame), ""))
    rows = pd.concat([frame, twins, frame], ignore_index=True)
    shuffled = tidy.normalize(rows.take(rnd.sample(range(len(rows)), len(rows))))
    expected = shuffled.sort_values(ALL_KEYS, na_position="first", ignore_index=True)
    assert_frame_equal(tidy.sort(shuffled), expected)
    assert_frame_equal(tidy.sort(expected), expected)


# ------------------------------------------------ spreadsheet formulas


@given(st.lists(st.one_of(st.sampled_from(TRICKY), st.text(ANY_CHAR)), max_size=20))
@SETTINGS
def test_neutralise_then_restore_gives_back_any_text(cells: list[str]) -> None:
    column = pd.Series(cells, dtype="str")
    assert tidy.restore(tidy.neutralise(column)).tolist() == cells


@given(st.lists(st.text(st.sampled_from("'=+-@\t\rab"), max_size=6), max_size=20))
@SETTINGS
def test_neutralised_cells_never_start_a_formula_and_stay_distinct(cells: list[str]) -> None:
    out = tidy.neutralise(pd.Series(cells, dtype="str")).tolist()
    assert not [c for c in out if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert len(set(out)) == len(set(cells))  # a bijection: no two cells merge


@given(st.lists(st.one_of(st.none(), st.sampled_from(TRICKY), st.text(ANY_CHAR)), max_size=20))
@SETTINGS
def test_neutralise_is_the_formula_pattern_cell_by_cell(cells: list[str | None]) -> None:
    column = pd.Series(cells, dtype="str")
    hit = column.str.match(r"'*[=+\-@\t\r]").fillna(False).astype(bool)
    assert_series_equal(tidy.neutralise(column), column.where(~hit, "'" + column))


def test_neutralise_examples() -> None:
    column = pd.Series(["=1+1", "'=x", "'abc", "plain", "-", "''@"], dtype="str")
    assert tidy.neutralise(column).tolist() == ["'=1+1", "''=x", "'abc", "plain", "'-", "'''@"]


def test_csv_neutralises_text_but_never_numbers() -> None:
    frame = frame_of(text=["=cmd|' /C calc'!A0"], task=["t"], value=["-1"], label_set_version=[3])
    body = tidyfiles.to_csv_bytes(frame).decode("utf-8").splitlines()[1]
    assert body.startswith(",,,,,,,'=cmd|' /C calc'!A0,")
    assert ",'-1," in body and ",3," in body


def _pandas_csv(frame: pd.DataFrame) -> bytes:
    """CSV as pandas' ``to_csv`` writes it: what :func:`tidyfiles.to_csv_bytes`
    wrote before its pyarrow path, byte for byte."""
    frame = tidy.sort(tidy.normalize(frame))
    for col in frame.columns:
        if frame[col].dtype == "str":
            frame[col] = tidy.neutralise(frame[col])
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


@given(tidy_frames())
@SETTINGS
def test_csv_is_byte_for_byte_what_pandas_writes(frame: pd.DataFrame) -> None:
    assert tidyfiles.to_csv_bytes(frame) == _pandas_csv(frame)


def test_csv_of_every_tricky_cell_is_what_pandas_writes_and_takes_the_fast_path() -> None:
    cells = [*TRICKY, "\x00", '""', ",", "\n", " ", "a\r", 'é,"', "tab\tend"]
    frame = frame_of(text=cells, task=cells, value=cells, annotator=list(reversed(cells)),
                     span_start=[None, *range(len(cells) - 1)], note=cells)  # fmt: skip
    assert tidyfiles._CSV_FAST and tidyfiles._csv_fast(tidy.sort(frame)) is not None
    assert tidyfiles.to_csv_bytes(frame) == _pandas_csv(frame)
    assert tidyfiles.to_csv_bytes(tidy.empty()) == _pandas_csv(tidy.empty())


def _plain_jsonl(frame: pd.DataFrame) -> bytes:
    """One ``json.dumps`` per row: what :func:`tidyfiles.to_jsonl_bytes` wrote
    before its pyarrow path, byte for byte."""
    rows = records(tidy.sort(tidy.normalize(frame)))
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


@given(tidy_frames())
@SETTINGS
def test_jsonl_is_byte_for_byte_one_json_dumps_per_row(frame: pd.DataFrame) -> None:
    assert tidyfiles.to_jsonl_bytes(frame) == _plain_jsonl(frame)


def test_jsonl_of_every_tricky_cell_is_one_json_dumps_per_row_and_takes_the_fast_path() -> None:
    cells = [*TRICKY, "\x00", "\x1f\x7f", '"', "\\", 'back\\slash "q"', "\b\f", "é"]
    frame = frame_of(text=cells, task=cells, value=cells, annotator=list(reversed(cells)),
                     label_set_version=[None, *range(len(cells) - 1)], note=cells)  # fmt: skip
    assert tidyfiles._jsonl_fast(tidy.sort(frame)) is not None
    assert tidyfiles.to_jsonl_bytes(frame) == _plain_jsonl(frame)
    assert tidyfiles.to_jsonl_bytes(tidy.empty()) == b""


# ------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", tidy.TIDY_FORMATS)
@given(frame=tidy_frames())
@SETTINGS
def test_export_then_import_gives_the_same_table(fmt: str, frame: pd.DataFrame) -> None:
    data = tidyfiles.to_bytes(frame, fmt)
    back, problems = tidyfiles.from_bytes(data, fmt, name=f"x.{fmt}")
    assert problems == []
    assert_frame_equal(back, tidy.sort(tidy.normalize(frame)))
    assert tidyfiles.to_bytes(back, fmt) == data


@pytest.mark.parametrize("fmt", tidy.TIDY_FORMATS)
def test_path_functions_write_and_read_files(fmt: str, tmp_path: Any) -> None:
    path = tmp_path / f"labels.{fmt}"
    getattr(tidyfiles, f"write_{fmt}")(two_labels(), path)
    back, problems = getattr(tidyfiles, f"read_{fmt}")(path)
    assert problems == []
    assert_frame_equal(back, tidy.sort(two_labels()))


def test_csv_is_utf8_with_a_header_and_reads_a_byte_order_mark() -> None:
    data = tidyfiles.to_csv_bytes(two_labels())
    assert data.decode("utf-8").startswith(",".join(tidy.COLUMNS) + "\r\n")
    back, problems = tidyfiles.read_csv_bytes(b"\xef\xbb\xbf" + data)
    assert problems == [] and len(back) == 2


def test_reading_the_minimum_columns_fills_the_rest() -> None:
    back, problems = tidyfiles.read_csv_bytes(b"text,task,value\nMusk menang,bias,biased\n")
    assert problems == []
    assert list(back.columns) == list(tidy.COLUMNS)
    assert back.loc[0, "value"] == "biased" and pd.isna(back.loc[0, "span_start"])


def test_span_text_is_filled_from_the_offsets_when_missing() -> None:
    data = b"text,task,value,span_start,span_end\nMusk menang,bias,biased,0,4\n"
    back, problems = tidyfiles.read_csv_bytes(data)
    assert problems == [] and back.loc[0, "span_text"] == "Musk"


# ------------------------------------------------------- bad input


def lines_of(problems: list[Any]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in problems]


def test_a_missing_required_column_is_reported_on_line_1() -> None:
    frame, problems = tidyfiles.read_csv_bytes(b"text,task\nabc,bias\n", name="in.csv")
    assert lines_of(problems) == [(1, "value")]
    assert problems[0].file == "in.csv" and frame.empty


def test_bad_csv_cells_are_reported_with_their_line_and_field() -> None:
    data = (
        b"text,task,value,span_start,span_end,span_text\n"
        b"Musk menang,bias,biased,abc,4,\n"  # line 2: not a number
        b"Musk menang,bias,biased,3,1,\n"  # line 3: end before start
        b"Musk,bias,biased,0,40,\n"  # line 4: beyond the text
        b"Musk menang,bias,biased,0,4,Trump\n"  # line 5: wrong span text
        b",,favor,,,\n"  # line 6: a value without a task
    )
    frame, problems = tidyfiles.read_csv_bytes(data)
    assert lines_of(errors(problems)) == [
        (2, "span_start"), (2, "span_end"), (3, "span_end"), (4, "span_end"), (5, "span_text"),
        (6, "task"),
    ]  # fmt: skip
    assert len(frame) == 5  # everything parsed is returned, problems beside it


def test_malformed_csv_rows_are_reported_and_the_rest_read() -> None:
    data = b'text,task,value\na,t,v\nb,t,v,extra\nc,t\nd,t,v\n"open quote,t,v\n'
    frame, problems = tidyfiles.read_csv_bytes(data)
    assert [p.line for p in problems] == [3, 4, 6]
    assert frame["text"].tolist() == ["a", "d"]


def test_non_utf8_csv_is_a_problem_on_its_line() -> None:
    frame, problems = tidyfiles.read_csv_bytes(b"text,task,value\nok,t,v\nbad \xff,t,v\n")
    assert lines_of(problems) == [(3, None)] and len(frame) == 2


def test_an_empty_csv_is_a_problem_not_an_exception() -> None:
    frame, problems = tidyfiles.read_csv_bytes(b"")
    assert frame.empty and [p.line for p in problems] == [1]


def test_bad_jsonl_lines_are_reported_with_their_numbers() -> None:
    data = (
        b'{"text": "a", "task": "t", "value": "v"}\n'
        b"{not json\n"
        b"[1, 2]\n"
        b"\n"
        b'{"text": "b", "task": "t", "value": "v", "span_start": "x", "span_end": 1}\n'
        b'{"text": "c", "task": ["t"], "value": "v"}\n'
    )
    frame, problems = tidyfiles.read_jsonl_bytes(data)
    assert sorted(lines_of(problems)) == [(2, None), (3, None), (5, "span_end"),
                                          (5, "span_start"), (6, "task"), (6, "task")]  # fmt: skip
    assert sorted(frame["text"]) == ["a", "b", "c"]


def test_a_true_is_not_a_whole_number_in_jsonl() -> None:
    data = b'{"text": "ab", "task": "t", "value": "v", "sentence_index": true}\n'
    _, problems = tidyfiles.read_jsonl_bytes(data)
    assert lines_of(problems) == [(1, "sentence_index")]


def test_broken_parquet_is_a_problem_not_an_exception() -> None:
    frame, problems = tidyfiles.read_parquet_bytes(b"PAR1 not really", name="x.parquet")
    assert frame.empty and problems[0].file == "x.parquet"


def test_parquet_problems_are_numbered_like_the_csv_rows(tmp_path: Any) -> None:
    raw = pd.DataFrame({"text": ["ab", "cd"], "task": ["t", "t"], "value": ["v", "v"],
                        "span_start": ["0", "zz"], "span_end": [1, 1]})  # fmt: skip
    raw.to_parquet(tmp_path / "x.parquet")
    _, problems = tidyfiles.read_parquet(tmp_path / "x.parquet")
    assert lines_of(problems) == [(3, "span_start"), (3, "span_end")]


def test_many_bad_rows_are_summarised() -> None:
    data = "text,task,value,sentence_index\n" + "a,t,v,x\n" * 100
    _, problems = tidyfiles.read_csv_bytes(data.encode())
    problems = [p for p in problems if p.field == "sentence_index"]
    assert len(problems) == 21 and "80 more" in problems[-1].message


def test_conflicting_labels_are_flagged() -> None:
    frame = frame_of(
        text=["ab"] * 4, annotator=["A"] * 4, task=["frames"] * 4,
        value=["", "economic", "economic", "economic"], span_start=[None, None, 0, None],
        span_end=[None, None, 1, None], span_text=["", "", "a", ""],
    )  # fmt: skip
    problems = tidy.validate(frame, file="x")
    assert [p.severity for p in errors(problems)] == ["error"] * 3  # 'no value' next to values
    assert {p.message for p in problems if p.severity == "warning"} == {
        "a value both with and without cue spans", "the same label twice",
    }  # fmt: skip


def test_a_semicolon_csv_from_a_spreadsheet_is_read() -> None:
    data = b"text;task;value;span_start;span_end\nMusk, katanya;bias;biased;0;4\n"
    back, problems = tidyfiles.read_csv_bytes(data)
    assert problems == [] and back.loc[0, "span_text"] == "Musk"


def test_a_column_twice_is_reported_and_the_first_kept() -> None:
    back, problems = tidyfiles.read_csv_bytes(b"text,task,value,task\nab,bias,biased,opinion\n")
    assert lines_of(problems) == [(1, "task")] and back.loc[0, "task"] == "bias"


def test_extra_csv_columns_get_their_types_back() -> None:
    frame = frame_of(text=["a", "b"], task=["t", "t"], value=["v", "w"], n=[1, None],
                     p=[0.1, 2.5], ok=[True, False], code=["-5", "x"])  # fmt: skip
    back, problems = tidyfiles.read_csv_bytes(tidyfiles.to_csv_bytes(frame))
    assert problems == []
    assert_frame_equal(back, tidy.sort(frame))
