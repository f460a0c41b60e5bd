"""What each panel draws: plain plotly figure dicts that follow the analysis."""

import numpy as np
import plotly.graph_objects as go
import pytest

from explorer import analyze, load
from explorer.app import figures
from explorer.app.figures import distance, issue_map, layout, redline_gap, utility
from explorer.app.palette import CURRENT, OKABE_ITO, party_colours
from tests.conftest import DEAL, SEED, TEXTBOOK



@pytest.fixture(scope="module")
def base():
    return analyze(load(SEED))


@pytest.fixture(scope="module")
def deal():
    return analyze(load(SEED).with_concessions(DEAL))


def traces(spec, name_start):
    return [t for t in spec["data"] if t.get("name", "").startswith(name_start)]


def test_every_panel_is_a_valid_plotly_figure(base, deal):
    for analysis in (base, deal):
        specs = figures.panel_specs(analysis, base, "nash" if analysis is deal else "compromise")
        assert list(specs) == list(figures.PANELS)
        for spec in specs.values():
            go.Figure(spec)  # plotly validates every property; raises on a wrong one


def test_gap_panel_follows_the_analysis_with_issue_names(base, deal):
    before = redline_gap.figure(base, base)
    after = redline_gap.figure(deal, base)
    assert before["data"][1]["x"] == base.gaps.redline_gap.tolist()
    assert after["data"][1]["x"] == [0.0] * 7
    assert after["data"][0] == before["data"][0]  # the baseline bars do not move
    names = [i.name for i in base.scenario.issues]
    assert [y.replace("<br>", " ") for y in after["data"][0]["y"]] == names
    assert after["data"][1]["marker"]["color"] == CURRENT not in OKABE_ITO
    assert "Now no issue has a red-line gap" in after["layout"]["annotations"][0]["text"]


def test_gap_panel_says_so_when_no_issue_ever_had_a_gap():
    textbook = analyze(load(TEXTBOOK))
    spec = redline_gap.figure(textbook, textbook)
    assert spec["data"] == [] and "No issue has a red-line gap" in spec["layout"]["annotations"][0]["text"]
    assert spec["layout"]["xaxis"]["visible"] is False


def test_issue_map_zones_gaps_outcomes_and_scales(base, deal):
    before, after = issue_map.figure(base), issue_map.figure(deal)
    assert before["data"][1]["x"] and not after["data"][1]["x"]  # gaps gone, zones everywhere
    assert traces(before, "Predicted: Nash")[0]["x"] == []
    assert "none yet" in traces(before, "Predicted: Nash")[0]["name"]
    assert traces(after, "Predicted: Nash")[0]["x"] == deal.nash.package.tolist()
    ks = traces(after, "Predicted: Kalai")[0]
    assert ks["x"] == deal.kalai_smorodinsky.package.tolist() and ks.get("visible", True) is True
    texts = [a["text"].replace("<br>", " ") for a in before["layout"]["annotations"]]
    for issue in base.scenario.issues:
        assert f"0 = {issue.low}" in texts and f"{issue.high} = 100" in texts
    ticks = traces(before, "Labelled point")[0]
    assert len(ticks["x"]) == sum(len(i.points) for i in base.scenario.issues)
    assert before["layout"]["showlegend"] is False  # the legend is HTML: plotly would redraw it on every change


def test_issue_map_legend_names_every_mark(base, deal):
    legend = [item["label"] for item in issue_map.legend(base)]
    assert "Dot = ideal position, line = acceptable range" in legend
    assert "Russia (veto)" in legend and "Europe (EU and European NATO members) (no veto)" in legend
    assert "Predicted: Kalai–Smorodinsky package: none yet (needs a package ZOPA)" in legend
    after = [item["label"] for item in issue_map.legend(deal)]
    assert "Predicted: Kalai–Smorodinsky package" in after
    named = {t["name"] for t in issue_map.figure(deal)["data"]}
    assert all(label in named for label in after if label.startswith(("Predicted", "Russia", "Zone", "Red-line")))


def test_hover_carries_the_quote_or_note(base):
    spec = issue_map.figure(base)
    russia = traces(spec, "Russia (veto)")[0]["customdata"]
    kinds = {row[4] for row in russia}
    assert kinds <= {"Quoted", "Assumption"} and "Quoted" in kinds
    stance = load(SEED).stance("russia", "nato")
    assert stance.quote[:20] in russia[0][5].replace("<br>", " ")


def test_utility_panel_shows_veto_parties_at_the_package(deal):
    spec = utility.figure(deal, "nash")
    veto = np.nonzero(deal.arrays.veto)[0]
    assert spec["data"][0]["y"] == deal.utilities_at(deal.nash.package)[veto].tolist()
    assert spec["data"][1]["y"] == deal.arrays.reservation[veto].tolist()
    assert len(spec["data"][0]["x"]) == 3  # Europe is not a veto party


def test_distance_cells_show_their_values_and_full_names(base):
    spec = distance.figure(base)
    heat = spec["data"][0]
    assert heat["texttemplate"] == "%{z:.0f}"
    assert heat["z"] == [[None if np.isnan(v) else v for v in row] for row in base.distance_matrix.tolist()]
    assert all("…" not in label for label in heat["x"])
    assert heat["x"][3].replace("<br>", " ") == base.scenario.parties[3].name


def test_wrap_never_cuts():
    text = "Europe (EU and European NATO members)"
    assert layout.wrap(text, 14).replace("<br>", " ") == text


def test_one_colour_per_party_colour_blind_safe():
    colours = party_colours(["a", "b", "c", "d"])
    assert len(set(colours.values())) == 4 and set(colours.values()) <= set(OKABE_ITO)
