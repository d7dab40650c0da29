"""Cue-phrase charts: the words each outlet uses that signal bias or a frame.

Start with :func:`cue_bars` over the cues table of :mod:`annotator.outlets`
(columns ``outlet, task, value, cue, count``); it carries the point selection
:data:`annotator.charts.outlets.SELECTION` on outlet and cue.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from annotator.charts.outlets import point_selection
from annotator.charts.palette import OKABE_ITO


def cue_table(
    cues: pd.DataFrame, *, task: str | None = None, value: str | None = None, top: int = 10
) -> pd.DataFrame:
    """The ``top`` cue phrases of each outlet (optionally of one task and
    value), counts summed over the rest, most used first."""
    data = cues
    if task is not None:
        data = data[data["task"] == task]
    if value is not None:
        data = data[data["value"] == value]
    summed = data.groupby(["outlet", "cue"])["count"].sum().reset_index()
    summed = summed.sort_values(["outlet", "count", "cue"], ascending=[True, False, True])
    return summed.groupby("outlet", group_keys=False).head(top).reset_index(drop=True)


def cue_bars(
    cues: pd.DataFrame,
    *,
    task: str | None = None,
    value: str | None = None,
    top: int = 10,
    title: str = "",
) -> alt.Chart:
    """Grouped bars: how often each outlet uses its most used cue phrases."""
    data = cue_table(cues, task=task, value=value, top=top)
    outlets = sorted(data["outlet"].unique())
    order = (
        data.groupby("cue")["count"]
        .sum()
        .sort_values(ascending=False, kind="stable")
        .index.tolist()
    )
    pick = point_selection("cues")
    about = " · ".join(x for x in (task, value) if x)
    return (
        alt.Chart(data, title=title or ("Cue phrases" + (f" ({about})" if about else "")))
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="sentences"),
            y=alt.Y("cue:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("outlet:N", sort=outlets),
            color=alt.Color("outlet:N", sort=outlets, scale=alt.Scale(domain=outlets, range=list(OKABE_ITO[: max(len(outlets), 1)]))),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["outlet:N", "cue:N", "count:Q"],
        )
        .add_params(pick)
        .properties(width=420)
    )  # fmt: skip
