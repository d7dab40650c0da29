"""The article record and the metadata rules every reader shares."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

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
TABLE_FIELDS = frozenset(("text", "document_id", "id", *METADATA_FIELDS))

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def text_or_none(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def check_metadata(
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


def make_article(
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
