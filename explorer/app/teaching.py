"""Small interactives for the bargaining lesson (notebooks/teaching-bargaining.ipynb).

Each returns a widget: sliders or toggles, a line of figures, and a plot that is
redrawn (as a plain ``go.Figure``) when an input moves. They all work on the
textbook scenario (or any scenario with the same shape) through the package's
own model, so what students see is what the explorer computes.
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from explorer.analysis.analysis import analyze
from explorer.app.explore import with_stance
from explorer.app.palette import GAP, ZONE, party_colours
from explorer.model.scenario import Scenario


def _bars(names, values, reservations, colours, title) -> go.Figure:
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colours, name="utility",
                           text=[f"{v:.2f}" for v in values], textposition="outside"))
    fig.add_scatter(x=names, y=reservations, mode="markers", name="reservation",
                    marker={"symbol": "line-ew", "size": 50, "line": {"width": 3, "color": "black"}})
    fig.update_layout(title=title, yaxis={"range": [0, 1.1], "title": "utility"}, height=320,
                      template="plotly_white", margin={"t": 50, "b": 30, "l": 40, "r": 10}, showlegend=False)
    return fig


def _redraw(output: w.Output, figure: go.Figure) -> None:
    output.clear_output(wait=True)
    with output:
        figure.show()


def utility_playground(scenario: Scenario) -> w.Widget:
    """Positions and salience: move the package, see each party's utility."""
    result = analyze(scenario)
    parties = scenario.parties
    colours = list(party_colours([p.id for p in parties]).values())
    sliders = [w.FloatSlider(value=50, min=0, max=100, step=5, description=issue.name[:18],
                             continuous_update=False, style={"description_width": "140px"},
                             layout=w.Layout(width="420px")) for issue in scenario.issues]
    line, plot = w.HTML(), w.Output()

    def update(_=None) -> None:
        package = np.array([s.value for s in sliders])
        utility = result.utilities_at(package)
        line.value = " · ".join(f"{html.escape(p.name)}: <b>{u:.2f}</b>" for p, u in zip(parties, utility))
        _redraw(plot, _bars([p.name for p in parties], utility, [p.reservation for p in parties], colours,
                            "Utility of this package; the black bar is the reservation"))

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return w.VBox([*sliders, line, plot])


def zone_playground(scenario: Scenario, issue: str) -> w.Widget:
    """Red lines and the zone: drag two veto parties' red lines on one issue."""
    veto = [p for p in scenario.parties if p.veto][:2]
    stances = [scenario.stance(p.id, issue) for p in veto]
    sliders = [w.FloatRangeSlider(value=list(s.acceptable), min=0, max=100, step=5, continuous_update=False,
                                  description=p.name[:14], style={"description_width": "110px"},
                                  layout=w.Layout(width="460px")) for p, s in zip(veto, stances)]
    line, plot = w.HTML(), w.Output()
    colours = party_colours([p.id for p in scenario.parties])

    def update(_=None) -> None:
        ranges = [tuple(s.value) for s in sliders]
        lo, hi = max(r[0] for r in ranges), min(r[1] for r in ranges)
        zone = lo <= hi
        line.value = (f"Zone of possible agreement: <b>{lo:g}–{hi:g}</b>" if zone
                      else f"No zone: the red lines are <b>{lo - hi:g}</b> points apart (the red-line gap)")
        fig = go.Figure()
        fig.add_shape(type="rect", x0=min(lo, hi), x1=max(lo, hi), y0=-0.5, y1=len(veto) - 0.5,
                      fillcolor=ZONE if zone else GAP, line_width=0)
        for k, (party, stance, (a, b)) in enumerate(zip(veto, stances, ranges)):
            fig.add_scatter(x=[a, b], y=[k, k], mode="lines", line={"color": colours[party.id], "width": 6},
                            name=party.name)
            fig.add_scatter(x=[min(max(stance.position, a), b)], y=[k], mode="markers", showlegend=False,
                            marker={"color": colours[party.id], "size": 14})
        fig.update_layout(height=220, template="plotly_white", xaxis={"range": [-2, 102]},
                          yaxis={"visible": False}, margin={"t": 10, "b": 30, "l": 10, "r": 10})
        _redraw(plot, fig)

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return w.VBox([*sliders, line, plot])


def split_or_trade(scenario: Scenario) -> w.Widget:
    """Splitting every issue vs the traded package (what the LP finds)."""
    result = analyze(scenario)
    packages = {"Split every issue at 50": np.full(len(scenario.issues), 50.0)}
    if result.nash is not None:
        packages["Traded package (Nash)"] = result.nash.package
    choice = w.ToggleButtons(options=list(packages), description="Package")
    line, plot = w.HTML(), w.Output()
    veto = [k for k, p in enumerate(scenario.parties) if p.veto]
    names = [scenario.parties[k].name for k in veto]
    colours = [list(party_colours([p.id for p in scenario.parties]).values())[k] for k in veto]
    reservations = [scenario.parties[k].reservation for k in veto]

    def update(_=None) -> None:
        package = packages[choice.value]
        utility = result.utilities_at(package)[veto]
        ok = all(u >= r for u, r in zip(utility, reservations))
        issues = ", ".join(f"{i.name} {o:.0f}" for i, o in zip(scenario.issues, package))
        line.value = f"{html.escape(issues)} → {'every party accepts' if ok else '<b>rejected</b> by someone'}"
        _redraw(plot, _bars(names, utility, reservations, colours, choice.value))

    choice.observe(update, names="value")
    update()
    return w.VBox([choice, line, plot])


def predictions_playground(scenario: Scenario) -> w.Widget:
    """Compromise, weighted median and Nash: change one party's clout and compare."""
    party = scenario.parties[0]
    slider = w.FloatSlider(value=party.capability, min=1, max=200, step=1, continuous_update=False,
                           description=f"{party.name[:14]} clout", style={"description_width": "140px"},
                           layout=w.Layout(width="440px"))
    plot = w.Output()

    def update(_=None) -> None:
        parties = tuple(p.model_copy(update={"capability": slider.value}) if p.id == party.id else p
                        for p in scenario.data.parties)
        changed = Scenario.from_data(scenario.data.model_copy(update={"parties": parties}))
        result = analyze(changed)
        names = [i.name for i in scenario.issues]
        fig = go.Figure()
        for name, symbol in (("compromise", "diamond"), ("weighted_median", "triangle-up"), ("nash", "star")):
            values = result.outcome(name)
            if values is not None:
                fig.add_scatter(x=values, y=names, mode="markers", name=name.replace("_", " "),
                                marker={"symbol": symbol, "size": 14})
        fig.update_layout(height=260, template="plotly_white", xaxis={"range": [-2, 102], "title": "outcome"},
                          margin={"t": 10, "b": 40, "l": 10, "r": 10})
        _redraw(plot, fig)

    slider.observe(update, names="value")
    update()
    return w.VBox([slider, plot])


__all__ = ["predictions_playground", "split_or_trade", "utility_playground", "with_stance", "zone_playground"]
