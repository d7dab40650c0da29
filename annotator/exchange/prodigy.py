"""Prodigy's JSONL (the ``choice`` interface): one line per sentence,
annotator, task and target.

Start with :func:`to_bytes` / :func:`from_bytes` (or :func:`write` /
:func:`read`). A line written here::

    {"text": "...", "meta": {"outlet": "kumparan", ..., "task": "stance",
     "target": "Elon Musk"}, "_input_hash": ..., "_task_hash": ...,
     "options": [{"id": "against", "text": "against"}, ...],
     "accept": ["favor"], "spans": [{"start": 3, "end": 7, "text": "Musk",
     "label": "favor"}], "answer": "accept", "_view_id": "choice",
     "_annotator_id": "Budi", "_session_id": "Budi", "_timestamp": 1763769561,
     "workbench": {...}}

* ``accept`` lists the values; a value with cue spans is also accepted and its
  spans carry it as their ``label``; ``"accept": []`` with no spans is "no value
  applies"; ``options`` are the values the table uses for that task;
* ``meta`` (shown by Prodigy next to the text) holds the sentence columns and
  the task and target; ``_input_hash`` is a stable 32-bit hash of the text,
  ``_task_hash`` of text, task and target; ``_timestamp`` is the earliest
  label's time in whole seconds;
* ``workbench.labels`` holds per label what Prodigy has no field for (label
  set, source, exact timestamp, extra columns), matched back by value and
  offsets; an unlabelled sentence is a line without ``answer`` (as in a
  Prodigy input file) with ``workbench.unlabelled``.

Files Prodigy wrote are read too: ``textcat.manual`` choices (``accept``),
binary ``label`` + ``answer``, ``ner.manual`` / ``spans.manual`` spans; the
task is ``meta.task`` else ``default_task``, the annotator ``_annotator_id``
(else ``_session_id``), the time ``_timestamp``, the source ``import``.
Rejected and ignored answers leave the sentence unlabelled.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from annotator.exchange.peers import (
    JSON,
    apply_meta,
    as_dict,
    decode,
    is_unlabelled,
    iso_utc,
    json_lines,
    label_meta,
    records,
    sentence_numbers,
)
from annotator.exchange.tidy import (
    SENTENCE_COLUMNS,
    check,
    extra_columns,
    normalize,
    sort,
)
from annotator.problems import Problem

META_VERSION = 1
DEFAULT_TASK = "label"


def stable_hash(*parts: str) -> int:
    """A signed 32-bit hash like Prodigy's, the same in every process."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


# ------------------------------------------------------------------ writing


