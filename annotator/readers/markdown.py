"""Markdown articles: front matter for metadata, markup stripped to plain paragraphs."""

from __future__ import annotations

import re

from annotator.problems import Problem
from annotator.readers.base import Defaults, Result, check_metadata, make_article

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


def read_markdown(text: str, defaults: Defaults) -> Result:
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
    article = make_article("\n".join(paragraphs), defaults, declared=declared, guessed=guessed)
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
        problems.extend(check_metadata({field: value}, name, line=index + 1))
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
