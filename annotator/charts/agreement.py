"""Charts of agreement between annotators: the kappa heatmap and alpha with its interval.

Start with :func:`kappa_heatmap` (Cohen's kappa of every pair of annotators
for one analysis, annotator x annotator, both halves filled) and
:func:`alpha_intervals` (Krippendorff's alpha of each analysis with its
bootstrap interval). Both take the frames of
:func:`annotator.agreement.reliability`; :func:`kappa_matrix` and
:func:`alpha_rows` are their data.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from annotator.charts.palette import OKABE_ITO, SEQUENTIAL

__all__ = ["alpha_intervals", "alpha_rows", "kappa_heatmap", "kappa_matrix"]

KAPPA_MATRIX_COLUMNS = ("annotator_a", "annotator_b", "kappa", "low", "high", "units")


def _where(
    frame: pd.DataFrame, task: str, target: str | None, frame_name: str | None, outlet: str | None
) -> pd.DataFrame:
    def matches(column: str, value: str | None) -> pd.Series:
        return frame[column].isna() if value is None else frame[column] == value

    keep = (
        (frame["task"] == task)
        & matches("target", target)
        & matches("frame", frame_name)
        & matches("outlet", outlet)
    )
    return frame[keep]


def kappa_matrix(
    kappa: pd.DataFrame,
    *,
    task: str,
    target: str | None = None,
    frame: str | None = None,
    outlet: str | None = None,
) -> pd.DataFrame:
    """One analysis's pairs (``outlet`` None: every sentence), each pair in
    both orders so the heatmap is symmetric (:data:`KAPPA_MATRIX_COLUMNS`)."""
    rows = _where(kappa, task, target, frame, outlet)
    pairs = rows.loc[:, list(KAPPA_MATRIX_COLUMNS)]
    mirrored = pairs.rename(columns={"annotator_a": "annotator_b", "annotator_b": "annotator_a"})
    both = pd.concat([pairs, mirrored.loc[:, list(KAPPA_MATRIX_COLUMNS)]], ignore_index=True)
    return both.sort_values(["annotator_a", "annotator_b"]).reset_index(drop=True)


def kappa_heatmap(
    kappa: pd.DataFrame,
    *,
    task: str,
    target: str | None = None,
    frame: str | None = None,
    outlet: str | None = None,
    title: str = "",
) -> alt.LayerChart:
    """Annotator x annotator, coloured by Cohen's kappa (viridis, -0.2 to 1),
    the value written in each cell; the tooltip holds the interval and units."""
    data = kappa_matrix(kappa, task=task, target=target, frame=frame, outlet=outlet)
    data["label"] = data["kappa"].map(lambda k: "" if pd.isna(k) else f"{k:.2f}")
    names = sorted(set(data["annotator_a"]))
    base = alt.Chart(
        data,
        title=title
        or f"Cohen's kappa, {task}" + (f" · {target or frame}" if target or frame else ""),
    )
    x = alt.X("annotator_b:N", title=None, sort=names)
    y = alt.Y("annotator_a:N", title=None, sort=names)
    cells = base.mark_rect().encode(
        x=x, y=y,
        color=alt.Color("kappa:Q", title="kappa", scale=alt.Scale(scheme=SEQUENTIAL, domain=[-0.2, 1], clamp=True)),
        tooltip=["annotator_a:N", "annotator_b:N", alt.Tooltip("kappa:Q", format=".3f"),
                 alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f"), "units:Q"],
    )  # fmt: skip
    text = base.mark_text(color="white").encode(x=x, y=y, text="label:N")
    return (cells + text).properties(
        width=max(160, 60 * len(names)), height=max(160, 60 * len(names))
    )


def alpha_rows(alpha: pd.DataFrame, *, outlet: str | None = None) -> pd.DataFrame:
    """The alpha rows of one slice (``outlet`` None: every sentence), each
    named by its analysis ("stance", "stance · Elon Musk", "frames · economic")."""
    if outlet is None:
        rows = alpha[alpha["slice"] == "all"].copy()
    else:
        rows = alpha[(alpha["slice"] == "outlet") & (alpha["outlet"] == outlet)].copy()
    part = rows["target"].fillna(rows["frame"])
    rows["analysis"] = [
        f"{t} · {p}" if isinstance(p, str) and p else str(t)
        for t, p in zip(rows["task"], part, strict=True)
    ]
    return rows.reset_index(drop=True)


def alpha_intervals(
    alpha: pd.DataFrame, *, outlet: str | None = None, title: str = ""
) -> alt.LayerChart:
    """Krippendorff's alpha of each analysis as a point on its bootstrap
    interval, analyses in table order, a rule at 0.667 (Krippendorff's lowest
    level for tentative conclusions) and 0.8."""
    data = alpha_rows(alpha, outlet=outlet)
    order = list(data["analysis"])
    base = alt.Chart(data, title=title or "Krippendorff's alpha (95% bootstrap interval)")
    y = alt.Y("analysis:N", title=None, sort=order)
    bars = base.mark_rule(color=OKABE_ITO[0]).encode(
        x=alt.X("low:Q", title="alpha", scale=alt.Scale(domain=[-0.2, 1], clamp=True)),
        x2="high:Q",
        y=y,
    )
    points = base.mark_point(filled=True, color=OKABE_ITO[0], size=60).encode(
        x="alpha:Q", y=y,
        tooltip=["analysis:N", alt.Tooltip("alpha:Q", format=".3f"), alt.Tooltip("low:Q", format=".3f"),
                 alt.Tooltip("high:Q", format=".3f"), "units:Q", "annotators:Q"],
    )  # fmt: skip
    levels = alt.Chart(pd.DataFrame({"level": [0.667, 0.8]})).mark_rule(
        strokeDash=[4, 4], color="#999999"
    )
    return (bars + points + levels.encode(x="level:Q")).properties(width=420)
