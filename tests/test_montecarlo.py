"""Monte Carlo over the coding uncertainty: draws, perturbation rules, chances, and per-draw
figures checked against analyze() on scenarios perturbed by hand."""

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from explorer import analyze, load, uncertainty
from explorer.errors import ScenarioError
from explorer.model.scenario import Scenario
from explorer.montecarlo import results as results_module
from explorer.montecarlo.draws import perturb, standard_normals
from explorer.montecarlo.report import FORMATS
from explorer.montecarlo.results import spread, standard_error, wilson_interval
from tests.conftest import SEED, TEXTBOOK
from tests.strategies import scenarios, scenarios_with_concessions
from tests.test_stacked import assert_matches

README_DEAL = ["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
               "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda",
               "russia-drops-preconditions"]
Z95 = 1.959963984540054  # the 97.5 % point of N(0, 1)


# -- draws and perturbation rules -------------------------------------------------

def test_standard_normals_are_numpys_generator_in_c_order():
    z = standard_normals(3, (2, 4), seed=11)
    assert z.shape == (3, 2, 4)
    assert z.ravel().tolist() == np.random.default_rng(11).standard_normal(24).tolist()
    assert (standard_normals(5, (2, 4), seed=11)[:3] == z).all()
    assert not (standard_normals(3, (2, 4), seed=12) == z).any()


@pytest.mark.parametrize("draws", [0, -1, 1_000_001])
def test_standard_normals_refuse_a_bad_count(draws):
    with pytest.raises(ValueError, match="draws must be between 1 and"):
        standard_normals(draws, (2, 2), 0)


def moved(value, delta, end):
    """The rule for one red line, written out: one at the open end of the scale stays."""
    if value == end:
        return value
    return min(100.0, max(0.0, value + delta))


@pytest.mark.parametrize("position, lo, hi, sigma, z, expected", [
    # δ = 10·1.5 = 15: position and the upper red line move, the lower one at 0 stays
    (50.0, 0.0, 60.0, 10.0, 1.5, (65.0, 0.0, 75.0)),
    # δ = −60: everything clipped at 0 (the lower red line was at 0 anyway)
    (50.0, 0.0, 60.0, 10.0, -6.0, (0.0, 0.0, 0.0)),
    # δ = 30: position 90 → 100 (clipped), lower red line 80 → 100 (clipped), upper at 100 stays
    (90.0, 80.0, 100.0, 15.0, 2.0, (100.0, 100.0, 100.0)),
    # δ = −30: 40 → 10, 20 → 0 (clipped), 70 → 40
    (40.0, 20.0, 70.0, 20.0, -1.5, (10.0, 0.0, 40.0)),
    # σ = 0: nothing moves whatever z is
    (40.0, 20.0, 70.0, 0.0, 9.0, (40.0, 20.0, 70.0)),
    # whole scale: only the position moves
    (30.0, 0.0, 100.0, 5.0, -2.0, (20.0, 0.0, 100.0)),
    # red lines near, not at, the ends move: 1 → 0 (clipped), 99.5 → 94.5
    (10.0, 1.0, 99.5, 10.0, -0.5, (5.0, 0.0, 94.5)),
    # δ = 8: a lower red line at 100 (position 100) and an upper one at 0 (position 0) are not at the
    # open end of the scale: they move with the position (and are clipped)
    (100.0, 100.0, 100.0, 4.0, 2.0, (100.0, 100.0, 100.0)),
    (0.0, 0.0, 0.0, 4.0, 2.0, (8.0, 0.0, 8.0)),
    (100.0, 100.0, 100.0, 4.0, -2.0, (92.0, 92.0, 100.0)),
])
def test_perturb_by_hand(position, lo, hi, sigma, z, expected):
    out = perturb(np.array([[position]]), np.array([[lo]]), np.array([[hi]]), np.array([[sigma]]),
                  np.array([[[z]]]))
    assert (out.position[0, 0, 0], out.lo[0, 0, 0], out.hi[0, 0, 0]) == pytest.approx(expected)


def test_perturb_leaves_missing_stances_missing():
    nan = np.nan
    out = perturb(np.array([[nan, 10.0]]), np.array([[nan, 5.0]]), np.array([[nan, 15.0]]),
                  np.array([[0.0, 2.0]]), np.array([[[3.0, 1.0]]]))
    assert np.isnan(out.position[0, 0, 0]) and np.isnan(out.lo[0, 0, 0]) and np.isnan(out.hi[0, 0, 0])
    assert out.position[0, 0, 1] == 12.0 and out.lo[0, 0, 1] == 7.0 and out.hi[0, 0, 1] == 17.0


