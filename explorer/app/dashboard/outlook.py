"""The outlook section: how sure we are (the chance of a deal), and what it would take (the cheapest deals).

Both are drawn in the background (:class:`~explorer.app.dashboard.background.Background`): the
chance of a deal from the Monte Carlo of the concessions switched on, the deals from a search of
every set of concessions (once per scenario). A click on a deal's point switches exactly its
concessions on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import ipywidgets as w

from explorer.app import state as live
from explorer.app.dashboard.background import Background, Work
from explorer.app.dashboard.parts import StateOf, head_html, make_panels
from explorer.app.figures import chance as chance_panel, deals as deals_panel
from explorer.app.panels import PanelBoard
from explorer.app.state import Exploration

PANELS = ("chance", "deals")
log = logging.getLogger(__name__)


def party_names(state: Exploration | None) -> dict[str, str]:
    """Each party's name by its id (none without a state)."""
    return {p.id: p.name for p in state.baseline.parties} if state else {}


class OutlookSection:
    """The chance card, the chance and deals panels, and the list of deals.

    Parameters
    ----------
    state
        Returns the dashboard's state.
    background
        Runs the deal search.
    changed
        Called after a click on a deal changed the state (the dashboard redraws).

    Attributes
    ----------
    children : list of ipywidgets.Widget
        The section's part of the main column, in page order.
    """

    def __init__(self, state: StateOf, background: Background, changed: Callable[[], None]):
        self.state, self.background, self.changed = state, background, changed
        self.panels = make_panels(PANELS)
        self.panels["deals"].legend = deals_panel.legend()
        self.outlook_board = PanelBoard(list(self.panels.values()), layout=w.Layout(width="100%"))
        self.chance_card = w.HTML(chance_panel.card_html(None, None))
        self.deals_list = w.HTML()
        self.children = [w.HTML(head_html(*chance_panel.HEAD)), self.chance_card, self.outlook_board,
                         self.deals_list]
        self.outlook_board.on_click(self.on_click)

    def guarded(self, work: Work, generation: int) -> None:
        """Run background ``work``; a failure says so on the card, and the rest keeps working."""
        try:
            work(generation)
        except Exception as error:  # noqa: BLE001 - shown to the viewer, logged for the operator
            log.exception("dashboard: the chance of a deal could not be computed")
            self.chance_card.value = chance_panel.card_html(None, None, failed=type(error).__name__)

    def draw_chance(self, state: Exploration) -> None:
        """The chance card and panel: the Monte Carlo of the set switched on, against the start's."""
        now, start = state.uncertainty_for(state.active), state.uncertainty_for(())
        self.panels["chance"].update(chance_panel.figure(now, start))
        self.chance_card.value = chance_panel.card_html(now, start)

    def update_deals(self, state: Exploration, generation: int) -> None:
        """The deals panel and list: redrawn at once if searched already, else searched in the background."""
        if "deals" in vars(state):  # already searched: cheap to redraw the star
            self.draw_deals(state)
        else:
            self.panels["deals"].update(deals_panel.figure(None, state.costs(state.active), party_names(state)))
            self.deals_list.value = deals_panel.list_html(None, {})
            self.background.later(self.search_deals, generation)

    def search_deals(self, generation: int) -> None:
        """Search the deals and draw them (even if superseded: the search does not depend on the toggles)."""
        state = self.state()
        if state is not None:
            self.draw_deals(state)

    def draw_deals(self, state: Exploration) -> None:
        """The deals panel (with the star of the set switched on) and the list, from the search."""
        names = party_names(state)
        found = state.deals
        self.panels["deals"].update(deals_panel.figure(found, state.costs(state.active), names, searching=False,
                                                       limit=live.LIVE_SEARCH_CONCESSIONS))
        self.deals_list.value = deals_panel.list_html(found, names, searching=False,
                                                      limit=live.LIVE_SEARCH_CONCESSIONS)

    def on_click(self, key: str, points: list[dict]) -> None:
        """A click on a panel's points (as the board hands it on): one on a deal's point switches
        exactly its concessions on; anything else changes nothing."""
        state = self.state()
        if key != "deals" or state is None or vars(state).get("deals") is None:
            return
        for point in points:
            number = point.get("customdata")
            number = number[0] if isinstance(number, list) and number else number
            if isinstance(number, int) and not isinstance(number, bool):
                self.apply_deal(number)
                return

    def apply_deal(self, number: int) -> None:
        """Switch exactly deal ``number``'s concessions on (numbered from 0 as on the panel, minus one)."""
        state = self.state()
        numbered = deals_panel.numbered(state.deals)
        if 0 <= number < len(numbered):
            state.apply(numbered[number].concessions)
            self.changed()
