"""The package's backtest results file (explorer/analysis/deu3_results.json) is what a fresh run gives.

Needs ../shared/reference-data/deu3/deu3_dev.tsv beside the checkout (as CI has it); ``make backtest``
writes the file again.
"""

from __future__ import annotations

import json

import pytest

from explorer.backtest.results import backtest, results_file
from explorer.analysis.track_record import PREDICTOR_OF, RESULTS, results, track_record
from tests.conftest import ROOT

DEU3 = ROOT.parent / "shared" / "reference-data" / "deu3" / "deu3_dev.tsv"


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, abs=1e-6)
    return a == b


@pytest.mark.skipif(not DEU3.exists(), reason="needs ../shared/reference-data/deu3/deu3_dev.tsv")
def test_the_committed_results_are_a_fresh_runs():
    fresh = json.loads(results_file(backtest(str(DEU3))))
    committed = json.loads((ROOT / "explorer" / "analysis" / RESULTS).read_text(encoding="utf-8"))
    assert same(fresh, committed), "run `make backtest` and commit explorer/analysis/deu3_results.json"


def test_every_shown_outcome_has_a_track_record():
    names = {p["name"] for p in results()["predictors"]}
    assert set(PREDICTOR_OF.values()) <= names
    for outcome in PREDICTOR_OF:
        sentence = track_record(outcome)
        assert " EU legislative decisions (DEU III)" in sentence and " points on average" in sentence
    assert track_record("compromise").startswith("On 237 EU legislative decisions")
    nash_issues = next(p["issues"] for p in results()["predictors"] if p["name"] == "nash")
    assert nash_issues < 237  # no package beats everyone's reference point on some issues
    assert track_record("nash").startswith(f"On the {nash_issues} of 237 EU legislative decisions (DEU III) where it exists")


@pytest.mark.skipif(not DEU3.exists(), reason="needs ../shared/reference-data/deu3/deu3_dev.tsv")
def test_the_compromise_of_every_issue_is_the_hand_computation():
    """Σ c·s·x / Σ c·s over the actors with a position and a seat, computed here in plain Python."""
    from explorer.backtest.capabilities import capabilities
    from explorer.backtest.deu import read_deu
    from explorer.backtest.predictors import DeuArrays, weighted_rules

    issues = read_deu(str(DEU3))
    predicted = weighted_rules(DeuArrays.from_issues(issues))["compromise"]
    for issue, value in zip(issues, predicted):
        caps = capabilities(issue.decided, issue.procedure)
        weights = {a: caps[a] * issue.saliences[a] for a in issue.positions if a in caps}
        if sum(weights.values()) == 0:  # every salience 0: by capability alone
            weights = {a: caps[a] for a in weights}
        expected = sum(w * issue.positions[a] for a, w in weights.items()) / sum(weights.values())
        assert value == pytest.approx(expected, abs=1e-9), issue.id
