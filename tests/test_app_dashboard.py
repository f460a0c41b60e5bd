"""The widget app in plain Python: toggles change panels and figures; reset restores; bad files show."""

import html as html_lib
import re
import shutil

import numpy as np
import pytest

from explorer.app.dashboard import Dashboard
from tests.conftest import SCENARIOS
from tests.page_messages import page_sends


def text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def specs(dash: Dashboard) -> dict:
    return {key: panel.spec for key, panel in dash.panels.items()}


@pytest.fixture
def dash():
    return Dashboard(SCENARIOS, start="russia_ukraine_talks.yaml")


def test_toggle_changes_panels_and_key_figures_and_reset_restores(dash):
    before, figures_before = specs(dash), dash.key_figures.value
    panels = dict(dash.panels)
    dash.set_concession("ukraine-line-freeze", True)
    after = specs(dash)
    assert after["redline_gap"] != before["redline_gap"] and after["issue_map"] != before["issue_map"]
    assert "since the start" in text(dash.key_figures.value)
    assert text(dash.key_figures.value) != text(figures_before)
    assert "Ukraine: 4.9 % of its stakes" in text(dash.key_figures.value)
    assert dash.panels == panels and all(dash.panels[k] is panels[k] for k in panels)  # updated in place
    dash.set_concession("russia-line-freeze", True)
    dash.reset()
    assert specs(dash) == before
    assert dash.key_figures.value == figures_before
    assert dash.concessions.active == []


def test_only_panels_whose_figure_changed_are_sent(dash, monkeypatch):
    """Europe is no veto party: its concession moves positions, never the veto parties' red lines, so
    the gaps and every chance stay; its cost moves the star on the deals panel."""
    sent = []
    for key, panel in dash.panels.items():
        monkeypatch.setattr(panel.comm, "send", lambda data=None, buffers=None, key=key, **kw: sent.append(key))
    dash.set_concession("europe-security-guarantees", True)
    # Europe gains clout on NATO, the issue the forecast shows: the forecast is sent, then again with its spread
    assert sorted(sent) == ["deals", "distance", "forecast", "forecast", "issue_map", "utility"]
    sent.clear()
    dash.set_concession("ukraine-line-freeze", True)
    assert "redline_gap" in sent


def test_blocked_concessions_name_the_other_by_title(dash):
    assert dash.concessions.blocked["us-phased-relief"] == (
        "Needs “Russia accepts a phased comprehensive ceasefire” switched on first.")
    dash.set_concession("russia-comprehensive-ceasefire", True)
    assert "us-phased-relief" not in dash.concessions.blocked
    dash.set_concession("us-delays-sanctions", True)
    assert dash.concessions.blocked["us-phased-relief"] == (
        "Cannot be combined with “US delays fresh sanctions while talks progress”, which is on.")


def test_a_page_cannot_switch_on_a_blocked_or_unknown_concession(dash):
    dash.concessions.active = ["us-phased-relief", "no-such-id"]
    assert dash.state.active == () and dash.concessions.active == []


def test_party_buttons(dash):
    page_sends(dash.concessions, {"event": "party", "party": "russia", "on": True})
    assert set(dash.state.active) == {c.id for c in dash.state.baseline.concessions
                                      if c.party == "russia" and not c.requires}
    page_sends(dash.concessions, {"event": "party", "party": "russia", "on": False})
    assert dash.state.active == ()
    page_sends(dash.concessions, {"event": "party", "party": "../etc", "on": True})
    assert dash.state.active == ()


