"""Panel ``redline_gap``: how far apart the veto parties' red lines are on each issue,
in points of its 0–100 scale, at the start (grey) beside now (purple)."""

from __future__ import annotations

from typing import Any

from explorer.analysis.analysis import Analysis
from explorer.app.figures.layout import HORIZONTAL_LEGEND, axis, base_layout, text, wrap
from explorer.app.palette import BASELINE, CURRENT

KEY = "redline_gap"
TITLE = "Red-line gap per issue, in points"
HELP = ("How far apart the veto parties' red lines are on each issue (0 = they overlap): grey at the "
        "start, purple now, with the concessions switched on.")
NONE_AT_ALL = "No issue has a red-line gap: on every issue the veto parties' red lines overlap."


def figure(analysis: Analysis, baseline: Analysis) -> dict[str, Any]:
    """Red-line gap per issue in scale points, ``baseline`` beside ``analysis``."""
    issues = [wrap(i.name, 20) for i in analysis.scenario.issues]
    before = [float(v) for v in baseline.gaps.redline_gap]
    now = [float(v) for v in analysis.gaps.redline_gap]
    hover = [[text(i.name)] for i in analysis.scenario.issues]
    layout = base_layout(
        60 + 56 * len(issues), barmode="group", bargap=0.25, showlegend=True, legend=HORIZONTAL_LEGEND,
        xaxis=axis(title={"text": "red-line gap, points on the issue's 0–100 scale"}, rangemode="tozero"),
        yaxis=axis(autorange="reversed", type="category"),
    )
    if not any(before) and not any(now):
        layout["xaxis"].update(visible=False)
        layout["yaxis"].update(visible=False)
        layout["showlegend"] = False
        layout["height"] = 140
        layout["annotations"] = [{"text": NONE_AT_ALL, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                                  "showarrow": False, "font": {"size": 13}}]
        return {"data": [], "layout": layout}
    data = [
        {"type": "bar", "orientation": "h", "name": "at the start (baseline)", "x": before, "y": issues,
         "customdata": hover, "marker": {"color": BASELINE}, "texttemplate": "%{x:.0f}", "textposition": "outside",
         "cliponaxis": False, "hovertemplate": "%{customdata[0]}<br>gap at the start: %{x:.1f} points<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "now, with the concessions switched on", "x": now, "y": issues,
         "customdata": hover, "marker": {"color": CURRENT}, "texttemplate": "%{x:.0f}", "textposition": "outside",
         "cliponaxis": False, "hovertemplate": "%{customdata[0]}<br>gap now: %{x:.1f} points<extra></extra>"},
    ]
    layout["xaxis"]["range"] = [0, max(before + now) * 1.15 + 1]
    if not any(now):
        layout["annotations"] = [{"text": "Now no issue has a red-line gap.", "x": 1, "y": 1, "xref": "paper",
                                  "yref": "paper", "xanchor": "right", "yanchor": "top", "showarrow": False,
                                  "font": {"size": 12, "color": CURRENT}}]
    return {"data": data, "layout": layout}