@settings(max_examples=60, deadline=None)
@given(*[st.integers(0, 100).map(float) | st.floats(0, 100)] * 3, st.sampled_from([0.0, 1.0, 7.5, 40.0]),
       st.floats(-5, 5, allow_nan=False))
def test_perturb_rules_and_invariant(a, b, c, sigma, z):
    lo, position, hi = sorted((a, b, c))
    out = perturb(np.array([[position]]), np.array([[lo]]), np.array([[hi]]), np.array([[sigma]]),
                  np.array([[[z]]]))
    delta = sigma * z
    got = out.position[0, 0, 0], out.lo[0, 0, 0], out.hi[0, 0, 0]
    assert got[0] == min(100.0, max(0.0, position + delta))
    assert got[1] == moved(lo, delta, 0.0) and got[2] == moved(hi, delta, 100.0)
    # the drawn position stays inside the drawn red lines
    assert got[1] <= got[0] <= got[2]


# -- standard errors and intervals -------------------------------------------------

def test_standard_error_by_hand():
    assert standard_error(0.3, 100) == pytest.approx(math.sqrt(0.3 * 0.7 / 100))  # 0.0458257…
    assert standard_error(0.5, 10_000) == pytest.approx(0.005)
    assert standard_error(0.0, 50) == 0.0 and standard_error(1.0, 50) == 0.0
    assert standard_error(np.array([0.5, 0.1]), 4).tolist() == pytest.approx([0.25, 0.15])


def test_wilson_interval_by_hand():
    # 50 hits in 100: the textbook interval [0.4038, 0.5962]
    low, high = wilson_interval(0.5, 100)
    assert (low, high) == pytest.approx((0.403831, 0.596169), abs=1e-6)
    # p = 0: [0, z²/(D + z²)]; p = 1: [D/(D + z²), 1]
    z2 = Z95 ** 2
    assert wilson_interval(0.0, 1000) == pytest.approx((0.0, z2 / (1000 + z2)), abs=1e-15)
    assert wilson_interval(0.0, 1000)[0] == 0.0
    assert wilson_interval(1.0, 10) == pytest.approx((10 / (10 + z2), 1.0), abs=1e-15)
    assert wilson_interval(1.0, 10)[1] == 1.0
    # p = 0.2, D = 25, by the formula (p + z²/2D ± z√(p(1 − p)/D + z²/4D²)) / (1 + z²/D)
    centre = (0.2 + z2 / 50) / (1 + z2 / 25)
    half = Z95 * math.sqrt(0.2 * 0.8 / 25 + z2 / (4 * 625)) / (1 + z2 / 25)
    assert wilson_interval(0.2, 25) == pytest.approx((centre - half, centre + half), abs=1e-15)


def test_spread_by_hand():
    values = np.array([np.nan, 1.0, 2.0, 3.0, 4.0, np.inf])
    # finite values 1..4: mean 2.5; numpy's linear percentiles 1.3, 2.5, 3.7
    assert spread(values) == pytest.approx({"mean": 2.5, "p10": 1.3, "p50": 2.5, "p90": 3.7})
    assert spread(np.array([np.nan])) == {"mean": None, "p10": None, "p50": None, "p90": None}


# -- seeds and common random numbers ---------------------------------------------------

def test_same_seed_same_numbers_different_seed_different():
    seed = load(SEED)
    first, again, other = uncertainty(seed, 300, 5), uncertainty(seed, 300, 5), uncertainty(seed, 300, 6)
    assert first.to_dict() == again.to_dict()
    for name in ("agreement_gap", "compromise", "weighted_median", "redline_gap"):
        assert np.array_equal(getattr(first.figures, name), getattr(again.figures, name), equal_nan=True)
    assert first.to_dict() != other.to_dict()
    assert not np.array_equal(first.figures.agreement_gap, other.figures.agreement_gap)


def recorded_normals(monkeypatch):
    """Wrap perturb to record the z of every call."""
    seen = []
    original = results_module.perturb

    def spy(position, lo, hi, sigma, z):
        seen.append(np.array(z))
        return original(position, lo, hi, sigma, z)

    monkeypatch.setattr(results_module, "perturb", spy)
    return seen


def test_common_random_numbers_whatever_the_concessions(monkeypatch):
    seen = recorded_normals(monkeypatch)
    seed = load(SEED)
    sets = [[], README_DEAL, README_DEAL + ["russia-comprehensive-ceasefire", "us-phased-relief"]]
    runs = [uncertainty(seed.with_concessions(s), 200, 3) for s in sets]
    assert len(seen) == 3
    expected = np.random.default_rng(3).standard_normal((200, 4, 7))  # 4 parties, 7 issues, C order
    for z in seen:
        assert np.array_equal(z, expected)
    # observable too: on an issue no active concession touches, every draw's compromise is the same
    for chosen, run in zip(sets[1:], runs[1:]):
        touched = {change.issue for cid in chosen for change in seed.concession(cid).changes}
        untouched = [k for k, i in enumerate(seed.issues) if i.id not in touched]
        assert untouched
        assert np.array_equal(run.figures.compromise[:, untouched], runs[0].figures.compromise[:, untouched])