def test_package_shown_is_said_in_one_place_consistent_with_the_picker(dash):
    assert dash.outcome_picker.value == "nash"
    status = text(dash.package_status.value)
    assert status.startswith("Showing the Compromise (weighted mean, per issue) instead: a Nash bargaining package")
    assert "4 issues are deadlocked" in status
    assert "At the Compromise" in dash.panels["utility"].title
    for cid in ["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
                "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda",
                "russia-drops-preconditions"]:
        dash.set_concession(cid, True)
    assert text(dash.package_status.value).startswith("Showing the Nash bargaining package :")
    assert "At the Nash bargaining package" in dash.panels["utility"].title
    dash.outcome_picker.value = "kalai_smorodinsky"
    assert "Kalai–Smorodinsky" in dash.panels["utility"].title
    assert "Europe (EU and European NATO members) cannot block one" in dash.panels["utility"].help


def test_scale_guide_lists_every_issue_with_both_ends_and_points(dash):
    guide = text(dash.scale_guide.value)
    for issue in dash.state.baseline.issues:
        assert issue.low in guide and issue.high in guide
        assert all(p.label in guide for p in issue.points)


def test_invalid_scenario_shows_its_message_and_the_rest_keeps_working(tmp_path):
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path)
    (tmp_path / "broken.yaml").write_text("id: x\ntitle: [unclosed\n")
    dash = Dashboard(tmp_path)
    labels = [label for label, _ in dash.picker.options]
    assert any("broken.yaml" in label and "invalid" in label for label in labels)
    broken = next(k for label, k in dash.picker.options if "broken" in label)
    good = next(k for label, k in dash.picker.options if "broken" not in label)
    dash.picker.value = broken
    assert "broken.yaml" in dash.error.value and "invalid YAML" in dash.error.value
    assert str(tmp_path) not in dash.error.value
    assert dash.body.layout.display == "none"
    dash.picker.value = good
    assert dash.error.value == "" and dash.body.layout.display == "flex"
    dash.set_concession("union-moderates-wages", True)
    assert "union-moderates-wages" in dash.state.active


def test_switching_scenario_reuses_the_panels(dash):
    panels = dict(dash.panels)
    other = next(k for label, k in dash.picker.options if "logrolling" in label)
    dash.picker.value = other
    assert all(dash.panels[k] is panels[k] for k in panels)
    assert "Wage increase" in dash.panels["issue_map"].spec["layout"]["yaxis"]["ticktext"]


def test_a_file_saved_after_the_kernel_started_appears_when_a_page_shows_it(tmp_path):
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path)
    dash = Dashboard(tmp_path)
    dash.set_concession("union-moderates-wages", True)
    shutil.copy(SCENARIOS / "russia_ukraine_talks.yaml", tmp_path / "new.yaml")
    page_sends(dash.board, {"event": "shown"})  # what the page sends once drawn
    assert any("new.yaml" in label for label, _ in dash.picker.options)
    assert dash.state.active == ("union-moderates-wages",)  # the viewer's state is kept


def test_only_files_in_the_folder_are_listed(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path / "sub")
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path)
    (tmp_path / "notes.txt").write_text("not a scenario")
    dash = Dashboard(tmp_path, start="../sub/logrolling_textbook.yaml")
    assert [e.path.name for e in dash.entries] == ["logrolling_textbook.yaml"]
    assert all(e.path.parent == tmp_path.resolve() for e in dash.entries)


def test_clicking_a_deal_point_switches_exactly_its_concessions_on(dash):
    found = dash.state.deals
    dash.set_concession("us-delays-sanctions", True)  # not part of the cheapest deal: switched off by it
    dash.outlook.on_click("deals", [{"curve": 0, "point": 0, "customdata": [0]}])
    assert set(dash.state.active) == set(found.deals[0].concessions)
    assert sorted(dash.concessions.active) == sorted(found.deals[0].concessions)
    chance = dash.state.uncertainty_for(dash.state.active).p_package_zopa
    assert f"{100 * chance:.1f} %" in text(dash.chance_card.value)


@pytest.mark.parametrize("customdata", [None, ["0"], [True], [99], [-1], "x", [[0]]])
def test_a_click_that_names_no_deal_changes_nothing(dash, customdata):
    before = dash.state.active
    dash.outlook.on_click("deals", [{"curve": 0, "point": 0, "customdata": customdata}])
    dash.outlook.on_click("chance", [{"curve": 0, "point": 0, "customdata": [0]}])
    assert dash.state.active == before


