"""Charts as data: functions that return Altair charts and never draw them.

Pages hand the charts to Streamlit; tests assert on ``chart.to_dict()``.
``model`` holds a model's quality charts (:func:`class_f1`, :func:`confusion`,
:func:`learning_curve`); ``outlets``, ``cues`` and ``timeline`` the outlet
comparison (:func:`stance_bars`, :func:`frame_heatmap`,
:func:`difference_chart`, :func:`cue_bars`, :func:`timeline`), each with a point selection named
:data:`SELECTION` a page reads back with :func:`picked`; ``export`` turns a
chart into PNG or SVG bytes offline and its data into CSV. Everything is
re-exported here: ``from annotator import charts; charts.class_f1(...)``.
"""

from annotator.charts.agreement import alpha_intervals, alpha_rows, kappa_heatmap, kappa_matrix
from annotator.charts.cues import cue_bars, cue_table
from annotator.charts.export import to_csv, to_png, to_svg
from annotator.charts.model import (
    SCHEMES,
    class_f1,
    class_f1_table,
    confusion,
    confusion_table,
    learning_curve,
    learning_curve_table,
)
from annotator.charts.outlets import (
    SELECTION,
    SELECTION_FIELDS,
    choice_bars,
    difference_chart,
    frame_heatmap,
    picked,
    stacked_table,
    stance_bars,
    stance_charts,
)
from annotator.charts.palette import OKABE_ITO, SEQUENTIAL, STANCE_COLOURS, value_colours
from annotator.charts.timeline import dates_vary, timeline, timeline_table

# The aggregation's tables (annotator.outlets) that these charts draw.
from annotator.outlets import (
    CHOICE_COLUMNS,
    CUE_COLUMNS,
    DIFFERENCE_COLUMNS,
    FRAME_COLUMNS,
    LABEL_COLUMNS,
    STANCE_COLUMNS,
)

__all__ = [
    "CHOICE_COLUMNS",
    "CUE_COLUMNS",
    "DIFFERENCE_COLUMNS",
    "FRAME_COLUMNS",
    "LABEL_COLUMNS",
    "OKABE_ITO",
    "SCHEMES",
    "SELECTION",
    "SELECTION_FIELDS",
    "SEQUENTIAL",
    "STANCE_COLOURS",
    "STANCE_COLUMNS",
    "alpha_intervals",
    "alpha_rows",
    "choice_bars",
    "class_f1",
    "class_f1_table",
    "confusion",
    "confusion_table",
    "cue_bars",
    "cue_table",
    "dates_vary",
    "difference_chart",
    "frame_heatmap",
    "kappa_heatmap",
    "kappa_matrix",
    "learning_curve",
    "learning_curve_table",
    "picked",
    "stacked_table",
    "stance_bars",
    "stance_charts",
    "timeline",
    "timeline_table",
    "to_csv",
    "to_png",
    "to_svg",
    "value_colours",
]
