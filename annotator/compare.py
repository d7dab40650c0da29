"""What the compare page and ``workbench compare`` share: controls, charts, the sentences behind a bar.

Start with :class:`Controls` (the page's controls, or the command's
options) and :func:`compare` (every table of :func:`annotator.outlets.aggregate`
for them). Then :func:`chart_items` (the charts worth drawing, each with its
data for CSV and the task behind its bars), :func:`cell_of` and
:func:`behind` (a picked bar or cell, and the sentences behind it with their
labels and a link to correct them), and the notes beside the charts:
:func:`empty_message`, :func:`small_groups`, :func:`trust_table`,
:func:`difference_table`. A story side by side, the numbers as JSON and the
report are in :mod:`annotator.compare_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import altair as alt
import pandas as pd

from annotator import charts, label_sources, outlets, stories
from annotator.alignment import label_text, labels_by_sentence
from annotator.label_sources import (
    DEFAULT_THRESHOLD,
    GOLD,
    HUMAN,
    HUMAN_ELSE_MODEL,
    MODEL,
    LabelSource,
    check_source,
)
from annotator.labelsets import LabelSet
from annotator.outlets import SMALL_N, Comparison, Filters
from annotator.storage import Store
from annotator.storage import labelsets as labelsets_sql
from annotator.storage import stories as stories_sql
from annotator.storage import texts as texts_sql

SOURCE_NAMES: dict[str, str] = {
    GOLD: "gold (adjudicated)",
    HUMAN: "people (majority per sentence)",
    MODEL: "model (above the threshold)",
    HUMAN_ELSE_MODEL: "people, else the model",
}
BEHIND_LIMIT = 50  # sentences listed behind a bar
BEHIND_COLUMNS = (
    "sentence_id", "outlet", "text", "value", "labels", "annotate", "task", "target", "source",
    "probability",
)  # fmt: skip
DIFFERENCE_SHOWN = (
    "task", "target", "value", "share_a", "share_b", "difference", "p_adjusted", "significant",
    "few", "count_a", "n_a", "count_b", "n_b", "test",
)  # fmt: skip


@dataclass(frozen=True)
class Controls:
    """Which labels to compare. ``outlets``: the first two are compared
    with each other (differences); empty means every outlet, no pair."""

    source: LabelSource = HUMAN
    threshold: float = DEFAULT_THRESHOLD
    outlets: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    document_ids: tuple[int, ...] = ()
    story: int | None = None
    targets: tuple[str, ...] = ()
    label_set_version: int | None = None

    def __post_init__(self) -> None:
        check_source(self.source)
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"the threshold must be between 0 and 1, not {self.threshold}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"the date range ends ({self.date_to}) before it starts")

    @property
    def filters(self) -> Filters:
        return Filters(
            outlets=self.outlets,
            date_from=self.date_from,
            date_to=self.date_to,
            document_ids=self.document_ids,
            story=self.story,
            targets=self.targets,
            label_set_version=self.label_set_version,
        )

    @property
    def pair(self) -> tuple[str, str] | None:
        return (self.outlets[0], self.outlets[1]) if len(self.outlets) >= 2 else None

    @property
    def uses_model(self) -> bool:
        return self.source in (MODEL, HUMAN_ELSE_MODEL)


def outlet_names(store: Store) -> list[str]:
    """Every outlet with documents, by name (the first two are the default pair)."""
    return outlets.summary(store)["outlet"].astype(str).tolist()


@dataclass(frozen=True)
class Choices:
    """What the controls offer: outlets, documents and stories (by id, with
    a name to show), label-set versions and targets."""

    outlets: tuple[str, ...]
    documents: dict[int, str]
    stories: dict[int, str]
    story_documents: dict[int, tuple[int, ...]]
    versions: tuple[int, ...]
    targets: tuple[str, ...]


def choices(store: Store, labelset: LabelSet) -> Choices:
    """Every outlet, document, story, label-set version and target to choose from."""
    with store.read() as conn:
        documents = texts_sql.list_documents(conn)
        versions = labelsets_sql.label_set_history(conn, labelset.name)
    found = stories.list_stories(store)
    return Choices(
        outlets=tuple(sorted({d.outlet for d in documents})),
        documents={
            d.id: f"{d.outlet} · {d.title or d.uid} ({d.published or 'no date'})" for d in documents
        },
        stories={s.id: f"{s.name} ({len(s.documents)} documents)" for s in found},
        story_documents={s.id: tuple(d.id for d in s.documents) for s in found},
        versions=tuple(v.version for v in versions),
        targets=tuple(t.name for t in labelset.targets),
    )


def compare(store: Store, labelset: LabelSet, controls: Controls) -> Comparison:
    """Every table of the comparison for these controls."""
    return outlets.aggregate(
        store,
        labelset,
        source=controls.source,
        filters=controls.filters,
        threshold=controls.threshold,
        pair=controls.pair,
    )


def empty_message(result: Comparison, controls: Controls) -> str | None:
    """What to do when nothing in scope is labelled by the chosen source; None otherwise."""
    if not result.counts.totals.empty:
        return None
    if controls.source == GOLD:
        return "No gold labels here yet: adjudicate on Adjudicate, or compare people's labels."
    if controls.source == MODEL:
        if result.counts.model_version is None:
            return "No active model: retrain on Model to compare with the model."
        return f"No prediction at or above {controls.threshold:.2f} here: lower the threshold."
    return (
        "No labels here yet: label some sentences on Annotate, or retrain on Model to compare "
        "with the model (choose the model as the label source)."
    )


def small_groups(result: Comparison) -> list[str]:
    """Outlet, task and target with fewer than :data:`SMALL_N` labelled sentences (flagged)."""
    totals = result.counts.totals
    few = totals[totals["n"] < SMALL_N].sort_values(["outlet", "task", "target"])
    return [
        f"{outlet} · {task}{f' toward {target}' if target else ''}: n={n}"
        for outlet, task, target, n in few[["outlet", "task", "target", "n"]].itertuples(
            index=False, name=None
        )
    ]


def trust_table(result: Comparison) -> pd.DataFrame:
    """The model's outlet-held-out macro-F1 per task (empty when the model feeds nothing)."""
    rows = [
        {
            "task": task,
            "macro_f1": s.macro_f1 if s else None,
            "labels": s.n if s else None,
            "outlets_held_out": s.folds if s else None,
            "model_version": s.version_id if s else None,
        }
        for task, s in result.scores.items()
    ]
    columns = ["task", "macro_f1", "labels", "outlets_held_out", "model_version"]
    return pd.DataFrame(rows, columns=columns)


