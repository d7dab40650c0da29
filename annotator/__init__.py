"""Stance and media-bias annotation workbench: the library behind the app.

Start with :mod:`annotator.bootstrap` (open a store, load the label set and the
seeds), then :mod:`annotator.corpus` (import articles) and
:mod:`annotator.annotations` (save and read labels). The library never imports
streamlit; the pages in ``pages/`` do.
"""

__version__ = "0.1.0"
