"""Label Studio's JSON export: a JSON array of tasks, one task per sentence.

Start with :func:`to_bytes` / :func:`from_bytes` (or :func:`write` /
:func:`read`); :func:`labeling_config` gives a project config (XML) that
matches the written tasks. Each annotator's labels on a sentence are one annotation; each
label a *region* of its ``result``:

* a value without a span: ``{"type": "choices", "from_name": "stance@Elon Musk",
  "to_name": "text", "value": {"choices": ["favor"]}}`` (several values of a
  multi-choice task share one region; ``"choices": []`` is "no value applies");
* a value with its cue span: ``{"type": "labels", "from_name":
  "stance@Elon Musk.spans", "value": {"start", "end", "text", "labels":
  ["favor"]}}``, offsets in characters of ``data.text``.

``from_name`` is ``task`` or ``task@target`` (label-set names hold no ``@``),
with ``.spans`` appended for span regions so that a labeling config can give
choices and spans separate control tags. Sentence columns go in ``data`` next
to ``text``. What Label Studio has no field for (annotator name, label set and
version, source, timestamp, extra columns) goes in the task's ``meta``, which
Label Studio keeps: ``meta.workbench.regions[<region id>]``, plus
``meta.workbench.unlabelled`` for unlabelled rows. ``completed_by`` is a
1-based number per annotator in the file, as in Label Studio's own exports.

Files Label Studio wrote are read too: the annotator is ``completed_by`` (an
e-mail when the export expanded users, else the user id), the source
``import``, cancelled (skipped) annotations are left out, predictions become
``model`` labels, and offsets counted in UTF-16 units by older versions are
converted when the region's text says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from annotator.exchange.peers import (
    JSON,
    apply_meta,
    as_dict,
    decode,
    is_unlabelled,
    iso_utc,
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

_LABEL_FIELDS = ("annotator", "label_set", "label_set_version", "source", "created_at")
SPANS = ".spans"
META_VERSION = 1
# Task data keys, "text" first as Label Studio's templates expect it.
DATA_KEYS = ("text", "document_id", "sentence_id", "sentence_index", "outlet", "title",
             "published", "url")  # fmt: skip
_SPACE = re.compile(r"\s*")


def control_name(task: str, target: str) -> str:
    """The ``from_name`` of a task (and target) in the files written here."""
    return f"{task}@{target}" if target else task


def parse_control_name(name: str) -> tuple[str, str]:
    """``(task, target)`` from a ``from_name``; a plain name is the task."""
    task, _, target = name.removesuffix(SPANS).partition("@")
    return task, target


# ------------------------------------------------------------------ writing


def to_tasks(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The tidy table as Label Studio tasks (plain JSON data)."""
    frame = sort(normalize(frame))
    extras = extra_columns(frame)
    rows = records(frame)
    people = sorted({r["annotator"] for r in rows if not is_unlabelled(r)})
    number = {name: i for i, name in enumerate(people, start=1)}
    tasks: dict[int, dict[str, Any]] = {}
    annotations: dict[tuple[int, str], dict[str, Any]] = {}
    choices: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row, key in zip(rows, sentence_numbers(frame), strict=True):
        task = tasks.get(key)
        if task is None:
            data = {c: row[c] for c in DATA_KEYS}
            task = {"id": len(tasks) + 1, "data": data, "annotations": []}
            task["meta"] = {"workbench": {"version": META_VERSION, "regions": {}}}
            tasks[key] = task
        workbench = task["meta"]["workbench"]
        meta = {"annotator": row["annotator"], **label_meta(row, extras)}
        if is_unlabelled(row):
            workbench.setdefault("unlabelled", []).append(meta)
            continue
        annotation = annotations.get((key, row["annotator"]))
        if annotation is None:
            annotation = {
                "id": len(annotations) + 1,
                "completed_by": number[row["annotator"]],
                "created_at": row["created_at"],
                "was_cancelled": False,
                "result": [],
            }
            annotations[(key, row["annotator"])] = annotation
            task["annotations"].append(annotation)
        first = annotation["created_at"]
        if row["created_at"] and (not first or row["created_at"] < first):
            annotation["created_at"] = row["created_at"]
        meta.update(task=row["task"], target=row["target"])
        name = control_name(row["task"], row["target"])
        # Values of one multi-choice label share a region when nothing else differs.
        shared = (
            key,
            row["task"],
            row["target"],
            *(row[c] for c in _LABEL_FIELDS),
            *(row[c] for c in extras),
        )
        if row["span_start"] is None and row["value"] and shared in choices:
            choices[shared]["value"]["choices"].append(row["value"])
            continue
        region_id = f"wb{len(workbench['regions']) + 1}"
        region: dict[str, Any] = {"id": region_id, "to_name": "text", "origin": "manual"}
        if row["span_start"] is None:
            region.update(from_name=name, type="choices")
            region["value"] = {"choices": [row["value"]] if row["value"] else []}
            if row["value"]:  # "no value applies" stays a region of its own
                choices[shared] = region
        else:
            region.update(from_name=name + SPANS, type="labels")
            region["value"] = {
                "start": row["span_start"],
                "end": row["span_end"],
                "text": row["span_text"],
                "labels": [row["value"]] if row["value"] else [],
            }
        annotation["result"].append(region)
        workbench["regions"][region_id] = meta
    for annotation in annotations.values():
        if not annotation["created_at"]:
            del annotation["created_at"]
    return list(tasks.values())


