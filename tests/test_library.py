"""The library stays a library: importing it loads no streamlit."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_importing_every_annotator_module_loads_no_streamlit() -> None:
    code = (
        "import importlib, pkgutil, sys, annotator\n"
        "for m in pkgutil.walk_packages(annotator.__path__, 'annotator.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
