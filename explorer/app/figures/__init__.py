"""What every page draws: one module per panel, each holding its figure, title, help and legend.

A panel module has ``KEY``, ``TITLE`` and ``HELP`` (the utility panel's title names the
package shown, so it has ``panel_text`` instead), ``figure(...)`` returning plotly figure
JSON as plain dicts (no plotly import: a dashboard kernel stays cheap and tests compare
panels with ``==``) and, where the panel has one, ``legend(...)``. The dashboard
(:mod:`explorer.app.dashboard`) and the briefing (:mod:`explorer.app.briefing`) both draw from
here; :mod:`.layout` is what the panels share.

Panels, in page order: :mod:`.issue_map`, :mod:`.redline_gap`, :mod:`.utility`,
:mod:`.distance` (the main board, :data:`PANELS`), :mod:`.chance`, :mod:`.deals`,
:mod:`.sensitivity`, :mod:`.forecast`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from explorer.analysis.analysis import Analysis
from explorer.app.state import DASHBOARD_DRAWS
from explorer.app.figures import chance, deals, distance, forecast, issue_map, redline_gap, sensitivity, utility

PANELS = ("issue_map", "redline_gap", "utility", "distance")  # the main board: the coding taken as exact
MODULES: dict[str, ModuleType] = {m.KEY: m for m in (issue_map, redline_gap, utility, distance, chance, deals,
                                                     sensitivity, forecast)}
WIDE = ("issue_map", "sensitivity", "forecast")  # panels that take the page's whole width


def panel_text(key: str, draws: int = DASHBOARD_DRAWS, clickable: bool = True) -> tuple[str, str]:
    """(title, help) of panel ``key`` — for ``draws`` Monte Carlo draws, on a page where its points can be
    clicked or not; ("", "") where it depends on the state (the utility panel)."""
    module = MODULES[key]
    help_line = module.help_text(draws, clickable) if hasattr(module, "help_text") else getattr(module, "HELP", "")
    return getattr(module, "TITLE", ""), help_line


def panel_specs(analysis: Analysis, baseline: Analysis, outcome: str) -> dict[str, dict[str, Any]]:
    """The main board's figures for one state, keyed as :data:`PANELS`."""
    return {
        "issue_map": issue_map.figure(analysis),
        "redline_gap": redline_gap.figure(analysis, baseline),
        "utility": utility.figure(analysis, outcome),
        "distance": distance.figure(analysis),
    }