def to_bytes(frame: pd.DataFrame) -> bytes:
    """A Label Studio JSON export of the table, UTF-8, one task per line (the
    C JSON encoder does not indent, and a problem's line number then says
    which task it is)."""
    tasks = [JSON.encode(task) for task in to_tasks(frame)]
    return ("[\n" + ",\n".join(tasks) + "\n]\n").encode("utf-8")


def write(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_bytes(frame))


def labeling_config(frame: pd.DataFrame) -> str:
    """A Label Studio labeling config (XML) for the tasks, targets and values
    the table uses, with the control names :func:`to_tasks` writes: one
    ``Choices`` per task and target (``multiple`` where an annotator chose
    several values), one ``Labels`` where values have cue spans."""
    labelled = normalize(frame).query("task != ''")
    lines = ["<View>", '  <Text name="text" value="$text"/>']
    for (task, target), group in labelled.groupby(["task", "target"], sort=True):
        name = control_name(str(task), str(target))
        chosen = group[group["span_start"].isna() & (group["value"] != "")]
        several = chosen.duplicated([*SENTENCE_COLUMNS, "annotator"]).any()
        lines += [f"  <Header value={quoteattr(name)}/>",
                  f"  <Choices name={quoteattr(name)} toName=\"text\" "
                  f"choice=\"{'multiple' if several else 'single'}\">"]  # fmt: skip
        lines += [f"    <Choice value={quoteattr(v)}/>" for v in sorted(set(group["value"]) - {""})]
        lines.append("  </Choices>")
        cues = sorted(set(group.loc[group["span_start"].notna(), "value"]) - {""})
        if cues:
            lines.append(f'  <Labels name={quoteattr(name + SPANS)} toName="text">')
            lines += [f"    <Label value={quoteattr(v)}/>" for v in cues]
            lines.append("  </Labels>")
    return "\n".join([*lines, "</View>", ""])


# ------------------------------------------------------------------ reading


def from_bytes(data: bytes, name: str = "<label-studio>") -> tuple[pd.DataFrame, list[Problem]]:
    """Parse a Label Studio JSON export (ours or Label Studio's own)."""
    text, problems = decode(data, name)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    skipped: dict[str, int] = {}
    for line, task in _array_items(text, name, problems):
        before = len(rows)
        if not isinstance(task, dict):
            problems.append(Problem(name, "expected a task object", line))
            continue
        rows += _task_rows(task, (name, line, skipped), problems)
        lines += [line] * (len(rows) - before)
    for kind, count in skipped.items():
        message = f"{count} result(s) of type {kind!r} skipped: not a choice or a span"
        problems.append(Problem(name, message, severity="warning"))
    frame, found = check(pd.DataFrame(rows), file=name, lines=lines)
    return frame, problems + found


