"""The briefing's bottom line: one paragraph written from a state's figures.

Where the parties stand (the two furthest apart and the widest issue), how many issues are
deadlocked, the agreement gap, whether a package ZOPA exists and with what chance under the
coding uncertainty, and the cheapest deal found with its chance. HTML with every scenario
text escaped.
"""

from __future__ import annotations

import html

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.app.text import percent, plural
from explorer.deals.search import DealSearch
from explorer.montecarlo.results import Chances, Uncertainty


def where_they_stand(analysis: Analysis) -> str:
    """The furthest-apart pair of parties and the issue whose ideal positions lie widest apart."""
    scenario = analysis.scenario
    names = [p.name for p in scenario.parties]
    matrix = np.where(np.isfinite(analysis.distance_matrix), analysis.distance_matrix, -1.0)
    np.fill_diagonal(matrix, -1.0)
    a, b = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
    if matrix[a, b] < 0:
        pair = "No two parties hold a stance on the same issue"
    else:
        pair = (f"{html.escape(names[a])} and {html.escape(names[b])} stand furthest apart "
                f"({matrix[a, b]:.0f} points on average over the issues, weighted by how much they care)")
    gaps = analysis.gaps.position_gap
    if not np.isfinite(gaps).any():
        return pair + "."
    widest = int(np.nanargmax(gaps))
    return (f"{pair}; the widest issue is <b>{html.escape(scenario.issues[widest].name)}</b>, where the veto "
            f"parties' ideal positions span {gaps[widest]:.0f} of 100 points.")


def bottom_line(analysis: Analysis, baseline: Analysis, chances: Chances | Uncertainty,
                found: DealSearch | None, label: str) -> str:
    """One paragraph (HTML) for the state ``label``."""
    total = len(analysis.scenario.issues)
    deadlocked = analysis.deadlocked_issues
    parts = [f"<b>{html.escape(label)}.</b>", where_they_stand(analysis)]
    if deadlocked:
        parts.append(f"The veto parties' red lines leave <b>{deadlocked} of {total} issues deadlocked</b> "
                     f"(no outcome every veto party can accept); the agreement gap is "
                     f"<b>{analysis.agreement_gap:.1f} points</b> of 100.")
    else:
        parts.append(f"On all {total} issues the veto parties' red lines overlap (agreement gap 0 points).")
    if analysis.package_zopa:
        parts.append(f"A package ZOPA exists: the best deal inside the zones leaves the worst-off veto party "
                     f"{100 * analysis.package_surplus:.1f} % of its stakes better off than no deal.")
    elif analysis.package_surplus is not None:
        parts.append("No package ZOPA: the zones overlap, but no deal inside them beats every veto party's no-deal "
                     "option.")
    else:
        parts.append("No package ZOPA while an issue is deadlocked.")
    parts.append(f"Redrawing the coding {chances.draws:,} times within its stated uncertainty, a deal exists in "
                 f"<b>{percent(chances.p_package_zopa)}</b> of the draws.")
    if found is None:
        parts.append("The file has too many concessions to search every set here.")
    elif found.deals and not found.deals[0].concessions:
        parts.append("No concession is needed: the file as coded already has a package ZOPA.")
    elif found.deals:
        cheapest = found.deals[0]
        party, cost = max(cheapest.costs.items(), key=lambda item: item[1])
        names = {p.id: p.name for p in analysis.scenario.parties}
        chance_text = ("" if cheapest.p_package_zopa is None
                       else f", with a chance of a deal of {percent(cheapest.p_package_zopa)}")
        parts.append(f"The cheapest deal found (deal 1) takes {plural(len(cheapest.concessions), 'concession')}, "
                     f"costing {100 * cheapest.total_cost:.1f} % of stakes in all and at most "
                     f"{100 * cost:.1f} % of {html.escape(names.get(party, party))}'s{chance_text}.")
    else:
        parts.append("No set of the file's concessions opens a deal.")
    return " ".join(parts)
