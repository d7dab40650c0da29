"""The data card written next to an export: what is in it and how to read it.

Start with :func:`render_card` (Markdown text) or :func:`write_card`. The card
counts rows, labels, sentences, documents and annotators, tabulates labels per
outlet, task (and target) and value, explains the special rows, and ends with
the codebook (the label set definition) verbatim in a TOML code block.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from annotator.exchange.tidy import SENTENCE_COLUMNS, normalize

_BACKTICKS = re.compile(r"`+")


def cell(value: object) -> str:
    """Text that stays inside one Markdown table cell."""
    text = str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")  # no stray HTML from data
    return re.sub(r"[\r\n\u2028\u2029\x85]+", " ", text)


def _table(header: list[str], rows: list[list[object]], right: int = 1) -> list[str]:
    """A Markdown table; the last ``right`` columns are numbers, right-aligned."""
    rule = ["---"] * (len(header) - right) + ["---:"] * right
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _or(text: object, placeholder: str) -> str:
    """The text, or a placeholder where it is empty (an empty cell reads as a mistake)."""
    return str(text) or placeholder


def _ids(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One number per distinct combination of ``columns``, per row."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    return frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)


def render_card(
    frame: pd.DataFrame, *, name: str, format_name: str, codebook_toml: str, created: datetime
) -> str:
    """The data card of an exported tidy table, as Markdown."""
    frame = normalize(frame)
    # Sentences and labels are counted by number: one id per distinct sentence
    # (all its columns), found once, instead of comparing long texts per table.
    sentence = _ids(frame, list(SENTENCE_COLUMNS))
    is_labelled = (frame["task"] != "").to_numpy(dtype=bool)
    labelled = frame[is_labelled]
    # A value with several cue spans is one label in several rows.
    label_keys = ["sentence", "annotator", "task", "target", "value"]
    labels = labelled[["outlet", *label_keys[1:]]].assign(sentence=sentence[is_labelled])
    labels = labels[~labels.duplicated(label_keys).to_numpy(dtype=bool)]
    documents = frame.loc[frame["document_id"] != "", "document_id"].nunique()
    annotators = labelled.loc[labelled["annotator"] != "", "annotator"].nunique()
    moment = created if created.tzinfo else created.replace(tzinfo=UTC)
    title = re.sub(r"\s+", " ", name).strip() or "label set"
    out = [f"# Data card: {title}", ""]
    out += [
        f"- Exported: {moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"- Format: {cell(format_name)}",
    ]
    versions = labelled[["label_set", "label_set_version"]].drop_duplicates()
    made_with = [
        _or(label_set, "(unnamed)") + ("" if version is pd.NA else f" v{version}")
        for label_set, version in zip(
            versions["label_set"], versions["label_set_version"].astype(object), strict=True
        )
    ]
    if made_with:
        out.append(f"- Labelled with: {cell(', '.join(sorted(made_with)))}")
    sources = labelled["source"].replace("", "(none)").value_counts().sort_index()
    if len(sources):
        out.append("- Sources: " + cell(", ".join(f"{k} {v}" for k, v in sources.items())))
    out += ["", "## Counts", ""]
    counts: list[list[object]] = [
        ["rows", len(frame)],
        ["labels", len(labels)],
        ["cue spans", int(labelled["span_start"].notna().sum())],
        ["sentences", len(np.unique(sentence))],
        ["documents", documents],
        ["annotators", annotators],
    ]
    out += _table(["", "count"], counts)
    out += ["", "## Per outlet", ""]
    per_outlet_ids = pd.DataFrame(
        {
            "outlet": frame["outlet"],
            "document": frame["document_id"].where(frame["document_id"] != ""),
            "sentence": sentence,
        }
    )
    outlets = per_outlet_ids.groupby("outlet", sort=True).agg(
        documents=("document", "nunique"), sentences=("sentence", "nunique")
    )
    labels_per_outlet = labels["outlet"].value_counts()
    per_outlet = [
        [_or(outlet, "(no outlet)"), documents, sentences, int(labels_per_outlet.get(outlet, 0))]
        for outlet, documents, sentences in outlets.itertuples()
    ]
    out += _table(["outlet", "documents", "sentences", "labels"], per_outlet, right=3)
    out += ["", "## Per task", ""]
    tasks = labels.groupby(["task", "target"], sort=True).agg(
        labels=("value", "size"),
        annotators=("annotator", "nunique"),
        sentences=("sentence", "nunique"),
    )
    per_task = [[task, _or(target, "—"), *numbers]
                for (task, target), *numbers in tasks.itertuples()]  # fmt: skip
    out += _table(["task", "target", "labels", "annotators", "sentences"], per_task, right=3)
    out += ["", "## Per value", ""]
    totals = dict(zip(tasks.index, tasks["labels"], strict=True))
    values = labels.groupby(["task", "target", "value"], sort=True).size().reset_index()
    per_value: list[list[object]] = [
        [task, _or(target, "—"), _or(str(value), "(no value applies)"), count,
         f"{100 * count / totals[task, target]:.1f} %"]
        for task, target, value, count in values.itertuples(index=False)
    ]  # fmt: skip
    out += _table(["task", "target", "value", "labels", "share"], per_value, right=2)
    none_apply = int((labels["value"] == "").sum())
    unlabelled = int((frame["task"] == "").sum())
    out += ["", "## Reading the table", ""]
    out += [
        "- One row per label: a sentence's columns repeat on each of its rows. Several rows can",
        "  share sentence, annotator, task and target: the values of a multi-choice task, or one",
        "  value with several cue spans (one row per span; `span_start`/`span_end` are character",
        "  offsets into `text`, `span_text` is the cue phrase).",
        f'- {none_apply} label(s) say "annotated, and no value applies": `task` is set and '
        "`value` is empty.",
        f"- {unlabelled} row(s) are unlabelled sentences: `task`, `value` and `annotator` are empty.",
        "- `target` is empty for tasks without a stance target; `source` says where a label came",
        "  from (human, import, model, adjudicated); `created_at` is UTC.",
    ]
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(codebook_toml)), default=0))
    out += ["", "## Codebook", "", f"{fence}toml", codebook_toml.rstrip("\n"), fence, ""]
    return "\n".join(out)


def write_card(
    path: Path,
    frame: pd.DataFrame,
    *,
    name: str,
    format_name: str,
    codebook_toml: str,
    created: datetime,
) -> None:
    """Write :func:`render_card` to ``path`` (UTF-8)."""
    text = render_card(
        frame, name=name, format_name=format_name, codebook_toml=codebook_toml, created=created
    )
    Path(path).write_text(text, encoding="utf-8")
