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

from pathlib import Path, PurePath
from typing import Any

from annotator.problems import Problem
from annotator.readers.base import (
    METADATA_FIELDS,
    Defaults,
    RawArticle,
    Reader,
    Result,
    check_metadata,
    make_article,
    text_or_none,
    valid_published,
)
from annotator.readers.decode import decode
from annotator.readers.html import read_html
from annotator.readers.markdown import read_markdown
from annotator.readers.tables import read_csv, read_jsonl

_MAX_BYTES = 200_000_000


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
    values = {key: text_or_none(value) for key, value in zip(METADATA_FIELDS, given, strict=True)}
    problems = check_metadata(values, name, line=None)
    if problems:
        return [], problems
    text, problem = decode(data, name, encoding, html=suffix in (".html", ".htm"))
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


def _read_text(text: str, defaults: Defaults) -> Result:
    return [make_article(text, defaults)], []


FORMATS: dict[str, Reader] = {
    ".txt": _read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_csv,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
}

__all__ = [
    "FORMATS",
    "METADATA_FIELDS",
    "Defaults",
    "RawArticle",
    "Reader",
    "Result",
    "read_articles",
    "read_path",
    "valid_published",
]
