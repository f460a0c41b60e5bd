"""The words and numbers the dashboard shows, as pure functions (no widgets): each number
with its unit and what it means, so a stakeholder can read the page without a guide.

Units: positions, gaps and distances are *points* on an issue's 0–100 scale. Utility,
cost and surplus are shares of a party's *stakes*: utility 1 is everything the party wants
on every issue (weighted by how much it cares), so a cost of 0.040 is "4.0 % of its
stakes" — the utility it gives up at its old ideal package.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from explorer.analysis.analysis import Analysis
from explorer.analysis.track_record import track_record
from explorer.analysis.vocabulary import OUTCOME_LABELS, OUTCOME_MEANING
from explorer.app.palette import party_colours
from explorer.model.scenario import Scenario, blockers

TEXT_CSS = (Path(__file__).with_name("text.css")).read_text(encoding="utf-8")  # the style of what this module writes
KEY_FIGURE_LABELS = {"agreement-gap": "Agreement gap", "deadlocked": "Deadlocked issues",
                     "surplus": "Package surplus", "cost": "Cost of the concessions on"}
INFO = {
    "agreement-gap": ("How far apart the veto parties' red lines still are, in points of the issues' 0–100 scales, "
                      "averaged over issues by how much the veto parties care. 0 = every issue has a zone of agreement."),
    "deadlocked": "Issues where no outcome lies inside every veto party's red lines.",
    "surplus": ("The best deal inside the zones leaves the worst-off veto party this share of its stakes better "
                "off than no deal. None while an issue is deadlocked; below 0: no deal beats every party's no-deal "
                "option. A package ZOPA (zone of possible agreement) exists when it is 0 or more."),
    "cost": ("What the switched-on concessions cost each party: the share of its stakes it gives up "
             "(its utility lost at its old ideal package)."),
}


def signed(value: float, digits: int = 1, unit: str = "") -> str:
    """A change with its sign ('±0' when it rounds to nothing).

    >>> signed(-2.25), signed(0.01), signed(3, 0, " points")
    ('−2.2', '±0', '+3 points')
    """
    if abs(value) < 0.5 * 10**-digits:
        return "±0" + unit
    return f"{value:+.{digits}f}".replace("-", "−") + unit


def percent(p: float) -> str:
    """A chance as a percentage: whole points, or one decimal where that is not exact.

    >>> percent(0.5), percent(0.123), percent(0.0004), percent(0.9996)
    ('50 %', '12.3 %', '0 %', '100 %')
    """
    return f"{100 * p:.0f} %" if p >= 0.995 or p <= 0.005 or abs(100 * p - round(100 * p)) < 0.05 \
        else f"{100 * p:.1f} %"


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless ``n`` is 1.

    >>> plural(1, "concession"), plural(3, "issue")
    ('1 concession', '3 issues')
    """
    return f"{n} {word}{'' if n == 1 else 's'}"


def percent_of_stakes(share: float, party: str | None = None) -> str:
    """A utility share as a percentage of a party's stakes.

    >>> percent_of_stakes(0.04, "Russia"), percent_of_stakes(0.2)
    ("4.0 % of Russia's stakes", '20.0 % of stakes')
    """
    owner = f"{party}'s stakes" if party else "stakes"
    return f"{100 * share:.1f} % of {owner}"


def blocked_text(scenario: Scenario, cid: str, active: Iterable[str]) -> str | None:
    """Why concession ``cid`` cannot be switched on now, naming the others by title; None if it can."""
    missing, clash = blockers(scenario.concession(cid), active)  # the model's rule, named by title here
    titles = {c.id: c.title for c in scenario.concessions}
    if missing:
        return "Needs " + " and ".join(f"“{titles[r]}”" for r in missing) + " switched on first."
    if clash:
        return "Cannot be combined with " + " or ".join(f"“{titles[e]}”" for e in clash) + ", which is on."
    return None


def concession_items(scenario: Scenario) -> list[dict]:
    """The concession list's groups: per party with concessions, each concession's texts."""
    colours = party_colours([p.id for p in scenario.parties])
    groups = []
    for party in scenario.parties:
        items = []
        for c in scenario.concessions:
            if c.party != party.id:
                continue
            cost = scenario.concession_cost(c.id)
            items.append({
                "id": c.id, "title": c.title,
                "cost_text": f"costs {party.name} {100 * cost:.1f} % of its stakes",
                "cost_help": (f"Cost {cost:.3f} = {percent_of_stakes(cost, party.name)}: the utility "
                              f"{party.name} gives up at its old ideal package."),
                "description": c.description or "",
                "evidence_kind": "Quoted from the source:" if c.quote else "Assumption (not in the source):",
                "evidence": f"“{c.quote}”" if c.quote else (c.note or ""),
            })
        if items:
            groups.append({"party": party.id, "name": party.name, "colour": colours[party.id], "items": items})
    return groups