# -- σ = 0 reproduces analyze ------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(scenarios(max_parties=4, max_issues=4), st.integers(0, 2**32 - 1))
def test_no_uncertainty_reproduces_analyze_on_every_draw(scenario, seed):
    assert all(s.uncertainty == 0 for s in scenario.stances)
    result = uncertainty(scenario, 3, seed)
    expected = analyze(scenario)
    f = result.figures
    for k in range(3):
        assert_matches(f, k, expected)
        # the same numbers exactly, not just close (the same functions on the same inputs)
        np.testing.assert_array_equal(f.compromise[k], expected.compromise)
        np.testing.assert_array_equal(f.issue_weight[k], expected.gaps.issue_weight)
        assert f.agreement_gap[k] == expected.agreement_gap
        np.testing.assert_array_equal(result.distances[k], expected.distance_matrix)
    assert result.p_no_deadlock == float(expected.deadlocked_issues == 0)
    assert result.p_package_zopa == float(expected.package_zopa)
    assert result.se_package_zopa == 0.0


# -- per draw against analyze() of a scenario perturbed by hand ---------------------------

def perturbed_by_hand(scenario: Scenario, z: np.ndarray) -> Scenario:
    """The stances in force moved by δ = σ·z (z indexed by the file's party and issue order),
    written with the stance models, as a scenario without concessions."""
    party = [p.id for p in scenario.parties]
    issue = [i.id for i in scenario.issues]
    stances = []
    for s in scenario.stances:
        delta = s.uncertainty * z[party.index(s.party), issue.index(s.issue)]
        lo, hi = s.acceptable
        stances.append(s.model_copy(update={
            "position": min(100.0, max(0.0, s.position + delta)),
            "acceptable": (moved(lo, delta, 0.0), moved(hi, delta, 100.0)),
        }))
    data = scenario.data.model_copy(update={"stances": tuple(stances), "concessions": ()})
    return Scenario(data)


def a_feasible_set(scenario):
    ids = [c.id for c in scenario.concessions]
    for r in range(len(ids), 0, -1):
        for chosen in itertools.combinations(ids, r):
            try:
                return scenario.with_concessions(chosen)
            except ScenarioError:
                pass
    return scenario


@settings(max_examples=30, deadline=None)
@given(scenarios_with_concessions(), st.integers(0, 2**32 - 1))
def test_each_draw_matches_analyze_of_the_hand_perturbed_scenario(scenario, seed):
    draws = 4
    z = np.random.default_rng(seed).standard_normal((draws, len(scenario.parties), len(scenario.issues)))
    for variant in (scenario, a_feasible_set(scenario)):
        result = uncertainty(variant, draws, seed)
        for k in range(draws):
            by_hand = analyze(perturbed_by_hand(variant, z[k]))
            assert_matches(result.figures, k, by_hand)
            np.testing.assert_allclose(result.distances[k], by_hand.distance_matrix, rtol=0, atol=1e-12)
        hits = [analyze(perturbed_by_hand(variant, z[k])).package_zopa for k in range(draws)]
        assert result.p_package_zopa == sum(hits) / draws


@settings(max_examples=25, deadline=None)
@given(scenarios(max_parties=4, max_issues=3, wide=True, zero_reservation=True), st.integers(0, 2**32 - 1))
def test_drawn_nash_and_kalai_smorodinsky_are_analyzes_on_each_draw(scenario, seed):
    """packages=True: each draw's packages are those analyze() gives the hand-perturbed scenario
    (NaN where it has none). Wide red lines and no reservation: most draws have a ZOPA."""
    draws = 3
    stances = tuple(s.model_copy(update={"uncertainty": 10.0}) for s in scenario.stances)
    variant = Scenario(scenario.data.model_copy(update={"stances": stances}))
    z = np.random.default_rng(seed).standard_normal((draws, len(variant.parties), len(variant.issues)))
    result = uncertainty(variant, draws, seed, packages=True)
    assert "nash_p50" in result.issues.columns and result.to_dict()["packages_drawn"]
    for k in range(draws):
        by_hand = analyze(perturbed_by_hand(variant, z[k]))
        for name in ("nash", "kalai_smorodinsky"):
            expected = by_hand.outcome(name)
            drawn = getattr(result, name)[k]
            if expected is None:
                assert np.isnan(drawn).all()
            else:
                np.testing.assert_allclose(drawn, expected, rtol=0, atol=1e-9)
    assert uncertainty(variant, draws, seed).nash is None  # not solved unless asked for


