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
from explorer.analysis.vocabulary import OUTCOME_LABELS
from explorer.app.palette import CURRENT, GAP, OUTCOME_STYLE, ZONE, party_colours
from explorer.app.text import blocked_text
from explorer.errors import ScenarioError
from explorer.model.scenario import Scenario
from explorer.model.transforms import with_stance, with_uncertainty
from explorer.montecarlo.results import uncertainty, wilson_interval


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
        for name in ("compromise", "weighted_median", "nash"):
            values = result.outcome(name)
            if values is not None:
                symbol, colour = OUTCOME_STYLE[name]
                fig.add_scatter(x=values, y=names, mode="markers", name=OUTCOME_LABELS[name],
                                marker={"symbol": symbol, "size": 14, "color": colour})
        fig.update_layout(height=260, template="plotly_white", xaxis={"range": [-2, 102], "title": "outcome"},
                          margin={"t": 10, "b": 40, "l": 10, "r": 10})
        _redraw(plot, fig)

    slider.observe(update, names="value")
    update()
    return w.VBox([slider, plot])


ZONE_EDGE = "#009E73"  # the zone colour (palette.ZONE), opaque


def _problem_text(scenario: Scenario, problem) -> str:
    """A problem with these controls, naming the concession it is about (by title)."""
    path, message = problem.path, html.escape(problem.message)
    if len(path) > 1 and path[0] == "concessions" and isinstance(path[1], int):
        title = html.escape(scenario.data.concessions[path[1]].title)
        return f"These red lines leave no room for the concession “{title}”: {message}."
    return f"Not possible: {message}."


def _percent(p: float) -> str:
    return f"{100 * p:.1f} %"


def certainty_playground(scenario: Scenario, issue: str | None = None, draws: int = 2_000,
                         seed: int = 0) -> w.Widget:
    """How sure are we? The chance of a deal when every coded position may be off.

    A slider sets how far off each stance may be: a common σ in points when the file codes no
    uncertainty, else a multiple (×0 … ×3) of each stance's own σ. Checkboxes switch the
    scenario's concessions on; with ``issue`` the veto parties' red lines on that issue can be
    dragged too. Each change reruns ``explorer.uncertainty`` (``draws`` draws, the same ``seed``,
    so the draws are common to every setting) and shows the chance of a package ZOPA with its
    95 % Wilson interval and, per issue, the chance of a zone.
    """
    scenario = scenario.baseline
    if issue is not None and issue not in {i.id for i in scenario.issues}:
        raise ValueError(f"no issue '{issue}' in {scenario.id}")
    coded = any(s.uncertainty > 0 for s in scenario.data.stances)
    style, layout = {"description_width": "150px"}, w.Layout(width="460px")
    if coded:
        spread = w.FloatSlider(value=1.0, min=0, max=3, step=0.25, description="uncertainty ×",
                               continuous_update=False, style=style, layout=layout)
    else:
        spread = w.FloatSlider(value=0.0, min=0, max=30, step=1, description="σ (points)",
                               continuous_update=False, style=style, layout=layout)
    veto = [p for p in scenario.parties if p.veto and issue and scenario.stance(p.id, issue)]
    red_lines = [w.FloatRangeSlider(value=list(scenario.stance(p.id, issue).acceptable), min=0, max=100, step=5,
                                    continuous_update=False, description=f"{p.name[:14]} red lines",
                                    style=style, layout=layout) for p in veto]
    boxes = {c.id: w.Checkbox(value=False, description=c.title, indent=False, layout=w.Layout(width="460px"))
             for c in scenario.concessions}
    line, plot = w.HTML(), w.Output()
    names = [i.name for i in scenario.issues]

    def variant() -> tuple[Scenario | None, list[str]]:
        """The scenario the controls describe (None when they describe none), and notes why."""
        active = [cid for cid, box in boxes.items() if box.value]
        notes = []
        while True:  # a checked concession whose requirement is off stays off
            reasons = {cid: blocked_text(scenario, cid, active) for cid in active}
            off = [cid for cid in active if reasons[cid]]
            if not off:
                break
            notes += [f"“{html.escape(scenario.concession(cid).title)}” stays off: {html.escape(reasons[cid])}"
                      for cid in off]
            active = [cid for cid in active if cid not in off]
        for cid, box in boxes.items():
            box.disabled = not box.value and blocked_text(scenario, cid, active) is not None
        for party, slider in zip(veto, red_lines):
            position = scenario.stance(party.id, issue).position
            if not slider.value[0] <= position <= slider.value[1]:
                return None, [f"{html.escape(party.name)}'s red lines must contain its ideal position "
                              f"({position:g}).", *notes]
        now = scenario
        try:
            for party, slider in zip(veto, red_lines):
                now = with_stance(now, party.id, issue, acceptable=tuple(float(v) for v in slider.value))
            now = now.with_concessions(active)
        except ScenarioError as error:  # a concession (on or off) would leave the red lines
            return None, [_problem_text(scenario, p) for p in error.problems] + notes
        now = with_uncertainty(now, scale=spread.value) if coded else with_uncertainty(now, sigma=spread.value)
        return now, notes

    def update(_=None) -> None:
        now, notes = variant()
        if now is None:
            line.value = "<br>".join(notes)
            plot.clear_output()
            return
        drawn = uncertainty(now, draws=draws, seed=seed)
        p = drawn.p_package_zopa
        low, high = wilson_interval(p, draws)
        as_coded = "a deal" if analyze(now).package_zopa else "no deal"
        line.value = "<br>".join([
            f"Chance of a deal (a package ZOPA): <b>{_percent(p)}</b> (95 % interval {_percent(low)}–"
            f"{_percent(high)}) over {draws:,} draws · as coded, with no uncertainty: {as_coded}",
            *notes])
        chances = [*drawn.p_zone, p]
        intervals = [wilson_interval(q, draws) for q in chances]
        labels = [f"{name}: {100 * q:.0f} %" for name, q in zip([*names, "<b>a deal</b> (package ZOPA)"], chances)]
        fig = go.Figure(go.Bar(
            y=labels, x=[100 * q for q in chances], orientation="h",
            marker_color=[ZONE] * len(names) + [CURRENT],
            marker_line={"color": [ZONE_EDGE] * len(names) + [CURRENT], "width": 1},
            error_x={"type": "data", "symmetric": False,
                     "array": [100 * (b - q) for q, (_, b) in zip(chances, intervals)],
                     "arrayminus": [100 * (q - a) for q, (a, _) in zip(chances, intervals)]},
            hovertemplate="chance %{x:.1f} %<extra></extra>"))
        fig.update_layout(title="Chance of a zone on each issue, and of a deal",
                          xaxis={"range": [0, 100], "title": "chance (%), whiskers: 95 % interval"},
                          yaxis={"autorange": "reversed"},
                          height=130 + 34 * len(labels), template="plotly_white", showlegend=False,
                          margin={"t": 50, "b": 40, "l": 10, "r": 20})
        _redraw(plot, fig)

    for control in (spread, *red_lines, *boxes.values()):
        control.observe(update, names="value")
    update()
    heading = [w.HTML("<b>Concessions</b>")] if boxes else []
    return w.VBox([spread, *red_lines, *heading, w.VBox(list(boxes.values())), line, plot])


# with_stance and with_uncertainty are the model's (explorer.model.transforms), named here for the lesson
__all__ = ["certainty_playground", "predictions_playground", "split_or_trade", "utility_playground", "with_stance",
           "with_uncertainty", "zone_playground"]
