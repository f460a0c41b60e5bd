"""A dashboard viewer's kernel stays cheap: building the dashboard imports no heavy chain.

Each viewer gets a kernel of its own; what it imports is paid once per viewer. plotly's
FigureWidget chain (plotly.basewidget → plotly.io → nbformat → jsonschema →
rfc3987_syntax, which builds a grammar at import: ~2.7 CPU-s here) and pandas (~0.3 s,
~40 MB) are not needed to draw the dashboard; this guards against them coming back.
"""

import json
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("plotly", "pandas", "jsonschema", "rfc3987_syntax", "nbformat", "scipy")

SCRIPT = f"""
import json, sys
from explorer.app.dashboard import Dashboard
d = Dashboard()
d.set_concession("ukraine-line-freeze", True)
d.outcome_picker.value = "kalai_smorodinsky"
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({list(HEAVY)!r}))))
"""


def test_building_and_using_the_dashboard_imports_no_heavy_module():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_exporting_a_panel_still_gives_a_plotly_figure():
    script = ("from explorer.app.dashboard import Dashboard; d = Dashboard(); f = d.panels['redline_gap'].figure;"
              "print(type(f).__module__, len(f.data))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["plotly.graph_objs._figure", "2"]
