"""Peer formats (Label Studio, doccano, Prodigy) and the format registry."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from annotator.exchange import (
    FORMATS,
    UnknownFormat,
    doccano,
    format_for,
    labelstudio,
    peers,
    prodigy,
    read,
    tidy,
    write,
)
from tests.test_exchange_tidy import SETTINGS, tidy_frames, two_labels  # the shared strategy

ROOT = Path(__file__).resolve().parents[1]


def sample() -> pd.DataFrame:
    """Every kind of row: multi-choice, 'no value applies', several spans per
    value, two annotators on a sentence, an unlabelled sentence, extras."""
    text = "Musk menyebut serangan itu “kudeta” dan “kudeta digital”."
    base = {"document_id": "d3f2a9c1b2e4", "outlet": "kumparan", "sentence_index": 3,
            "sentence_id": "d3f2a9c1b2e4:3", "text": text, "label_set": "default",
            "label_set_version": 2, "source": "human",
            "created_at": "2026-11-21T23:59:21.123456+00:00"}  # fmt: skip
    rows = [
        {**base, "annotator": "Budi", "task": "stance", "target": "Elon Musk", "value": "favor"},
        {**base, "annotator": "Ñoño", "task": "stance", "target": "Elon Musk", "value": "against"},
        {**base, "annotator": "Budi", "task": "frames", "value": "political"},
        {**base, "annotator": "Budi", "task": "frames", "value": "security"},
        {**base, "annotator": "Ñoño", "task": "frames", "value": ""},
        {**base, "annotator": "Budi", "task": "bias", "value": "biased", "span_start": 28,
         "span_end": 34, "span_text": "kudeta"},
        {**base, "annotator": "Budi", "task": "bias", "value": "biased", "span_start": 41,
         "span_end": 55, "span_text": "kudeta digital"},
        {"document_id": "d3f2a9c1b2e4", "outlet": "kumparan", "sentence_index": 4,
         "sentence_id": "d3f2a9c1b2e4:4", "text": "=Tidak ada label.", "annotator": "",
         "task": "", "value": ""},
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["probability"] = [0.91, None, None, None, None, 0.5, 0.5, None]
    return tidy.normalize(frame)


def assert_same_table(back: pd.DataFrame, frame: pd.DataFrame) -> None:
    assert_frame_equal(back, tidy.sort(tidy.normalize(frame)))


# ------------------------------------------------------------ round trips


# The tidy formats have the same property in test_exchange_tidy.py.
@pytest.mark.parametrize("name", ["label-studio", "doccano", "prodigy"])
@given(frame=tidy_frames())
@SETTINGS
def test_export_then_import_gives_the_same_labels(name: str, frame: pd.DataFrame) -> None:
    fmt = FORMATS[name]
    data = fmt.to_bytes(frame)
    back, problems = fmt.from_bytes(data, "upload" + fmt.extension)
    assert problems == []
    assert_same_table(back, frame)
    assert fmt.to_bytes(back) == data  # export, import, export: the same bytes


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_kind_of_row_survives_each_format(name: str, tmp_path: Path) -> None:
    fmt = FORMATS[name]
    path = tmp_path / fmt.file_name("labels")
    fmt.write(sample(), path)
    back, problems = fmt.read(path)
    assert problems == []
    assert_same_table(back, sample())


# ------------------------------------------------------------ what is written


def test_label_studio_writes_one_task_per_sentence_and_one_annotation_per_annotator() -> None:
    tasks = json.loads(labelstudio.to_bytes(sample()))
    assert [t["data"]["sentence_index"] for t in tasks] == [3, 4]
    first = tasks[0]
    assert len(first["annotations"]) == 2 and tasks[1]["annotations"] == []
    regions = [r for a in first["annotations"] for r in a["result"]]
    by_name = {(r["from_name"], r["type"]): r["value"] for r in regions}
    assert by_name[("stance@Elon Musk", "choices")] == {"choices": ["favor"]} or by_name[
        ("stance@Elon Musk", "choices")
    ] == {"choices": ["against"]}
    assert {"choices": ["political", "security"]} in [r["value"] for r in regions]
    assert {"choices": []} in [r["value"] for r in regions]  # no value applies
    spans = [r["value"] for r in regions if r["type"] == "labels"]
    assert [(s["start"], s["end"], s["text"], s["labels"]) for s in spans] == [
        (28, 34, "kudeta", ["biased"]),
        (41, 55, "kudeta digital", ["biased"]),
    ]
    assert all(r["to_name"] == "text" for r in regions)


def test_doccano_writes_named_categories_and_span_triples() -> None:
    lines = [json.loads(x) for x in doccano.to_bytes(sample()).decode().splitlines()]
    budi = next(x for x in lines if x["annotator"] == "Budi")
    assert budi["label"] == ["frames=political", "frames=security", "stance@Elon Musk=favor"]
    assert budi["entities"] == [[28, 34, "bias=biased"], [41, 55, "bias=biased"]]
    nono = next(x for x in lines if x["annotator"] == "Ñoño")
    assert nono["label"] == ["frames=", "stance@Elon Musk=against"]
    assert doccano.parse_category("stance@Elon Musk=favor") == ("stance", "Elon Musk", "favor")
    assert doccano.parse_category("positive", default_task="sentiment") == (
        "sentiment", "", "positive",
    )  # fmt: skip


def test_prodigy_writes_one_line_per_sentence_annotator_task_and_target() -> None:
    lines = [json.loads(x) for x in prodigy.to_bytes(sample()).decode().splitlines()]
    keys = [(x.get("_annotator_id"), x["meta"].get("task"), x["meta"].get("target")) for x in lines]
    assert keys == [
        ("Budi", "bias", ""), ("Budi", "frames", ""), ("Budi", "stance", "Elon Musk"),
        ("Ñoño", "frames", ""), ("Ñoño", "stance", "Elon Musk"), (None, None, None),
    ]  # fmt: skip
    bias, frames = lines[0], lines[1]
    assert bias["accept"] == ["biased"] and [s["label"] for s in bias["spans"]] == ["biased"] * 2
    assert frames["accept"] == ["political", "security"] and lines[3]["accept"] == []
    assert {"id": "favor", "text": "favor"} in lines[2]["options"]
    assert "answer" not in lines[5]  # the unlabelled sentence, as a Prodigy input task
    assert lines[0]["_input_hash"] == lines[1]["_input_hash"] == prodigy.stable_hash(bias["text"])
    assert lines[0]["_task_hash"] != lines[1]["_task_hash"]
    assert isinstance(bias["_timestamp"], int)


def test_the_labeling_config_matches_the_written_control_names() -> None:
    config = ElementTree.fromstring(labelstudio.labeling_config(sample()))
    controls = {e.get("name"): e for e in config if e.tag in ("Choices", "Labels")}
    tasks = json.loads(labelstudio.to_bytes(sample()))
    used = {r["from_name"] for t in tasks for a in t["annotations"] for r in a["result"]}
    assert used <= controls.keys()
    assert controls["frames"].get("choice") == "multiple"
    assert controls["stance@Elon Musk"].get("choice") == "single"
    assert [c.get("value") for c in controls["bias.spans"]] == ["biased"]


# ------------------------------------------------------ files the tools wrote


def test_reads_a_label_studio_export() -> None:
    export = [
        {"id": 7, "data": {"text": "Trump memuji Musk 🙂 di X."},
         "annotations": [
             {"completed_by": 3, "created_at": "2024-08-13T03:28:00.5Z", "was_cancelled": False,
              "result": [
                  {"id": "a", "from_name": "sentiment", "to_name": "text", "type": "choices",
                   "value": {"choices": ["Positive"]}},
                  {"id": "b", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": 24, "end": 25, "text": "X", "labels": ["ORG"]}},
                  {"id": "c", "from_name": "note", "to_name": "text", "type": "textarea",
                   "value": {"text": ["hmm"]}},
              ]},
             {"completed_by": {"id": 4, "email": "ayu@example.org"}, "result": [
                 {"id": "d", "from_name": "sentiment", "to_name": "text", "type": "choices",
                  "value": {"choices": ["Negative"]}}]},
             {"completed_by": 5, "was_cancelled": True, "result": []},
         ],
         "predictions": [{"model_version": "tfidf-v1", "result": [
             {"id": "e", "from_name": "sentiment", "to_name": "text", "type": "choices",
              "value": {"choices": ["Neutral"]}}]}]},
        {"id": 8, "data": {"text": "Belum dilabeli."}, "annotations": []},
    ]  # fmt: skip
    frame, problems = labelstudio.from_bytes(json.dumps(export).encode(), "export.json")
    assert [p.severity for p in problems] == ["warning"]  # the textarea, skipped
    got = frame[["annotator", "task", "value", "span_start", "source", "created_at"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["", "", "", None, "", ""],
        ["3", "label", "ORG", 23, "import", "2024-08-13T03:28:00.500000+00:00"],
        ["3", "sentiment", "Positive", None, "import", "2024-08-13T03:28:00.500000+00:00"],
        ["ayu@example.org", "sentiment", "Negative", None, "import", ""],
        ["tfidf-v1", "sentiment", "Neutral", None, "model", ""],
    ]
    # The emoji counted twice (UTF-16) in that export; the offsets are converted.
    assert frame.loc[1, "span_text"] == "X"


def test_reads_doccano_classification_and_sequence_labelling_lines() -> None:
    data = (
        b'{"id": 1, "text": "Musk menang.", "label": ["positive", "stance@Musk=favor"], '
        b'"Comments": []}\n'
        b'{"id": 2, "text": "Trump kalah.", "label": [[0, 5, "PER"]]}\n'
        b'{"id": 3, "text": "Harris.", "entities": [{"id": 9, "label": "PER", '
        b'"start_offset": 0, "end_offset": 6}], "cats": ["news"]}\n'
        b'{"id": 4, "text": "Kosong.", "label": []}\n'
    )
    frame, problems = doccano.from_bytes(data, "admin.jsonl", default_task="sentiment")
    assert problems == []
    got = frame[["text", "task", "target", "value", "span_text", "source"]].values.tolist()
    assert sorted(got) == sorted(
        [
            ["Kosong.", "", "", "", "", ""],
            ["Harris.", "sentiment", "", "PER", "Harris", "import"],
            ["Harris.", "sentiment", "", "news", "", "import"],
            ["Musk menang.", "sentiment", "", "positive", "", "import"],
            ["Musk menang.", "stance", "Musk", "favor", "", "import"],
            ["Trump kalah.", "sentiment", "", "PER", "Trump", "import"],
        ]
    )


def test_reads_a_doccano_zip_with_one_file_per_user() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "alice.jsonl", '{"text": "A.", "label": ["x"]}\n{"text": "B.", "label": []}\n'
        )
        archive.writestr("bob.jsonl", '{"text": "A.", "label": []}\n{"text": "B.", "label": []}\n')
    frame, problems = FORMATS["doccano"].from_bytes(buffer.getvalue(), "export.zip")
    assert problems == []
    assert frame[["text", "annotator", "value"]].values.tolist() == [
        ["B.", "", ""],  # nobody labelled B: one unlabelled row
        ["A.", "alice", "x"],  # bob saw A without labelling it: no row
    ]


def test_reads_prodigy_answers() -> None:
    data = "\n".join(json.dumps(x) for x in [
        {"text": "Musk menang.", "options": [{"id": 1, "text": "POS"}, {"id": 2, "text": "NEG"}],
         "accept": [1], "answer": "accept", "_annotator_id": "news-alex", "_timestamp": 1723519680},
        {"text": "Trump kalah.", "spans": [{"start": 0, "end": 5, "label": "PER",
         "token_start": 0, "token_end": 0}], "answer": "accept", "_session_id": "news-bo"},
        {"text": "Harris.", "label": "POLITICS", "answer": "accept", "_annotator_id": "x"},
        {"text": "Ditolak.", "label": "POLITICS", "answer": "reject", "_annotator_id": "x"},
        {"text": "Tidak ada.", "options": [{"id": "A", "text": "A"}], "accept": [],
         "answer": "accept", "_annotator_id": "x", "meta": {"task": "frames"}},
    ]).encode()  # fmt: skip
    frame, problems = prodigy.from_bytes(data, "db-out.jsonl")
    assert problems == []
    got = frame[["text", "annotator", "task", "value", "span_text", "created_at"]]
    assert sorted(got.values.tolist()) == sorted(
        [
            ["Ditolak.", "", "", "", "", ""],
            ["Harris.", "x", "label", "POLITICS", "", ""],
            ["Tidak ada.", "x", "frames", "", "", ""],
            ["Musk menang.", "news-alex", "label", "1", "", "2024-08-13T03:28:00+00:00"],
            ["Trump kalah.", "news-bo", "label", "PER", "Trump", ""],
        ]
    )


def test_an_edited_label_falls_back_to_what_the_tool_says() -> None:
    tasks = json.loads(labelstudio.to_bytes(two_labels()))
    region = tasks[0]["annotations"][0]["result"][0]
    region["from_name"] = "stance@Donald Trump"  # moved in Label Studio
    frame, problems = labelstudio.from_bytes(json.dumps(tasks).encode())
    assert problems == []
    moved = frame[frame["target"] == "Donald Trump"].iloc[0]
    assert (moved["annotator"], moved["source"]) == ("1", "import")


# ------------------------------------------------------------ bad input


def test_label_studio_problems_point_at_the_task_line() -> None:
    tasks = [
        {"data": {"text": "ok"}, "annotations": []},
        {"data": {"image": 1}},
        {"data": {"text": "abc"}, "annotations": [{"result": [
            {"type": "labels", "from_name": "bias", "value": {"start": 2, "end": 9,
                                                             "labels": ["biased"]}},
            {"type": "choices", "from_name": "bias", "value": {"choices": "biased"}},
        ]}]},
    ]  # fmt: skip
    text = json.dumps(tasks, indent=2)
    _frame, problems = labelstudio.from_bytes(text.encode(), "ls.json")
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("  {")]
    assert sorted((p.line, p.field) for p in problems) == [
        (starts[1], "data.text"),
        (starts[2], "annotations[0].result[1]"),
        (starts[2], "span_end"),
    ]


def test_malformed_label_studio_json_is_a_problem_with_its_line() -> None:
    frame, problems = labelstudio.from_bytes(b'[\n{"data": {"text": "a"}},\n{"data": \n]')
    assert [p.line for p in problems] == [4] and len(frame) == 1
    _, problems = labelstudio.from_bytes(b'"just a string"')
    assert [p.line for p in problems] == [1]


@pytest.mark.parametrize("name", ["doccano", "prodigy"])
def test_bad_jsonl_lines_are_reported_by_number(name: str) -> None:
    data = (
        b'{"text": "Musk menang.", "label": [[0, 99, "bias=biased"]], "answer": "accept", '
        b'"spans": [{"start": 0, "end": 99, "label": "biased"}]}\n'
        b"{oops\n"
        b'{"label": ["x"], "answer": "accept"}\n'
    )
    _, problems = FORMATS[name].from_bytes(data, "in.jsonl")
    assert sorted((p.line, p.field) for p in problems) == [(1, "span_end"), (2, None), (3, "text")]


def test_unreadable_doccano_labels_and_prodigy_spans_are_reported() -> None:
    _, problems = doccano.from_bytes(b'{"text": "a", "label": [{"x": 1}]}\n')
    assert [(p.line, p.field) for p in problems] == [(1, "label")]
    _, problems = prodigy.from_bytes(
        b'{"text": "a", "spans": [{"label": "x"}], "answer": "accept"}'
    )
    assert [(p.line, p.field) for p in problems] == [(1, "spans")]


def test_garbage_never_raises() -> None:
    for fmt in FORMATS.values():
        for junk in (b"", b"\xff\xfe\x00", b"[1, 2, 3]", b"PK\x03\x04broken", b"{}"):
            frame, _problems = fmt.from_bytes(junk, "junk")
            assert isinstance(frame, pd.DataFrame)
            assert list(frame.columns)[: len(tidy.COLUMNS)] == list(tidy.COLUMNS)


@given(
    name=st.sampled_from(list(FORMATS)),
    at=st.integers(0, 4000),
    junk=st.binary(min_size=1, max_size=4),
)
@SETTINGS
def test_a_damaged_export_gives_problems_not_exceptions(name: str, at: int, junk: bytes) -> None:
    data = FORMATS[name].to_bytes(sample())
    at %= len(data)
    damaged = data[:at] + junk + data[at + len(junk) :]
    frame, _ = FORMATS[name].from_bytes(damaged, "damaged")
    assert list(frame.columns)[: len(tidy.COLUMNS)] == list(tidy.COLUMNS)


# ------------------------------------------------------------ the registry


def test_the_registry_names_every_format_with_its_extension() -> None:
    assert {n: f.extension for n, f in FORMATS.items()} == {
        "csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "label-studio": ".json",
        "doccano": ".jsonl", "prodigy": ".jsonl",
    }  # fmt: skip
    assert all(f.media_type for f in FORMATS.values())


@pytest.mark.parametrize("name", list(FORMATS))
def test_format_for_finds_a_written_file_again(name: str, tmp_path: Path) -> None:
    path = tmp_path / FORMATS[name].file_name("export")
    FORMATS[name].write(sample(), path)
    assert format_for(name) is FORMATS[name]
    assert format_for(path).name == name
    assert format_for(path.name, head=path.read_bytes()[:500]).name == name
    frame, problems = read(path)
    assert problems == [] and len(frame) == len(sample())


def test_format_for_refuses_what_it_cannot_tell(tmp_path: Path) -> None:
    with pytest.raises(UnknownFormat):
        format_for("labels.xlsx")
    with pytest.raises(UnknownFormat):
        format_for("x.jsonl", head=b'{"foo": 1}\n')
    with pytest.raises(UnknownFormat):
        format_for(tmp_path / "missing.jsonl")
    assert format_for("export.zip").name == "doccano"


def test_write_picks_the_format_from_the_extension(tmp_path: Path) -> None:
    write(two_labels(), tmp_path / "a.jsonl")
    assert format_for(tmp_path / "a.jsonl").name == "jsonl"
    write(two_labels(), tmp_path / "b.jsonl", fmt="prodigy")
    assert format_for(tmp_path / "b.jsonl").name == "prodigy"


def test_importing_the_exchange_package_loads_no_streamlit() -> None:
    code = "import sys, annotator.exchange.card; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


@given(frame=tidy_frames(max_sentences=6))
@SETTINGS
def test_sentence_numbers_group_rows_as_their_sentence_columns_do(frame: pd.DataFrame) -> None:
    """The writers group rows by these numbers where they used a tuple of the
    sentence columns: same number exactly when the tuple is the same."""
    twins = frame.assign(text=frame["text"] + "!", sentence_index=None)
    both = tidy.normalize(pd.concat([frame, twins.iloc[::2]], ignore_index=True))
    first_seen: dict[tuple[object, ...], int] = {}
    expected = [
        first_seen.setdefault(tuple(row[c] for c in tidy.SENTENCE_COLUMNS), len(first_seen))
        for row in peers.records(both)
    ]
    assert peers.sentence_numbers(both) == expected


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
@SETTINGS
def test_the_shared_json_encoder_writes_what_json_dumps_writes(value: object) -> None:
    assert peers.JSON.encode(value) == json.dumps(value, ensure_ascii=False)
