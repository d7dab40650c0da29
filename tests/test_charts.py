"""Charts are data: assertions on the Vega-Lite specs the chart functions return."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import charts
from tests import chart_data


def _scores(f1: dict[str, float], confusion: list[list[int]] | None = None) -> dict[str, Any]:
    return {
        "classes": list(f1),
        "macro_f1": sum(f1.values()) / len(f1),
        "per_class": {
            c: {"precision": v, "recall": v, "f1": v, "support": 10} for c, v in f1.items()
        },
        "confusion": confusion,
        "value_confusion": {},
    }


def _card(f1: dict[str, float], *, grouped: bool = True, curve: bool = False) -> dict[str, Any]:
    metrics: dict[str, Any] = {
        "random": _scores(f1, [[8, 2], [3, 7]]),
        "grouped": _scores({k: v - 0.1 for k, v in f1.items()}) if grouped else None,
        "learning_curve": {
            "sizes": [25, 50, 100],
            "macro_f1": [0.4, 0.5, 0.6],
            "f_avg": [0.3, 0.4, 0.5],
            "folds": 5,
        }
        if curve
        else None,
    }
    return {"metrics": metrics}


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return rows


def test_class_f1_has_a_bar_per_version_scheme_and_value() -> None:
    spec = charts.class_f1(
        {
            "v2": _card({"favor": 0.8, "against": 0.6}),
            "v1 (active)": _card({"favor": 0.7, "against": 0.5}, grouped=False),
        }
    ).to_dict()
    rows = _data(spec)
    assert len(rows) == 2 * 2 + 2  # v2 on both schemes, v1 on random folds only
    assert {r["series"] for r in rows} == {
        "v2 · random folds",
        "v2 · outlets held out",
        "v1 (active) · random folds",
    }
    assert spec["mark"] == {"type": "bar"}
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert spec["encoding"]["color"]["scale"]["range"][0] == charts.OKABE_ITO[0]


def test_confusion_puts_counts_in_the_cells() -> None:
    spec = charts.confusion(_card({"biased": 0.8, "not-biased": 0.7})).to_dict()
    rows = _data(spec)
    assert {(r["true"], r["predicted"], r["count"]) for r in rows} == {
        ("biased", "biased", 8),
        ("biased", "not-biased", 2),
        ("not-biased", "biased", 3),
        ("not-biased", "not-biased", 7),
    }
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]


def test_confusion_of_a_multi_choice_task_shows_yes_and_no_per_value() -> None:
    card = {
        "metrics": {
            "random": {
                "classes": ["economic"],
                "confusion": None,
                "value_confusion": {"economic": [5, 1, 2, 3]},
            }
        }
    }
    rows = charts.confusion_table(card)
    assert rows.set_index(["true", "predicted"])["count"].to_dict() == {
        ("economic: no", "economic: no"): 5,
        ("economic: no", "economic: yes"): 1,
        ("economic: yes", "economic: no"): 2,
        ("economic: yes", "economic: yes"): 3,
    }


def test_learning_curve_plots_both_measures_on_a_log_axis() -> None:
    spec = charts.learning_curve({"v3": _card({"a": 0.5, "b": 0.5}, curve=True)}).to_dict()
    rows = _data(spec)
    assert sorted({r["measure"] for r in rows}) == ["F_avg", "macro-F1"]
    assert [r["labels"] for r in rows if r["measure"] == "macro-F1"] == [25, 50, 100]
    assert spec["encoding"]["x"]["scale"]["type"] == "log"


def test_charts_of_nothing_are_empty_not_errors() -> None:
    assert charts.learning_curve({"v1": _card({"a": 0.5})}).to_dict()["mark"]["type"] == "line"
    assert charts.learning_curve_table({"v1": _card({"a": 0.5})}).empty
    assert charts.class_f1_table({}).empty


# ------------------------------------------------------------ outlet charts


def _layer(spec: dict[str, Any], mark: str) -> dict[str, Any]:
    (layer,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == mark]
    return layer


def _rows(spec: dict[str, Any], layer: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    source = layer if layer is not None and "data" in layer else spec
    return spec["datasets"][source["data"]["name"]]


def _selection(spec: dict[str, Any]) -> dict[str, Any]:
    (param,) = spec["params"]
    return param


def test_stance_bars_stack_each_outlet_to_one_in_stance_order_with_wilson_whiskers() -> None:
    data = chart_data.stance()
    spec = charts.stance_bars(data, target="Elon Musk").to_dict()
    bar = _layer(spec, "bar")
    rows = _rows(spec, bar)
    kompas = [r for r in rows if r["outlet"] == "Kompas"]
    assert [r["value"] for r in kompas] == ["favor", "neutral", "against"]
    assert [r["start"] for r in kompas] == pytest.approx([0, 0.2, 0.7])
    assert [r["end"] for r in kompas] == pytest.approx([0.2, 0.7, 1.0])
    low, high = chart_data.wilson(25, 50)
    neutral = kompas[1]
    assert (neutral["whisker_low"], neutral["whisker_high"]) == pytest.approx(
        (0.2 + low, 0.2 + high)
    )
    assert max(r["whisker_high"] for r in rows) <= 1.0
    assert {r["outlet_label"] for r in rows} == {"Kompas (n=50)", "Detik (n=6)"}
    colour = bar["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True)) == {
        "favor": charts.STANCE_COLOURS["favor"],
        "neutral": charts.STANCE_COLOURS["neutral"],
        "against": charts.STANCE_COLOURS["against"],
    }
    rule = _layer(spec, "rule")["encoding"]
    assert (rule["x"]["field"], rule["x2"]["field"]) == ("whisker_low", "whisker_high")


def test_stance_bars_draw_one_target_and_dash_small_outlets() -> None:
    data = pd.concat([chart_data.stance(), chart_data.stance(target="Joe Biden")])
    spec = charts.stance_bars(data, target="Joe Biden").to_dict()
    bar = _layer(spec, "bar")
    rows = _rows(spec, bar)
    assert {r["target"] for r in rows} == {"Joe Biden"}
    assert {r["outlet"] for r in rows if r["small"]} == {"Detik"}
    assert bar["encoding"]["strokeDash"]["condition"]["test"] == "datum.small"
    assert "small" in [t["field"] for t in bar["encoding"]["tooltip"]]
    assert set(charts.stance_charts(data)) == {"Elon Musk", "Joe Biden"}


def test_every_outlet_chart_carries_the_named_point_selection_on_its_fields() -> None:
    built = {
        "stance": charts.stance_bars(chart_data.stance(), target="Elon Musk"),
        "choice": charts.choice_bars(chart_data.choices(), task="bias"),
        "frames": charts.frame_heatmap(chart_data.frames()),
        "differences": charts.difference_chart(chart_data.differences()),
        "cues": charts.cue_bars(chart_data.cues()),
        "timeline": charts.timeline(chart_data.labels(), task="stance"),
    }
    assert set(built) == set(charts.SELECTION_FIELDS)
    for kind, chart in built.items():
        param = _selection(chart.to_dict())
        assert param["name"] == charts.SELECTION, kind
        assert param["select"] == {"type": "point", "fields": list(charts.SELECTION_FIELDS[kind])}


def test_frame_heatmap_uses_a_sequential_scheme_and_flags_small_counts() -> None:
    spec = charts.frame_heatmap(chart_data.frames()).to_dict()
    rect = _layer(spec, "rect")
    enc = rect["encoding"]
    assert enc["color"]["field"] == "share"
    assert enc["color"]["scale"]["scheme"] == charts.SEQUENTIAL == "viridis"
    assert enc["opacity"]["condition"] == {"test": "datum.small", "value": 0.45}
    # Frames as rows, so no frame name is dropped for lack of room.
    assert enc["y"]["field"] == "frame"
    assert enc["x"]["field"] == "outlet_label"
    rows = {(r["outlet"], r["frame"]): r for r in _rows(spec)}
    assert rows["Kompas", "legal"]["text"] == "(6%)"  # 3 of 50: small, bracketed
    assert rows["Kompas", "political"]["text"] == "60%"
    assert rows["Detik", "legal"]["outlet_label"] == "Detik (n=40)"
    tooltip = {t["field"] for t in enc["tooltip"]}
    assert {"count", "n", "share", "low", "high", "small"} <= tooltip


def test_difference_chart_fills_only_significant_cells_and_sorts_by_difference() -> None:
    spec = charts.difference_chart(chart_data.differences()).to_dict()
    dots = _layer(spec, "point")
    rows = _rows(spec, dots)
    assert dots["encoding"]["y"]["sort"] == [
        "frames: economic",
        "stance: Elon Musk · favor",
        "frames: legal",
    ]
    assert dots["encoding"]["fill"]["condition"]["test"] == "datum.significant"
    assert dots["encoding"]["fill"]["value"] == "white"
    assert {r["cell"]: r["significant"] for r in rows} == {
        "frames: economic": True,
        "frames: legal": True,
        "stance: Elon Musk · favor": False,
    }
    assert {r["cell"]: r["direction"] for r in rows}["frames: legal"] == "more in Detik"
    assert "p_adjusted" in [t["field"] for t in dots["encoding"]["tooltip"]]
    assert dots["encoding"]["x"]["title"] == "share in Kompas minus share in Detik"


def test_difference_chart_keeps_to_the_pair_asked_for() -> None:
    swapped = chart_data.differences().rename(
        columns={"outlet_a": "outlet_b", "outlet_b": "outlet_a"}
    )
    both = pd.concat([chart_data.differences(), swapped.head(1)])
    spec = charts.difference_chart(both, outlet_a="Detik", outlet_b="Kompas").to_dict()
    assert [r["value"] for r in _rows(spec, _layer(spec, "point"))] == ["economic"]


def test_cue_bars_keep_each_outlets_top_phrases_summed_over_tasks() -> None:
    table = charts.cue_table(chart_data.cues(), top=2)
    assert table.to_dict("records") == [
        {"outlet": "Detik", "cue": "serangan siber", "count": 5},
        {"outlet": "Detik", "cue": "besar-besaran", "count": 1},
        {"outlet": "Kompas", "cue": "besar-besaran", "count": 9},
        {"outlet": "Kompas", "cue": "miliarder", "count": 3},
    ]
    only_frames = charts.cue_table(chart_data.cues(), task="frames")
    assert only_frames["count"].tolist() == [2]
    spec = charts.cue_bars(chart_data.cues(), top=2).to_dict()
    assert spec["encoding"]["y"]["sort"][0] == "besar-besaran"  # 10 in all
    assert spec["encoding"]["yOffset"]["field"] == "outlet"


def test_timeline_shares_per_day_fill_missing_values_with_zero() -> None:
    table = charts.timeline_table(chart_data.labels(), task="stance", target="Elon Musk")
    day = table[table["period"] == pd.Timestamp("2024-08-13")]
    shares = {(r.outlet, r.value): (r.count, r.n, r.share) for r in day.itertuples()}
    assert shares["Kompas", "against"] == (3, 4, 0.75)
    assert shares["Kompas", "neutral"] == (0, 4, 0.0)
    assert shares["Detik", "neutral"] == (1, 4, 0.25)
    assert len(table) == 2 * 3 * 3  # outlets x days x values


def test_timeline_turns_weekly_over_long_spans_and_knows_when_dates_vary() -> None:
    assert charts.dates_vary(chart_data.labels())
    assert not charts.dates_vary(chart_data.labels(days=("2024-08-12",)))
    long = chart_data.labels(days=("2024-01-01", "2024-01-03", "2024-08-12"))
    table = charts.timeline_table(long, task="stance")
    assert sorted(table["period"].unique()) == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-08-12"),
    ]
    first = table[(table["period"] == pd.Timestamp("2024-01-01")) & (table["outlet"] == "Kompas")]
    assert first.set_index("value")["n"].tolist() == [8, 8, 8]  # two days in one week
    spec = charts.timeline(chart_data.labels(), task="stance", target="Elon Musk").to_dict()
    assert spec["encoding"]["x"]["field"] == "period"
    assert spec["encoding"]["facet"]["field"] == "value"


def test_picked_reads_the_cells_of_a_streamlit_selection_event() -> None:
    event = {charts.SELECTION: [{"outlet": "Kompas", "value": "favor"}], "other": [{"x": 1}]}
    assert charts.picked(event) == [{"outlet": "Kompas", "value": "favor"}]
    assert charts.picked({}) == []
    assert charts.picked(None) == []


def _selectable_app() -> None:
    import streamlit as st

    from annotator import charts
    from tests import chart_data

    built = {
        "stance": charts.stance_bars(chart_data.stance(), target="Elon Musk"),
        "choice": charts.choice_bars(chart_data.choices(), task="bias"),
        "frames": charts.frame_heatmap(chart_data.frames()),
        "differences": charts.difference_chart(chart_data.differences()),
        "cues": charts.cue_bars(chart_data.cues()),
        "timeline": charts.timeline(chart_data.labels(), task="stance"),
    }
    for name, chart in built.items():
        event = st.altair_chart(chart, on_select="rerun", selection_mode=charts.SELECTION, key=name)
        st.text(f"{name}: {charts.picked(event.selection)}")


def test_streamlit_accepts_every_outlet_chart_with_selection_events() -> None:
    at = AppTest.from_function(_selectable_app).run(timeout=30)
    assert not at.exception
    elements = at.get("vega_lite_chart")
    assert len(elements) == len(charts.SELECTION_FIELDS)
    assert all(list(e.proto.selection_mode) == [charts.SELECTION] for e in elements)
    assert [t.value for t in at.text] == [f"{name}: []" for name in charts.SELECTION_FIELDS]


# ------------------------------------------------------------------ export


def test_svg_and_png_are_rendered_offline_with_the_outlet_names_escaped() -> None:
    data = chart_data.stance({chart_data.EVIL: {"favor": 3, "against": 9}, "Kompas": {"favor": 5}})
    chart = charts.stance_bars(data, target="Elon Musk")
    svg = charts.to_svg(chart).decode()
    assert svg.startswith("<svg") and "Stance toward Elon Musk" in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (n=12)" in svg
    assert "<script" not in svg
    png = charts.to_png(chart, scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width > 480  # the bars alone are 480 px wide
    assert int.from_bytes(charts.to_png(chart, scale=2)[16:20], "big") == 2 * width


def test_csv_keeps_numbers_and_neutralises_formulas() -> None:
    data = pd.DataFrame({"outlet": ["=HYPERLINK(1)", "Kompas"], "share": [-0.5, 0.25], "n": [3, 4]})
    text = charts.to_csv(data).decode()
    assert text.splitlines() == ["outlet,share,n", "'=HYPERLINK(1),-0.5,3", "Kompas,0.25,4"]
