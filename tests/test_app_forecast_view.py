"""The forecast panel's figure and note: what is drawn, its hover texts, its units."""

from __future__ import annotations

import numpy as np
import pytest

import explorer
from explorer.app.figures.forecast import figure as forecast_figure, scale_text, spread_html
from explorer.app.palette import party_colours
from explorer.dynamics.forecast import forecast
from tests.test_cli import SEED
from tests.test_dynamics_forecast import imported


@pytest.fixture(scope="module")
def seed_forecast():
    return forecast(explorer.load(SEED), "bdm", rounds=10)


def test_one_line_per_party_holding_the_issue_and_the_two_summaries(seed_forecast):
    result = seed_forecast
    for k, issue in enumerate(result.scenario.issues):
        figure = forecast_figure(result, k)
        holders = [p for p in result.scenario.parties if result.scenario.stance(p.id, issue.id) is not None]
        parties = [t for t in figure["data"] if t["mode"] == "lines+markers"]
        assert [t["name"] for t in parties] == [p.name for p in holders]
        colours = party_colours(result.inputs.party_ids)
        for trace, party in zip(parties, holders):
            a = result.inputs.party_ids.index(party.id)
            assert trace["line"]["color"] == colours[party.id]
            np.testing.assert_array_equal(trace["y"], result.position[:, a, k])
        summaries = {t["name"]: t for t in figure["data"] if t["mode"] == "lines"}
        np.testing.assert_array_equal(summaries["Weighted median"]["y"], result.median[:, k])
        np.testing.assert_array_equal(summaries["Weighted mean"]["y"], result.mean[:, k])
        assert figure["layout"]["xaxis"]["title"]["text"] == "round (0 = the coded positions)"


def test_hover_says_who_moved_whom(seed_forecast):
    result = seed_forecast
    r, a, k = (int(v) for v in np.argwhere(result.mover >= 0)[0])
    figure = forecast_figure(result, k)
    name = next(p.name for p in result.scenario.parties if p.id == result.inputs.party_ids[a])
    trace = next(t for t in figure["data"] if t["name"] == name)
    mover = next(p.name for p in result.scenario.parties if p.id == result.inputs.party_ids[result.mover[r, a, k]])
    assert trace["customdata"][r + 1][0] == f"moved by a {result.how[r, a, k]} offer from {mover}"
    still = [int(q) for q in np.nonzero(result.mover[:, a, k] < 0)[0]]
    assert all(trace["customdata"][q + 1][0] == "did not move" for q in still)
    assert trace["customdata"][0][0].startswith("start")


def test_the_spread_is_drawn_and_said_only_once_computed(seed_forecast):
    result = seed_forecast
    assert not any("percentile" in t["name"] for t in forecast_figure(result, 0)["data"])
    spread = {"issue": result.inputs.issue_ids[0], "p10": 20.0, "p50": 30.0, "p90": 45.0}
    bar = next(t for t in forecast_figure(result, 0, spread)["data"] if "percentile" in t["name"])
    assert bar["y"] == [30.0] and bar["error_y"]["array"] == [15.0] and bar["error_y"]["arrayminus"] == [10.0]
    note = spread_html(result, 0, spread, 1000)
    assert "between <b>20.0</b> and <b>45.0</b>" in note and "1,000 times" in note
    assert "being computed" in spread_html(result, 0, None, 1000, pending=True)
    assert "being computed" not in spread_html(result, 0, None, 1000)


def test_an_imported_scale_is_drawn_in_its_own_units():
    result = forecast(imported("emission_standards_1994_bdm.csv"), "bdm", rounds=3)
    figure = forecast_figure(result, 0)
    assert figure["layout"]["yaxis"]["range"][0] < 4 < 10 < figure["layout"]["yaxis"]["range"][1]
    assert scale_text(result, 0) == "4 on the original scale; 10 on the original scale"
    assert "7.00" in spread_html(result, 0, None, 0)  # the median starts at 7 years


def test_exchange_hover_names_the_partner_and_its_issue():
    result = forecast(imported("cop21_decide.csv"), "exchange", rounds=2)
    r, a, k = (int(v) for v in np.argwhere(result.mover >= 0)[0])
    text = result.moved(r + 1, a, k)
    partner = next(p.name for p in result.scenario.parties if p.id == result.inputs.party_ids[result.mover[r, a, k]])
    assert text.startswith(f"exchange with {partner}, who gave way on ")
    assert "Exchanges per round" in spread_html(result, k, None, 0)
