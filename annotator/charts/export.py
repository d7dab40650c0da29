"""Charts and their data as files: PNG and SVG rendered offline, CSV bytes.

Start with :func:`to_png` and :func:`to_svg` (vl-convert renders the
Vega-Lite spec in-process, no browser and no network) and :func:`to_csv`.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from annotator.exchange.tidy import neutralise


def vegalite_version() -> str | None:
    """The Vega-Lite version vl-convert should use: Altair's, when it has it."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None


def spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart (a dict is taken as one already)."""
    return chart if isinstance(chart, dict) else chart.to_dict()


def to_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> bytes:
    """The chart as a standalone SVG document (UTF-8)."""
    return vlc.vegalite_to_svg(spec(chart), vl_version=vegalite_version()).encode("utf-8")


def to_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG, ``scale`` times its pixel size (2 for sharp slides)."""
    return bytes(vlc.vegalite_to_png(spec(chart), vl_version=vegalite_version(), scale=scale))


def to_csv(data: pd.DataFrame) -> bytes:
    """A chart's table as UTF-8 CSV; text a spreadsheet would run as a
    formula is neutralised as in the tidy export."""
    out = data.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        text = values.map(lambda v: isinstance(v, str)).astype(bool)
        if text.any():
            out[column] = values.astype(object)
            out.loc[text, column] = neutralise(values[text].astype(str)).to_numpy()
    return out.to_csv(index=False).encode("utf-8")