def to_lines(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The tidy table as Prodigy task objects."""
    frame = sort(normalize(frame))
    extras = extra_columns(frame)
    rows = records(frame)
    options: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["value"]:
            options[row["task"]].add(row["value"])
    choices = {task: sorted(values) for task, values in options.items()}
    input_hashes: dict[int, int] = {}  # per sentence: most have several lines
    seconds: dict[str, int | None] = {}  # per timestamp: a save stamps all its labels
    lines: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row, sentence in zip(rows, sentence_numbers(frame), strict=True):
        unlabelled = is_unlabelled(row)
        key = (sentence, None if unlabelled else row["annotator"], row["task"], row["target"])
        line = lines.get(key)
        if line is None:
            if sentence not in input_hashes:
                input_hashes[sentence] = stable_hash(row["text"])
            line = _new_line(row, choices.get(row["task"], []), unlabelled, input_hashes[sentence])
            lines[key] = line
        meta = label_meta(row, extras)
        if unlabelled:
            line["workbench"]["unlabelled"].append({"annotator": row["annotator"], **meta})
            continue
        entry = {"value": row["value"]}
        if row["value"] and row["value"] not in line["accept"]:
            line["accept"].append(row["value"])
        if row["span_start"] is not None:
            span = {"start": row["span_start"], "end": row["span_end"], "text": row["span_text"]}
            line["spans"].append({**span, "label": row["value"]})
            entry.update(start=row["span_start"], end=row["span_end"])
        line["workbench"]["labels"].append({**entry, **meta})
        stamp = _seconds(row["created_at"], seconds)
        if stamp is not None and stamp < line.get("_timestamp", stamp + 1):
            line["_timestamp"] = stamp
    return list(lines.values())


def _new_line(
    row: dict[str, Any], options: list[str], unlabelled: bool, input_hash: int
) -> dict[str, Any]:
    shown = {c: row[c] for c in SENTENCE_COLUMNS if c != "text" and row[c] not in ("", None)}
    line: dict[str, Any] = {"text": row["text"]}  # keys in the order Prodigy writes them
    line["_input_hash"] = input_hash
    line["_task_hash"] = stable_hash(row["text"], row["task"], row["target"])
    line["meta"] = shown
    if unlabelled:  # a Prodigy input task: not answered yet
        line["workbench"] = {"version": META_VERSION, "unlabelled": []}
        return line
    shown.update(task=row["task"], target=row["target"])
    line["options"] = [{"id": v, "text": v} for v in options]
    line.update(accept=[], spans=[], answer="accept", _view_id="choice")
    line.update(_annotator_id=row["annotator"], _session_id=row["annotator"])
    line["workbench"] = {"version": META_VERSION, "labels": []}
    return line


def _seconds(stamp: str, known: dict[str, int | None]) -> int | None:
    """Whole seconds since 1970 of an ISO timestamp, remembered in ``known``."""
    if stamp not in known:
        try:
            known[stamp] = int(datetime.fromisoformat(stamp).timestamp()) if stamp else None
        except ValueError:
            known[stamp] = None
    return known[stamp]


def to_bytes(frame: pd.DataFrame) -> bytes:
    """Prodigy JSONL of the table, UTF-8."""
    lines = [JSON.encode(line) + "\n" for line in to_lines(frame)]
    return "".join(lines).encode("utf-8")


def write(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_bytes(frame))


# ------------------------------------------------------------------ reading


def from_bytes(
    data: bytes, name: str = "<prodigy>", *, default_task: str = DEFAULT_TASK
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse Prodigy JSONL (``db-out`` output, or a file written here)."""
    text, problems = decode(data, name)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    unlabelled: dict[tuple[Any, ...], tuple[dict[str, Any], int]] = {}
    for number, obj in json_lines(text, name, problems):
        if not isinstance(obj.get("text"), str):
            problems.append(Problem(name, "the line has no text", number, "text"))
            continue
        got = _line_rows(obj, default_task, (name, number), problems)
        if got is None:
            sentence = _sentence(obj)
            unlabelled.setdefault(tuple(sentence.get(c) for c in SENTENCE_COLUMNS),
                                  (sentence, number))  # fmt: skip
            continue
        rows += got
        lines += [number] * len(got)
    labelled = {tuple(r.get(c) for c in SENTENCE_COLUMNS) for r in rows}
    for key, (sentence, number) in unlabelled.items():
        if key not in labelled:  # seen, never labelled: one unlabelled row
            rows.append({**sentence, "annotator": "", "task": "", "value": ""})
            lines.append(number)
    frame, found = check(pd.DataFrame(rows), file=name, lines=lines)
    return frame, problems + found


def read(path: Path, *, default_task: str = DEFAULT_TASK) -> tuple[pd.DataFrame, list[Problem]]:
    return from_bytes(Path(path).read_bytes(), str(path), default_task=default_task)


def _sentence(obj: dict[str, Any]) -> dict[str, Any]:
    meta = as_dict(obj.get("meta"))
    sentence = {c: meta[c] for c in SENTENCE_COLUMNS if c in meta and c != "text"}
    sentence["text"] = obj["text"]
    return sentence


def _line_rows(
    obj: dict[str, Any], default_task: str, where: tuple[str, int], problems: list[Problem]
) -> list[dict[str, Any]] | None:
    """The rows of one line, or None when it holds no label."""
    name, number = where
    sentence = _sentence(obj)
    workbench = as_dict(obj.get("workbench"))
    if obj.get("answer") != "accept":
        marks = workbench.get("unlabelled")
        if "answer" in obj or not isinstance(marks, list):
            return None  # rejected, ignored, or a plain input task
        blank = {**sentence, "task": "", "value": ""}
        marks = [as_dict(m) for m in marks]
        return [apply_meta({**blank, "annotator": m.get("annotator", "")}, m) for m in marks]
    meta = as_dict(obj.get("meta"))
    annotator = obj.get("_annotator_id", obj.get("_session_id", ""))
    base = {
        **sentence,
        "annotator": "" if annotator is None else str(annotator),
        "task": str(meta.get("task", default_task)),
        "target": str(meta.get("target", "")),
        "created_at": iso_utc(obj.get("_timestamp")),
    }
    saved: dict[tuple[Any, ...], deque[dict[str, Any]]] = defaultdict(deque)
    for entry in workbench.get("labels") or []:
        if isinstance(entry, dict):
            saved[(str(entry.get("value", "")), entry.get("start"), entry.get("end"))].append(entry)
    rows: list[dict[str, Any]] = []
    for value, start, end in _natives(obj, name, number, problems):
        queue = saved.get((value, start, end))
        row = {**base, "value": value}
        if start is not None:
            row.update(span_start=start, span_end=end)
        rows.append(apply_meta(row, queue.popleft() if queue else None))
    return rows


def _natives(
    obj: dict[str, Any], name: str, number: int, problems: list[Problem]
) -> list[tuple[str, Any, Any]]:
    """``(value, start, end)`` of the labels of an accepted line."""
    spans: list[tuple[str, Any, Any]] = []
    raw_spans = obj.get("spans") or []
    for span in raw_spans if isinstance(raw_spans, list) else []:
        if isinstance(span, dict) and "start" in span and "end" in span:
            spans.append((str(span.get("label", "")), span["start"], span["end"]))
        else:
            problems.append(Problem(name, "a span needs start and end", number, "spans"))
    accept = obj.get("accept")
    if accept is not None and not isinstance(accept, list):
        problems.append(Problem(name, "expected a list", number, "accept"))
        accept = []
    spanned = {label for label, _, _ in spans}
    chosen = [(str(v), None, None) for v in accept or [] if str(v) not in spanned]
    if not chosen and not spans and accept is None and isinstance(obj.get("label"), str):
        chosen = [(obj["label"], None, None)]  # a binary (accept / reject) task
    return chosen + spans if chosen or spans else [("", None, None)]
