"""The figure: one widget, four panels, data that follows the analysis."""

import numpy as np

from explorer import analyze, load
from explorer.app.figures import Layout, build_figure, trace_data
from explorer.app.palette import OKABE_ITO, party_colours
from tests.conftest import SEED

DEAL = ["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
        "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda", "russia-drops-preconditions"]


def test_one_figure_four_panels_fixed_trace_layout():
    base = analyze(load(SEED))
    fig = build_figure(base, base, "compromise")
    layout = Layout(base.arrays.party_ids)
    assert len(fig.data) == layout.count
    axes = {(t.xaxis, t.yaxis) for t in fig.data}
    assert len(axes) == 4
    assert fig.data[layout.distances].type == "heatmap"


def test_trace_data_follows_the_analysis():
    base = analyze(load(SEED))
    deal = analyze(load(SEED).with_concessions(DEAL))
    layout = Layout(base.arrays.party_ids)
    before = trace_data(base, base, "compromise")
    after = trace_data(deal, base, "nash")
    assert before[layout.gap_current]["x"] == base.gaps.redline_gap.tolist()
    assert after[layout.gap_current]["x"] == [0.0] * len(deal.scenario.issues)
    assert after[layout.gap_baseline] == before[layout.gap_baseline]
    assert before[layout.gap]["x"] and not after[layout.gap]["x"]  # gaps gone, zones everywhere
    assert before[layout.outcomes["nash"]]["x"] == []
    assert after[layout.outcomes["nash"]]["x"] == deal.nash.package.tolist()
    veto = np.nonzero(deal.arrays.veto)[0]
    expected = deal.utilities_at(deal.nash.package)[veto]
    assert after[layout.utility]["y"] == expected.tolist()


def test_hover_carries_the_quote_or_note():
    base = analyze(load(SEED))
    layout = Layout(base.arrays.party_ids)
    data = trace_data(base, base, "compromise")
    russia = data[layout.positions[0]]["customdata"]
    kinds = {row[4] for row in russia}
    assert kinds <= {"Quoted", "Assumption"} and "Quoted" in kinds
    stance = load(SEED).stance("russia", "nato")
    assert stance.quote[:20] in russia[0][5].replace("<br>", " ")


def test_one_colour_per_party_colour_blind_safe():
    colours = party_colours(["a", "b", "c", "d"])
    assert len(set(colours.values())) == 4 and set(colours.values()) <= set(OKABE_ITO)
