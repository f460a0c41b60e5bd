"""The states a briefing holds: what every panel shows with a given set of concessions on.

A state is computed with the dashboard's own engine (:class:`~explorer.app.state.Exploration`:
the same analysis, the same Monte Carlo draws for every set, the same deal search and
forecasts) and drawn by the dashboard's own figure modules (:mod:`explorer.app.figures`).
The states are: the start (nothing on), the concessions switched on when the briefing was
made (when any), and each deal the dashboard lists (the cheapest, and the surest).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from explorer.analysis.analysis import Analysis
from explorer.app import figures
from explorer.app.figures import chance, deals, forecast, issue_map, utility
from explorer.app.state import FORECAST_DRAWS, LIVE_SEARCH_CONCESSIONS, Exploration
from explorer.app.text import key_figures_html, package_status_html, plural
from explorer.app.briefing.summary import bottom_line

@dataclass
class State:
    """One state of the briefing: its name, what is on, its words (HTML) and its figures (JSON dicts)."""

    key: str
    label: str
    description: str
    active: tuple[str, ...]
    analysis: Analysis
    html: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)  # panel key → figure; "forecast" → one per issue
    legends: dict[str, list] = field(default_factory=dict)  # panel key → legend items (figures' legend())


def shown_outcome(analysis: Analysis, wanted: str) -> str:
    """The package the utility panel shows: ``wanted``, or the compromise when it does not exist
    (as the dashboard's :meth:`~explorer.app.state.Exploration.outcome_shown`)."""
    return wanted if analysis.outcome(wanted) is not None else "compromise"


def state_specs(exploration: Exploration, made: tuple[str, ...]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(key, label, description, active) of every state, in selector order, with no repeat."""
    titles = {c.id: c.title for c in exploration.baseline.concessions}
    specs = [("start", "At the start: no concession switched on",
              "The scenario as coded: no concession switched on.", ())]
    if made:
        named = "; ".join(titles[c] for c in made)
        specs.append(("made", f"As made: {plural(len(made), 'concession')} switched on",
                      f"The concessions switched on when this briefing was made: {named}.", made))
    found = exploration.deals
    if found is not None:
        numbered = deals.numbered(found)
        for k in deals.listed(numbered):
            deal = numbered[k]
            kind = "a cheapest deal" if k < len(found.deals) else "a dearer deal"
            specs.append((f"deal-{k + 1}", f"Deal {k + 1}: {plural(len(deal.concessions), 'concession')} ({kind})",
                          f"Deal {k + 1} of the search, {kind} found: exactly its concessions switched on.",
                          deal.concessions))
    seen, unique = set(), []
    for spec in specs:
        if spec[3] not in seen:
            seen.add(spec[3])
            unique.append(spec)
    return unique


def compute_state(exploration: Exploration, key: str, label: str, description: str, active: tuple[str, ...],
                  model: str, outcome: str) -> State:
    """Every panel's figure and every text of one state (the Monte Carlo, search and forecast included)."""
    analysis = exploration.analysis_for(active)
    baseline = exploration.baseline_analysis
    shown = shown_outcome(analysis, outcome)
    now, start = exploration.uncertainty_for(active), exploration.uncertainty_for(())
    found = exploration.deals
    names = {p.id: p.name for p in exploration.baseline.parties}
    state = State(key, label, description, tuple(active), analysis)
    state.figures = figures.panel_specs(analysis, baseline, shown)
    state.figures["chance"] = chance.figure(now, start)
    state.figures["deals"] = deals.figure(found, exploration.costs(active), names, searching=False,
                                          limit=LIVE_SEARCH_CONCESSIONS, clickable=False)
    drawn = exploration.forecast_for(active, model, draws=True)
    spread = drawn.spread()
    state.figures["forecast"] = [forecast.figure(drawn, k, spread[k]) for k in range(len(analysis.scenario.issues))]
    title, help_text = utility.panel_text(analysis, shown)
    state.html = {
        "bottom_line": bottom_line(analysis, baseline, now, found, label),
        "key_figures": key_figures_html(analysis, baseline, none_on="none in this state")
                       + chance.card_html(now, start),
        "package_status": package_status_html(outcome, shown, analysis, live=False),
        "utility_title": html.escape(title),
        "utility_help": html.escape(help_text),
        "deals_list": deals.list_html(found, names, searching=False, limit=LIVE_SEARCH_CONCESSIONS, clickable=False),
        "forecast_notes": "".join(
            f'<div data-issue="{k}">{forecast.spread_html(drawn, k, spread[k], FORECAST_DRAWS[model])}</div>'
            for k in range(len(analysis.scenario.issues))),
    }
    state.legends = {"issue_map": issue_map.legend(analysis), "deals": deals.legend()}
    return state


def compute_states(exploration: Exploration, made: tuple[str, ...], model: str, outcome: str) -> list[State]:
    """Every state of the briefing, in selector order."""
    return [compute_state(exploration, *spec, model=model, outcome=outcome) for spec in state_specs(exploration, made)]
