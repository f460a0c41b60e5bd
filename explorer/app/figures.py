"""The dashboard's four plots, as ONE plotly figure with four panels.

Every ``FigureWidget`` ships its own ~5 MB copy of plotly.js, so the dashboard
draws all four plots in a single figure (one widget, one copy). The figure is
built once per scenario by :func:`build_figure`; a toggle only recomputes the
trace data with :func:`trace_data` (pure: an Analysis in, plain lists out) and
the widget applies it in place in one batch.

Panels: (1) issue map — each party's position and red lines per issue, the zone
or the red-line gap shaded, and the predicted outcomes; (2) red-line gap per issue,
baseline beside current; (3) each veto party's utility at the shown package against
its reservation; (4) salience-weighted distance between every pair of parties.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.analysis.analysis import Analysis
from explorer.app.palette import BASELINE, CURRENT, GAP, OUTCOME_STYLE, ZONE, party_colours, party_symbols
from explorer.app.state import OUTCOME_LABELS

TITLES = (
    "Issue map",
    "Red-line gap: baseline (grey), now (blue)",
    "Utility at the package; — reservation",
    "Distance between parties",
)
MAP_OUTCOMES = ("compromise", "weighted_median", "nash", "kalai_smorodinsky")
SPREAD = 0.5  # vertical room the parties' rows take around an issue's line


def _wrap(text: str | None, width: int = 70) -> str:
    return "<br>".join(textwrap.wrap(text or "", width)) or "–"


def short_label(text: str, width: int = 22) -> str:
    """An axis label of at most two lines.

    >>> short_label("Protections for Russian-speaking populations")
    'Protections for<br>Russian-speaking…'
    """
    lines = textwrap.wrap(text, width)
    if len(lines) <= 2:
        return "<br>".join(lines)
    return lines[0] + "<br>" + textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")


def _none(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


class Layout:
    """Trace indices of one scenario's figure (fixed for the scenario's life)."""

    def __init__(self, party_ids: tuple[str, ...]):
        n = len(party_ids)
        self.zone, self.gap = 0, 1
        self.ranges = list(range(2, 2 + n))
        self.positions = list(range(2 + n, 2 + 2 * n))
        self.outcomes = {name: 2 + 2 * n + k for k, name in enumerate(MAP_OUTCOMES)}
        first = 2 + 2 * n + len(MAP_OUTCOMES)
        self.gap_baseline, self.gap_current = first, first + 1
        self.utility, self.reservation = first + 2, first + 3
        self.distances = first + 4
        self.count = first + 5


def _issue_rows(analysis: Analysis) -> np.ndarray:
    """y of each issue on the map: the first issue on top."""
    return np.arange(len(analysis.arrays.issue_ids))[::-1].astype(float)


def trace_data(analysis: Analysis, baseline: Analysis, outcome: str) -> list[dict[str, Any]]:
    """The data of every trace, in :class:`Layout` order: what a toggle changes."""
    a = analysis.arrays
    scenario = analysis.scenario
    issues = [i.name for i in scenario.issues]
    rows = _issue_rows(analysis)
    n_parties = len(a.party_ids)
    offsets = (np.arange(n_parties) - (n_parties - 1) / 2) * (SPREAD / max(n_parties - 1, 1))
    g = analysis.gaps
    zone_x, zone_y, gap_x, gap_y = [], [], [], []
    for k, y in enumerate(rows):
        if g.has_zone[k]:
            zone_x += [g.zone_lo[k], g.zone_hi[k], None]
            zone_y += [y, y, None]
        else:
            gap_x += [g.zone_hi[k], g.zone_lo[k], None]
            gap_y += [y, y, None]
    data: list[dict[str, Any]] = [{"x": zone_x, "y": zone_y}, {"x": gap_x, "y": gap_y}]
    stances = {(s.party, s.issue): s for s in scenario.stances}
    ranges, positions = [], []
    for p, pid in enumerate(a.party_ids):
        rx, ry, px, py, custom = [], [], [], [], []
        for k, iid in enumerate(a.issue_ids):
            stance = stances.get((pid, iid))
            if stance is None:
                continue
            y = rows[k] + offsets[p]
            rx += [stance.acceptable[0], stance.acceptable[1], None]
            ry += [y, y, None]
            px.append(stance.position)
            py.append(y)
            evidence = f"“{stance.quote}”" if stance.quote else stance.note
            custom.append([issues[k], stance.acceptable[0], stance.acceptable[1], stance.salience,
                           "Quoted" if stance.quote else "Assumption", _wrap(evidence)])
        ranges.append({"x": rx, "y": ry})
        positions.append({"x": px, "y": py, "customdata": custom})
    data += ranges + positions
    for name in MAP_OUTCOMES:
        values = analysis.outcome(name)
        if values is None:
            data.append({"x": [], "y": [], "customdata": []})
        else:
            data.append({"x": [float(v) for v in values], "y": rows.tolist(),
                         "customdata": [[i] for i in issues]})
    data.append({"x": baseline.gaps.redline_gap.tolist(), "y": rows.tolist(), "customdata": [[i] for i in issues]})
    data.append({"x": analysis.gaps.redline_gap.tolist(), "y": rows.tolist(), "customdata": [[i] for i in issues]})
    veto = np.nonzero(a.veto)[0]
    names = [short_label(scenario.parties[p].name, 16) for p in veto]
    package = analysis.outcome(outcome)
    utility = analysis.utilities_at(package)[veto] if package is not None else np.full(len(veto), np.nan)
    data.append({"x": names, "y": [_none(u) for u in utility],
                 "marker": {"color": [party_colours(a.party_ids)[a.party_ids[p]] for p in veto]}})
    data.append({"x": names, "y": a.reservation[veto].tolist()})
    matrix = analysis.distances.to_numpy()
    data.append({"z": [[_none(v) for v in row] for row in matrix]})
    return data


def build_figure(analysis: Analysis, baseline: Analysis, outcome: str,
                 data: list[dict[str, Any]] | None = None) -> go.Figure:
    """The whole figure for one scenario, filled with ``data`` (by default, ``trace_data`` of ``analysis``)."""
    a = analysis.arrays
    scenario = analysis.scenario
    layout = Layout(a.party_ids)
    colours = party_colours(a.party_ids)
    symbols = party_symbols(a.party_ids)
    names = {p.id: p.name for p in scenario.parties}
    fig = make_subplots(
        rows=2, cols=2, column_widths=[0.64, 0.36], row_heights=[0.6, 0.4],
        horizontal_spacing=0.14, vertical_spacing=0.15, subplot_titles=TITLES,
    )
    fig.add_trace(go.Scatter(mode="lines", name="Zone (red lines overlap)", line={"color": ZONE, "width": 18},
                             hoverinfo="skip", legendgroup="zone"), 1, 1)
    fig.add_trace(go.Scatter(mode="lines", name="Red-line gap", line={"color": GAP, "width": 18},
                             hoverinfo="skip", legendgroup="gap"), 1, 1)
    for pid in a.party_ids:
        fig.add_trace(go.Scatter(mode="lines", name=f"{names[pid]} red lines", showlegend=False,
                                 legendgroup=pid, line={"color": colours[pid], "width": 2}, hoverinfo="skip"), 1, 1)
    for pid in a.party_ids:
        fig.add_trace(go.Scatter(
            mode="markers", name=names[pid], legendgroup=pid,
            marker={"color": colours[pid], "symbol": symbols[pid], "size": 11, "line": {"color": "white", "width": 1}},
            hovertemplate=(f"<b>{names[pid]}</b> on %{{customdata[0]}}<br>position %{{x:.0f}}, red lines "
                           "%{customdata[1]:.0f}–%{customdata[2]:.0f}, salience %{customdata[3]:.0f}<br>"
                           "<i>%{customdata[4]}:</i> %{customdata[5]}<extra></extra>"),
        ), 1, 1)
    for name in MAP_OUTCOMES:
        symbol, colour = OUTCOME_STYLE[name]
        fig.add_trace(go.Scatter(
            mode="markers", name=OUTCOME_LABELS[name].split(" (")[0],
            marker={"symbol": symbol, "color": colour, "size": 13, "line": {"width": 1.5, "color": colour}},
            visible=True if name != "kalai_smorodinsky" else "legendonly",
            hovertemplate=f"{OUTCOME_LABELS[name]}<br>%{{customdata[0]}}: %{{x:.1f}}<extra></extra>",
        ), 1, 1)
    fig.add_trace(go.Bar(orientation="h", name="Red-line gap, baseline", marker={"color": BASELINE},
                         hovertemplate="%{customdata[0]}<br>baseline gap %{x:.1f}<extra></extra>",
                         showlegend=False), 1, 2)
    fig.add_trace(go.Bar(orientation="h", name="Red-line gap, now", marker={"color": CURRENT},
                         hovertemplate="%{customdata[0]}<br>gap now %{x:.1f}<extra></extra>", showlegend=False), 1, 2)
    fig.add_trace(go.Bar(name="Utility at package", showlegend=False,
                         hovertemplate="%{x}: utility %{y:.3f}<extra></extra>"), 2, 1)
    fig.add_trace(go.Scatter(mode="markers", name="Reservation", showlegend=False,
                             marker={"symbol": "line-ew", "size": 40, "line": {"width": 3, "color": "black"}},
                             hovertemplate="%{x}: reservation %{y:.2f}<extra></extra>"), 2, 1)
    party_names = [short_label(names[p], 12) for p in a.party_ids]
    fig.add_trace(go.Heatmap(
        x=party_names, y=party_names, colorscale="Cividis", zmin=0, zmax=100,
        colorbar={"title": {"text": "points"}, "len": 0.36, "y": 0.18, "x": 1.01, "thickness": 10},
        hovertemplate="%{y} ↔ %{x}: %{z:.1f} points<extra></extra>",
    ), 2, 2)
    assert len(fig.data) == layout.count
    rows = _issue_rows(analysis)
    fig.update_yaxes(tickvals=rows.tolist(), ticktext=[short_label(i.name) for i in scenario.issues],
                     range=[-0.7, len(rows) - 0.3], row=1, col=1)
    fig.update_xaxes(range=[-3, 103], title_text="position on the issue's 0–100 scale", row=1, col=1)
    fig.update_yaxes(matches="y", showticklabels=False, row=1, col=2)
    fig.update_xaxes(rangemode="tozero", title_text="points", row=1, col=2)
    fig.update_yaxes(range=[0, 1.05], title_text="utility", row=2, col=1)
    fig.update_xaxes(tickangle=-30, row=2, col=2)
    fig.update_layout(
        height=820, barmode="group", margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "y": 1.04, "x": 0, "yanchor": "bottom", "font": {"size": 11}},
        hoverlabel={"align": "left"}, font={"size": 12}, template="plotly_white",
    )
    fig.update_annotations(font_size=13)
    apply(fig, data if data is not None else trace_data(analysis, baseline, outcome))
    return fig


def apply(fig: go.Figure, data: list[dict[str, Any]]) -> None:
    """Set every trace's data in place (one message to the browser when batched)."""
    for trace, values in zip(fig.data, data):
        trace.update(values)
