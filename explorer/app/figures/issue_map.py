"""Panel ``issue_map``: where each party stands, issue by issue.

Per issue, each party's ideal position (dot) and acceptable range (line between its red
lines), the zone every veto party can accept (green) or the red-line gap (orange), the
predicted outcomes (black symbols), what 0 and 100 mean and the scale's labelled points.
Hovering a dot shows the quote or the assumption behind it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.track_record import track_record
from explorer.analysis.vocabulary import OUTCOME_LABELS, OUTCOMES
from explorer.app.figures.layout import axis, base_layout, text, wrap
from explorer.app.palette import GAP, GUIDE, OUTCOME_STYLE, ZONE, party_colours, party_symbols

KEY = "issue_map"
TITLE = "Where each party stands, issue by issue"
HELP = ("Each row is one issue on its 0–100 scale (what 0 and 100 mean is written under the row). "
        "A party's dot is its ideal position and its line spans what it can accept. Green band: the "
        "outcomes every veto party can accept; orange band: the gap between their red lines. Black "
        "symbols: predicted outcomes. Hover a dot for the quote or assumption behind it.")
ZONE_LABEL = "Zone: every veto party can accept"
GAP_LABEL = "Red-line gap: none can be accepted by all"
POINT_LABEL = "Labelled point of the scale (hover it)"
NO_PACKAGE = ": none yet (needs a package ZOPA)"
SPREAD = 0.44  # vertical room the parties' rows take around an issue's line
ROW_HEIGHT = 96  # pixels per issue


def rows(n: int) -> list[float]:
    """y of each issue: the first issue on top.

    >>> rows(3)
    [2.0, 1.0, 0.0]
    """
    return [float(n - 1 - k) for k in range(n)]


def evidence(stance) -> tuple[str, str]:
    """("Quoted" or "Assumption", the quote in quotation marks or the assumption's reasoning)."""
    return ("Quoted", f"“{stance.quote}”") if stance.quote else ("Assumption", stance.note or "")


def _bands(analysis: Analysis, y: list[float]) -> list[dict[str, Any]]:
    g = analysis.gaps
    zone_x, zone_y, gap_x, gap_y = [], [], [], []
    for k, row in enumerate(y):
        if g.has_zone[k]:
            zone_x += [float(g.zone_lo[k]), float(g.zone_hi[k]), None]
            zone_y += [row, row, None]
        else:
            gap_x += [float(g.zone_hi[k]), float(g.zone_lo[k]), None]
            gap_y += [row, row, None]
    return [{"type": "scatter", "mode": "lines", "name": label, "x": x, "y": yy, "line": {"color": colour, "width": 26},
             "hoverinfo": "skip", "showlegend": True, "legendgroup": group}
            for label, x, yy, colour, group in ((ZONE_LABEL, zone_x, zone_y, ZONE, "zone"),
                                                (GAP_LABEL, gap_x, gap_y, GAP, "gap"))]


def _parties(analysis: Analysis, y: list[float]) -> list[dict[str, Any]]:
    a, scenario = analysis.arrays, analysis.scenario
    n_parties = len(a.party_ids)
    offsets = (np.arange(n_parties) - (n_parties - 1) / 2) * (SPREAD / max(n_parties - 1, 1))
    offsets = offsets[::-1]  # first party on top, as in the legend
    colours, symbols = party_colours(a.party_ids), party_symbols(a.party_ids)
    names = {p.id: text(p.name) for p in scenario.parties}
    stances = {(s.party, s.issue): s for s in scenario.stances}
    data = []
    for p, pid in enumerate(a.party_ids):
        rx, ry, px, py, custom = [], [], [], [], []
        for k, issue in enumerate(scenario.issues):
            stance = stances.get((pid, issue.id))
            if stance is None:
                continue
            row = y[k] + float(offsets[p])
            rx += [stance.acceptable[0], stance.acceptable[1], None]
            ry += [row, row, None]
            px.append(stance.position)
            py.append(row)
            kind, words = evidence(stance)
            custom.append([text(issue.name), stance.acceptable[0], stance.acceptable[1], stance.salience, kind,
                           wrap(words)])
        veto = "veto" if a.veto[p] else "no veto"
        data.append({"type": "scatter", "mode": "lines", "x": rx, "y": ry, "legendgroup": pid, "showlegend": False,
                     "name": f"{names[pid]}: acceptable range", "line": {"color": colours[pid], "width": 2.5},
                     "hoverinfo": "skip"})
        data.append({
            "type": "scatter", "mode": "markers", "x": px, "y": py, "customdata": custom, "legendgroup": pid,
            "name": f"{names[pid]} ({veto})", "showlegend": True,
            "marker": {"color": colours[pid], "symbol": symbols[pid], "size": 11, "line": {"color": "white", "width": 1}},
            "hovertemplate": (f"<b>{names[pid]}</b> on %{{customdata[0]}}<br>ideal position %{{x:.0f}}; "
                              "can accept %{customdata[1]:.0f}–%{customdata[2]:.0f}; "
                              "salience %{customdata[3]:.0f} of 100<br><i>%{customdata[4]}:</i> %{customdata[5]}"
                              "<extra></extra>"),
        })
    return data


def _outcomes(analysis: Analysis, y: list[float]) -> list[dict[str, Any]]:
    data = []
    for name in OUTCOMES:
        symbol, colour = OUTCOME_STYLE[name]
        values = analysis.outcome(name)
        trace = {"type": "scatter", "mode": "markers", "name": f"Predicted: {OUTCOME_LABELS[name]}", "showlegend": True,
                 "marker": {"symbol": symbol, "color": colour, "size": 14, "line": {"width": 1.6, "color": colour}},
                 "hovertemplate": f"{OUTCOME_LABELS[name]}<br>%{{customdata[0]}}: %{{x:.1f}}<extra></extra>",
                 "x": [], "y": [], "customdata": []}
        if values is not None:
            trace.update(x=[float(v) for v in values], y=y, customdata=[[text(i.name)] for i in analysis.scenario.issues])
        else:
            trace["name"] += NO_PACKAGE
        data.append(trace)
    return data


def _scale_points(analysis: Analysis, y: list[float]) -> dict[str, Any]:
    tick_x, tick_y, tick_text = [], [], []
    for k, issue in enumerate(analysis.scenario.issues):
        for point in issue.points:
            tick_x.append(point.at)
            tick_y.append(y[k] - 0.5 * SPREAD - 0.07)
            tick_text.append([text(issue.name), wrap(point.label, 60)])
    return {"type": "scatter", "mode": "markers", "x": tick_x, "y": tick_y, "customdata": tick_text,
            "name": POINT_LABEL, "showlegend": True,
            "marker": {"symbol": "line-ns-open", "size": 9, "color": "#777", "line": {"width": 1.5, "color": "#777"}},
            "hovertemplate": "%{customdata[0]}, %{x:.0f}:<br>%{customdata[1]}<extra></extra>"}


def figure(analysis: Analysis) -> dict[str, Any]:
    """Positions, red lines, zones/gaps, predicted outcomes and scale meanings, issue by issue."""
    issues = analysis.scenario.issues
    y = rows(len(issues))
    data = _bands(analysis, y) + _parties(analysis, y) + _outcomes(analysis, y) + [_scale_points(analysis, y)]
    annotations = []
    for k, issue in enumerate(issues):
        row = y[k] - 0.5 * SPREAD - 0.17
        for x, anchor, words in ((0, "left", f"0 = {issue.low}"), (100, "right", f"{issue.high} = 100")):
            annotations.append({"x": x, "y": row, "xref": "x", "yref": "y", "text": wrap(words, 46), "showarrow": False,
                                "xanchor": anchor, "yanchor": "top", "align": anchor,
                                "font": {"size": 10.5, "color": "#555"}})
    height = 70 + ROW_HEIGHT * len(issues)  # the rows and the axis title; the legend is HTML (legend())
    layout = base_layout(
        height, showlegend=False, annotations=annotations, hovermode="closest",
        margin={"l": 10, "r": 10, "t": 6, "b": 10},
        xaxis=axis(range=[-2, 102], title={"text": "position on the issue's 0–100 scale (labels under each row)"},
                   dtick=10, side="bottom"),
        yaxis=axis(tickvals=y, ticktext=[wrap(i.name, 20) for i in issues], showgrid=False, zeroline=False,
                   range=[-0.8, len(issues) - 0.5]),
    )
    return {"data": data, "layout": layout}


def legend(analysis: Analysis) -> list[dict[str, Any]]:
    """The legend, one entry per mark (drawn as HTML above the plot, once; plain text labels).

    Labels match :func:`figure`'s traces; plotly's own legend is off because plotly redraws
    it on every data change.
    """
    a = analysis.arrays
    colours, symbols = party_colours(a.party_ids), party_symbols(a.party_ids)
    names = {p.id: p.name for p in analysis.scenario.parties}
    items = [{"label": ZONE_LABEL, "mark": {"kind": "band", "color": ZONE}},
             {"label": GAP_LABEL, "mark": {"kind": "band", "color": GAP}},
             {"label": "Dot = ideal position, line = acceptable range", "mark": {"kind": "range", "color": GUIDE}}]
    for p, pid in enumerate(a.party_ids):
        items.append({"label": f"{names[pid]} ({'veto' if a.veto[p] else 'no veto'})",
                      "mark": {"kind": "marker", "symbol": symbols[pid], "color": colours[pid]}})
    for name in OUTCOMES:
        symbol, colour = OUTCOME_STYLE[name]
        label = f"Predicted: {OUTCOME_LABELS[name]}" + (NO_PACKAGE if analysis.outcome(name) is None else "")
        items.append({"label": label, "mark": {"kind": "marker", "symbol": symbol.replace("-open", ""),
                                               "open": symbol.endswith("-open"), "color": colour},
                      "note": track_record(name)})
    items.append({"label": POINT_LABEL, "mark": {"kind": "tick", "color": "#777"}})
    return items
