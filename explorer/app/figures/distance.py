"""Panel ``distance``: how far apart each pair of parties is, in points (a heatmap with the
values written in the cells)."""

from __future__ import annotations

from typing import Any

from explorer.analysis.analysis import Analysis
from explorer.app.figures.layout import axis, base_layout, finite, text, wrap

KEY = "distance"
TITLE = "How far apart each pair of parties is, in points"
HELP = ("Distance between two parties' ideal positions on the issues both hold, averaged by how much "
        "they care: 0 = the same positions, 100 = opposite ends of every scale.")


def figure(analysis: Analysis) -> dict[str, Any]:
    """Salience-weighted distance between every pair of parties, values written in the cells."""
    names = [wrap(p.name, 10) for p in analysis.scenario.parties]
    z = [[finite(v) for v in row] for row in analysis.distance_matrix]
    full = [text(p.name) for p in analysis.scenario.parties]
    data = [{
        "type": "heatmap", "x": names, "y": names, "z": z, "zmin": 0, "zmax": 100, "colorscale": "Cividis",
        "customdata": [[[a, b] for b in full] for a in full], "texttemplate": "%{z:.0f}", "textfont": {"size": 13},
        "colorbar": {"title": {"text": "points"}, "thickness": 10},
        "hovertemplate": "%{customdata[0]} ↔ %{customdata[1]}: %{z:.1f} points apart<extra></extra>",
    }]
    layout = base_layout(100 + 62 * len(names), xaxis=axis(side="bottom", tickangle=0),
                         yaxis=axis(autorange="reversed"))
    return {"data": data, "layout": layout}
