"""Read article files (text, Markdown, HTML, CSV, JSON Lines) into raw articles.

Start with :func:`read_articles` (bytes you already have, e.g. an upload) or
:func:`read_path` (a file on disk). Both return the articles that could be
read plus a list of :class:`~annotator.problems.Problem`; nothing raises on
bad input. Callers store nothing when an error is among the problems.

One reader per format, chosen by file extension (:data:`FORMATS`). Metadata
precedence: metadata a file *declares* (a table's columns, Markdown front
matter) beats the defaults the caller gives (command line or page);
metadata that is only *guessed* (from HTML, or a Markdown ``# heading``)
only fills what the caller left empty. Text is returned as read: removing
boilerplate is :mod:`annotator.boilerplate`'s job.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

from annotator.problems import Problem


@dataclass(frozen=True)
class RawArticle:
    """One article as read from a file, before boilerplate removal."""

    text: str
    source: str
    line: int = 1
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    document_id: str | None = None


@dataclass(frozen=True)
class Defaults:
    """Metadata given by the caller for every article of one file."""

    source: str
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None


Result = tuple[list[RawArticle], list[Problem]]
Reader = Callable[[str, Defaults], Result]

# Optional metadata columns of tables (CSV, JSON Lines), besides "text".
METADATA_FIELDS = ("outlet", "title", "url", "published", "language")
_TABLE_FIELDS = frozenset(("text", "document_id", "id", *METADATA_FIELDS))

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive; .docx, .xlsx and .odt files are ZIP archives"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)
# Control bytes that never occur in text files (tab, newlines, form feed and
# escape do); more than a few percent of them means binary data.
_CONTROL_BYTES = bytes([*range(9), 11, *range(14, 27), *range(28, 32), 127])
_BINARY_SAMPLE = 8192
_BINARY_SHARE = 0.05
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_MAX_BYTES = 200_000_000
# Articles longer than csv's default 128 KiB field limit are real (long reads).
_CSV_FIELD_LIMIT = 50_000_000


def read_articles(
    data: bytes,
    name: str,
    *,
    encoding: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
    published: str | None = None,
    language: str | None = None,
    url: str | None = None,
    max_bytes: int = _MAX_BYTES,
) -> Result:
    """Read the articles in ``data``, a file called ``name``.

    The keyword options are defaults for every article; ``encoding`` is the
    text encoding (UTF-8, with or without BOM, when None).
    """
    suffix = PurePath(name).suffix.lower()
    reader = FORMATS.get(suffix)
    if reader is None:
        kind = f"extension {suffix!r}" if suffix else "no extension"
        supported = ", ".join(sorted(FORMATS))
        return [], [Problem(name, f"cannot read files with {kind}; supported: {supported}")]
    if len(data) > max_bytes:
        return [], [Problem(name, f"file is {len(data):,} bytes, over the {max_bytes:,} limit")]
    given = (outlet, title, url, published, language)
    values = {key: _text_or_none(value) for key, value in zip(METADATA_FIELDS, given, strict=True)}
    problems = _check_metadata(values, name, line=None)
    if problems:
        return [], problems
    text, problem = _decode(data, name, encoding, html=suffix in (".html", ".htm"))
    if problem is not None:
        return [], [problem]
    if not text.strip():
        return [], [Problem(name, "file is empty" if not text else "file has only whitespace")]
    return reader(text, Defaults(name, **values))


def read_path(path: Path, **options: Any) -> Result:
    """Read the articles in the file at ``path``; options as for :func:`read_articles`."""
    path = Path(path)
    max_bytes = options.get("max_bytes", _MAX_BYTES)
    try:
        size = path.stat().st_size
        if size > max_bytes:  # refuse before reading it into memory
            return [], [Problem(path.name, f"file is {size:,} bytes, over the {max_bytes:,} limit")]
        data = path.read_bytes()
    except OSError as error:
        return [], [Problem(path.name, f"cannot read the file: {error.strerror or error}")]
    return read_articles(data, path.name, **options)


# --- decoding ---------------------------------------------------------------


def _decode(
    data: bytes, name: str, encoding: str | None, *, html: bool
) -> tuple[str, Problem | None]:
    if encoding is None:
        encoding = next((codec for bom, codec in _WIDE_BOMS if data.startswith(bom)), None)
    if encoding is None and html:
        encoding = _html_charset(data)
    try:
        codec = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "", Problem(name, f"unknown encoding {encoding!r}", field="encoding")
    wide = codec.startswith(("utf-16", "utf-32"))  # NUL bytes are normal there
    if not wide:
        problem = _binary_problem(data, name)
        if problem is not None:
            return "", problem
    offset = 3 if codec == "utf-8" and data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[offset:].decode(codec)
    except UnicodeDecodeError as error:
        return "", _decode_problem(data, name, codec, offset + error.start)
    if "\x00" in text:
        return "", Problem(name, "looks like a binary file (it contains NUL characters)")
    return text, None


def _html_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def _binary_problem(data: bytes, name: str) -> Problem | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return Problem(name, f"looks like a binary file ({what}), not text")
    if b"\x00" in data:
        return Problem(name, "looks like a binary file (it contains NUL bytes)")
    sample = data[:_BINARY_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > _BINARY_SHARE * len(sample):
        return Problem(name, "looks like a binary file (mostly non-text bytes)")
    return None


def _decode_problem(data: bytes, name: str, codec: str, position: int) -> Problem:
    line = data.count(b"\n", 0, position) + 1
    column = position - (data.rfind(b"\n", 0, position) + 1) + 1
    where = f"byte 0x{data[position]:02x} at byte {column} of the line"
    if codec == "utf-8":
        hint = "if it was saved in another encoding, pass it, e.g. --encoding cp1252 or latin-1"
        return Problem(name, f"not valid UTF-8: {where}; {hint}", line=line)
    return Problem(name, f"cannot be decoded as {codec}: {where}", line=line)


# --- metadata ---------------------------------------------------------------


def _text_or_none(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def _check_metadata(
    values: Mapping[str, str | None], name: str, *, line: int | None
) -> list[Problem]:
    """Problems with the ``published`` and ``language`` values, if any."""
    problems = []
    published, language = values.get("published"), values.get("language")
    if published is not None and not valid_published(published):
        message = (
            f"invalid date {published!r}: use ISO 8601, "
            "e.g. 2024-08-13 or 2024-08-13T10:28:00+07:00"
        )
        problems.append(Problem(name, message, line=line, field="published"))
    if language is not None and not _LANGUAGE.fullmatch(language):
        message = f"invalid language code {language!r}: use 2-3 lowercase letters, e.g. id or en"
        problems.append(Problem(name, message, line=line, field="language"))
    return problems


def valid_published(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 date (``2024-08-13``) or date-time."""
    if not _ISO_DATE.match(value):
        return False
    try:
        if len(value) == 10:
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- whole-file formats -----------------------------------------------------


