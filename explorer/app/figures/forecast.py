"""Panel ``forecast``: how positions might move, round by round, on one issue.

* :func:`figure` — for one issue, each party's position after every round of a
  :class:`~explorer.dynamics.forecast.Forecast` (its colour, as in every other panel),
  the capability×salience weighted median and mean as black lines, and, once the draws
  have run, the 10th–90th percentile of the final median as a bar at the last round;
  hovering a point says which offer (BDM) or exchange moved the party, and from whom;
* :func:`spread_html` — the same spread in words.
"""

from __future__ import annotations

import html
from typing import Any

from explorer.app.figures.layout import axis, base_layout, text, wrap
from explorer.app.palette import CURRENT, party_colours, party_symbols
from explorer.analysis.track_record import track_record
from explorer.dynamics.forecast import MODELS, Forecast

KEY = "forecast"
TITLE = "Positions round by round, on the issue picked"
HELP = ("A dynamic model moves the parties' positions round by round from where they are coded now (with "
        "{which}). Expected-utility challenges (Bueno de Mesquita's model, as specified "
        "by Scholz et al. 2011): on each issue every party weighs challenging every other and makes offers; "
        "a party accepts at most one offer a round (a conflict it expects to lose, else a compromise, else "
        "a capitulation). Exchanges across issues (the DECIDE model): two parties trade positions, each "
        "giving way on the issue it cares less about, in exchanges that gain both the same. Coloured "
        "lines: each party; black: the capability × salience weighted median (solid) and mean (dotted); "
        "purple bar: where the final median lands in 8 of 10 redrawings of the coding. Hover a point for "
        "what moved the party. A model's forecast, not a prediction of the talks.")


def help_text(draws: int = 0, clickable: bool = True) -> str:
    """The help line on a live page (the concessions switched on) or in a file (the state's).

    >>> "(with the state's concessions on)" in help_text(clickable=False)
    True
    """
    return HELP.format(which="the concessions switched on" if clickable else "the state's concessions on")


HEAD = ("How might positions move?",
        "The figures above compare positions as they are coded. Here a model lets the parties move, round by "
        "round. Pick the model and the issue; the panel follows the concessions switched on at the left.")

MODEL_LABELS = {"bdm": "Expected-utility challenges (BDM)", "exchange": "Exchanges across issues (DECIDE)"}
assert set(MODEL_LABELS) == set(MODELS)


def scale_text(result: Forecast, k: int) -> str:
    """What a position on issue ``k`` means: its scale's ends, on its own scale."""
    issue = result.scenario.issues[k]
    low, high = float(result.inputs.low[k]), float(result.inputs.high[k])
    unit = f" {issue.scale.unit}" if issue.scale is not None and issue.scale.unit else ""
    if issue.scale is None:
        return f"0 = {issue.low}; 100 = {issue.high}"

    def end(value: float, meaning: str) -> str:  # an importer's meaning may already be the number
        return meaning if meaning.startswith(f"{value:g}") else f"{value:g}{unit} = {meaning}"

    return f"{end(low, issue.low)}; {end(high, issue.high)}"


def _number(value: float, span: float) -> str:
    digits = 1 if span >= 20 else 2
    return f"{value:.{digits}f}"


