"""Colour-blind-safe colours shared by every chart.

Okabe-Ito for categories (stance values, outlets, model versions) and a
perceptually uniform sequential scheme (viridis) for heatmaps. Start with
:func:`value_colours`, which keeps each stance value on the same colour in
every chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common
# colour-vision deficiencies. Yellow sits late: it is weak on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#999999"
# Stance values keep their colour across charts: green for, vermillion against,
# grey for the middle; other values take the remaining Okabe-Ito colours in turn.
STANCE_COLOURS = {"favor": "#009E73", "against": "#D55E00", "neutral": GREY}
SEQUENTIAL: Final = "viridis"


def value_colours(values: Iterable[str]) -> dict[str, str]:
    """A colour per value, stable for the stance values, Okabe-Ito for the rest."""
    spare = [c for c in OKABE_ITO if c not in STANCE_COLOURS.values()]
    others = [v for v in dict.fromkeys(values) if v not in STANCE_COLOURS]
    colours = {v: spare[i % len(spare)] for i, v in enumerate(others)}
    return {v: STANCE_COLOURS.get(v) or colours[v] for v in dict.fromkeys(values)}
