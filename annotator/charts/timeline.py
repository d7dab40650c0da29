"""Shares over publication dates, a line per outlet: for corpora whose dates vary.

Start with :func:`dates_vary` (is a timeline worth drawing?) and
:func:`timeline` over the per-sentence labels of :mod:`annotator.outlets`;
:func:`timeline_table` holds its numbers. The chart carries the point
selection :data:`annotator.charts.outlets.SELECTION` on outlet and value.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from annotator.charts.outlets import percent_tooltip, point_selection, value_order
from annotator.charts.palette import OKABE_ITO


def _published(labels: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(labels["published"], errors="coerce", utc=True).dt.tz_localize(None)


def dates_vary(labels: pd.DataFrame) -> bool:
    """Whether the labelled sentences come from more than one publication day."""
    days = _published(labels).dropna().dt.normalize()
    return days.nunique() > 1


def timeline_table(
    labels: pd.DataFrame, *, task: str, target: str | None = None, freq: str | None = None
) -> pd.DataFrame:
    """Share of each value per outlet and period (days, or weeks when the
    dates span more than 120 days); periods without a value count 0."""
    data = labels[labels["task"] == task]
    if target is not None:
        data = data[data["target"] == target]
    data = data.assign(published=_published(data)).dropna(subset=["published"])
    data = data[data["value"].notna() & (data["value"] != "")]
    columns = ["outlet", "period", "value", "count", "n", "share"]
    if data.empty:
        return pd.DataFrame(columns=columns)
    if freq is None:
        freq = "W" if (data["published"].max() - data["published"].min()).days > 120 else "D"
    data = data.assign(period=data["published"].dt.to_period(freq).dt.start_time)
    n = data.groupby(["outlet", "period"])["sentence_id"].nunique().rename("n")
    count = data.groupby(["outlet", "period", "value"])["sentence_id"].nunique()
    full = pd.MultiIndex.from_tuples(
        [(o, p, v) for o, p in n.index for v in sorted(data["value"].unique())],
        names=["outlet", "period", "value"],
    )
    out = (
        count.reindex(full, fill_value=0)
        .rename("count")
        .reset_index()
        .join(n, on=["outlet", "period"])
    )
    out["share"] = out["count"] / out["n"]
    return out[columns]


def timeline(
    labels: pd.DataFrame,
    *,
    task: str,
    target: str | None = None,
    freq: str | None = None,
    title: str = "",
) -> alt.Chart:
    """Share of each value over publication dates, a line per outlet, a
    panel per value. Use it when :func:`dates_vary`."""
    data = timeline_table(labels, task=task, target=target, freq=freq)
    outlets = sorted(data["outlet"].unique())
    pick = point_selection("timeline")
    about = f"{task} toward {target}" if target else task
    return (
        alt.Chart(data, title=title or f"{about[0].upper()}{about[1:]} over time")
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title="published"),
            y=alt.Y("share:Q", title="share of sentences", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("outlet:N", sort=outlets, scale=alt.Scale(domain=outlets, range=list(OKABE_ITO[: max(len(outlets), 1)]))),
            facet=alt.Facet("value:N", title=None, columns=3, sort=value_order(data["value"].tolist(), None)),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
            tooltip=["outlet:N", "value:N", alt.Tooltip("period:T", title="from"), "count:Q",
                     alt.Tooltip("n:Q", title="sentences"), percent_tooltip("share", "share")],
        )
        .add_params(pick)
        .properties(width=220, height=140)
    )  # fmt: skip