def _article(
    text: str,
    defaults: Defaults,
    *,
    line: int = 1,
    declared: Mapping[str, str | None] | None = None,
    guessed: Mapping[str, str | None] | None = None,
    document_id: str | None = None,
) -> RawArticle:
    """An article whose metadata is what the file declares, else the caller's
    defaults, else what was guessed."""
    declared, guessed = declared or {}, guessed or {}
    outlet, title, url, published, language = (
        declared.get(key) or getattr(defaults, key) or guessed.get(key) for key in METADATA_FIELDS
    )
    return RawArticle(
        text, defaults.source, line, outlet, title, url, published, language, document_id
    )


def _read_text(text: str, defaults: Defaults) -> Result:
    return [_article(text, defaults)], []


_FRONT_MATTER_KEYS = dict(
    pair.split("=")
    for pair in "title=title outlet=outlet publisher=outlet site=outlet source=outlet "
    "published=published date=published url=url link=url language=language lang=language".split()
)
_FENCE = re.compile(r"(`{3,}|~{3,})")
_HEADING = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"(?:[-*_]\s*){3,}|=+|\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")
_LIST_ITEM = re.compile(r"(?:[-*+]|(\d{1,9})[.)])\s+")
_REFERENCE = re.compile(r"\[[^\]]+\]:\s*\S+.*")
_INLINE = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images go, alt text too
    (re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),  # links keep their text
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"), ""),
    (re.compile(r"`+([^`]*?)`+"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])"), r"\1"),
)


def _read_markdown(text: str, defaults: Defaults) -> Result:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    declared, body_start, problems = _front_matter(lines, defaults.source)
    if any(p.severity == "error" for p in problems):
        return [], problems
    paragraphs, heading = _markdown_paragraphs(lines[body_start:])
    guessed = {}
    if not (declared.get("title") or defaults.title) and heading is not None:
        guessed["title"] = paragraphs.pop(heading)
    if not paragraphs:
        return [], [*problems, Problem(defaults.source, "no text after removing Markdown markup")]
    article = _article("\n".join(paragraphs), defaults, declared=declared, guessed=guessed)
    return [article], problems


