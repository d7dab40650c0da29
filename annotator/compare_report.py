"""The comparison beyond its charts: a story side by side, the numbers as JSON, the report.

Start with :func:`story_view` (a story's aligned sentence pairs and each
outlet's blindspots, with the labels of the chosen source beside every
sentence), then :func:`numbers` (everything behind the compare page's charts,
ready for ``json.dumps``: what ``workbench compare --json`` prints) and
:func:`report_sections` (the same for :func:`annotator.report.write_report`:
what ``workbench compare --report`` writes). The controls, charts and the
sentences behind a bar are in :mod:`annotator.compare`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from annotator import label_sources, stories
from annotator.alignment import blindspots_with_labels, label_text, pairs_with_labels
from annotator.compare import (
    SOURCE_NAMES,
    ChartItem,
    Controls,
    chart_items,
    difference_table,
    empty_message,
    small_groups,
    trust_table,
)
from annotator.labelsets import LabelSet
from annotator.outlets import SMALL_N, Comparison, Filters
from annotator.report import Section, Table
from annotator.storage import Store

PAIR_COLUMNS = (
    "left_text", "right_text", "left_labels", "right_labels", "differ_on", "left_outlet",
    "right_outlet", "similarity", "left_sentence_id", "right_sentence_id",
)  # fmt: skip
BLINDSPOT_COLUMNS = ("outlet", "text", "labels", "best_similarity", "sentence_id")


@dataclass(frozen=True, eq=False)
class StoryView:
    """A story's sentence pairs across outlets (:data:`PAIR_COLUMNS`) and
    each outlet's blindspots (:data:`BLINDSPOT_COLUMNS`), labels as text."""

    story: stories.Story
    outlets: tuple[str, ...]
    pairs: pd.DataFrame
    blindspots: pd.DataFrame


def _keys_text(keys: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{task}[{target}]" if target else task for task, target in keys)


def story_view(store: Store, labelset: LabelSet, controls: Controls, story_id: int) -> StoryView:
    """:func:`annotator.stories.align_story` with the chosen source's labels
    beside each sentence and, per pair, the (task, target) the sides differ on."""
    story = stories.get_story(store, story_id)
    alignment = stories.align_story(store, story_id)
    labels = label_sources.label_frame(
        store,
        labelset,
        source=controls.source,
        threshold=controls.threshold,
        filters=Filters(story=story_id, label_set_version=controls.label_set_version),
    )
    pairs = pairs_with_labels(alignment.pairs, labels)
    for side in ("left", "right"):
        pairs[f"{side}_labels"] = pairs[f"{side}_labels"].map(label_text)
    pairs["differ_on"] = pairs["differences"].map(_keys_text)
    spots = blindspots_with_labels(alignment.blindspots, labels)
    spots["labels"] = spots["labels"].map(label_text)
    return StoryView(
        story=story,
        outlets=alignment.outlets,
        pairs=pairs[list(PAIR_COLUMNS)].reset_index(drop=True),
        blindspots=spots[list(BLINDSPOT_COLUMNS)].reset_index(drop=True),
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN becomes None, numpy numbers plain ones."""
    found: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", double_precision=15))
    return found


def _controls(controls: Controls) -> dict[str, Any]:
    plain = asdict(controls)
    for key, value in plain.items():
        if isinstance(value, date):
            plain[key] = value.isoformat()
        elif isinstance(value, tuple):
            plain[key] = list(value)
    return plain


def numbers(
    result: Comparison, controls: Controls, *, view: StoryView | None = None
) -> dict[str, Any]:
    """The numbers behind every chart (the tables of
    :func:`annotator.outlets.aggregate`), the model's trust, the small
    groups and, with ``view``, the story's pairs and blindspots; safe for
    ``json.dumps(..., allow_nan=False)``."""
    out: dict[str, Any] = {
        "controls": _controls(controls),
        "pair": list(controls.pair) if controls.pair else None,
        "empty": empty_message(result, controls),
        "model_version": result.counts.model_version,
        "model_scores": records(trust_table(result)),
        "totals": records(result.counts.totals),
        "small": small_groups(result),
        "stance": records(result.stance),
        "frames": records(result.frames),
        "single_choice": records(result.single_choice),
        "differences": records(result.differences),
        "cues": records(result.cues),
    }
    if view is not None:
        out["story"] = {
            "id": view.story.id,
            "name": view.story.name,
            "outlets": list(view.outlets),
            "pairs": records(view.pairs),
            "blindspots": records(view.blindspots),
        }
    return out


_TITLES = {
    "frames": "Frames per outlet",
    "differences": "Differences between the two outlets",
    "cues": "Cue phrases",
    "timeline": "Over time",
}


def _title(item: ChartItem) -> str:
    if item.kind == "stance":
        return f"Stance toward {item.target}"
    if item.kind == "choice":
        return item.key.split(".", 1)[1].capitalize()
    return _TITLES.get(item.kind, item.key)


def report_sections(
    result: Comparison, labelset: LabelSet, controls: Controls, *, view: StoryView | None = None
) -> list[Section]:
    """What was compared, the model's trust (when it feeds the numbers),
    every chart with its numbers, the differences, and the story's pairs
    and blindspots: sections for :func:`annotator.report.write_report`."""
    note = [
        f"Labels: {SOURCE_NAMES[controls.source]}.",
        f"Outlets: {', '.join(controls.outlets) or 'every outlet'}.",
    ]
    if controls.uses_model:
        note.append(f"Model predictions count at probability {controls.threshold:.2f} or above.")
    if small := small_groups(result):
        note.append(f"Fewer than {SMALL_N} labelled sentences (flagged): {'; '.join(small)}.")
    if message := empty_message(result, controls):
        note.append(message)
    sections = [Section("What is compared", note="\n".join(note))]
    if controls.uses_model:
        trust = Table("Macro-F1 with each outlet held out in turn", trust_table(result))
        sections.append(Section("How far the model can be trusted", tables=(trust,)))
    for item in chart_items(result, labelset, pair=controls.pair):
        tables = [Table("Numbers", item.data)]
        if item.kind == "differences":
            tables.insert(0, Table("Significant first", difference_table(result.differences)))
        sections.append(Section(_title(item), charts=(item.chart,), tables=tuple(tables)))
    if view is not None:
        sections.append(
            Section(
                f"Story: {view.story.name}",
                note="Sentences of two outlets that report the same fact, with each one's labels.",
                tables=(
                    Table("Aligned pairs", view.pairs),
                    Table("Blindspots: facts only one outlet reports", view.blindspots),
                ),
            )
        )
    return sections
