"""explorer.sensitivity: factors, targets, the tornado and the Sobol' indices on scenarios whose
answer is known by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from explorer.cli import main
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData
from explorer.model.transforms import with_stance, with_uncertainty
from explorer.sensitivity.factors import stance_factors
from explorer.sensitivity.results import NO_UNCERTAINTY, sensitivity
from explorer.sensitivity.targets import scenario_targets
from explorer.sensitivity.tornado import LEVELS
from tests.conftest import DEAL, SEED


def two_sides(sigma_a: float, sigma_b: float, sigma_c: float = 0.0) -> Scenario:
    """Veto parties A (red lines [0, 30]) and B ([70, 100]) 40 points apart on issue x, and a
    non-veto party C; on issue y everyone agrees and nobody is uncertain.

    Red-line gap on x = lo_B − hi_A = 40 + σ_B z_B − σ_A z_A (no clipping within ±10 σ): additive,
    so the variance splits σ_A² : σ_B².
    """
    def stance(party, issue, position, acceptable, sigma):
        return {"party": party, "issue": issue, "position": position, "salience": 50.0, "acceptable": acceptable,
                "uncertainty": sigma, "source": "assumption", "note": "hand-built"}

    raw = {
        "id": "two-sides", "title": "Two sides", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1.0, "veto": True},
                    {"id": "b", "name": "B", "capability": 1.0, "veto": True},
                    {"id": "c", "name": "C", "capability": 1.0, "veto": False}],
        "issues": [{"id": "x", "name": "X", "low": "0", "high": "100"},
                   {"id": "y", "name": "Y", "low": "0", "high": "100"}],
        "stances": [stance("a", "x", 10.0, [0.0, 30.0], sigma_a), stance("b", "x", 90.0, [70.0, 100.0], sigma_b),
                    stance("c", "x", 50.0, [0.0, 100.0], sigma_c),
                    stance("a", "y", 50.0, [40.0, 60.0], 0.0), stance("b", "y", 50.0, [40.0, 60.0], 0.0)],
    }
    return Scenario.from_data(ScenarioData.model_validate(raw))


def indices_of(result, key):
    column = result.target(key)
    return {f.key: (result.indices.first[k, column], result.indices.total[k, column],
                    result.indices.first_conf[k, column], result.indices.total_conf[k, column])
            for k, f in enumerate(result.factors)}


def test_one_uncertain_stance_takes_the_whole_total_index_of_what_it_moves_and_nothing_else():
    result = sensitivity(two_sides(0.0, 5.0), method="sobol", draws=512)
    assert [f.key for f in result.factors] == ["b/x"]
    for key in ("redline_gap/x", "agreement_gap", "compromise/x"):
        first, total, first_conf, total_conf = indices_of(result, key)["b/x"]
        assert total == pytest.approx(1.0, abs=max(total_conf, 1e-9)), key
        assert first == pytest.approx(1.0, abs=max(first_conf, 1e-9)), key
    # C's 50 stays the weighted median on x wherever B goes (equal weights, A at 10)
    for key in ("weighted_median/x", "redline_gap/y", "compromise/y", "weighted_median/y", "deal", "no_deadlock"):
        column = result.target(key)
        assert not result.indices.varies[column], key
        assert result.indices.total[0, column] == result.indices.first[0, column] == 0.0
        assert "does not vary" in result.note(column)


def test_two_additive_stances_share_the_gap_in_the_ratio_of_their_variances():
    result = sensitivity(two_sides(3.0, 6.0), method="sobol", draws=2048, seed=4)
    found = indices_of(result, "redline_gap/x")
    expected = {"a/x": 9 / 45, "b/x": 36 / 45}
    for key, share in expected.items():
        first, total, first_conf, total_conf = found[key]
        assert abs(first - share) <= first_conf and abs(total - share) <= total_conf, (key, first, total)
    ratio = found["b/x"][1] / found["a/x"][1]
    assert ratio == pytest.approx(4.0, rel=0.1)


def test_a_non_veto_partys_stance_never_moves_the_redline_gap():
    result = sensitivity(two_sides(3.0, 6.0, sigma_c=20.0), draws=256)
    c = [f.key for f in result.factors].index("c/x")
    for key in ("redline_gap/x", "agreement_gap", "deal", "no_deadlock"):
        column = result.target(key)
        assert result.indices.first[c, column] == result.indices.total[c, column] == 0.0, key
        assert (result.bars.values[c, :, column] == result.bars.base[column]).all(), key
    # ... but it moves the compromise, which weighs every party
    assert result.indices.total[c, result.target("compromise/x")] > 0.1


def test_every_stance_certain_gives_all_zero_indices_and_says_so():
    case = with_uncertainty(explorer.load(SEED), sigma=0.0)
    result = sensitivity(case, draws=16)
    assert not result.uncertain and result.to_dict()["note"] == NO_UNCERTAINTY
    assert len(result.factors) == len(case.stances)
    for array in (result.indices.first, result.indices.total, result.indices.first_conf, result.indices.total_conf):
        assert (array == 0).all()
    assert (result.bars.values == result.bars.base).all()
    assert all(result.note(k) == NO_UNCERTAINTY for k in range(len(result.targets)))


def test_a_chance_of_zero_in_every_draw_is_reported_as_not_varying():
    result = sensitivity(explorer.load(SEED), method="sobol", targets=("deal", "agreement-gap"), draws=64)
    deal = result.to_dict()["targets"][0]
    assert deal["key"] == "deal" and deal["varies"] is False and deal["mean"] == 0.0
    assert deal["note"].startswith("does not vary: 0 %")
    assert all(row["first"] == row["total"] == 0.0 for row in deal["indices"])
    assert result.to_dict()["targets"][1]["varies"] is True


def perturbed_by_hand(scenario: Scenario, party: str, issue: str, shift: float) -> Scenario:
    """The stance moved by ``shift`` points as docs/model.md says: position and red lines, clipped
    to 0–100, a red line at the end of the scale on its own side staying."""
    stance = scenario.stance(party, issue)
    lo, hi = stance.acceptable
    clip = lambda v: min(100.0, max(0.0, v))  # noqa: E731
    return with_stance(scenario, party, issue, position=clip(stance.position + shift),
                       acceptable=(lo if lo == 0 else clip(lo + shift), hi if hi == 100 else clip(hi + shift)))


@settings(max_examples=25)
@given(factor=st.integers(0, 27), level=st.integers(0, 3))
def test_the_tornados_bars_equal_analyze_of_the_hand_perturbed_scenario(factor, level):
    seed = explorer.load(SEED)
    result = sensitivity(seed, method="tornado", targets=("agreement-gap", "redline-gap", "outcomes", "forecast"),
                         draws=4)
    f = result.factors[factor]
    moved = perturbed_by_hand(seed, f.party, f.issue, LEVELS[level] * f.sigma[0])
    analysis = explorer.analyze(moved)
    run = explorer.forecast(moved, "bdm", rounds=10)
    issues = [i.id for i in seed.issues]
    expected = {"agreement_gap": analysis.agreement_gap}
    for k, issue in enumerate(issues):
        expected |= {f"redline_gap/{issue}": analysis.gaps.redline_gap[k], f"compromise/{issue}": analysis.compromise[k],
                     f"weighted_median/{issue}": analysis.weighted_median[k], f"forecast/{issue}": run.median[-1, k]}
    for key, value in expected.items():
        assert result.bars.values[factor, level, result.target(key)] == pytest.approx(value, abs=1e-9), key
    base = explorer.analyze(seed)
    assert result.bars.base[result.target("agreement_gap")] == pytest.approx(base.agreement_gap)


def test_a_chance_bar_is_the_monte_carlo_with_that_stance_held():
    """With the other stances drawn: the Monte Carlo (same seed) of the hand-perturbed scenario whose
    perturbed stance is made certain."""
    seed = explorer.load(SEED)
    result = sensitivity(seed.with_concessions(DEAL), method="tornado", targets=("deal", "no-deadlock"), draws=400,
                         seed=2)
    column = result.target("deal")
    assert result.bars.base[column] == explorer.uncertainty(seed.with_concessions(DEAL), draws=400,
                                                            seed=2).p_package_zopa
    baked = Scenario.from_data(seed.data.model_copy(  # the stances in force as a baseline of their own
        update={"stances": tuple(seed.with_concessions(DEAL).stances), "concessions": ()}))
    order = np.argsort(-result.bars.swing[:, column])
    for k in order[:2]:
        f = result.factors[k]
        for level_index in (1, 3):
            moved = perturbed_by_hand(baked, f.party, f.issue, LEVELS[level_index] * f.sigma[0])
            held = with_stance(moved, f.party, f.issue, uncertainty=0.0)
            expected = explorer.uncertainty(held, draws=400, seed=2).p_package_zopa
            assert result.bars.values[k, level_index, column] == expected, f.key


def test_groups_move_every_stance_of_a_party_together():
    result = sensitivity(two_sides(3.0, 6.0, sigma_c=20.0), group="party", draws=512)
    assert [f.key for f in result.factors] == ["a", "b", "c"]
    found = indices_of(result, "redline_gap/x")
    assert found["a"][1] == pytest.approx(0.2, abs=found["a"][3])
    assert found["c"][1] == 0.0
    by_issue = sensitivity(explorer.load(SEED), group="issue", method="sobol", targets=("agreement-gap",), draws=64)
    assert [f.key for f in by_issue.factors] == [i.id for i in explorer.load(SEED).issues]
    assert sum(len(f.cells) for f in by_issue.factors) == 28


def test_factors_carry_their_source():
    factors = {f.key: f for f in stance_factors(explorer.load(SEED))}
    nato = factors["russia/nato"]
    assert (nato.party, nato.issue, nato.source, nato.assumption, nato.kind) == ("russia", "nato", "seed", False,
                                                                                "quoted")
    assert nato.evidence.startswith("“") and nato.sigma == (5.0,)
    assumed = next(f for f in factors.values() if f.assumption)
    assert assumed.source == "assumption" and assumed.evidence and not assumed.evidence.startswith("“")
    assert stance_factors(explorer.load(SEED), "party")[0].kind == "mixed"


def test_targets_refuse_an_unknown_name():
    with pytest.raises(ValueError, match="targets must be some of"):
        scenario_targets(explorer.load(SEED), ("deal", "everything"))
    with pytest.raises(ValueError, match="method"):
        sensitivity(explorer.load(SEED), method="morris")


def test_a_design_larger_than_the_monte_carlo_allows_is_refused():
    with pytest.raises(ValueError, match="model runs"):
        sensitivity(explorer.load(SEED), method="sobol", draws=8192)


def test_the_tornados_chances_refuse_more_draws_than_memory_allows():
    with pytest.raises(ValueError, match="at most 50,000 draws"):
        sensitivity(explorer.load(SEED), method="tornado", targets=("deal",), draws=65_536)


def test_same_seed_same_numbers():
    first = sensitivity(explorer.load(SEED).with_concessions(DEAL), draws=64, seed=5).to_dict()
    assert first == sensitivity(explorer.load(SEED).with_concessions(DEAL), draws=64, seed=5).to_dict()


# -- the command line ------------------------------------------------------------------------------

def test_cli_json_has_the_fields_the_issue_names(capsys):
    assert main(["sensitivity", str(SEED), "--draws", "64", "--format", "json",
                 *[a for c in DEAL for a in ("--concede", c)]]) == 0
    result = json.loads(capsys.readouterr().out)
    factor = result["factors"][0]
    assert {"party", "issue", "source", "assumption", "sigma"} <= set(factor)
    deal = result["targets"][0]
    assert deal["key"] == "deal" and deal["varies"] is True
    assert {"factor", "first", "first_ci", "total", "total_ci"} == set(deal["indices"][0])
    assert {"factor", "low", "high"} <= set(deal["tornado"][0])
    low, high = deal["indices"][0]["total_ci"]
    assert low <= deal["indices"][0]["total"] <= high
    totals = [row["total"] for row in deal["indices"]]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_cli_text_names_the_top_factors_with_quoted_or_assumption(capsys, fmt):
    assert main(["sensitivity", str(SEED), "--draws", "64", "--format", fmt, "--top", "3", "--method", "sobol"]) == 0
    out = capsys.readouterr().out
    assert "Chance of a deal" in out and "does not vary" in out
    assert "assumption" in out and "quoted" in out


def test_cli_bad_input_exits_2_with_a_message(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: t\nparties: []\n")
    assert main(["sensitivity", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "Traceback" not in err
    assert main(["sensitivity", str(SEED), "--method", "sobol", "--draws", "8192"]) == 2
    assert "model runs" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["sensitivity", str(SEED), "--draws", "1000"])
    assert exit_.value.code == 2
    assert "power of two" in capsys.readouterr().err


def test_the_package_facade_runs_it():
    """``explorer.sensitivity`` is the function (the subpackage stays importable by its modules' names)."""
    result = explorer.sensitivity(explorer.load(SEED), method="tornado", targets=("agreement-gap",))
    assert isinstance(result, explorer.Sensitivity) and result.bars is not None and result.indices is None
    from explorer.sensitivity.report import FORMATS

    assert "Agreement gap" in FORMATS["text"](result)
