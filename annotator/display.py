"""Showing untrusted text safely: escaped HTML with highlights, escaped Markdown.

Article text is data, never markup: :func:`sentence_html` escapes every
character before adding its own ``<mark>`` tags for target mentions and cue
spans, and :func:`escape_markdown` makes text safe for widgets whose labels
are Markdown (buttons, pills). :func:`word_spans` gives the clickable words
of a sentence for picking cue phrases.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from annotator.annotations import Decision
from annotator.labelsets import Mention, Task, localized

_WORD = re.compile(r"\w[\w'’\-]*\w|\w|[^\w\s]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^\"'])")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str


def word_spans(text: str) -> list[Word]:
    """Words and punctuation marks of ``text`` with their offsets."""
    return [Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def runs(words: Sequence[Word], selected: Sequence[int]) -> list[tuple[int, int]]:
    """Character spans covering each run of consecutive selected words."""
    spans: list[tuple[int, int]] = []
    previous = None
    for index in sorted(set(selected)):
        if not 0 <= index < len(words):
            continue
        word = words[index]
        if previous is not None and index == previous + 1:
            spans[-1] = (spans[-1][0], word.end)
        else:
            spans.append((word.start, word.end))
        previous = index
    return spans


def escape_markdown(text: str) -> str:
    """Backslash-escape everything Markdown would interpret."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


# Colour-blind-safe pair (Okabe-Ito orange and sky blue) with dark text.
MENTION_STYLE = "background:#f5c26b;color:#1a1a1a;border-radius:3px;padding:0 2px"
CUE_STYLE = (
    "background:#9fd3f0;color:#1a1a1a;border-radius:3px;padding:0 2px;text-decoration:underline"
)


def sentence_html(
    text: str, *, mentions: Sequence[Mention] = (), cues: Sequence[tuple[int, int]] = ()
) -> str:
    """The sentence as escaped HTML, target mentions and cue spans marked.

    Overlaps are resolved by position: each character gets the mark of the
    first span that covers it (cues before mentions).
    """
    marks: list[tuple[int, int, str, str]] = []
    for start, end in cues:
        marks.append((start, end, CUE_STYLE, "cue phrase"))
    for mention in mentions:
        marks.append((mention.start, mention.end, MENTION_STYLE, f"target: {mention.target}"))
    owner: list[int | None] = [None] * len(text)
    for i, (start, end, _, _) in enumerate(marks):
        for pos in range(max(start, 0), min(end, len(text))):
            if owner[pos] is None:
                owner[pos] = i
    out: list[str] = []
    pos = 0
    while pos < len(text):
        current = owner[pos]
        end = pos
        while end < len(text) and owner[end] == current:
            end += 1
        chunk = html.escape(text[pos:end])
        if current is None:
            out.append(chunk)
        else:
            _, _, style, title = marks[current]
            out.append(f'<mark style="{style}" title="{html.escape(title)}">{chunk}</mark>')
        pos = end
    return "".join(out)


def context_html(
    sentence: str,
    *,
    before: str | None = None,
    after: str | None = None,
    mentions: Sequence[Mention] = (),
    cues: Sequence[tuple[int, int]] = (),
) -> str:
    """The sentence between its neighbours, the neighbours greyed."""
    muted = 'style="color:#6b6b6b;font-size:0.95rem;margin:0.2rem 0"'
    parts = []
    if before:
        parts.append(f"<p {muted}>{html.escape(before)}</p>")
    parts.append(
        '<p data-testid="annotate-sentence" style="font-size:1.35rem;line-height:1.7;margin:0.4rem 0">'
        f"{sentence_html(sentence, mentions=mentions, cues=cues)}</p>"
    )
    if after:
        parts.append(f"<p {muted}>{html.escape(after)}</p>")
    return "<div>" + "".join(parts) + "</div>"


def codebook_markdown(task: Task, language: str) -> str:
    """The task's question and each value's key, title, definition and example,
    as one escaped Markdown block (one element on the page, not one per value)."""
    parts = [escape_markdown(localized(task.question, language))]
    for value in task.values:
        parts.append(
            f"**{task.key_of(value.name)} · {escape_markdown(value.label(language))}**: "
            f"{escape_markdown(localized(value.definition, language))} "
            f"_{escape_markdown(localized(value.example, language))}_"
        )
    return "\n\n".join(parts)


def decision_summary(
    task: Task, decision: Decision, language: str, *, confidence: float | None = None
) -> str:
    """Plain text for a decision: its values' titles ("none applies" for the
    empty value, "—" for no decision), and a model's confidence when the
    decision is the model's unconfirmed guess."""
    titles = [
        (task.value(v).label(language) if task.value(v) else v) if v else "none applies"  # type: ignore[union-attr]
        for v in decision.values
    ]
    text = ", ".join(titles) or "—"
    if confidence is not None:
        text += f" (model guess, {confidence:.0%})"
    return text