def _card(key: str, value: str, detail: str) -> str:
    label, info = KEY_FIGURE_LABELS[key], html.escape(INFO[key], quote=True)
    return (f'<div class="kf" data-key="{key}"><div class="kf-label">{label} '
            f'<span class="info" title="{info}" aria-label="{info}" tabindex="0">i</span></div>'
            f'<div class="kf-value">{value}</div><div class="kf-delta">{detail}</div></div>')


def key_figures_html(now: Analysis, baseline: Analysis, none_on: str = "switch concessions on at the left") -> str:
    """The headline numbers, each with its unit, its change from the start and an ⓘ saying what it means;
    ``none_on`` is said when no concession is on."""
    total = len(now.scenario.issues)
    gap = _card("agreement-gap", f"{now.agreement_gap:.1f} points",
                f"of 100 · {signed(now.agreement_gap - baseline.agreement_gap)} since the start")
    deadlocked = _card("deadlocked", f"{now.deadlocked_issues} of {total}",
                       f"{signed(now.deadlocked_issues - baseline.deadlocked_issues, 0)} since the start")
    if now.package_surplus is None:
        value, detail = "none", f"package ZOPA: <b>no</b> — {now.deadlocked_issues} issues deadlocked"
    else:
        value = f"{signed(100 * now.package_surplus)} % of stakes"
        zopa = "yes" if now.package_zopa else "no"
        detail = f"package ZOPA: <b>{zopa}</b>"
        if baseline.package_surplus is None:
            detail += " · none at the start"
        else:
            detail += f" · {signed(100 * (now.package_surplus - baseline.package_surplus))} since the start"
    surplus = _card("surplus", value, detail)
    costs = concession_costs(now)
    if costs:
        lines = "<br>".join(f"{html.escape(name)}: {100 * cost:.1f} % of its stakes" for name, cost in costs)
        cost = _card("cost", f"{len(now.scenario.active)} on", lines)
    else:
        cost = _card("cost", "none on", none_on)
    return f'<div class="key-figures">{gap}{deadlocked}{surplus}{cost}</div>'


def concession_costs(analysis: Analysis) -> list[tuple[str, float]]:
    """(party name, total cost) of the active concessions, per party that made one, in file order."""
    scenario = analysis.scenario
    totals: dict[str, float] = {}
    for cid in scenario.active:
        party = scenario.concession(cid).party
        totals[party] = totals.get(party, 0.0) + scenario.concession_cost(cid)
    return [(p.name, totals[p.id]) for p in scenario.parties if p.id in totals]


def package_status_html(wanted: str, shown: str, analysis: Analysis, live: bool = True) -> str:
    """Which package the utility panel shows and why: beside the picker, the one place that says it.
    ``live`` False: for a page that does not change (the briefing)."""
    label = html.escape(OUTCOME_LABELS[shown])
    record = f' <span class="track-record">{html.escape(track_record(shown))}</span>'
    if wanted == shown:
        return (f'<div class="package-status" data-shown="{shown}">Showing the <b>{label}</b>: '
                f"{html.escape(OUTCOME_MEANING[shown])}.{record}</div>")
    why = (f"{analysis.deadlocked_issues} issue{'s are' if analysis.deadlocked_issues != 1 else ' is'} deadlocked"
           if analysis.deadlocked_issues else "no deal inside the zones beats every veto party's no-deal option")
    return (f'<div class="package-status fallback" data-shown="{shown}">Showing the <b>{label}</b> instead: '
            f"a {html.escape(OUTCOME_LABELS[wanted])} exists only when a package ZOPA does, and {why}."
            + (" It appears here as soon as one opens." if live else "") + record + "</div>")


def scale_guide_html(scenario: Scenario) -> str:
    """What 0 and 100 mean on every issue, and each scale's labelled points, as a table."""
    rows = []
    for issue in scenario.issues:
        points = "; ".join(f"<b>{p.at:g}</b> {html.escape(p.label)}" for p in issue.points) or "–"
        rows.append(f"<tr><th scope='row'>{html.escape(issue.name)}</th><td>{html.escape(issue.low)}</td>"
                    f"<td>{html.escape(issue.high)}</td><td>{points}</td></tr>")
    return ('<details class="scale-guide" open><summary>What the 0–100 scales mean, issue by issue</summary>'
            '<table><thead><tr><th>Issue</th><th>0 means</th><th>100 means</th><th>Labelled points</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></details>')