@settings(max_examples=30, deadline=None)
@given(scenarios_with_concessions(), st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_probabilities_are_chances(scenario, seed, draws):
    result = uncertainty(scenario, draws, seed)
    data = result.to_dict()
    overall = data["overall"]
    for name in ("p_no_deadlock", "p_package_zopa"):
        p = overall[name]
        assert 0.0 <= p <= 1.0 and (p * draws) == pytest.approx(round(p * draws))
        assert overall[f"{name}_se"] == pytest.approx(math.sqrt(p * (1 - p) / draws))
        low, high = overall[f"{name}_ci95"]
        assert 0.0 <= low <= p <= high <= 1.0
    # a package ZOPA needs every issue open
    assert overall["p_package_zopa"] <= overall["p_no_deadlock"]
    for issue, p_zone in zip(data["issues"], result.p_zone):
        assert 0.0 <= issue["p_zone"] <= 1.0 and issue["p_zone"] == p_zone
        assert overall["p_no_deadlock"] <= issue["p_zone"]
        assert issue["p_zone_se"] == pytest.approx(math.sqrt(p_zone * (1 - p_zone) / draws))


# -- what a reader gets -------------------------------------------------------------------------

def test_json_keys_and_values():
    result = uncertainty(load(SEED).with_concessions(README_DEAL), 400, 9)
    data = json.loads(FORMATS["json"](result))
    assert data["draws"] == 400 and data["seed"] == 9
    assert data["scenario"]["active_concessions"] == list(result.scenario.active)  # file order
    assert set(data["scenario"]["active_concessions"]) == set(README_DEAL)
    overall = data["overall"]
    for name in ("p_no_deadlock", "p_package_zopa"):
        assert isinstance(overall[name], float)
        assert isinstance(overall[f"{name}_se"], float)
        assert len(overall[f"{name}_ci95"]) == 2
    assert set(overall["agreement_gap"]) == {"mean", "p10", "p50", "p90"}
    assert set(overall["package_surplus"]) >= {"p10", "p50", "p90"}
    surplus = result.figures.package_surplus
    assert overall["package_surplus"]["p50"] == pytest.approx(float(np.median(surplus[np.isfinite(surplus)])))
    assert overall["agreement_gap"]["mean"] == pytest.approx(result.figures.agreement_gap.mean())
    assert overall["p_package_zopa"] == result.p_package_zopa
    assert [i["id"] for i in data["issues"]] == [i.id for i in result.scenario.issues]
    for k, issue in enumerate(data["issues"]):
        assert isinstance(issue["p_zone"], float) and isinstance(issue["p_zone_se"], float)
        assert issue["redline_gap"]["mean"] == pytest.approx(result.figures.redline_gap[:, k].mean())
        assert set(issue["compromise"]) >= {"p10", "p50", "p90"}
        assert issue["compromise"]["p10"] <= issue["compromise"]["p50"] <= issue["compromise"]["p90"]


def test_package_surplus_is_null_when_every_draw_is_deadlocked():
    # the seed's baseline red-line gaps (40, 40, 25, 20 points) are far wider than its uncertainties
    data = uncertainty(load(SEED), 200, 0).to_dict()
    assert data["overall"]["p_no_deadlock"] == 0.0
    assert data["overall"]["package_surplus"] == {"p10": None, "p50": None, "p90": None}
    assert data["overall"]["p_package_zopa_ci95"][0] == 0.0


def test_textbook_without_uncertainty_is_certain():
    result = uncertainty(load(TEXTBOOK), 50, 0)
    data = result.to_dict()
    assert data["overall"]["p_package_zopa"] == 1.0 and data["overall"]["p_package_zopa_se"] == 0.0
    assert data["overall"]["package_surplus"] == pytest.approx({"p10": 0.2, "p50": 0.2, "p90": 0.2})
    # compromise 12.5, 87.5, 50 on every draw (see test_stacked)
    assert [i["compromise"]["p50"] for i in data["issues"]] == pytest.approx([12.5, 87.5, 50.0])


def test_text_and_markdown_reports():
    result = uncertainty(load(SEED).with_concessions(README_DEAL), 200, 1)
    text = FORMATS["text"](result)
    assert "200 draws" in text and "seed 1" in text and "Chance of a package ZOPA" in text
    p = result.p_package_zopa
    assert f"{100 * p:.1f} %" in text
    markdown = FORMATS["markdown"](result)
    assert markdown.startswith("# ") and "| issue | chance of a zone |" in markdown


def test_exported_from_the_package():
    assert explorer.uncertainty is uncertainty
