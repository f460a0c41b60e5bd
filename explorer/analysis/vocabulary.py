"""The predicted outcomes' vocabulary, defined once: keys, names, short names and meanings.

Every page, report and figure names an outcome from here (``explorer.report``'s columns,
the dashboard's picker and legends, the briefing).

>>> OUTCOMES
('compromise', 'weighted_median', 'nash', 'kalai_smorodinsky')
>>> OUTCOME_LABELS["nash"], OUTCOME_SHORT["kalai_smorodinsky"]
('Nash bargaining package', 'K–S')
"""

from __future__ import annotations

OUTCOMES = ("compromise", "weighted_median", "nash", "kalai_smorodinsky")
OUTCOME_LABELS = {
    "compromise": "Compromise (weighted mean, per issue)",
    "weighted_median": "Weighted median (per issue)",
    "nash": "Nash bargaining package",
    "kalai_smorodinsky": "Kalai–Smorodinsky package",
}
OUTCOME_SHORT = {"compromise": "compromise", "weighted_median": "w. median", "nash": "Nash",
                 "kalai_smorodinsky": "K–S"}
OUTCOME_MEANING = {
    "compromise": "each issue at the average position, weighted by each party's clout and how much it cares",
    "weighted_median": ("each issue at the position that half the weight (clout × how much a party cares) lies "
                        "on each side of"),
    "nash": "the deal inside the zones that maximises the product of the veto parties' gains over no deal",
    "kalai_smorodinsky": ("the deal inside the zones that gives every veto party the same share of the most "
                          "it could gain"),
}
DEFAULT_OUTCOME = "nash"  # the package a page (the dashboard's picker, the briefing) shows first
assert set(OUTCOME_LABELS) == set(OUTCOME_SHORT) == set(OUTCOME_MEANING) == set(OUTCOMES)
