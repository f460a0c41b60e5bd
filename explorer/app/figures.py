"""What the dashboard draws: one plotly figure description per panel, as plain dicts.

Pure functions: an :class:`~explorer.Analysis` in, ``{"data": [...], "layout": {...}}``
out (plotly's figure JSON), with no plotly import, so a dashboard kernel stays cheap and
the tests can compare panels with ``==``. ``plotly.graph_objects.Figure(spec)`` turns any
of them into a plotly figure (the tests check that plotly accepts every one);
:class:`~explorer.app.panels.Panel` does so for export.

Panels (keys as in :data:`PANELS`):

* ``issue_map`` — per issue, each party's ideal position (dot) and acceptable range
  (line between its red lines), the zone (green) or red-line gap (orange), the predicted
  outcomes, what 0 and 100 mean and the scale's labelled points;
* ``redline_gap`` — red-line gap per issue, baseline beside now, in scale points;
* ``utility`` — each veto party's utility at the package shown against its reservation;
* ``distance`` — salience-weighted distance between every pair of parties.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.app.palette import BASELINE, CURRENT, GAP, GUIDE, OUTCOME_STYLE, ZONE, party_colours, party_symbols

PANELS = ("issue_map", "redline_gap", "utility", "distance")
MAP_OUTCOMES = ("compromise", "weighted_median", "nash", "kalai_smorodinsky")
OUTCOME_NAMES = {
    "nash": "Nash bargaining package",
    "kalai_smorodinsky": "Kalai–Smorodinsky package",
    "compromise": "Compromise (weighted mean)",
    "weighted_median": "Weighted median",
}
SPREAD = 0.44  # vertical room the parties' rows take around an issue's line
ROW_HEIGHT = 96  # pixels per issue on the map
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif", "size": 12}


def wrap(text: str | None, width: int = 70) -> str:
    """``text`` broken into lines of at most ``width`` characters (plotly's ``<br>``); never cut.

    >>> wrap("Protections for Russian-speaking populations", 18)
    'Protections for<br>Russian-speaking<br>populations'
    """
    return "<br>".join(textwrap.wrap(text or "", width, break_long_words=False)) or "–"


def _none(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _base_layout(height: int, **extra: Any) -> dict[str, Any]:
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hoverlabel": {"align": "left"}, "showlegend": False,
    }
    layout.update(extra)
    return layout


def _axis(**extra: Any) -> dict[str, Any]:
    axis = {"gridcolor": "#e6e6e6", "zerolinecolor": "#bdbdbd", "automargin": True, "fixedrange": True}
    axis.update(extra)
    return axis


def _issue_rows(n: int) -> list[float]:
    """y of each issue on the map: the first issue on top."""
    return [float(n - 1 - k) for k in range(n)]


# -- issue map ---------------------------------------------------------------
def issue_map(analysis: Analysis) -> dict[str, Any]:
    """Positions, red lines, zones/gaps, predicted outcomes and scale meanings, issue by issue."""
    a = analysis.arrays
    scenario = analysis.scenario
    issues = scenario.issues
    rows = _issue_rows(len(issues))
    n_parties = len(a.party_ids)
    offsets = (np.arange(n_parties) - (n_parties - 1) / 2) * (SPREAD / max(n_parties - 1, 1))
    offsets = offsets[::-1]  # first party on top, as in the legend
    colours, symbols = party_colours(a.party_ids), party_symbols(a.party_ids)
    names = {p.id: p.name for p in scenario.parties}
    g = analysis.gaps
    data: list[dict[str, Any]] = []

    zone_x, zone_y, gap_x, gap_y, band_text = [], [], [], [], []
    for k, y in enumerate(rows):
        if g.has_zone[k]:
            zone_x += [float(g.zone_lo[k]), float(g.zone_hi[k]), None]
            zone_y += [y, y, None]
        else:
            gap_x += [float(g.zone_hi[k]), float(g.zone_lo[k]), None]
            gap_y += [y, y, None]
    data.append({"type": "scatter", "mode": "lines", "name": "Zone: every veto party can accept",
                 "x": zone_x, "y": zone_y, "line": {"color": ZONE, "width": 26}, "hoverinfo": "skip",
                 "showlegend": True, "legendgroup": "zone"})
    data.append({"type": "scatter", "mode": "lines", "name": "Red-line gap: none can be accepted by all",
                 "x": gap_x, "y": gap_y, "line": {"color": GAP, "width": 26}, "hoverinfo": "skip",
                 "showlegend": True, "legendgroup": "gap"})
    stances = {(s.party, s.issue): s for s in scenario.stances}
    for p, pid in enumerate(a.party_ids):
        rx, ry, px, py, custom = [], [], [], [], []
        for k, issue in enumerate(issues):
            stance = stances.get((pid, issue.id))
            if stance is None:
                continue
            y = rows[k] + float(offsets[p])
            rx += [stance.acceptable[0], stance.acceptable[1], None]
            ry += [y, y, None]
            px.append(stance.position)
            py.append(y)
            evidence = f"“{stance.quote}”" if stance.quote else stance.note
            custom.append([issue.name, stance.acceptable[0], stance.acceptable[1], stance.salience,
                           "Quoted" if stance.quote else "Assumption", wrap(evidence)])
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

    for name in MAP_OUTCOMES:
        symbol, colour = OUTCOME_STYLE[name]
        values = analysis.outcome(name)
        trace = {"type": "scatter", "mode": "markers", "name": f"Predicted: {OUTCOME_NAMES[name]}", "showlegend": True,
                 "marker": {"symbol": symbol, "color": colour, "size": 14, "line": {"width": 1.6, "color": colour}},
                 "hovertemplate": f"{OUTCOME_NAMES[name]}<br>%{{customdata[0]}}: %{{x:.1f}}<extra></extra>",
                 "x": [], "y": [], "customdata": []}
        if values is not None:
            trace.update(x=[float(v) for v in values], y=rows, customdata=[[i.name] for i in issues])
        else:
            trace["name"] += ": none yet (needs a package ZOPA)"
        data.append(trace)

    # The scale: labelled points as ticks under each row, with their labels on hover
    tick_x, tick_y, tick_text = [], [], []
    for k, issue in enumerate(issues):
        for point in issue.points:
            tick_x.append(point.at)
            tick_y.append(rows[k] - 0.5 * SPREAD - 0.07)
            tick_text.append([issue.name, wrap(point.label, 60)])
    data.append({"type": "scatter", "mode": "markers", "x": tick_x, "y": tick_y, "customdata": tick_text,
                 "name": "Labelled point of the scale (hover it)", "showlegend": True,
                 "marker": {"symbol": "line-ns-open", "size": 9, "color": "#777", "line": {"width": 1.5, "color": "#777"}},
                 "hovertemplate": "%{customdata[0]}, %{x:.0f}:<br>%{customdata[1]}<extra></extra>"})

    annotations = []
    for k, issue in enumerate(issues):
        y = rows[k] - 0.5 * SPREAD - 0.17
        for x, anchor, text in ((0, "left", f"0 = {issue.low}"), (100, "right", f"{issue.high} = 100")):
            annotations.append({"x": x, "y": y, "xref": "x", "yref": "y", "text": wrap(text, 46), "showarrow": False,
                                "xanchor": anchor, "yanchor": "top", "align": anchor,
                                "font": {"size": 10.5, "color": "#555"}})
    height = 70 + ROW_HEIGHT * len(issues)  # the rows and the axis title; the legend is HTML (issue_map_legend)
    layout = _base_layout(
        height, showlegend=False, annotations=annotations, hovermode="closest",
        margin={"l": 10, "r": 10, "t": 6, "b": 10},
        xaxis=_axis(range=[-2, 102], title={"text": "position on the issue's 0–100 scale (labels under each row)"},
                    dtick=10, side="bottom"),
        yaxis=_axis(tickvals=rows, ticktext=[wrap(i.name, 20) for i in issues], showgrid=False, zeroline=False,
                    range=[-0.8, len(issues) - 0.5]),
    )
    return {"data": data, "layout": layout}


def issue_map_legend(analysis: Analysis) -> list[dict[str, Any]]:
    """The issue map's legend, one entry per mark (drawn as HTML above the plot, once).

    Names and marks match :func:`issue_map`'s traces; plotly's own legend is off because
    plotly redraws it on every data change.
    """
    a = analysis.arrays
    colours, symbols = party_colours(a.party_ids), party_symbols(a.party_ids)
    names = {p.id: p.name for p in analysis.scenario.parties}
    items = [{"label": "Zone: every veto party can accept", "mark": {"kind": "band", "color": ZONE}},
             {"label": "Red-line gap: none can be accepted by all", "mark": {"kind": "band", "color": GAP}},
             {"label": "Dot = ideal position, line = acceptable range", "mark": {"kind": "range", "color": GUIDE}}]
    for p, pid in enumerate(a.party_ids):
        items.append({"label": f"{names[pid]} ({'veto' if a.veto[p] else 'no veto'})",
                      "mark": {"kind": "marker", "symbol": symbols[pid], "color": colours[pid]}})
    for name in MAP_OUTCOMES:
        symbol, colour = OUTCOME_STYLE[name]
        label = f"Predicted: {OUTCOME_NAMES[name]}"
        if analysis.outcome(name) is None:
            label += ": none yet (needs a package ZOPA)"
        items.append({"label": label, "mark": {"kind": "marker", "symbol": symbol.replace("-open", ""),
                                               "open": symbol.endswith("-open"), "color": colour}})
    items.append({"label": "Labelled point of the scale (hover it)", "mark": {"kind": "tick", "color": "#777"}})
    return items


# -- red-line gap ------------------------------------------------------------
def redline_gap(analysis: Analysis, baseline: Analysis) -> dict[str, Any]:
    """Red-line gap per issue in scale points, baseline (grey) beside now (purple)."""
    issues = [wrap(i.name, 20) for i in analysis.scenario.issues]
    before = [float(v) for v in baseline.gaps.redline_gap]
    now = [float(v) for v in analysis.gaps.redline_gap]
    hover = [[i.name] for i in analysis.scenario.issues]
    layout = _base_layout(
        60 + 56 * len(issues), barmode="group", bargap=0.25, showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}},
        xaxis=_axis(title={"text": "red-line gap, points on the issue's 0–100 scale"}, rangemode="tozero"),
        yaxis=_axis(autorange="reversed", type="category"),
    )
    if not any(before) and not any(now):
        layout["xaxis"].update(visible=False)
        layout["yaxis"].update(visible=False)
        layout["showlegend"] = False
        layout["height"] = 140
        layout["annotations"] = [{
            "text": "No issue has a red-line gap: on every issue the veto parties' red lines overlap.",
            "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False, "font": {"size": 13}}]
        return {"data": [], "layout": layout}
    data = [
        {"type": "bar", "orientation": "h", "name": "at the start (baseline)", "x": before, "y": issues,
         "customdata": hover, "marker": {"color": BASELINE}, "texttemplate": "%{x:.0f}", "textposition": "outside",
         "cliponaxis": False, "hovertemplate": "%{customdata[0]}<br>gap at the start: %{x:.1f} points<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "now, with the concessions switched on", "x": now, "y": issues,
         "customdata": hover, "marker": {"color": CURRENT}, "texttemplate": "%{x:.0f}", "textposition": "outside",
         "cliponaxis": False, "hovertemplate": "%{customdata[0]}<br>gap now: %{x:.1f} points<extra></extra>"},
    ]
    top = max(before + now)
    layout["xaxis"]["range"] = [0, top * 1.15 + 1]
    if not any(now):
        layout["annotations"] = [{"text": "Now no issue has a red-line gap.", "x": 1, "y": 1, "xref": "paper",
                                  "yref": "paper", "xanchor": "right", "yanchor": "top", "showarrow": False,
                                  "font": {"size": 12, "color": CURRENT}}]
    return {"data": data, "layout": layout}


# -- utility -----------------------------------------------------------------
def utility(analysis: Analysis, outcome: str) -> dict[str, Any]:
    """Each veto party's utility at the ``outcome`` package, with its reservation (no deal) marked."""
    a = analysis.arrays
    scenario = analysis.scenario
    veto = [int(p) for p in np.nonzero(a.veto)[0]]
    names = [wrap(scenario.parties[p].name, 16) for p in veto]
    package = analysis.outcome(outcome)
    values = analysis.utilities_at(package)[veto] if package is not None else np.full(len(veto), np.nan)
    colours = party_colours(a.party_ids)
    reservations = [float(a.reservation[p]) for p in veto]
    custom = [[scenario.parties[p].name, r] for p, r in zip(veto, reservations)]
    data = [
        {"type": "bar", "name": "utility at the package", "x": names, "y": [_none(u) for u in values],
         "customdata": custom, "marker": {"color": [colours[a.party_ids[p]] for p in veto]},
         "texttemplate": "%{y:.2f}", "textposition": "inside", "insidetextanchor": "end",
         "hovertemplate": ("<b>%{customdata[0]}</b><br>utility at the package: %{y:.2f}"
                           "<br>no deal (reservation): %{customdata[1]:.2f}<extra></extra>")},
        {"type": "scatter", "mode": "markers", "name": "no deal (reservation)", "x": names, "y": reservations,
         "customdata": custom, "marker": {"symbol": "line-ew", "size": 44, "line": {"width": 3.5, "color": "black"}},
         "hovertemplate": "<b>%{customdata[0]}</b><br>no deal (reservation): %{y:.2f}<extra></extra>"},
    ]
    layout = _base_layout(
        330, showlegend=True, legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}},
        xaxis=_axis(), yaxis=_axis(range=[0, 1.05], title={"text": "utility (1 = all it wants)"}, dtick=0.2),
    )
    return {"data": data, "layout": layout}


