"""Agreement charts as data: the kappa heatmap is symmetric with the values
of the reliability table, alpha rows are named by analysis."""

from __future__ import annotations

import pandas as pd

from annotator import charts
from annotator.agreement import reliability
from annotator.agreement_units import with_kinds

COLUMNS = ["sentence_id", "outlet", "annotator", "task", "target", "value"]


def labels() -> pd.DataFrame:
    rows = []
    said = {"ani": "ffaan", "budi": "ffana", "cita": "fafan"}
    for name, values in said.items():
        for unit, v in enumerate(values, 1):
            value = {"f": "favor", "a": "against", "n": "neutral"}[v]
            rows.append((unit, "o", name, "stance", "X" if unit % 2 else "Y", value))
    return with_kinds(pd.DataFrame(rows, columns=COLUMNS), {"stance": "stance"})


def test_the_kappa_matrix_holds_each_pair_both_ways_with_the_tables_value() -> None:
    result = reliability(labels(), n_boot=50, kappa_levels=("task", "target"))
    matrix = charts.kappa_matrix(result.kappa, task="stance")
    pooled = result.kappa[(result.kappa["level"] == "task") & (result.kappa["slice"] == "all")]
    assert len(matrix) == 2 * len(pooled) == 6
    for row in pooled.itertuples():
        there = matrix[
            (matrix["annotator_a"] == row.annotator_a) & (matrix["annotator_b"] == row.annotator_b)
        ]
        back = matrix[
            (matrix["annotator_a"] == row.annotator_b) & (matrix["annotator_b"] == row.annotator_a)
        ]
        assert there["kappa"].item() == back["kappa"].item() == row.kappa
    per_target = charts.kappa_matrix(result.kappa, task="stance", target="X")
    assert set(per_target["units"]) == {3}


def test_the_heatmap_colours_by_kappa_and_writes_each_value() -> None:
    result = reliability(labels(), n_boot=0)
    spec = charts.kappa_heatmap(result.kappa, task="stance").to_dict()
    cells, text = spec["layer"]
    assert cells["mark"]["type"] == "rect" and cells["encoding"]["color"]["field"] == "kappa"
    assert text["encoding"]["text"]["field"] == "label"
    data = next(iter(spec["datasets"].values()))
    assert {d["annotator_a"] for d in data} == {"ani", "budi", "cita"}


def test_alpha_rows_are_named_by_analysis_per_slice() -> None:
    result = reliability(labels(), n_boot=0)
    names = list(charts.alpha_rows(result.alpha)["analysis"])
    assert names == ["stance", "stance · X", "stance · Y"]
    assert list(charts.alpha_rows(result.alpha, outlet="o")["analysis"]) == names
    spec = charts.alpha_intervals(result.alpha).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point", "rule"]
