"""Each predicted outcome's track record on the DEU III backtest, read from the results file the
backtest writes into the package (``deu3_results.json``; ``make backtest`` writes it again, and
``tests/test_backtest_results.py`` checks it against a fresh run).

One sentence per rule, for every place that shows a prediction (the dashboard's legends and notes,
the briefing, the CLI reports, the notebooks):

>>> print(track_record("compromise"))
On 237 EU legislative decisions (DEU III) this rule missed the outcome by 24.7 points on average, on the 0–100 scale.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

RESULTS = "deu3_results.json"
#: the backtest predictor behind each outcome the project shows (the forecasts show their final median)
PREDICTOR_OF = {"compromise": "compromise", "weighted_median": "weighted_median", "nash": "nash",
                "kalai_smorodinsky": "kalai_smorodinsky", "bdm": "bdm_median", "exchange": "exchange_median"}


@cache
def results() -> dict:
    """The committed results file (scores of every predictor, without the per-issue predictions)."""
    return json.loads(resources.files("explorer.analysis").joinpath(RESULTS).read_text(encoding="utf-8"))


def mae(outcome: str) -> tuple[float, int]:
    """(mean absolute error, issues scored) of the rule behind ``outcome`` (a key of :data:`PREDICTOR_OF`)."""
    name = PREDICTOR_OF[outcome]
    row = next(p for p in results()["predictors"] if p["name"] == name)
    return row["mae"], row["issues"]


def track_record(outcome: str) -> str:
    """One sentence: how far the rule behind ``outcome`` missed real EU decisions on average."""
    error, issues = mae(outcome)
    total = results()["issues_with_outcome"]
    where = f"{issues}" if issues == total else f"the {issues} of {total}"
    return (f"On {where} EU legislative decisions (DEU III){'' if issues == total else ' where it exists'} this rule "
            f"missed the outcome by {error:.1f} points on average, on the 0–100 scale.")
