"""Charts comparing outlets: stance bars, frame heatmap, differences, cue phrases, timeline.

Each function takes a table of :mod:`annotator.outlets` (columns as in the
``*_COLUMNS`` constants below) and returns an Altair chart; nothing is drawn
here. Start with :func:`stance_bars` (one target's stance per outlet, 100 %
stacked, with Wilson intervals), then :func:`frame_heatmap` and
:func:`difference_chart`; cue phrases and the timeline live in
:mod:`annotator.charts.cues` and :mod:`annotator.charts.timeline`.

Every chart carries one point selection named :data:`SELECTION` over the
fields in :data:`SELECTION_FIELDS` (the outlet and value of a bar, the outlet
and frame of a cell, ...). A page passes the chart to
``st.altair_chart(chart, on_select="rerun", selection_mode=SELECTION)`` and
turns the event into the picked cells with :func:`picked`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from annotator.charts.palette import GREY, OKABE_ITO, SEQUENTIAL, value_colours

SELECTION = "pick"
"""Name of the point selection every chart here carries (``event.selection[SELECTION]``)."""
SELECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "stance": ("outlet", "target", "value"),
    "choice": ("outlet", "task", "value"),
    "frames": ("outlet", "frame"),
    "differences": ("task", "target", "value"),
    "cues": ("outlet", "cue"),
    "timeline": ("outlet", "value"),
}
# Stance values read left to right from for to against; others follow by name.
STANCE_ORDER = ("favor", "neutral", "against")
_STEP, _PADDING = 34, 0.2  # stacked bars: pixels per outlet, share of it left blank
SMALL_NOTE = "faded, dashed, share in brackets: too few sentences to trust"


def picked(selection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The cells picked in a Streamlit chart event (``event.selection``):
    one dict of :data:`SELECTION_FIELDS` values per picked bar or cell."""
    if not selection:
        return []
    rows = selection.get(SELECTION) or []
    return [dict(row) for row in rows if isinstance(row, Mapping)]


def point_selection(kind: str) -> alt.Parameter:
    return alt.selection_point(name=SELECTION, fields=list(SELECTION_FIELDS[kind]))


