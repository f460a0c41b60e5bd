"""The forecast section: how positions might move, for the model and issue picked.

The forecast of the concessions switched on is drawn at once; its spread under the coding
uncertainty (the final median over the Monte Carlo's draws) is drawn in the background, a
part at a time (:class:`~explorer.app.dashboard.background.Background`).
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from explorer.app import state as live
from explorer.app.dashboard.background import SPREAD_PAUSE, Background
from explorer.app.dashboard.parts import StateOf, head_html, make_panels, set_options
from explorer.app.figures import forecast as forecast_view
from explorer.app.panels import PanelBoard
from explorer.model.scenario import Scenario

PANELS = ("forecast",)
log = logging.getLogger(__name__)


class ForecastSection:
    """The model and issue pickers, the forecast panel and the note under it.

    Parameters
    ----------
    state
        Returns the dashboard's state.
    background
        Runs the spread's draws.

    Attributes
    ----------
    children : list of ipywidgets.Widget
        The section's part of the main column, in page order.
    """

    def __init__(self, state: StateOf, background: Background):
        self.state, self.background = state, background
        self.updating = False  # the issue picker is being set here: its observer lets it be
        full = w.Layout(width="100%")
        self.panels = make_panels(PANELS)
        self.forecast_board = PanelBoard(list(self.panels.values()), layout=full)
        self.forecast_model = w.Dropdown(options=forecast_view.model_options(), value="bdm",
                                         layout=w.Layout(width="300px", flex="0 0 auto"))
        self.forecast_model.add_class("forecast-model")
        self.forecast_issue = w.Dropdown(options=[], layout=w.Layout(width="420px", max_width="100%"))
        self.forecast_issue.add_class("forecast-issue")
        self.forecast_note = w.HTML()
        labelled = w.Layout(align_items="center", flex="0 0 auto", max_width="100%")  # wrap, never squeeze
        pickers = w.HBox([w.HBox([w.HTML("<b>Model</b>"), self.forecast_model], layout=labelled),
                          w.HBox([w.HTML("<b>Issue</b>"), self.forecast_issue], layout=labelled)], layout=full)
        pickers.add_class("forecast-controls")
        self.children = [w.HTML(head_html(*forecast_view.HEAD)), pickers, self.forecast_board, self.forecast_note]
        self.forecast_model.observe(lambda change: self.picked(), names="value")
        self.forecast_issue.observe(lambda change: self.picked(), names="value")

    def load(self, scenario: Scenario) -> None:
        """List ``scenario``'s issues, the first picked."""
        set_options(self, self.forecast_issue, forecast_view.issue_options(scenario), 0)

    def picked(self) -> None:
        """Another model or issue was picked: draw it, and its spread in the background if not drawn yet."""
        state = self.state()
        if self.updating or state is None:
            return
        self.draw()
        if state.forecast_drawn(state.active, self.forecast_model.value) is None and self.background.started:
            self.background.later(self.update_spread, self.background.generation, SPREAD_PAUSE)

    def draw(self) -> None:
        """The forecast panel for the model and issue picked, with the spread if already drawn."""
        state, model, k = self.state(), self.forecast_model.value, self.forecast_issue.value
        if state is None or k is None:
            return
        drawn = state.forecast_drawn(state.active, model)
        result = drawn or state.forecast_for(state.active, model)
        spread = drawn.spread()[k] if drawn is not None else None
        self.panels["forecast"].update(forecast_view.figure(result, k, spread))
        self.forecast_note.value = forecast_view.spread_html(result, k, spread, live.FORECAST_DRAWS[model],
                                                             pending=drawn is None and self.background.started)

    def spread_later(self, generation: int) -> None:
        """Draw the spread of the model picked in the background, unless it is drawn already."""
        state = self.state()
        if state is not None and state.forecast_drawn(state.active, self.forecast_model.value) is None:
            self.background.later(self.update_spread, generation, SPREAD_PAUSE)

    def update_spread(self, generation: int) -> None:
        """Draw the next part of the forecast's spread under the coding uncertainty (the final median over
        the Monte Carlo's draws, at the last round), then the panel once all are drawn; nothing if
        ``generation`` is superseded. A failure says so under the panel."""
        state = self.state()
        if not self.background.current(generation) or state is None:
            return  # a newer click supersedes it (the draws made so far are kept for this set)
        try:
            done = state.forecast_spread_step(state.active, self.forecast_model.value)
        except Exception as error:  # noqa: BLE001 - shown to the viewer, logged for the operator
            log.exception("dashboard: the forecast's spread could not be computed")
            self.forecast_note.value += (f'<div class="forecast-note">The spread under the coding uncertainty '
                                         f"could not be computed ({html.escape(type(error).__name__)}).</div>")
            return
        if done is None:  # a part of the draws at a time: a click that came in meanwhile is read first
            self.background.later(self.update_spread, generation, SPREAD_PAUSE)
        else:
            self.draw()
