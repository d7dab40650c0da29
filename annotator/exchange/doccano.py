"""doccano's JSONL: one line per sentence and annotator.

Start with :func:`to_bytes` / :func:`from_bytes` (or :func:`write` /
:func:`read`). A line written here::

    {"text": "...", "label": ["stance@Elon Musk=favor", "frames=economic"],
     "entities": [[10, 14, "bias=biased"]], "annotator": "Budi",
     "document_id": "...", "sentence_id": "...", ..., "workbench": {...}}

* ``label``: the values without a span, as doccano's text classification
  exports them, each named ``task=value`` or ``task@target=value``
  (label-set names hold no ``=`` or ``@``); ``frames=`` is "no value applies";
* ``entities``: values with their cue span, ``[start, end, "task=value"]``
  (doccano's sequence-labelling triples; import them into doccano with the
  label column set to ``entities``);
* sentence columns and ``annotator`` are top-level keys, which doccano keeps as
  the example's metadata; ``workbench.labels`` holds per label what doccano has
  no field for (task and target as written, label set, source, timestamp,
  extra columns), matched back to labels by name and offsets, so labels edited
  in doccano fall back to what doccano says. ``workbench.unlabelled`` holds
  unlabelled rows.

Files doccano wrote are read too: ``label`` as strings (classification),
``[start, end, tag]`` triples or ``{"start_offset", "end_offset", "label"}``
objects (sequence labelling, also under ``entities``), ``cats`` (intent
detection). A plain tag (no ``=``) becomes a value of ``default_task``; the
annotator is the line's ``annotator`` or ``user``, else the name of the file
inside a doccano export zip (``alice.jsonl`` -> ``alice``; ``all.jsonl`` has
no single annotator); the source is ``import``. A sentence whose lines carry
no label comes back as one unlabelled row.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict, deque
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from annotator.exchange.peers import (
    JSON,
    apply_meta,
    as_dict,
    decode,
    is_unlabelled,
    json_lines,
    label_meta,
    records,
    sentence_numbers,
)
from annotator.exchange.tidy import (
    SENTENCE_COLUMNS,
    check,
    empty,
    extra_columns,
    normalize,
    sort,
)
from annotator.problems import Problem

META_VERSION = 1
DEFAULT_TASK = "label"


def category(task: str, target: str, value: str) -> str:
    """A label's doccano name: ``task=value`` or ``task@target=value``."""
    return f"{task}@{target}={value}" if target else f"{task}={value}"


def parse_category(name: str, *, default_task: str = DEFAULT_TASK) -> tuple[str, str, str]:
    """``(task, target, value)`` from a doccano label name."""
    if "=" not in name:
        return default_task, "", name
    key, _, value = name.partition("=")
    task, _, target = key.partition("@")
    return task, target, value


# ------------------------------------------------------------------ writing