def read(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    return from_bytes(Path(path).read_bytes(), str(path))


Where = tuple[str, int, dict[str, int]]  # file, line, count of skipped results by type


def _task_rows(task: dict[str, Any], where: Where, problems: list[Problem]) -> list[dict[str, Any]]:
    name, line, _ = where
    # Without "data", Label Studio takes the whole task as its data.
    data = as_dict(task.get("data")) if "data" in task else task
    text = data.get("text")
    if not isinstance(text, str):  # a project whose text field has another name
        strings = [v for k, v in data.items() if isinstance(v, str) and k not in SENTENCE_COLUMNS]
        if len(strings) != 1:
            problems.append(Problem(name, "the task has no text", line, "data.text"))
            return []
        text = strings[0]
    sentence = {c: data.get(c) for c in SENTENCE_COLUMNS if c in data}
    sentence["text"] = text
    workbench = as_dict(as_dict(task.get("meta")).get("workbench"))
    saved = as_dict(workbench.get("regions"))
    rows: list[dict[str, Any]] = []
    annotations = task.get("annotations") or task.get("completions") or []
    predictions = task.get("predictions") or []
    for kind, items in (("annotations", annotations), ("predictions", predictions)):
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or item.get("was_cancelled"):
                continue
            if kind == "predictions":
                default = {
                    "annotator": str(item.get("model_version") or "model"),
                    "source": "model",
                }
            else:
                default = {"annotator": _user(item.get("completed_by"))}
            default["created_at"] = iso_utc(item.get("created_at"))
            for j, region in enumerate(item.get("result") or []):
                at = f"{kind}[{i}].result[{j}]"
                rows += _region_rows(region, sentence, default, saved, (where, at), problems)
    marks = workbench.get("unlabelled")
    if isinstance(marks, list):
        for mark in map(as_dict, marks):
            rows.append(apply_meta({**sentence, "annotator": mark.get("annotator", "")}, mark))
    elif not rows:
        rows.append({**sentence, "annotator": "", "source": ""})
    for row in rows:
        row.setdefault("task", "")
        row.setdefault("value", "")
    return rows


def _region_rows(
    region: Any,
    sentence: dict[str, Any],
    default: dict[str, Any],
    saved: dict[str, Any],
    where: tuple[Where, str],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    (name, line, skipped), field = where
    if not isinstance(region, dict) or not isinstance(region.get("value"), dict):
        problems.append(Problem(name, "expected a result object with a value", line, field))
        return []
    kind, value = region.get("type"), region["value"]
    from_name = str(region.get("from_name", ""))
    meta = saved.get(str(region.get("id")))
    if isinstance(meta, dict):
        expected = control_name(str(meta.get("task", "")), str(meta.get("target", "")))
        if from_name != expected + (SPANS if kind == "labels" else ""):
            meta = None  # the region was changed in Label Studio: trust what it says now
    else:
        meta = None
    if meta is not None:
        task, target = str(meta.get("task", "")), str(meta.get("target", ""))
    else:
        task, target = parse_control_name(from_name)
    base = {**sentence, **default, "task": task, "target": target}
    if meta is not None:
        base["annotator"] = meta.get("annotator", "")
    if kind == "choices":
        chosen = value.get("choices")
        if not isinstance(chosen, list):
            problems.append(Problem(name, "choices must be a list", line, field))
            return []
        return [apply_meta({**base, "value": str(v)}, meta) for v in chosen or [""]]
    if kind == "labels":
        labels = value.get("labels")
        start, end = value.get("start"), value.get("end")
        if not isinstance(labels, list) or start is None or end is None:
            problems.append(Problem(name, "a labels result needs start, end, labels", line, field))
            return []
        start, end = _code_points(sentence["text"], start, end, value.get("text"))
        span = {"span_start": start, "span_end": end, "span_text": value.get("text") or ""}
        return [apply_meta({**base, **span, "value": str(v)}, meta) for v in labels or [""]]
    skipped[str(kind)] = skipped.get(str(kind), 0) + 1
    return []


def _code_points(text: str, start: Any, end: Any, quoted: Any) -> tuple[Any, Any]:
    """Offsets in Python characters. Older Label Studio versions counted UTF-16
    units (an emoji counts twice); convert when the region's text says so."""
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(quoted, str)):
        return start, end
    if text[start:end] == quoted:
        return start, end
    units = text.encode("utf-16-le")
    s16 = units[: 2 * start].decode("utf-16-le", errors="ignore")
    e16 = units[: 2 * end].decode("utf-16-le", errors="ignore")
    if text[len(s16) : len(e16)] == quoted:
        return len(s16), len(e16)
    return start, end


def _user(completed_by: Any) -> str:
    """Who made an annotation: an expanded user's e-mail, else the user id."""
    if isinstance(completed_by, dict):
        for key in ("email", "username", "id"):
            if completed_by.get(key) not in (None, ""):
                return str(completed_by[key])
        return ""
    return "" if completed_by is None else str(completed_by)


def _array_items(text: str, name: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """The elements of a JSON array with the line each starts on, so that a
    problem in task 500 of a pretty-printed export points at its line."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text).end()  # type: ignore[union-attr]
    if text[at : at + 1] == "{":  # a single task, as the API returns it
        text, at = f"[{text[at:]}]", 0
    if text[at : at + 1] != "[":
        problems.append(Problem(name, "expected a JSON array of tasks", 1))
        return
    line, counted = 1, 0
    at += 1
    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        if text[at : at + 1] == "]":
            return
        line += text.count("\n", counted, at)
        counted = at
        try:
            item, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, f"malformed JSON: {exc.msg}", exc.lineno))
            return
        yield line, item
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        if text[at : at + 1] == ",":
            at += 1
        elif text[at : at + 1] != "]":
            number = line + text.count("\n", counted, at)
            problems.append(Problem(name, "malformed JSON: expected ',' or ']'", number))
            return