def test_a_file_with_too_many_concessions_is_not_searched_live(tmp_path, monkeypatch):
    from explorer.app import state

    shutil.copy(SCENARIOS / "russia_ukraine_talks.yaml", tmp_path)
    monkeypatch.setattr(state, "LIVE_SEARCH_CONCESSIONS", 10)
    board = Dashboard(tmp_path)
    assert board.state.deals is None
    assert "explorer search" in text(board.deals_list.value) and "more than 10" in text(board.deals_list.value)
    board.outlook.on_click("deals", [{"curve": 0, "point": 0, "customdata": [0]}])
    assert board.state.active == ()


def test_a_failure_in_the_background_work_is_said_on_the_card(dash, monkeypatch):
    def broken(active):
        raise RuntimeError("no")

    monkeypatch.setattr(dash.state, "uncertainty_for", broken)
    dash.run_background()  # as the kernel's loop runs it
    card = text(dash.chance_card.value)
    assert "could not be computed (RuntimeError)" in card and "figures above are unaffected" in card


# -- how positions might move ---------------------------------------------------------
def test_the_forecast_panel_follows_toggles_model_and_issue(dash):
    first = dash.panels["forecast"].spec
    assert first["data"] and "percentile" in text(dash.forecast_note.value)  # no event loop: the spread ran at once
    dash.set_concession("ukraine-nato-deferral", True)  # moves Ukraine on the first issue (NATO)
    conceded = dash.panels["forecast"].spec
    assert conceded != first
    dash.forecast_model.value = "exchange"
    exchanged = dash.panels["forecast"].spec
    assert exchanged != conceded and "Exchanges per round" in text(dash.forecast_note.value)
    dash.forecast_issue.value = 1
    assert dash.panels["forecast"].spec != exchanged
    assert dash.state.forecast_for(dash.state.active, "exchange").scenario.active == ("ukraine-nato-deferral",)
    dash.reset()
    dash.forecast_model.value, dash.forecast_issue.value = "bdm", 0
    assert dash.panels["forecast"].spec == first


def test_another_scenario_lists_its_own_issues_for_the_forecast(dash):
    seed_issues = [label for label, _ in dash.forecast_issue.options]
    dash.select(next(k for k, e in enumerate(dash.entries) if e.path.name == "logrolling_textbook.yaml"))
    textbook = [label for label, _ in dash.forecast_issue.options]
    assert textbook != seed_issues and textbook == [i.name for i in dash.state.baseline.issues]
    assert dash.forecast_issue.value == 0


def test_a_failure_of_the_forecast_spread_is_said_under_the_panel(dash, monkeypatch):
    dash.forecast_model.value = "exchange"  # not drawn yet for this set and model

    def broken(active, model):
        raise RuntimeError("no")

    monkeypatch.setattr(dash.state, "forecast_spread_step", broken)
    dash.forecast.update_spread(dash.background.generation)
    assert "could not be computed (RuntimeError)" in text(dash.forecast_note.value)


def test_the_forecast_spread_is_drawn_a_part_at_a_time_and_equals_the_whole(dash):
    from explorer.app import state as live
    from explorer.dynamics.forecast import forecast

    state = dash.state
    active = ("ukraine-nato-deferral",)
    steps = 0
    while state.forecast_spread_step(active, "exchange") is None:
        steps += 1
    assert steps == -(-live.FORECAST_DRAWS["exchange"] // live.FORECAST_CHUNK["exchange"]) - 1  # parts − 1
    whole = forecast(state.baseline.with_concessions(active), "exchange", live.FORECAST_ROUNDS,
                     draws=live.FORECAST_DRAWS["exchange"], seed=live.SEED)
    np.testing.assert_array_equal(state.forecast_drawn(active, "exchange").final_median, whole.final_median)
