"""The chance card, chance panel and deals panel: pure builders that follow the Monte Carlo and the search."""

import html as html_lib
import re

import plotly.graph_objects as go
import pytest

import explorer
from explorer.app.figures import chance, deals
from explorer.montecarlo.results import wilson_interval
from tests.conftest import DEAL, SEED, TEXTBOOK

NAMES = {"russia": "Russia", "ukraine": "Ukraine", "us": "United States", "europe": "Europe"}


def text(markup: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip())


@pytest.fixture(scope="module")
def seed():
    return explorer.load(SEED)


@pytest.fixture(scope="module")
def drawn(seed):
    return explorer.uncertainty(seed, draws=2000, seed=3), explorer.uncertainty(seed.with_concessions(DEAL), 2000, 3)


@pytest.fixture(scope="module")
def found(seed):
    return explorer.search(seed, draws=500, alternatives=4)


def test_chance_panel_rows_are_the_issues_then_no_deadlock_then_a_deal(seed, drawn):
    start, now = drawn
    spec = chance.figure(now, start)
    go.Figure(spec)
    baseline_bars, now_bars = spec["data"]
    assert len(now_bars["y"]) == len(seed.issues) + 2
    assert now_bars["y"][-2:] == ["Every issue at once", "A deal (package ZOPA)"]
    assert now_bars["x"] == pytest.approx([100 * p for p in now.p_zone] + [100 * now.p_no_deadlock,
                                                                           100 * now.p_package_zopa])
    assert baseline_bars["x"][-1] == 0  # no deal at the start, in any draw
    low, high = wilson_interval(now.p_package_zopa, now.draws)
    assert now_bars["error_x"]["array"][-1] == pytest.approx(100 * (high - now.p_package_zopa))
    assert now_bars["error_x"]["arrayminus"][-1] == pytest.approx(100 * (now.p_package_zopa - low))


def test_chance_card_gives_value_change_and_interval(drawn):
    start, now = drawn
    card = text(chance.card_html(now, start))
    p = now.p_package_zopa
    low, high = wilson_interval(p, now.draws)
    assert f"{100 * p:.1f} %" in card
    assert f"+{100 * p:.1f} points since the start" in card
    assert f"95 % sure it lies in {100 * low:.1f}–{100 * high:.1f} % (2,000 draws)" in card
    assert "…" in text(chance.card_html(None, None))


def test_deals_panel_points_carry_their_number_costs_and_chance(found):
    spec = deals.figure(found, (0.0, 0.0), NAMES)
    go.Figure(spec)
    cheapest, others = spec["data"]  # no star while nothing is on
    numbered = list(found.deals) + list(found.alternatives)
    assert [c[0] for c in cheapest["customdata"] + others["customdata"]] == list(range(len(numbered)))
    assert cheapest["x"] == pytest.approx([100 * d.total_cost for d in found.deals])
    assert cheapest["y"] == pytest.approx([100 * d.max_party_cost for d in found.deals])
    assert cheapest["marker"]["color"] == pytest.approx([100 * d.p_package_zopa for d in found.deals])
    low, high = cheapest["marker"]["cmin"], cheapest["marker"]["cmax"]
    assert low <= min(100 * d.p_package_zopa for d in numbered) <= max(100 * d.p_package_zopa for d in numbered) <= high
    hover = text(cheapest["hovertext"][0])
    assert "Deal 1" in hover and "Ukraine's stakes" in hover and "click to switch exactly these on" in hover


def test_deals_panel_stars_the_concessions_on_now(found):
    spec = deals.figure(found, (0.2, 0.1), NAMES)
    star = spec["data"][-1]
    assert star["marker"]["symbol"] == "star" and star["x"] == [20.0] and star["y"] == [10.0]


def test_deals_panel_while_searching_with_none_and_with_too_many():
    assert "Searching" in deals.figure(None, (0, 0), {})["layout"]["annotations"][0]["text"]
    too_many = deals.figure(None, (0, 0), {}, searching=False, limit=16)["layout"]["annotations"][0]["text"]
    assert "explorer search" in too_many and "16" in too_many
    empty = explorer.search(explorer.load(TEXTBOOK).with_concessions([]))
    assert empty.deals  # the textbook opens a deal with nothing on: deal 1 is the empty set
    listing = text(deals.list_html(empty, {}))
    assert "Deal 1" in listing


def test_deals_list_names_titles_and_differences_from_deal_1(seed, found):
    listing = text(deals.list_html(found, NAMES))
    assert all(seed.concession(c).title in listing for c in found.deals[0].concessions)
    second = found.alternatives[0]
    extra = [c for c in second.concessions if c not in found.deals[0].concessions]
    assert "Deal 2" in listing and all(f"plus: {seed.concession(c).title}" in listing for c in extra)


def test_the_surest_deal_is_listed_even_when_dearer(seed):
    found = explorer.search(seed, draws=1000, alternatives=11)
    numbered = list(found.deals) + list(found.alternatives)
    surest = max(range(len(numbered)), key=lambda k: (numbered[k].p_package_zopa, -k))
    listing = text(deals.list_html(found, NAMES))
    assert f"Deal {surest + 1}" in listing
    if surest >= deals.LIST_LENGTH:
        assert "the surest deal found" in listing