# -- distance ------------------------------------------------------------------
def distance(analysis: Analysis) -> dict[str, Any]:
    """Salience-weighted distance between every pair of parties, values written in the cells."""
    names = [wrap(p.name, 10) for p in analysis.scenario.parties]
    z = [[_none(v) for v in row] for row in analysis.distance_matrix]
    full = [p.name for p in analysis.scenario.parties]
    data = [{
        "type": "heatmap", "x": names, "y": names, "z": z, "zmin": 0, "zmax": 100, "colorscale": "Cividis",
        "customdata": [[[a, b] for b in full] for a in full], "texttemplate": "%{z:.0f}", "textfont": {"size": 13},
        "colorbar": {"title": {"text": "points"}, "thickness": 10},
        "hovertemplate": "%{customdata[0]} ↔ %{customdata[1]}: %{z:.1f} points apart<extra></extra>",
    }]
    layout = _base_layout(
        100 + 62 * len(names), xaxis=_axis(side="bottom", tickangle=0), yaxis=_axis(autorange="reversed"),
    )
    return {"data": data, "layout": layout}


def panel_specs(analysis: Analysis, baseline: Analysis, outcome: str) -> dict[str, dict[str, Any]]:
    """Every panel's figure for one state of the dashboard, keyed as :data:`PANELS`."""
    return {
        "issue_map": issue_map(analysis),
        "redline_gap": redline_gap(analysis, baseline),
        "utility": utility(analysis, outcome),
        "distance": distance(analysis),
    }