def to_lines(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The tidy table as doccano JSONL objects."""
    frame = sort(normalize(frame))
    extras = extra_columns(frame)
    lines: dict[tuple[int, str], dict[str, Any]] = {}
    for row, sentence in zip(records(frame), sentence_numbers(frame), strict=True):
        key = (sentence, row["annotator"])
        line = lines.get(key)
        if line is None:
            line = {"text": row["text"], "label": [], "entities": [], "annotator": row["annotator"]}
            line.update({c: row[c] for c in SENTENCE_COLUMNS if c != "text"})
            line["workbench"] = {"version": META_VERSION, "labels": []}
            lines[key] = line
        meta = label_meta(row, extras)
        if is_unlabelled(row):
            line["workbench"].setdefault("unlabelled", []).append(meta)
            continue
        name = category(row["task"], row["target"], row["value"])
        entry = {"label": name, "task": row["task"], "target": row["target"], "value": row["value"]}
        if row["span_start"] is None:
            line["label"].append(name)
        else:
            line["entities"].append([row["span_start"], row["span_end"], name])
            entry.update(start=row["span_start"], end=row["span_end"])
        line["workbench"]["labels"].append({**entry, **meta})
    return list(lines.values())


def to_bytes(frame: pd.DataFrame) -> bytes:
    """doccano JSONL of the table, UTF-8."""
    lines = [JSON.encode(line) + "\n" for line in to_lines(frame)]
    return "".join(lines).encode("utf-8")


def write(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_bytes(frame))


# ------------------------------------------------------------------ reading


def from_bytes(
    data: bytes, name: str = "<doccano>", *, default_task: str = DEFAULT_TASK
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse doccano JSONL, or the zip of per-user JSONL files doccano exports."""
    parts: list[tuple[str, bytes, str]] = [(name, data, "")]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = [
                    (f"{name}/{member}", archive.read(member), _user_of(member))
                    for member in archive.namelist()
                    if member.endswith((".jsonl", ".json"))
                ]
        except zipfile.BadZipFile as exc:
            return empty(), [Problem(name, f"not a readable zip file: {exc}")]
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    unlabelled: dict[tuple[Any, ...], tuple[dict[str, Any], int, str]] = {}
    for part, content, user in parts:
        text, found = decode(content, part)
        problems += found
        for number, obj in json_lines(text, part, problems):
            if not isinstance(obj.get("text", obj.get("data")), str):
                problems.append(Problem(part, "the line has no text", number, "text"))
                continue
            got = _line_rows(obj, user, default_task, (part, number), problems)
            if got is None:  # nothing labelled on this line
                sentence = _sentence(obj)
                unlabelled.setdefault(tuple(sentence.get(c) for c in SENTENCE_COLUMNS),
                                      (sentence, number, part))  # fmt: skip
                continue
            rows += got
            lines += [number] * len(got)
    # A sentence nobody labelled comes back as one unlabelled row, however
    # many per-user lines showed it.
    labelled = {tuple(r.get(c) for c in SENTENCE_COLUMNS) for r in rows}
    for key, (sentence, number, _part) in unlabelled.items():
        if key not in labelled:
            rows.append({**sentence, "annotator": "", "task": "", "value": ""})
            lines.append(number)
    frame, found = check(pd.DataFrame(rows), file=name, lines=lines)
    return frame, problems + found


def read(path: Path, *, default_task: str = DEFAULT_TASK) -> tuple[pd.DataFrame, list[Problem]]:
    return from_bytes(Path(path).read_bytes(), str(path), default_task=default_task)


def _user_of(member: str) -> str:
    stem = PurePosixPath(member).stem
    return "" if stem == "all" else stem


def _sentence(obj: dict[str, Any]) -> dict[str, Any]:
    sentence = {c: obj[c] for c in SENTENCE_COLUMNS if c in obj}
    sentence.setdefault("text", obj.get("data", ""))  # doccano's older "data" column
    return sentence


def _line_rows(
    obj: dict[str, Any],
    user: str,
    default_task: str,
    where: tuple[str, int],
    problems: list[Problem],
) -> list[dict[str, Any]] | None:
    """The rows of one line, or None when it carries nothing at all."""
    name, number = where
    sentence = _sentence(obj)
    annotator = obj.get("annotator", obj.get("user", user))
    base = {**sentence, "annotator": "" if annotator is None else str(annotator)}
    workbench = as_dict(obj.get("workbench"))
    saved: dict[tuple[Any, ...], deque[dict[str, Any]]] = defaultdict(deque)
    for entry in workbench.get("labels") or []:
        if isinstance(entry, dict):
            saved[_key(entry.get("label"), entry.get("start"), entry.get("end"))].append(entry)
    rows: list[dict[str, Any]] = []
    for item in _natives(obj, name, number, problems):
        label, start, end = item
        queue = saved.get(_key(label, start, end))
        meta = queue.popleft() if queue else None
        if meta is not None:
            task, target, value = (str(meta.get(k, "")) for k in ("task", "target", "value"))
        else:
            task, target, value = parse_category(label, default_task=default_task)
        row = {**base, "task": task, "target": target, "value": value}
        if start is not None or end is not None:
            row.update(span_start=start, span_end=end)
        rows.append(apply_meta(row, meta))
    marks = workbench.get("unlabelled")
    if isinstance(marks, list):
        rows += [apply_meta({**base, "task": "", "value": ""}, as_dict(m))
                 for m in marks]  # fmt: skip
    elif not rows:
        return None
    return rows


def _key(label: Any, start: Any, end: Any) -> tuple[Any, ...]:
    return (str(label), start, end)


def _natives(
    obj: dict[str, Any], name: str, number: int, problems: list[Problem]
) -> list[tuple[str, Any, Any]]:
    """``(label, start, end)`` of every label on a line, whichever of
    doccano's layouts it uses (start and end are None for a category)."""
    items: list[tuple[str, Any, Any]] = []
    for field in ("label", "labels", "cats", "entities", "annotations"):
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, list):
            problems.append(Problem(name, "expected a list", number, field))
            continue
        for value in values:
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                items.append((str(value), None, None))
            elif isinstance(value, list) and len(value) == 3:
                items.append((str(value[2]), value[0], value[1]))
            elif isinstance(value, dict) and "label" in value:
                start, end = value.get("start_offset"), value.get("end_offset")
                items.append((str(value["label"]), start, end))
            else:
                problems.append(Problem(name, f"unreadable label {value!r}", number, field))
    return items
