"""Article tables: CSV and JSON Lines, one article per row, metadata in columns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

from annotator.problems import Problem
from annotator.readers.base import (
    METADATA_FIELDS,
    TABLE_FIELDS,
    Defaults,
    RawArticle,
    Result,
    check_metadata,
    make_article,
    text_or_none,
)

# Articles longer than csv's default 128 KiB field limit are real (long reads).
_CSV_FIELD_LIMIT = 50_000_000


def read_csv(text: str, defaults: Defaults) -> Result:
    name = defaults.source
    header_line = text.lstrip("\ufeff").split("\n", 1)[0]
    # Spreadsheets in Indonesian locales save ";"-separated CSV.
    delimiter = max(",;\t", key=header_line.count)
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        return [], [Problem(name, f"malformed CSV header: {error}", line=1)]
    columns = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    problems = _check_columns(columns, header, name)
    if any(p.severity == "error" for p in problems):
        return [], problems
    articles: list[RawArticle] = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            detail = "a quoted field is never closed" if "end of data" in str(error) else error
            message = f"malformed CSV in the record starting here: {detail}; reading stopped"
            problems.append(Problem(name, message, line=start))
            break
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            message = f"expected {len(columns)} fields like the header, found {len(row)}"
            problems.append(Problem(name, message, line=start))
            continue
        _add_row(dict(zip(columns, row, strict=True)), defaults, start, articles, problems)
    if not articles and not problems:
        problems.append(Problem(name, "the table has a header but no rows"))
    return articles, problems


def _check_columns(columns: list[str], header: list[str], name: str) -> list[Problem]:
    if "text" not in columns:
        found = ", ".join(repr(cell) for cell in header)
        message = f"missing required column 'text' (the first line must be a header; found {found})"
        return [Problem(name, message, line=1, field="text")]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        return [Problem(name, f"repeated column(s): {', '.join(repeated)}", line=1)]
    unknown = [column for column in columns if column not in TABLE_FIELDS]
    if unknown:
        message = f"ignoring unknown column(s): {', '.join(unknown)}"
        return [Problem(name, message, line=1, severity="warning")]
    return []


def read_jsonl(text: str, defaults: Defaults) -> Result:
    name = defaults.source
    articles: list[RawArticle] = []
    problems: list[Problem] = []
    unknown: set[str] = set()
    # Split on "\n" only: JSON strings may hold U+2028, which splitlines() breaks on.
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            message = f"not valid JSON: {error.msg} (column {error.colno})"
            problems.append(Problem(name, message, line=number))
            continue
        if not isinstance(record, dict):
            message = f"expected a JSON object {{...}}, found {_json_type(record)}"
            problems.append(Problem(name, message, line=number))
            continue
        unknown.update(key for key in record if key not in TABLE_FIELDS)
        _add_row(record, defaults, number, articles, problems)
    if unknown:
        message = f"ignoring unknown key(s): {', '.join(sorted(unknown))}"
        problems.insert(0, Problem(name, message, severity="warning"))
    if not articles and not problems:
        problems.append(Problem(name, "no JSON objects found"))
    return articles, problems


def _add_row(
    record: Mapping[str, object],
    defaults: Defaults,
    line: int,
    articles: list[RawArticle],
    problems: list[Problem],
) -> None:
    """Validate one table row; append its article or its problems."""
    name = defaults.source
    found: list[Problem] = []
    values: dict[str, str | None] = {}
    for field in ("text", "document_id", "id", *METADATA_FIELDS):
        value = record.get(field)
        if field in ("document_id", "id") and type(value) is int:  # bool is not an id
            value = str(value)
        if value is not None and not isinstance(value, str):
            message = f"expected a string, found {_json_type(value)}"
            found.append(Problem(name, message, line=line, field=field))
            continue
        values[field] = value
    text = values.pop("text", None)
    if "text" not in record:
        found.append(Problem(name, "missing key 'text'", line=line, field="text"))
    elif not found and (text is None or not text.strip()):
        found.append(Problem(name, "empty text", line=line, field="text"))
    declared = {f: v for f in METADATA_FIELDS if (v := text_or_none(values.get(f)))}
    found.extend(check_metadata(declared, name, line=line))
    if found or text is None:
        problems.extend(found)
        return
    document_id = text_or_none(values.get("document_id")) or text_or_none(values.get("id"))
    articles.append(
        make_article(text, defaults, line=line, declared=declared, document_id=document_id)
    )


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
