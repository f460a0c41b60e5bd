"""Capabilities of the DEU actors at a decision date: the Council's votes under the treaty in force,
and the Commission's and the Parliament's by procedure.

DEU records positions and saliences, not capabilities; these are the project's choice (not fitted
to any outcome), documented in ``docs/backtest.md``:

* **Member states** — their share of the Council's votes among the members at the decision date
  (the final act's date where the file has one, else the proposal's; see :mod:`.deu`):

  - before 1 May 2004, the weighted votes of the Treaty of Amsterdam (Art. 205(2) TEC, EU-15, 87 votes);
  - from 1 May 2004 to 31 October 2014, the Treaty of Nice's weights (Art. 205(2) TEC as amended by the
    2003 Act of Accession; Bulgaria and Romania from 2007, Croatia from July 2013). The transitional
    weights of May–October 2004 are not used: no decision of the file falls in that window;
  - from 1 November 2014, the Treaty of Lisbon's double majority (Art. 16(4) TEU, Art. 238(3) TFEU):
    each state's share of the Union's population (:data:`POPULATION_2015`, Eurostat, 1 January 2015,
    millions, rounded). A state's power under a double majority is not its population share; the
    share is the capability a weighted-mean model can use.

* **Commission and Parliament** — in units of the whole Council (the member states' capabilities sum
  to 1): under co-decision (COD) the Parliament is a co-legislator whose assent the act needs
  (Art. 251 TEC, 294 TFEU): :data:`EP_COD` = 1, as much as the Council; under consultation (CNS)
  its opinion is required but does not bind: :data:`EP_CNS` = 0.1. The Commission proposes, can
  withdraw its proposal, and the Council can amend it only by unanimity (Art. 250 TEC, 293 TFEU):
  :data:`COMMISSION` = 0.5 under both.

A state with a position in the file but not a member at the decision date has no capability and is
left out (the importer says which).
"""

from __future__ import annotations

import datetime

PRE_NICE = {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5, "at": 4, "se": 4,
            "dk": 3, "ie": 3, "fi": 3, "lu": 2}
NICE = {"de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13, "be": 12, "cz": 12, "el": 12,
        "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10, "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7,
        "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3}
POPULATION_2015 = {"de": 81.2, "fr": 66.4, "uk": 64.9, "it": 60.8, "es": 46.4, "pl": 38.0, "ro": 19.9, "nl": 16.9,
                   "be": 11.3, "el": 10.9, "cz": 10.5, "pt": 10.4, "hu": 9.9, "se": 9.7, "at": 8.6, "bu": 7.2,
                   "dk": 5.7, "fi": 5.5, "sk": 5.4, "ie": 4.6, "cr": 4.2, "lt": 2.9, "si": 2.1, "lv": 2.0, "ee": 1.3,
                   "cy": 0.8, "lu": 0.6, "mt": 0.4}
ENLARGEMENT_2004 = datetime.date(2004, 5, 1)
ACCESSION = {**{s: ENLARGEMENT_2004 for s in ("cy", "cz", "ee", "hu", "lv", "lt", "mt", "pl", "sk", "si")},
             "bu": datetime.date(2007, 1, 1), "ro": datetime.date(2007, 1, 1), "cr": datetime.date(2013, 7, 1)}
UK_LEFT = datetime.date(2020, 2, 1)
LISBON_VOTING = datetime.date(2014, 11, 1)
EP_COD, EP_CNS, COMMISSION = 1.0, 0.1, 0.5
PERIODS = ("pre-Nice", "Nice", "Lisbon")


def period(date: datetime.date) -> str:
    """The Council's voting rules in force on ``date``.

    >>> period(datetime.date(2001, 5, 30)), period(datetime.date(2008, 1, 1)), period(datetime.date(2016, 9, 14))
    ('pre-Nice', 'Nice', 'Lisbon')
    """
    if date < ENLARGEMENT_2004:
        return "pre-Nice"
    return "Nice" if date < LISBON_VOTING else "Lisbon"


def member(state: str, date: datetime.date) -> bool:
    """Whether ``state`` sits in the Council on ``date``.

    >>> member("pl", datetime.date(2003, 1, 1)), member("pl", datetime.date(2005, 1, 1)), member("uk", datetime.date(2021, 1, 1))
    (False, True, False)
    """
    if state == "uk" and date >= UK_LEFT:
        return False
    return date >= ACCESSION.get(state, datetime.date.min)


def council_weights(date: datetime.date) -> dict[str, float]:
    """Each member state's share of the Council's votes (population share under Lisbon) on ``date``; they sum to 1.

    >>> round(council_weights(datetime.date(2000, 1, 1))["de"], 4)   # 10 of 87
    0.1149
    """
    table = {"pre-Nice": PRE_NICE, "Nice": NICE, "Lisbon": POPULATION_2015}[period(date)]
    present = {state: float(votes) for state, votes in table.items() if member(state, date)}
    total = sum(present.values())
    return {state: votes / total for state, votes in present.items()}


def capabilities(date: datetime.date, procedure: str) -> dict[str, float]:
    """Every actor's capability on ``date`` under ``procedure`` (COD, or anything else read as consultation).

    >>> caps = capabilities(datetime.date(2000, 1, 1), "COD")
    >>> caps["ep"], caps["com"], round(sum(v for k, v in caps.items() if k not in ("ep", "com")), 9)
    (1.0, 0.5, 1.0)
    """
    return {"com": COMMISSION, "ep": EP_COD if procedure == "COD" else EP_CNS, **council_weights(date)}