def difference_table(differences: pd.DataFrame) -> pd.DataFrame:
    """The differences between the two outlets (:data:`DIFFERENCE_SHOWN`),
    significant cells first, then by size; ``few``: a side has fewer than
    :data:`~annotator.outlets.SMALL_N` labelled sentences."""
    table = differences.assign(
        few=differences[["n_a", "n_b"]].min(axis=1) < SMALL_N,
        size=differences["difference"].abs(),
    )
    table = table.sort_values(["significant", "size"], ascending=[False, False], kind="stable")
    return table.reset_index(drop=True)[list(DIFFERENCE_SHOWN)]


# ---------------------------------------------------------------- charts


@dataclass(frozen=True, eq=False)
class ChartItem:
    """One chart of the comparison: its key, selection kind, data (CSV) and
    the task (and target) behind its bars when a picked cell does not name it."""

    key: str
    kind: str  # a key of charts.SELECTION_FIELDS
    chart: alt.Chart | alt.LayerChart
    data: pd.DataFrame
    task: str | None = None
    target: str = ""


def _first(labelset: LabelSet, kind: str) -> str | None:
    return next((t.name for t in labelset.tasks if t.kind == kind), None)


def chart_items(
    result: Comparison, labelset: LabelSet, *, pair: tuple[str, str] | None
) -> list[ChartItem]:
    """The charts worth drawing for this comparison, in reading order."""
    items: list[ChartItem] = []
    stance_task, frame_task = _first(labelset, "stance"), _first(labelset, "multi")
    order = [g.name for g in labelset.targets]
    present = set(result.stance["target"])
    for target in [t for t in order if t in present] + sorted(present - set(order)):
        data = result.stance[result.stance["target"] == target]
        chart: alt.Chart | alt.LayerChart = charts.stance_bars(result.stance, target=target)
        items.append(ChartItem(f"stance.{target}", "stance", chart, data, stance_task, target))
    for task in dict.fromkeys(result.single_choice["task"]):
        data = result.single_choice[result.single_choice["task"] == task]
        items.append(
            ChartItem(f"choice.{task}", "choice", charts.choice_bars(data, task=task), data)
        )
    if not result.frames.empty:
        items.append(
            ChartItem(
                "frames", "frames", charts.frame_heatmap(result.frames), result.frames, frame_task
            )
        )
    if pair is not None and not result.differences.empty:
        chart = charts.difference_chart(result.differences, outlet_a=pair[0], outlet_b=pair[1])
        items.append(ChartItem("differences", "differences", chart, result.differences))
    if not result.cues.empty:
        items.append(
            ChartItem("cues", "cues", charts.cue_bars(result.cues), charts.cue_table(result.cues))
        )
    labels = result.counts.human
    if labels is not None and stance_task and not labels.empty and charts.dates_vary(labels):
        stance_rows = labels[labels["task"] == stance_task]
        if not stance_rows.empty:
            target = str(stance_rows["target"].value_counts().index[0])
            table = charts.timeline_table(labels, task=stance_task, target=target)
            chart = charts.timeline(labels, task=stance_task, target=target)
            items.append(ChartItem("timeline", "timeline", chart, table, stance_task, target))
    return items


