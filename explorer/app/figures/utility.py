"""Panel ``utility``: would the veto parties prefer the package shown to no deal?

Each veto party's utility at a predicted package (bar) against its utility of no deal
(its reservation, a black tick). Its title names the package, so it is :func:`panel_text`
of the analysis rather than a constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.vocabulary import OUTCOME_LABELS
from explorer.app.figures.layout import HORIZONTAL_LEGEND, axis, base_layout, finite, text, wrap
from explorer.app.palette import party_colours

KEY = "utility"
HELP = ("Bar: each veto party's utility at this package (1 = everything it wants, 0 = the opposite end "
        "of every issue, weighted by how much it cares). Black tick: its utility of no deal "
        "(reservation). A deal needs every bar above its tick. Only veto parties are shown, because a "
        "deal needs their consent")


def panel_text(analysis: Analysis, shown: str) -> tuple[str, str]:
    """Title and help line for the package ``shown`` (a key of the outcome vocabulary)."""
    others = [p.name for p, veto in zip(analysis.scenario.parties, analysis.arrays.veto) if not veto]
    title = f"Would the veto parties prefer this to no deal? At the {OUTCOME_LABELS[shown]}"
    return title, HELP + (f"; {', '.join(others)} cannot block one." if others else ".")


def figure(analysis: Analysis, outcome: str) -> dict[str, Any]:
    """Each veto party's utility at the ``outcome`` package, with its reservation (no deal) marked."""
    a, scenario = analysis.arrays, analysis.scenario
    veto = [int(p) for p in np.nonzero(a.veto)[0]]
    names = [wrap(scenario.parties[p].name, 16) for p in veto]
    package = analysis.outcome(outcome)
    values = analysis.utilities_at(package)[veto] if package is not None else np.full(len(veto), np.nan)
    colours = party_colours(a.party_ids)
    reservations = [float(a.reservation[p]) for p in veto]
    custom = [[text(scenario.parties[p].name), r] for p, r in zip(veto, reservations)]
    data = [
        {"type": "bar", "name": "utility at the package", "x": names, "y": [finite(u) for u in values],
         "customdata": custom, "marker": {"color": [colours[a.party_ids[p]] for p in veto]},
         "texttemplate": "%{y:.2f}", "textposition": "inside", "insidetextanchor": "end",
         "hovertemplate": ("<b>%{customdata[0]}</b><br>utility at the package: %{y:.2f}"
                           "<br>no deal (reservation): %{customdata[1]:.2f}<extra></extra>")},
        {"type": "scatter", "mode": "markers", "name": "no deal (reservation)", "x": names, "y": reservations,
         "customdata": custom, "marker": {"symbol": "line-ew", "size": 44, "line": {"width": 3.5, "color": "black"}},
         "hovertemplate": "<b>%{customdata[0]}</b><br>no deal (reservation): %{y:.2f}<extra></extra>"},
    ]
    layout = base_layout(330, showlegend=True, legend=HORIZONTAL_LEGEND, xaxis=axis(),
                         yaxis=axis(range=[0, 1.05], title={"text": "utility (1 = all it wants)"}, dtick=0.2))
    return {"data": data, "layout": layout}
