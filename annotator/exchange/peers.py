"""Helpers the peer formats (Label Studio, doccano, Prodigy) share."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from annotator.exchange.tidy import COLUMNS, SENTENCE_COLUMNS
from annotator.problems import Problem

# ------------------------------------------- helpers for the peer formats


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, ``None`` for missing."""
    names = [str(c) for c in frame.columns]
    # Column by column is several times faster than DataFrame.to_dict.
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (files lie)."""
    return value if isinstance(value, dict) else {}


def sentence_numbers(frame: pd.DataFrame) -> list[int]:
    """Per row, a number for its sentence (the same for rows that agree on
    every column of :data:`SENTENCE_COLUMNS`). Writers group rows by it: a
    tuple of the long sentence texts was hashed again for every row."""
    if frame.empty:
        return []
    groups = frame.groupby(list(SENTENCE_COLUMNS), sort=False, dropna=False)
    return [int(n) for n in groups.ngroup().to_numpy()]


# json.dumps(obj, ensure_ascii=False) builds this encoder anew on every call.
JSON = json.JSONEncoder(ensure_ascii=False)


def is_unlabelled(row: Mapping[str, Any]) -> bool:
    """An unlabelled row: no task, target, value or span."""
    return not (row["task"] or row["target"] or row["value"] or row["span_start"] is not None)


def label_meta(row: Mapping[str, Any], extras: Iterable[str]) -> dict[str, Any]:
    """The fields of a row that peer formats have no place for, to be kept
    in the metadata those tools carry along (empty ones left out)."""
    meta = {k: row[k] for k in ("label_set", "label_set_version", "source", "created_at") if row[k]}
    if row["label_set_version"] == 0:
        meta["label_set_version"] = 0
    extra = {c: row[c] for c in extras}
    if extra:
        meta["extra"] = extra
    return meta


def apply_meta(record: dict[str, Any], meta: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fill a record's label fields from :func:`label_meta` output; without
    metadata (a file the tool wrote), the label counts as imported."""
    if meta is None:
        record.setdefault("source", "import")
        return record
    for key in ("label_set", "label_set_version", "source", "created_at"):
        record[key] = meta.get(key, "")
    extra = meta.get("extra")
    if isinstance(extra, dict):
        record.update({k: v for k, v in extra.items() if k not in COLUMNS})
    return record


def decode(data: bytes, name: str) -> tuple[str, list[Problem]]:
    """UTF-8 text (a byte-order mark is dropped); bad bytes are a problem."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = Problem(name, f"not UTF-8 text (byte {exc.start})", line)
        return data.decode("utf-8-sig", errors="replace"), [problem]


def json_lines(text: str, name: str, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON Lines text with their line numbers."""
    out: list[tuple[int, dict[str, Any]]] = []
    # Split on "\n" only: str.splitlines() would also split at U+2028 and
    # other separators that JSON strings may hold unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, f"malformed JSON: {exc.msg}", number))
            continue
        if isinstance(obj, dict):
            out.append((number, obj))
        else:
            problems.append(Problem(name, "expected a JSON object", number))
    return out


def iso_utc(value: Any) -> str:
    """A tool's timestamp (ISO text or seconds since 1970) as ISO-8601 UTC."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and value:
            moment = datetime.fromisoformat(value)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        else:
            return ""
    except (ValueError, OverflowError, OSError):
        return str(value)
    return moment.astimezone(UTC).isoformat()
