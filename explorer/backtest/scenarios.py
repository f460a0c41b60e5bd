"""A DEU issue as a scenario of the project's format (one issue, the actors with a position and a seat).

* **Parties**: the Commission (``com``), the Parliament (``ep``) and the member states, with the
  capabilities of :mod:`.capabilities` at the decision date; a state with a position but no seat
  then is left out (:func:`dropped` says which).
* **Stances**: the recorded position and salience (a salience of 0 is written 0.01: the format wants
  it positive; a position without a salience has 50, see :mod:`.deu`), red lines at the ends of the
  scale (DEU records none), the source the DEU III data set, quoting the row's cells.
* **Veto** (:func:`issue_scenario`): under unanimity every member state has one; under QMV no single
  state has one. The Commission has one under both (the Council can amend its proposal only by
  unanimity, and it can withdraw it), and so has the Parliament (under co-decision its assent is
  needed; under consultation its opinion is, Case 138/79 *Roquette Frères*). So a scenario has
  the two institutions as veto parties, and a unanimity issue every state besides. Where that
  leaves fewer than two (an issue on which the file records no position for the Commission or the
  Parliament, under QMV), every party is a veto party, and the description says so.
* **No-deal utility**: each party's utility at the reference point where the file records one
  (1 − |rp − x|/100, at most 0.999), else 0 (its worst position).

:func:`bargaining_scenario` is the scenario the Nash and Kalai–Smorodinsky predictors bargain over:
the same, with every party a bargainer (``veto``), since nothing is known of red lines.
"""

from __future__ import annotations

from explorer.backtest.capabilities import capabilities
from explorer.backtest.deu import DeuIssue
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData

NAMES = {"com": "European Commission", "ep": "European Parliament", "at": "Austria", "be": "Belgium",
         "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus", "cz": "Czechia", "dk": "Denmark", "ee": "Estonia",
         "fi": "Finland", "fr": "France", "de": "Germany", "el": "Greece", "hu": "Hungary", "ie": "Ireland",
         "it": "Italy", "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands",
         "pl": "Poland", "pt": "Portugal", "ro": "Romania", "si": "Slovenia", "sk": "Slovakia", "es": "Spain",
         "se": "Sweden", "uk": "United Kingdom"}
SOURCE = {"id": "deu3", "title": "DEU III: Arregui & Perarnaud (2021), A new dataset on legislative decision-making in "
          "the European Union, Journal of European Public Policy; data doi:10.34810/data53 (CC BY 4.0)"}
MIN_SALIENCE = 0.01
MAX_RESERVATION = 0.999


def dropped(issue: DeuIssue) -> list[str]:
    """The actors with a position but no seat at the decision date."""
    caps = capabilities(issue.decided, issue.procedure)
    return [actor for actor in issue.positions if actor not in caps]


def reservation(issue: DeuIssue, position: float) -> float:
    """A party's no-deal utility: its utility at the reference point, else 0.

    >>> from explorer.backtest.deu import DeuIssue
    >>> import datetime
    >>> issue = DeuIssue("i", "p", "n", "COD", "QMV", datetime.date(2000, 1, 1), None, {}, {}, 30.0, None)
    >>> reservation(issue, 50.0), reservation(issue, 30.0)
    (0.8, 0.999)
    """
    if issue.reference is None:
        return 0.0
    return min(MAX_RESERVATION, 1.0 - abs(issue.reference - position) / 100.0)


def issue_scenario(issue: DeuIssue, every_party_bargains: bool = False) -> Scenario:
    """The issue as a one-issue scenario (rules in the module docstring)."""
    return proposal_scenario([issue], every_party_bargains)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "issue"


def proposal_scenario(issues: list[DeuIssue], every_party_bargains: bool = False) -> Scenario:
    """The issues of one proposal as one scenario: the parties with a seat and a position on any of them
    (capabilities at the first issue's decision date), a veto for every state when an issue is decided by
    unanimity, a no-deal utility from the first issue's reference point (rules in the module docstring)."""
    first = issues[0]
    caps = capabilities(first.decided, first.procedure)
    actors = [a for a in dict.fromkeys(a for issue in issues for a in issue.positions) if a in caps]
    unanimity = any(issue.rule == "unanimity" for issue in issues)
    veto = {a for a in actors if a in ("com", "ep") or unanimity}
    everyone = every_party_bargains or len(veto) < 2
    parties = [{"id": a, "name": NAMES[a], "capability": caps[a], "veto": everyone or a in veto,
                "reservation": reservation(first, first.positions[a]) if a in first.positions else 0.0}
               for a in actors]

    def cells(issue: DeuIssue, a: str) -> str:
        salience = "blank (50 assumed)" if a in issue.defaulted_salience else f"{issue.saliences[a]:g}"
        return f"p{a} = {issue.positions[a]:g}, s{a} = {salience}"

    described = "; ".join(
        f"issue {i.id}: reference point {'none recorded' if i.reference is None else f'{i.reference:g}'}, outcome "
        f"{'none recorded' if i.outcome is None else f'{i.outcome:g}'}" for i in issues)
    single = len(issues) == 1
    raw = {
        "id": _slug(first.id if single else first.proposal),
        "title": f"{first.name}: " + (f"issue {first.id}" if single else f"proposal {first.proposal}")
                 + f" ({first.procedure}, {'/'.join(dict.fromkeys(i.rule for i in issues))})",
        "as_of": first.decided.isoformat(),
        "description": (f"DEU III proposal {first.proposal}; {described}."
                        + (" Every party is a veto party here: the rules leave fewer than two."
                           if everyone and not every_party_bargains else "")),
        "sources": [SOURCE],
        "parties": parties,
        "issues": [{"id": _slug(i.id), "name": f"{i.name}, issue {i.id}", "low": "0 on DEU III's scale",
                    "high": "100 on DEU III's scale"} for i in issues],
        "stances": [{"party": a, "issue": _slug(i.id), "position": i.positions[a],
                     "salience": max(MIN_SALIENCE, i.saliences[a]), "acceptable": [0.0, 100.0],
                     "source": "deu3", "quote": f"line {i.line}: {cells(i, a)}"}
                    for i in issues for a in actors if a in i.positions],
    }
    return Scenario.from_data(ScenarioData.model_validate(raw), source=f"DEU III line {first.line}")


def bargaining_scenario(issue: DeuIssue) -> Scenario:
    """The issue with every party a bargainer: what the Nash and K–S predictors solve."""
    return issue_scenario(issue, every_party_bargains=True)