# ---------------------------------------------------------------- behind a bar


@dataclass(frozen=True)
class Cell:
    """What a picked bar or cell stands for: labels of ``task`` (toward
    ``target``) with ``value`` in ``outlets``; or sentences whose cue is ``cue``."""

    outlets: tuple[str, ...]
    task: str | None = None
    target: str = ""
    value: str | None = None
    cue: str | None = None


def cell_of(item: ChartItem, picked: dict[str, Any], *, pair: tuple[str, str] | None) -> Cell:
    """The cell behind one picked row of :func:`annotator.charts.picked` on ``item``'s chart."""

    def text(name: str) -> str:
        value = picked.get(name)
        return "" if value is None else str(value)

    if item.kind == "differences":
        return Cell(pair or (), text("task"), text("target"), text("value"))
    outlet = (text("outlet"),)
    if item.kind == "cues":
        return Cell(outlet, cue=text("cue"))
    if item.kind == "choice":
        return Cell(outlet, text("task"), "", text("value"))
    if item.kind == "frames":
        return Cell(outlet, item.task, "", text("frame"))
    target = text("target") if item.kind == "stance" else item.target
    return Cell(outlet, item.task, target, text("value"))


def annotate_link(sentence_id: int, *, annotator: str = "") -> str:
    """The annotate page's address for a sentence (relative to the app)."""
    query = {"sentence": str(sentence_id), **({"annotator": annotator} if annotator else {})}
    return f"annotate?{urlencode(query)}"


def _cue_text(cues: pd.Series) -> pd.Series:
    # As annotator.outlets.cues writes a cue: trimmed, case-folded, spaces collapsed.
    return cues.astype(str).str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def behind(
    store: Store,
    labelset: LabelSet,
    controls: Controls,
    cell: Cell,
    *,
    limit: int = BEHIND_LIMIT,
    annotator: str = "",
) -> pd.DataFrame:
    """The first ``limit`` sentences behind a cell (:data:`BEHIND_COLUMNS`):
    the label that put each in the bar, every label the source gives the
    sentence, its text, and a link to annotate it."""
    filters = replace(
        controls.filters,
        outlets=cell.outlets or controls.outlets,
        targets=(cell.target,) if cell.target else controls.targets,
    )
    if cell.cue is not None:
        rows = label_sources.people(store, labelset, filters, gold=controls.source == GOLD)
        rows = rows[rows["cue"].notna()]
        rows = rows[_cue_text(rows["cue"]) == cell.cue]
        chosen = rows.drop_duplicates(["sentence_id", "task", "target", "value"]).head(limit)
        chosen = chosen.assign(probability=float("nan"), source=controls.source)
    else:
        chosen = label_sources.label_frame(
            store,
            labelset,
            source=controls.source,
            filters=filters,
            threshold=controls.threshold,
            task=cell.task,
            value=cell.value,
            limit=limit,
        )
    documents = sorted({int(d) for d in chosen["document_id"]})
    with store.read() as conn:
        texts = {s.id: s.text for s in stories_sql.document_sentence_texts(conn, documents)}
    every = label_sources.label_frame(
        store,
        labelset,
        source=controls.source,
        threshold=controls.threshold,
        filters=Filters(
            document_ids=tuple(documents), label_set_version=controls.label_set_version
        ),
    )
    labels = labels_by_sentence(every, chosen["sentence_id"].tolist())
    out = chosen.assign(
        sentence_id=chosen["sentence_id"].astype("int64"),
        text=chosen["sentence_id"].map(texts),
        labels=[label_text(tuple(sorted(labels.get(int(s), ())))) for s in chosen["sentence_id"]],
        annotate=[annotate_link(int(s), annotator=annotator) for s in chosen["sentence_id"]],
    )
    return out.reset_index(drop=True)[list(BEHIND_COLUMNS)]