def percent_tooltip(column: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{column}:Q", title=title, format=".1%")


def _share_tooltip() -> list[Any]:
    """Count, n, share with its 95% interval, and the small-count flag."""
    return [
        "count:Q",
        alt.Tooltip("n:Q", title="sentences"),
        percent_tooltip("share", "share"),
        percent_tooltip("low", "95% low"),
        percent_tooltip("high", "95% high"),
        alt.Tooltip("small:N", title="few sentences"),
    ]


def value_order(values: Sequence[str], order: Sequence[str] | None) -> list[str]:
    first = list(order) if order is not None else list(STANCE_ORDER)
    present = list(dict.fromkeys(values))
    return [v for v in first if v in present] + sorted(v for v in present if v not in first)


def _outlet_label(outlet: pd.Series, n: pd.Series) -> pd.Series:
    return outlet.astype(str) + " (n=" + n.astype(int).astype(str) + ")"


# ------------------------------------------------------------- stacked bars


def stacked_table(
    data: pd.DataFrame, *, order: Sequence[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Segments of a 100 % stacked bar per outlet: each value's ``start`` and
    ``end`` on the 0..1 axis, and its Wilson interval drawn around the
    segment's right edge (``whisker_low``..``whisker_high``, clipped to 0..1)."""
    values = value_order(data["value"].astype(str).tolist(), order)
    rank = {v: i for i, v in enumerate(values)}
    out = data.assign(rank=data["value"].map(rank)).sort_values(["outlet", "rank"], kind="stable")
    out["start"] = out.groupby("outlet")["share"].cumsum() - out["share"]
    out["end"] = out["start"] + out["share"]
    out["whisker_low"] = (out["start"] + out["low"]).clip(0, 1)
    out["whisker_high"] = (out["start"] + out["high"]).clip(0, 1)
    out["outlet_label"] = _outlet_label(out["outlet"], out["n"])
    # A rule with a pixel offset is placed from the band's top, so the offset
    # holds half the band; whiskers sit 5 px apart so overlapping ones stay readable.
    middle = _STEP * (1 - _PADDING) / 2
    out["whisker_offset"] = middle + (out["value"].map(rank) - (len(values) - 1) / 2) * 5.0
    return out.drop(columns="rank").reset_index(drop=True), values


def _stacked(
    data: pd.DataFrame,
    *,
    kind: str,
    group: str,
    legend: str,
    title: str,
    order: Sequence[str] | None,
) -> alt.LayerChart:
    table, values = stacked_table(data, order=order)
    colours = value_colours(values)
    pick = point_selection(kind)
    base = alt.Chart(
        table,
        title=alt.Title(
            title,
            subtitle="whiskers: 95% Wilson interval; dashed outline: too few sentences to trust",
        ),
    )
    y = alt.Y(
        "outlet_label:N",
        title=None,
        sort=sorted(table["outlet_label"].unique()),
        axis=alt.Axis(labelLimit=260),
        scale=alt.Scale(paddingInner=_PADDING),
    )
    tooltip = [
        "outlet:N",
        f"{group}:N",
        alt.Tooltip("value:N", title=legend),
        *_share_tooltip(),
    ]
    bars = (
        base.mark_bar(stroke="#1a1a1a")
        .encode(
            x=alt.X(
                "start:Q",
                title="share of sentences",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            x2="end:Q",
            y=y,
            color=alt.Color(
                "value:N",
                title=legend,
                sort=values,
                scale=alt.Scale(domain=values, range=[colours[v] for v in values]),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            strokeWidth=alt.condition("datum.small", alt.value(1.5), alt.value(0)),
            strokeDash=alt.condition("datum.small", alt.value([4, 2]), alt.value([1, 0])),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    whiskers = base.mark_rule(color="#1a1a1a", strokeWidth=1.5).encode(
        x="whisker_low:Q",
        x2="whisker_high:Q",
        y=y,
        yOffset=alt.YOffset("whisker_offset:Q", scale=None),
        tooltip=tooltip,
    )
    return alt.LayerChart(layer=[bars, whiskers], width=480, height=alt.Step(_STEP))  # fmt: skip


def stance_bars(
    stance: pd.DataFrame, *, target: str, order: Sequence[str] | None = None, title: str = ""
) -> alt.LayerChart:
    """One target's stance per outlet: 100 % stacked bars (n in the outlet's
    label), each value's 95 % interval as a whisker, small counts dashed."""
    data = stance[stance["target"] == target]
    return _stacked(data, kind="stance", group="target", legend="stance",
                    title=title or f"Stance toward {target}", order=order)  # fmt: skip


def stance_charts(stance: pd.DataFrame, **options: Any) -> dict[str, alt.LayerChart]:
    """:func:`stance_bars` for every target in the table, by target name."""
    return {t: stance_bars(stance, target=t, **options) for t in sorted(stance["target"].unique())}


def choice_bars(
    choices: pd.DataFrame, *, task: str, order: Sequence[str] | None = None, title: str = ""
) -> alt.LayerChart:
    """A single-choice task (bias, opinion) per outlet, drawn as :func:`stance_bars`."""
    data = choices[choices["task"] == task]
    return _stacked(data, kind="choice", group="task", legend=task,
                    title=title or f"{task[:1].upper()}{task[1:]} per outlet", order=order)  # fmt: skip


# ------------------------------------------------------------------ heatmap


def frame_heatmap(frames: pd.DataFrame, *, title: str = "") -> alt.LayerChart:
    """Outlet x frame: the share of each outlet's sentences using each frame.
    Small counts are faded with a dashed outline and their share bracketed."""
    data = frames.copy()
    data["outlet_label"] = _outlet_label(
        data["outlet"], data.groupby("outlet")["n"].transform("max")
    )
    data["text"] = [
        f"({s:.0%})" if small else f"{s:.0%}"
        for s, small in zip(data["share"], data["small"], strict=True)
    ]
    top = float(data["share"].max()) if len(data) else 1.0
    data["dark"] = data["share"] < top * 0.6  # viridis is dark at the low end
    pick = point_selection("frames")
    base = alt.Chart(
        data,
        title=alt.Title(
            title or "Frames per outlet",
            subtitle=f"share of sentences with the frame; {SMALL_NOTE}",
        ),
    ).encode(
        # Frames as rows: every frame name stays readable however many
        # there are; outlets (few) as columns.
        y=alt.Y(
            "frame:N",
            title=None,
            sort=sorted(data["frame"].unique()),
            axis=alt.Axis(labelLimit=220),
        ),
        x=alt.X(
            "outlet_label:N",
            title=None,
            sort=sorted(data["outlet_label"].unique()),
            axis=alt.Axis(labelAngle=0, labelLimit=220, orient="top"),
        ),
        tooltip=[
            "outlet:N",
            "frame:N",
            *_share_tooltip(),
        ],
    )
    cells = (
        base.mark_rect(stroke="#1a1a1a")
        .encode(
            color=alt.Color(
                "share:Q",
                title="share",
                scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, max(top, 1e-9)]),
                legend=alt.Legend(format="%"),
            ),
            opacity=alt.condition("datum.small", alt.value(0.45), alt.value(1.0)),
            strokeDash=alt.condition("datum.small", alt.value([3, 2]), alt.value([1, 0])),
            strokeWidth=alt.condition(pick, alt.value(3), alt.value(0.5), empty=False),
        )
        .add_params(pick)
    )
    text = base.mark_text(fontSize=11).encode(
        text="text:N",
        color=alt.condition("datum.dark", alt.value("white"), alt.value("black")),
    )
    return alt.LayerChart(layer=[cells, text], width=alt.Step(150), height=alt.Step(22))  # fmt: skip


# -------------------------------------------------------------- differences


def _cell_label(data: pd.DataFrame) -> pd.Series:
    middle = ["" if pd.isna(t) or t == "" else f"{t} · " for t in data["target"]]
    return (
        data["task"].astype(str)
        + ": "
        + pd.Series(middle, index=data.index)
        + data["value"].astype(str)
    )


def difference_chart(
    differences: pd.DataFrame,
    *,
    outlet_a: str | None = None,
    outlet_b: str | None = None,
    title: str = "",
) -> alt.LayerChart:
    """Share in outlet A minus share in outlet B per cell (task, target,
    value): filled dots are significant after Benjamini-Hochberg, hollow
    ones could be noise; p and adjusted p in the tooltip."""
    data = differences
    if outlet_a is None or outlet_b is None:
        first = data.iloc[0] if len(data) else None
        outlet_a = outlet_a or (str(first["outlet_a"]) if first is not None else "A")
        outlet_b = outlet_b or (str(first["outlet_b"]) if first is not None else "B")
    data = data[(data["outlet_a"] == outlet_a) & (data["outlet_b"] == outlet_b)].copy()
    data["cell"] = _cell_label(data)
    data["zero"] = 0.0
    data["direction"] = [
        f"more in {outlet_a}" if d > 0 else f"more in {outlet_b}" for d in data["difference"]
    ]
    data["verdict"] = ["holds" if s else "could be noise" for s in data["significant"]]
    order = data.sort_values("difference", ascending=False)["cell"].tolist()
    directions = [f"more in {outlet_a}", f"more in {outlet_b}"]
    colour = alt.Color(
        "direction:N",
        title=None,
        scale=alt.Scale(domain=directions, range=[OKABE_ITO[0], OKABE_ITO[1]]),
    )
    pick = point_selection("differences")
    base = alt.Chart(
        data,
        title=alt.Title(
            title or f"{outlet_a} vs {outlet_b}",
            subtitle="filled: significant (Benjamini-Hochberg); hollow: could be noise",
        ),
    )
    y = alt.Y("cell:N", title=None, sort=order, axis=alt.Axis(labelLimit=280))
    tooltip = [
        "cell:N",
        "outlet_a:N",
        "count_a:Q",
        "n_a:Q",
        percent_tooltip("share_a", "share A"),
        "outlet_b:N",
        "count_b:Q",
        "n_b:Q",
        percent_tooltip("share_b", "share B"),
        percent_tooltip("difference", "difference"),
        alt.Tooltip("p:Q", format=".3g"),
        alt.Tooltip("p_adjusted:Q", title="p adjusted (BH)", format=".3g"),
        "verdict:N",
        "test:N",
    ]
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=GREY).encode(x="zero:Q")
    stems = base.mark_rule(strokeWidth=1.5).encode(x="zero:Q", x2="difference:Q", y=y, color=colour)
    dots = (
        base.mark_point(size=110, strokeWidth=2, opacity=1)
        .encode(
            x=alt.X(
                "difference:Q",
                title=f"share in {outlet_a} minus share in {outlet_b}",
                axis=alt.Axis(format="%"),
            ),
            y=y,
            color=colour,
            fill=alt.condition(
                "datum.significant",
                alt.Fill(
                    "direction:N",
                    scale=alt.Scale(domain=directions, range=[OKABE_ITO[0], OKABE_ITO[1]]),
                ),
                alt.value("white"),
            ),
            size=alt.condition(pick, alt.value(160), alt.value(110), empty=False),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    return alt.LayerChart(layer=[zero, stems, dots], width=420)  # fmt: skip
