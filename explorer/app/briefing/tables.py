"""The briefing's tables, as HTML with every scenario text escaped: the sources, every stance with
its quote or its assumption, every concession with its description and cost, and the provenance
(what anyone needs to make the same file again)."""

from __future__ import annotations

import html

from explorer.app.text import percent_of_stakes
from explorer.model.scenario import Scenario


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def sources_html(scenario: Scenario) -> str:
    """The sources, each with its note and address written out (so they print)."""
    if not scenario.data.sources:
        return "<p>No sources listed in the file.</p>"
    items = []
    for source in scenario.data.sources:
        url = f' — <span class="url">{_e(source.url)}</span>' if source.url else ""
        note = f" ({_e(source.note)})" if source.note else ""
        items.append(f'<li id="source-{_e(source.id)}"><b>{_e(source.title)}</b>{note}{url}</li>')
    return f'<ol class="sources">{"".join(items)}</ol>'


def stances_html(scenario: Scenario) -> str:
    """Every stance: position, red lines, salience, uncertainty, and its quote or its assumption."""
    parties = {p.id: p.name for p in scenario.parties}
    issues = {i.id: i.name for i in scenario.issues}
    sources = {s.id: s.title for s in scenario.data.sources}
    rows = []
    for s in scenario.data.stances:
        if s.quote:
            kind = '<span class="evidence quoted">Quoted</span>'
            evidence = f"“{_e(s.quote)}”<br><span class=\"source\">{_e(sources.get(s.source, s.source))}</span>"
        else:
            kind = '<span class="evidence assumption">Assumption</span>'
            evidence = _e(s.note)
        rows.append(
            f'<tr data-party="{_e(s.party)}" data-issue="{_e(s.issue)}"><td>{_e(parties.get(s.party, s.party))}</td>'
            f"<td>{_e(issues.get(s.issue, s.issue))}</td><td class=\"num\">{s.position:g}</td>"
            f"<td class=\"num\">{s.acceptable[0]:g}–{s.acceptable[1]:g}</td><td class=\"num\">{s.salience:g}</td>"
            f"<td class=\"num\">±{s.uncertainty:g}</td><td>{kind}</td><td>{evidence}</td></tr>")
    head = ("<tr><th>Party</th><th>Issue</th><th>Ideal position<br>(0–100)</th><th>Can accept<br>(red lines)</th>"
            "<th>Salience<br>(0–100)</th><th>Uncertainty<br>(± points)</th><th>Coded from</th>"
            "<th>The quote, or the assumption's reasoning</th></tr>")
    return f'<table class="stances"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def concessions_html(scenario: Scenario) -> str:
    """Every concession: who makes it, what it is, what it costs, its rules and its evidence."""
    parties = {p.id: p.name for p in scenario.parties}
    titles = {c.id: c.title for c in scenario.concessions}
    rows = []
    for c in scenario.concessions:
        cost = scenario.concession_cost(c.id)
        rules = [f"needs {_e(titles.get(r, r))}" for r in c.requires] + [
            f"not with {_e(titles.get(x, x))}" for x in c.excludes]
        evidence = (f'<span class="evidence quoted">Quoted</span> “{_e(c.quote)}”' if c.quote
                    else f'<span class="evidence assumption">Assumption</span> {_e(c.note)}')
        rows.append(
            f'<tr data-concession="{_e(c.id)}"><td>{_e(parties.get(c.party, c.party))}</td><td><b>{_e(c.title)}</b>'
            f"<br>{_e(c.description)}</td><td class=\"num\">{_e(percent_of_stakes(cost))}</td>"
            f"<td>{'; '.join(rules) or '–'}</td><td>{evidence}</td></tr>")
    if not rows:
        return "<p>The file has no concessions.</p>"
    head = ("<tr><th>Party</th><th>Concession</th><th>Cost to the party<br>(its utility given up)</th>"
            "<th>Rules</th><th>Coded from</th></tr>")
    return f'<table class="concessions"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def provenance_html(facts: dict[str, str]) -> str:
    """A definition list of the provenance facts (already plain strings; escaped here)."""
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts.items())
    return f'<dl class="provenance">{rows}</dl>'
