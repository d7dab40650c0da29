"""Charts of a model's quality: per-class F1, confusion and learning curves.

Start with :func:`class_f1` (a task's per-class F1, one colour per model
version and scheme), :func:`confusion` and :func:`learning_curve`. Colours
come from a colour-blind-safe palette (Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from annotator.charts.palette import OKABE_ITO

__all__ = [
    "SCHEMES",
    "class_f1",
    "class_f1_table",
    "confusion",
    "confusion_table",
    "learning_curve",
    "learning_curve_table",
]
SCHEMES = {"random": "random folds", "grouped": "outlets held out"}


def class_f1_table(cards: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Per-class F1 of one task in several model versions (``cards``: version
    label -> that task's card), for each cross-validation scheme measured."""
    rows = []
    for version, card in cards.items():
        for key, scheme in SCHEMES.items():
            scores = card["metrics"].get(key)
            if not scores:
                continue
            for value, s in scores["per_class"].items():
                rows.append(
                    {
                        "version": version,
                        "scheme": scheme,
                        "value": value,
                        "f1": s["f1"],
                        "precision": s["precision"],
                        "recall": s["recall"],
                        "support": s["support"],
                    }
                )
    return pd.DataFrame(
        rows, columns=["version", "scheme", "value", "f1", "precision", "recall", "support"]
    )


def class_f1(cards: Mapping[str, Mapping[str, Any]], *, title: str = "") -> alt.Chart:
    """Grouped bars: F1 per value, a bar per version and scheme."""
    data = class_f1_table(cards)
    data["series"] = data["version"] + " · " + data["scheme"]
    return (
        alt.Chart(data, title=title or "F1 per value (held-out folds)")
        .mark_bar()
        .encode(
            x=alt.X("f1:Q", title="F1", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("series:N", title=None),
            color=alt.Color("series:N", title="version · folds", scale=alt.Scale(range=list(OKABE_ITO))),
            row=alt.Row("value:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=["version:N", "scheme:N", "value:N", alt.Tooltip("f1:Q", format=".3f"),
                     alt.Tooltip("precision:Q", format=".3f"), alt.Tooltip("recall:Q", format=".3f"),
                     "support:Q"],
        )
        .properties(width=360)
    )  # fmt: skip


def confusion_table(card: Mapping[str, Any], *, scheme: str = "random") -> pd.DataFrame:
    scores = card["metrics"].get(scheme) or card["metrics"]["random"]
    classes = scores["classes"]
    rows = []
    if scores.get("confusion"):
        for i, truth in enumerate(classes):
            for j, predicted in enumerate(classes):
                rows.append(
                    {"true": truth, "predicted": predicted, "count": scores["confusion"][i][j]}
                )
    else:  # multi choice: one yes/no table per value
        for value, (tn, fp, fn, tp) in scores.get("value_confusion", {}).items():
            rows += [
                {"true": f"{value}: no", "predicted": f"{value}: no", "count": tn},
                {"true": f"{value}: no", "predicted": f"{value}: yes", "count": fp},
                {"true": f"{value}: yes", "predicted": f"{value}: no", "count": fn},
                {"true": f"{value}: yes", "predicted": f"{value}: yes", "count": tp},
            ]
    return pd.DataFrame(rows, columns=["true", "predicted", "count"])


def confusion(card: Mapping[str, Any], *, scheme: str = "random", title: str = "") -> alt.Chart:
    """Heatmap of true against predicted values, counts in the cells."""
    data = confusion_table(card, scheme=scheme)
    base = alt.Chart(data, title=title or f"Confusion ({SCHEMES.get(scheme, scheme)})").encode(
        x=alt.X("predicted:N", title="predicted"),
        y=alt.Y("true:N", title="true"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), title="sentences"),
        tooltip=["true:N", "predicted:N", "count:Q"],
    )
    text = base.mark_text().encode(
        text="count:Q",
        color=alt.condition(
            alt.datum.count > data["count"].max() / 2, alt.value("white"), alt.value("black")
        )
        if len(data)
        else alt.value("black"),
    )
    return alt.layer(cells, text)  # type: ignore[return-value]


def learning_curve_table(cards: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for version, card in cards.items():
        curve = card["metrics"].get("learning_curve")
        if not curve:
            continue
        for i, size in enumerate(curve["sizes"]):
            rows.append(
                {
                    "version": version,
                    "labels": size,
                    "score": curve["macro_f1"][i],
                    "measure": "macro-F1",
                }
            )
            if curve.get("f_avg"):
                rows.append(
                    {
                        "version": version,
                        "labels": size,
                        "score": curve["f_avg"][i],
                        "measure": "F_avg",
                    }
                )
    return pd.DataFrame(rows, columns=["version", "labels", "score", "measure"])


def learning_curve(cards: Mapping[str, Mapping[str, Any]], *, title: str = "") -> alt.Chart:
    """Held-out score against the number of training labels (log scale)."""
    data = learning_curve_table(cards)
    return (
        alt.Chart(data, title=title or "Learning curve (held-out folds)")
        .mark_line(point=True)
        .encode(
            x=alt.X("labels:Q", scale=alt.Scale(type="log"), title="training labels"),
            y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 1]), title="score"),
            color=alt.Color("version:N", scale=alt.Scale(range=list(OKABE_ITO))),
            strokeDash=alt.StrokeDash("measure:N"),
            tooltip=["version:N", "measure:N", "labels:Q", alt.Tooltip("score:Q", format=".3f")],
        )
    )
