"""The "what to check first" panel: its figure and the dashboard section that follows the toggles."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

import explorer
from explorer.app.dashboard import Dashboard
from explorer.app.figures import panel_text, sensitivity as panel
from explorer.app.state import SENSITIVITY_SAMPLES, Exploration
from tests.conftest import DEAL, SEED


@pytest.fixture(scope="module")
def opened():
    return explorer.sensitivity(explorer.load(SEED).with_concessions(DEAL), "sobol", draws=256)


def test_bars_are_the_top_total_indices_in_percent_largest_first(opened):
    spec = panel.figure(opened, "deal")
    go.Figure(spec)  # valid plotly
    column = opened.target("deal")
    shown = sorted(((x, y) for trace in spec["data"] for x, y in zip(trace["x"], trace["y"])), reverse=True)
    top = opened.ranking(column)[:panel.TOP]
    assert [round(x, 9) for x, _ in shown] == [round(100 * opened.indices.total[k, column], 9) for k in top]
    order = spec["layout"]["yaxis"]["categoryarray"]
    assert order == [y for _, y in shown] or sorted(order) == sorted(y for _, y in shown)
    assert all(label.endswith(("(quoted)", "(assumption)")) for label in order)
    assert "%" in spec["layout"]["xaxis"]["title"]["text"] and "Sobol" in spec["layout"]["xaxis"]["title"]["text"]


def test_quoted_and_assumed_stances_have_their_colour_and_hover_shows_the_quote(opened):
    spec = panel.figure(opened, "deal", top=28)
    by_name = {trace["name"]: trace for trace in spec["data"]}
    assert by_name["quoted from a source"]["marker"]["color"] == panel.QUOTED
    assert by_name["a coder's assumption"]["marker"]["color"] == panel.ASSUMED
    quoted = by_name["quoted from a source"]["customdata"][0]
    assert quoted[5].startswith("“")  # the quote itself
    assumed = by_name["a coder's assumption"]["customdata"][0]
    assert assumed[5] and not assumed[5].startswith("“")  # the assumption's reasoning
    factors = {f.label: f for f in opened.factors}
    assert factors[quoted[0]].kind == "quoted" and factors[assumed[0]].kind == "assumption"


def test_a_figure_that_does_not_vary_says_so_instead_of_bars():
    start = explorer.sensitivity(explorer.load(SEED), "sobol", draws=64)
    spec = panel.figure(start, "deal")
    assert spec["data"] == []
    words = spec["layout"]["annotations"][0]["text"]
    assert "does not vary" in words and "0 %" in words
    assert panel.figure(start, "agreement_gap")["data"]  # the gap does vary at the start


def test_the_dashboard_panel_follows_the_toggles_and_the_picker():
    dashboard = Dashboard()
    dashboard.run_background()
    board = dashboard.panels["sensitivity"]
    assert board.spec["data"] == [] and "does not vary" in board.spec["layout"]["annotations"][0]["text"]
    assert dashboard.sensitivity_target.value == "deal"
    for cid in DEAL:
        dashboard.set_concession(cid, True)
    dashboard.run_background()
    opened = board.spec
    assert opened["data"], "the chance of a deal varies with these concessions on"
    state: Exploration = dashboard.state
    expected = panel.figure(state.sensitivity_for(state.active), "deal")
    assert [t["x"] for t in opened["data"]] == [t["x"] for t in expected["data"]]
    dashboard.sensitivity_target.value = "compromise/territory"
    assert board.spec["data"] and board.spec != opened
    assert board.spec == panel.figure(state.sensitivity_for(state.active), "compromise/territory")
    assert state.sensitivity_computed(state.active).draws == SENSITIVITY_SAMPLES
    dashboard.reset()
    dashboard.run_background()
    assert dashboard.sensitivity_target.value == "compromise/territory"  # the pick is kept
    assert board.spec == panel.figure(state.sensitivity_for(()), "compromise/territory")
    dashboard.sensitivity_target.value = "deal"
    assert board.spec["data"] == []  # at the start the chance of a deal does not vary


def test_the_help_line_names_the_panels_own_design():
    title, help_line = panel_text("sensitivity")
    assert title == panel.TITLE
    assert f"{SENSITIVITY_SAMPLES:,} base samples" in help_line and "quoted" in help_line.lower()
