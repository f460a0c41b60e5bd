"""Exporters to the peers' formats: DECIDE input files and BDM CSVs.

Both write what the importers in :mod:`explorer.io.importers` (and the peers' own
readers) read back. Positions go back on the issue's original scale when
``issues[].scale`` is kept (0–100 otherwise),

    p = low + position / 100 · (high − low);

salience and capability become fractions: s / 100, and c / 100 when every
capability is at most 100 (else c / the largest). DECIDE holds actors, issues
with their labelled scale points, stances (position, salience, power), a title
(``#O``) and comments (``#/``, our description); BDM holds one issue's actors with
capability, position and salience. What neither holds (red lines, vetoes,
reservations, uncertainty, concessions, sources and quotes) is left out:
:func:`left_out` names what a scenario loses.
"""

from __future__ import annotations

import csv
import io
import math

from explorer.errors import Problem, ScenarioError
from explorer.model.schema import Issue, ScenarioData

FORMATS = ("decide", "bdm")


def number(value: float, ulps: int = 2) -> str:
    """The shortest decimal within ``ulps`` ulps of ``value`` (hides the ulps that rescaling costs).

    >>> number(5.999999999999999), number(0.33299999999999996), number(7.0), number(1e-20)
    ('6', '0.333', '7', '1e-20')
    >>> number(100.0), number(-2.5), number(1e22), number(0.1 + 0.2)
    ('100', '-2.5', '1e+22', '0.3')
    """
    if value == 0:
        return "0"
    for digits in range(1, 18):
        rounded = float(f"{value:.{digits}g}")
        if abs(rounded - value) <= ulps * math.ulp(value):
            break
    text = repr(rounded)
    return text[:-2] if text.endswith(".0") else text


def original_scale(issue: Issue) -> tuple[float, float]:
    return (issue.scale.low, issue.scale.high) if issue.scale is not None else (0.0, 100.0)


def on_scale(value: float, issue: Issue) -> float:
    """A 0–100 position back on the issue's original scale."""
    low, high = original_scale(issue)
    if value == 0:
        return low
    if value == 100:
        return high
    return low + value / 100 * (high - low)


def position_text(value: float, issue: Issue) -> str:
    """A 0–100 position as written on the original scale: short, but never past the scale's ends."""
    low, high = original_scale(issue)
    text = number(on_scale(value, issue))
    if not min(low, high) <= float(text) <= max(low, high):
        text = number(on_scale(value, issue), 0)
    return text


def _capabilities(data: ScenarioData) -> dict[tuple[str, str], float]:
    """Each stance's capability as a fraction: c / 100, or c / the largest when one exceeds 100."""
    party = {p.id: p.capability for p in data.parties}
    raw = {(s.party, s.issue): s.capability if s.capability is not None else party[s.party] for s in data.stances}
    largest = max(raw.values())
    divisor = 100.0 if largest <= 100 else largest
    return {key: value / divisor for key, value in raw.items()}


def left_out(data: ScenarioData, fmt: str) -> list[str]:
    """What the scenario uses that ``fmt`` cannot hold (for a warning)."""
    lost = []
    if any(s.acceptable != (0.0, 100.0) for s in data.stances):
        lost.append("red lines")
    if any(not p.veto for p in data.parties) or fmt == "bdm":
        lost.append("vetoes")
    if any(p.reservation for p in data.parties):
        lost.append("reservations")
    if any(s.uncertainty for s in data.stances):
        lost.append("uncertainty")
    if data.concessions:
        lost.append("concessions")
    if fmt == "bdm" and len(data.issues) > 1:
        lost.append("the other issues")
    return lost


def _text(value: str) -> str:
    """A DECIDE text field: one line, no TAB, in single quotes."""
    return "'" + " ".join(value.split()) + "'"


def write_decide(data: ScenarioData) -> str:
    """The scenario as a DECIDE input file (TAB-separated, text in single quotes)."""
    power = _capabilities(data)
    rows = [["#O", _text(data.title)]]
    rows += [["#/", _text(line)] for line in (data.description or "").splitlines() if line.strip()]
    rows += [["#A", _text(p.id), _text(p.name), _text(p.note or "")] for p in data.parties]
    for issue in data.issues:
        rows.append(["#P", _text(issue.id), _text(issue.name), _text(issue.description or "")])
        low, high = original_scale(issue)
        rows.append(["#M", _text(issue.id), number(low, 0), _text(issue.low)])
        rows += [["#M", _text(issue.id), position_text(point.at, issue), _text(point.label)]
                 for point in issue.points if 0 < point.at < 100]  # the ends' #M rows carry low and high
        rows.append(["#M", _text(issue.id), number(high, 0), _text(issue.high)])
    rows += [["#D", _text(s.party), _text(s.issue), position_text(s.position, issue_of[s.issue]),
              number(s.salience / 100), number(power[(s.party, s.issue)])]
             for issue_of in [{i.id: i for i in data.issues}] for s in data.stances]
    return "".join("\t".join(row) + "\n" for row in rows)


def pick_issue(data: ScenarioData, wanted: str | None, file: str | None = None) -> Issue:
    """The issue a BDM file holds: the only one, or the one ``--issue`` names (by id or name)."""
    if wanted is None:
        if len(data.issues) == 1:
            return data.issues[0]
        raise ScenarioError([Problem(("issues",), f"a BDM file holds one issue and this scenario has "
                                     f"{len(data.issues)}: pick one with --issue ID "
                                     f"({', '.join(i.id for i in data.issues)})", file=file)])
    for issue in data.issues:
        if wanted in (issue.id, issue.name):
            return issue
    from explorer.io.importers import slug

    for issue in data.issues:
        if slug(wanted) == issue.id:
            return issue
    raise ScenarioError([Problem(("--issue",), f"no issue '{wanted}': the issues are "
                                 f"{', '.join(i.id for i in data.issues)}", file=file)])


def write_bdm(data: ScenarioData, issue_id: str | None = None, file: str | None = None) -> str:
    """One issue of the scenario as a BDM ``Actor,Capability,Position,Salience`` CSV."""
    issue = pick_issue(data, issue_id, file)
    power = _capabilities(data)
    names = {p.id: " ".join(p.name.split()) for p in data.parties}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Actor", "Capability", "Position", "Salience"])
    for s in data.stances:
        if s.issue == issue.id:
            writer.writerow([names[s.party], number(power[(s.party, s.issue)]), position_text(s.position, issue),
                             number(s.salience / 100)])
    return out.getvalue()