def _front_matter(lines: list[str], name: str) -> tuple[dict[str, str], int, list[Problem]]:
    """Metadata from a ``---`` block at the top, the body's first index, problems."""
    if not lines or lines[0].strip() != "---":
        return {}, 0, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        message = "front matter opened with '---' on line 1 is never closed; read as text"
        return {}, 0, [Problem(name, message, line=1, severity="warning")]
    declared: dict[str, str] = {}
    problems: list[Problem] = []
    for index in range(1, end):
        key, colon, value = lines[index].partition(":")
        field = _FRONT_MATTER_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'").strip()
        if not colon or field is None or not value:
            continue
        declared[field] = value
        problems.extend(_check_metadata({field: value}, name, line=index + 1))
    return declared, end + 1, problems


def _markdown_paragraphs(lines: list[str]) -> tuple[list[str], int | None]:
    """Plain-text paragraphs (soft-wrapped lines joined) and the index of the
    first level-1 heading among them."""
    text = _INLINE[0][0].sub("", "\n".join(lines))  # comments may span lines
    paragraphs: list[str] = []
    current: list[str] = []
    heading: int | None = None
    fence: str | None = None
    in_list = False

    def flush() -> bool:
        paragraph = _strip_inline(" ".join(current))
        current.clear()
        if paragraph:
            paragraphs.append(paragraph)
        return bool(paragraph)

    for raw in text.split("\n"):
        line = raw.strip()
        if fence is not None:
            fence = None if line.startswith(fence) else fence
            continue
        opening = _FENCE.match(line)
        if opening is not None:
            flush()
            fence = opening.group(1)[:3]
        elif not line or _REFERENCE.fullmatch(line):
            flush()
            in_list = False
        elif _RULE.fullmatch(line):
            # "===" under text makes it a level-1 heading; other rules only end paragraphs.
            if flush() and line[0] == "=" and heading is None:
                heading = len(paragraphs) - 1
        elif (found := _HEADING.match(line)) is not None:
            flush()
            current.append(found.group(2))
            if flush() and len(found.group(1)) == 1 and heading is None:
                heading = len(paragraphs) - 1
        else:
            line = line.lstrip("> ").strip()
            item = _LIST_ITEM.match(line)
            # As in CommonMark, only "1." may interrupt a paragraph, so a
            # wrapped line starting "2021. Lalu ..." stays text.
            if item is not None and (not current or in_list or item.group(1) in (None, "1")):
                flush()
                in_list = True
                line = line[item.end() :]
            current.append(line)
    flush()
    return paragraphs, heading


def _strip_inline(text: str) -> str:
    for pattern, replacement in _INLINE[1:]:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _read_html(text: str, defaults: Defaults) -> Result:
    # Imported here: trafilatura pulls in lxml, htmldate and dateparser, which
    # only HTML needs.
    import trafilatura

    name = defaults.source
    try:
        document = trafilatura.bare_extraction(
            text,
            url=defaults.url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
        )
    except Exception as error:  # a third-party parser on untrusted input
        return [], [Problem(name, f"could not parse the HTML: {error}")]
    body = getattr(document, "text", None) or ""
    if not body.strip():
        return [], [Problem(name, "no article text found in the HTML")]
    found = {
        key: _text_or_none(getattr(document, attribute, None))
        for key, attribute in (("title", "title"), ("url", "url"), ("outlet", "sitename"))
    }
    first, _, rest = body.partition("\n")
    if rest and first.strip() == found["title"]:
        body = rest  # the page's <h1> repeats the title
    date_found = _text_or_none(getattr(document, "date", None))
    if date_found is not None and valid_published(date_found):
        found["published"] = date_found
    if (lang := _HTML_LANG.search(text[:4096])) is not None:
        found["language"] = lang.group(1).lower()
    return [_article(body, defaults, guessed=found)], []


# --- tables -----------------------------------------------------------------


def _read_csv(text: str, defaults: Defaults) -> Result:
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
    unknown = [column for column in columns if column not in _TABLE_FIELDS]
    if unknown:
        message = f"ignoring unknown column(s): {', '.join(unknown)}"
        return [Problem(name, message, line=1, severity="warning")]
    return []


def _read_jsonl(text: str, defaults: Defaults) -> Result:
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
        unknown.update(key for key in record if key not in _TABLE_FIELDS)
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
    declared = {f: v for f in METADATA_FIELDS if (v := _text_or_none(values.get(f)))}
    found.extend(_check_metadata(declared, name, line=line))
    if found or text is None:
        problems.extend(found)
        return
    document_id = _text_or_none(values.get("document_id")) or _text_or_none(values.get("id"))
    articles.append(_article(text, defaults, line=line, declared=declared, document_id=document_id))


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


FORMATS: dict[str, Reader] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".csv": _read_csv,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
}