def figure(result: Forecast, k: int, spread: dict | None = None) -> dict[str, Any]:
    """Positions by round on issue ``k``, with the weighted median and mean; ``spread`` is
    this issue's ``{"p10", "p50", "p90"}`` of the final median over the draws, if run."""
    inputs = result.inputs
    issue = result.scenario.issues[k]
    names = {p.id: text(p.name) for p in result.scenario.parties}
    colours, symbols = party_colours(inputs.party_ids), party_symbols(inputs.party_ids)
    rounds = list(range(result.rounds + 1))
    span = float(inputs.high[k] - inputs.low[k])
    data: list[dict[str, Any]] = []
    for a, pid in enumerate(inputs.party_ids):
        if not inputs.present[a, k]:
            continue
        y = result.position[:, a, k]
        moved = ["start: the party's coded position"] + [
            (f"moved by a {text(why)}" if (why := result.moved(r, a, k)) else "did not move") for r in rounds[1:]]
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": names[pid], "x": rounds, "y": y,
            "line": {"color": colours[pid], "width": 1.6}, "legendgroup": pid,
            "marker": {"color": colours[pid], "symbol": symbols[pid], "size": 6},
            "customdata": [[m, _number(float(v), span)] for m, v in zip(moved, y)],
            "hovertemplate": f"<b>{names[pid]}</b><br>after round %{{x}}: %{{customdata[1]}}"
                             "<br>%{customdata[0]}<extra></extra>",
        })
    for values, name, dash in ((result.median[:, k], "Weighted median", "solid"),
                               (result.mean[:, k], "Weighted mean", "dot")):
        data.append({
            "type": "scatter", "mode": "lines", "name": name, "x": rounds, "y": values,
            "line": {"color": "#000000", "width": 3, "dash": dash},
            "customdata": [_number(float(v), span) for v in values],
            "hovertemplate": f"{name} (capability × salience) after round %{{x}}: %{{customdata}}<extra></extra>",
        })
    if spread and spread.get("p50") is not None:
        data.append({
            "type": "scatter", "mode": "markers", "name": "Final median: 10th–90th percentile over the draws",
            "x": [rounds[-1] + 0.25], "y": [spread["p50"]], "marker": {"color": CURRENT, "size": 9, "symbol": "diamond"},
            "error_y": {"type": "data", "symmetric": False, "color": CURRENT, "thickness": 2, "width": 6,
                        "array": [spread["p90"] - spread["p50"]], "arrayminus": [spread["p50"] - spread["p10"]]},
            "customdata": [[_number(spread[q], span) for q in ("p10", "p50", "p90")]],
            "hovertemplate": "Final median over the draws of the coding uncertainty<br>10th percentile "
                             "%{customdata[0]} · median %{customdata[1]} · 90th percentile %{customdata[2]}"
                             "<extra></extra>",
        })
    pad = 0.04 * span
    meaning = wrap(f"{issue.name} — {scale_text(result, k)}", 100)
    layout = base_layout(
        420, showlegend=True,
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top", "font": {"size": 11}},
        xaxis=axis(title={"text": "round (0 = the coded positions)"}, dtick=1,
                    range=[-0.3, result.rounds + (0.6 if spread else 0.3)]),
        yaxis=axis(title={"text": f"position ({text(axis_unit(result, k))})"},
                    range=[float(inputs.low[k]) - pad, float(inputs.high[k]) + pad]),
        annotations=[{"text": meaning, "x": 0, "y": 1, "xref": "paper", "yref": "paper", "xanchor": "left",
                      "yanchor": "bottom", "yshift": 6, "showarrow": False, "align": "left",
                      "font": {"size": 11.5, "color": "#333"}}],
    )
    layout["margin"] = {"l": 10, "r": 10, "t": 14 + 16 * (meaning.count("<br>") + 1), "b": 10}
    return {"data": data, "layout": layout}


def axis_unit(result: Forecast, k: int) -> str:
    """The y axis's unit: the 0–100 scale, or the imported scale's ends and unit."""
    issue = result.scenario.issues[k]
    if issue.scale is None:
        return "0–100 scale"
    unit = f" {issue.scale.unit}" if issue.scale.unit else ""
    return f"{issue.scale.low:g}–{issue.scale.high:g}{unit} scale"


def spread_html(result: Forecast | None, k: int, spread: dict | None, draws: int, pending: bool = False) -> str:
    """One line under the panel: where the forecast ends, and how sure that is."""
    if result is None:
        return ""
    span = float(result.inputs.high[k] - result.inputs.low[k])
    end = float(result.median[-1, k])
    start = float(result.median[0, k])
    words = (f"After {result.rounds} rounds of {html.escape(MODEL_LABELS[result.model][0].lower() + MODEL_LABELS[result.model][1:])} the weighted median of "
            f"<b>{html.escape(result.scenario.issues[k].name)}</b> is <b>{_number(end, span)}</b> "
            f"(it starts at {_number(start, span)}; {html.escape(scale_text(result, k))}).")
    if result.exchanges is not None:
        words += f" Exchanges per round: {', '.join(str(int(n)) for n in result.exchanges)}."
    if spread and spread.get("p50") is not None:
        words += (f" Redrawing the coding {draws:,} times, the final median lies between "
                 f"<b>{_number(spread['p10'], span)}</b> and <b>{_number(spread['p90'], span)}</b> in 8 draws of 10 "
                 f"(10th–90th percentile; median {_number(spread['p50'], span)}).")
    elif pending:
        words += " Its spread under the coding uncertainty is being computed…"
    words += f' <span class="track-record">Its final median as a prediction: {html.escape(track_record(result.model))}</span>'
    return f'<div class="forecast-note">{words}</div>'


def issue_options(scenario) -> list[tuple[str, int]]:
    return [(issue.name, k) for k, issue in enumerate(scenario.issues)]


def model_options() -> list[tuple[str, str]]:
    return [(label, key) for key, label in MODEL_LABELS.items()]

