"""Small outlet tables in the shapes annotator.outlets returns, for chart and report tests.

Counts are chosen by hand; shares and Wilson intervals are computed with
statsmodels, so the charts are checked against an independent source.
"""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

EVIL = "<script>alert(1)</script>"
SMALL_BELOW = 10  # a count under this is "small" in these tables


def wilson(count: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def _row(count: int, n: int) -> dict[str, object]:
    low, high = wilson(count, n)
    return {"count": count, "n": n, "share": count / n, "low": low, "high": high}


def stance(
    outlets: dict[str, dict[str, int]] | None = None, *, target: str = "Elon Musk"
) -> pd.DataFrame:
    outlets = outlets or {
        "Kompas": {"favor": 10, "neutral": 25, "against": 15},
        "Detik": {"against": 1, "favor": 2, "neutral": 3},
    }
    rows = []
    for outlet, counts in outlets.items():
        n = sum(counts.values())
        for value, count in counts.items():
            rows.append({"outlet": outlet, "target": target, "value": value, **_row(count, n),
                         "small": n < SMALL_BELOW})  # fmt: skip
    return pd.DataFrame(rows)


def frames(outlets: dict[str, tuple[int, dict[str, int]]] | None = None) -> pd.DataFrame:
    outlets = outlets or {
        "Kompas": (50, {"economic": 20, "political": 30, "legal": 3}),
        "Detik": (40, {"economic": 5, "political": 10, "legal": 12}),
    }
    rows = []
    for outlet, (n, counts) in outlets.items():
        for frame, count in counts.items():
            rows.append({"outlet": outlet, "frame": frame, **_row(count, n),
                         "small": count < SMALL_BELOW})  # fmt: skip
    return pd.DataFrame(rows)


def choices(task: str = "bias") -> pd.DataFrame:
    data = stance(
        {"Kompas": {"biased": 12, "not-biased": 38}, "Detik": {"biased": 20, "not-biased": 20}}
    )
    return data.rename(columns={"target": "task"}).assign(task=task)


def _difference(task: str, target: str | None, value: str, a: tuple[int, int], b: tuple[int, int],
                p: float, p_adjusted: float) -> dict[str, object]:  # fmt: skip
    share_a, share_b = a[0] / a[1], b[0] / b[1]
    return {
        "task": task, "target": target, "value": value, "outlet_a": "Kompas", "outlet_b": "Detik",
        "count_a": a[0], "n_a": a[1], "count_b": b[0], "n_b": b[1], "share_a": share_a,
        "share_b": share_b, "difference": share_a - share_b, "p": p, "p_adjusted": p_adjusted,
        "significant": p_adjusted < 0.05, "test": "fisher",
    }  # fmt: skip


def differences() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _difference("frames", None, "economic", (20, 50), (5, 40), 0.003, 0.009),
            _difference("frames", None, "legal", (3, 50), (12, 40), 0.002, 0.009),
            _difference("stance", "Elon Musk", "favor", (10, 50), (2, 6), 0.5, 0.6),
        ]
    )


def cues() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("Kompas", "bias", "biased", "besar-besaran", 7),
            ("Kompas", "frames", "economic", "besar-besaran", 2),
            ("Kompas", "bias", "biased", "miliarder", 3),
            ("Kompas", "bias", "biased", "konon", 1),
            ("Detik", "bias", "biased", "serangan siber", 5),
            ("Detik", "bias", "biased", "besar-besaran", 1),
        ],
        columns=["outlet", "task", "value", "cue", "count"],
    )


def labels(days: tuple[str, ...] = ("2024-08-12", "2024-08-13", "2024-08-15")) -> pd.DataFrame:
    """Per-sentence stance labels: Kompas 1 favor, 3 against a day; Detik
    favor, neutral, against, against a day."""
    per_outlet = {"Kompas": ["favor", "against", "against", "against"],
                  "Detik": ["favor", "neutral", "against", "against"]}  # fmt: skip
    rows = []
    for outlet, values in per_outlet.items():
        for day in days:
            for value in values:
                rows.append({"sentence_id": len(rows) + 1, "document_id": 1, "outlet": outlet,
                             "published": day, "task": "stance", "target": "Elon Musk",
                             "value": value, "probability": None, "source": "human"})  # fmt: skip
    return pd.DataFrame(rows)
