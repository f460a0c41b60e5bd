"""The lesson's interactives (explorer/app/teaching.py), driven without a browser."""

import re

import ipywidgets as w
import pytest

import explorer
from explorer.montecarlo.results import wilson_interval
from explorer.app import teaching
from explorer.model.transforms import with_stance, with_uncertainty
from tests.conftest import DEAL




class Controls:
    """The playground's parts: spread slider, red-line sliders, concession boxes, readout."""

    def __init__(self, widget: w.VBox):
        self.widget = widget
        self.spread = widget.children[0]
        self.red_lines = [c for c in widget.children if isinstance(c, w.FloatRangeSlider)]
        self.boxes = {b.description: b for c in widget.children if isinstance(c, w.VBox) for b in c.children}
        self.readout = widget.children[-2]
        self.plot = widget.children[-1]

    @property
    def chance(self) -> float | None:
        """The chance of a deal shown, in percent (None when none is shown)."""
        found = re.search(r"Chance of a deal[^<]*<b>([\d.]+) %</b>", self.readout.value)
        return float(found.group(1)) if found else None


def narrow(scenario, union=(30.0, 100.0), management=(0.0, 40.0)):
    """The textbook case with red lines on wages that leave a zone of 10 points (or none)."""
    return with_stance(with_stance(scenario, "union", "wages", acceptable=union), "management", "wages",
                       acceptable=management)


def test_it_builds_with_a_common_sigma_when_the_file_codes_none(case):
    assert {s.uncertainty for s in case.stances} == {0.0}
    ui = Controls(teaching.certainty_playground(case, "wages"))
    assert ui.spread.description == "σ (points)" and ui.spread.value == 0
    assert [s.value for s in ui.red_lines] == [(0, 100), (0, 100)]
    assert set(ui.boxes) == {c.title for c in case.concessions}
    assert ui.chance == 100.0 and "as coded, with no uncertainty: a deal" in ui.readout.value


def test_moving_the_slider_changes_the_readout_to_what_uncertainty_computes(case):
    ui = Controls(teaching.certainty_playground(case, "wages"))
    ui.red_lines[0].value, ui.red_lines[1].value = (30, 100), (0, 40)
    assert ui.chance == 100.0
    before = ui.readout.value
    ui.spread.value = 10
    assert ui.readout.value != before
    drawn = explorer.uncertainty(with_uncertainty(narrow(case), sigma=10), draws=2_000, seed=0)
    assert 0 < drawn.p_package_zopa < 1
    assert ui.chance == round(100 * drawn.p_package_zopa, 1)
    low, high = wilson_interval(drawn.p_package_zopa, 2_000)
    assert f"95 % interval {100 * low:.1f} %–{100 * high:.1f} %" in ui.readout.value


def test_the_zone_on_wages_survives_as_often_as_the_hand_calculation_says(case):
    """δ_union − δ_management ~ N(0, σ√2); a zone 10 points wide survives while it is ≤ 10."""
    drawn = explorer.uncertainty(with_uncertainty(narrow(case), sigma=10), draws=2_000, seed=0)
    assert abs(drawn.p_zone[0] - 0.760) < 3 * drawn.issues["p_zone_se"].iloc[0]
    assert list(drawn.p_zone[1:]) == [1.0, 1.0]  # red lines at the scale's ends never move


@pytest.mark.parametrize(("red_lines", "concessions"), [
    (None, []),
    (None, ["Union moderates its wage demand", "Management offers a shorter-week pilot"]),
    (((30, 100), (0, 40)), []),
    (((60, 100), (0, 40)), []),  # a red-line gap: deadlock, no deal
])
def test_no_uncertainty_gives_certainty_matching_analyze(case, red_lines, concessions):
    ui = Controls(teaching.certainty_playground(case, "wages"))
    ui.spread.value = 12
    scenario = case
    if red_lines:
        ui.red_lines[0].value, ui.red_lines[1].value = red_lines
        scenario = narrow(case, *(tuple(map(float, r)) for r in red_lines))
    ids = {c.title: c.id for c in case.concessions}
    for title in concessions:
        ui.boxes[title].value = True
    ui.spread.value = 0
    expected = explorer.analyze(scenario.with_concessions([ids[t] for t in concessions])).package_zopa
    assert ui.chance == (100.0 if expected else 0.0)
    assert f"as coded, with no uncertainty: {'a deal' if expected else 'no deal'}" in ui.readout.value


@pytest.mark.parametrize("deal", [False, True], ids=["baseline", "deal"])
def test_coded_uncertainty_is_scaled_and_times_zero_matches_analyze(seed, deal):
    ui = Controls(teaching.certainty_playground(seed))
    assert ui.spread.description == "uncertainty ×" and ui.spread.value == 1 and ui.red_lines == []
    titles = {c.id: c.title for c in seed.concessions}
    for cid in DEAL if deal else []:
        ui.boxes[titles[cid]].value = True
    scenario = seed.with_concessions(DEAL if deal else [])
    assert ui.chance == round(100 * explorer.uncertainty(scenario, draws=2_000, seed=0).p_package_zopa, 1)
    ui.spread.value = 0
    assert ui.chance == (100.0 if explorer.analyze(scenario).package_zopa else 0.0) == (100.0 if deal else 0.0)


def test_a_concession_waits_for_the_one_it_requires(case):
    ui = Controls(teaching.certainty_playground(case))
    pilot, wages = ui.boxes["Management offers a shorter-week pilot"], ui.boxes["Union moderates its wage demand"]
    assert pilot.disabled and not wages.disabled
    wages.value = True
    assert not pilot.disabled
    pilot.value = True
    wages.value = False  # the pilot stays checked but off, and the readout says why
    assert "stays off: Needs “Union moderates its wage demand” switched on first." in ui.readout.value
    assert ui.chance == 100.0


def test_red_lines_that_exclude_an_ideal_or_a_concession_are_explained(case):
    ui = Controls(teaching.certainty_playground(case, "wages"))
    ui.red_lines[0].value = (30, 90)
    assert ui.chance is None and "Union's red lines must contain its ideal position (100)" in ui.readout.value
    ui.red_lines[0].value = (70, 100)
    assert ui.chance is None
    assert "no room for the concession “Union moderates its wage demand”" in ui.readout.value
    ui.red_lines[0].value = (0, 100)
    assert ui.chance == 100.0


def test_an_unknown_issue_is_refused(case):
    with pytest.raises(ValueError, match="no issue 'pay'"):
        teaching.certainty_playground(case, "pay")


@pytest.mark.parametrize("build", [
    teaching.utility_playground, teaching.split_or_trade, teaching.predictions_playground,
    lambda case: teaching.zone_playground(case, "wages"),
], ids=["utility", "split-or-trade", "predictions", "zone"])
def test_the_other_interactives_build(case, build):
    assert isinstance(build(case), w.VBox)
