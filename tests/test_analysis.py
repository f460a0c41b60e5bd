"""analyze() on the shipped scenarios: the numbers a reader sees, and the tables' shape."""

import numpy as np
import pytest

from explorer import OUTCOMES, analyze, load
from tests.conftest import DEAL, SEED, TEXTBOOK



def test_textbook_split_fails_trade_succeeds():
    scenario = load(TEXTBOOK)
    result = analyze(scenario)
    split = result.utilities_at(np.full(3, 50.0))
    reservation = result.arrays.reservation
    assert (split < reservation).all(), "splitting every issue must fail both reservations"
    assert result.package_zopa and result.package_surplus == pytest.approx(0.2)
    nash_utility = result.utilities_at(result.nash.package)
    assert (nash_utility > reservation).all()
    assert nash_utility == pytest.approx([0.8, 0.8])
    assert result.nash.package.tolist() == pytest.approx([0, 100, 50])


def test_seed_baseline_is_deadlocked_and_deal_opens_with_concessions():
    base = analyze(load(SEED))
    assert base.deadlocked_issues > 0 and base.package_surplus is None and not base.package_zopa
    assert base.nash is None and base.kalai_smorodinsky is None
    deal = analyze(load(SEED).with_concessions(DEAL))
    assert deal.deadlocked_issues == 0 and deal.agreement_gap == 0 and deal.package_zopa
    assert deal.nash.gap <= 1e-12
    # dropping any one of the eight brings a red-line gap back
    for cid in DEAL:
        partial = analyze(load(SEED).with_concessions([c for c in DEAL if c != cid]))
        assert partial.agreement_gap > 0


def test_agreement_gap_hand_computed_on_seed():
    result = analyze(load(SEED))
    a = result.arrays
    veto = a.veto
    weight = a.share[veto].mean(axis=0)
    lo = np.where(a.has[veto], a.lo[veto], 0).max(axis=0)
    hi = np.where(a.has[veto], a.hi[veto], 100).min(axis=0)
    gap = np.maximum(0, lo - hi)
    assert result.agreement_gap == pytest.approx((weight * gap).sum() / weight.sum())


def test_tables_have_one_row_per_thing():
    scenario = load(SEED)
    result = analyze(scenario)
    assert list(result.issues.index) == [i.id for i in scenario.issues]
    assert list(result.parties.index) == [p.id for p in scenario.parties]
    assert result.distances.shape == (len(scenario.parties),) * 2
    assert len(result.stances) == len(scenario.stances)
    assert list(result.concessions.index) == [c.id for c in scenario.concessions]
    assert set(OUTCOMES) <= set(result.issues.columns)


def test_to_dict_nulls_where_values_do_not_exist():
    data = analyze(load(SEED)).to_dict()
    assert data["overall"]["package_surplus"] is None
    assert all(i["outcomes"]["nash"] is None for i in data["issues"])
    assert all((i["zone"] is None) == (i["redline_gap"] > 0) for i in data["issues"])
    assert all(c["blocked"] is None or isinstance(c["blocked"], str) for c in data["concessions"])


def test_unknown_outcome_name():
    with pytest.raises(ValueError, match="unknown outcome"):
        analyze(load(TEXTBOOK)).outcome("median")
