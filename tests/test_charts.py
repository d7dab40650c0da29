"""Charts are data: assertions on the Vega-Lite specs the chart functions return."""

from __future__ import annotations

from typing import Any

from annotator import charts


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
