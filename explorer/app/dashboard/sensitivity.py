"""The "what to check first" section: which coded stances the figure picked hangs on.

Drawn in the background after each click, like the chance of a deal
(:class:`~explorer.app.dashboard.background.Background`): the Sobol' indices of every stance for
the concessions switched on (:meth:`explorer.app.state.Exploration.sensitivity_for`); the picker
only redraws from what was computed.
"""

from __future__ import annotations

import ipywidgets as w

from explorer.app.dashboard.parts import StateOf, head_html, make_panels, set_options
from explorer.app.figures import sensitivity as sensitivity_panel
from explorer.app.panels import PanelBoard
from explorer.app.state import SENSITIVITY_TARGETS, Exploration
from explorer.model.scenario import Scenario
from explorer.sensitivity.targets import scenario_targets

PANELS = ("sensitivity",)
DEFAULT_TARGET = "deal"


class SensitivitySection:
    """The figure picker and the sensitivity panel.

    Parameters
    ----------
    state
        Returns the dashboard's state.

    Attributes
    ----------
    children : list of ipywidgets.Widget
        The section's part of the main column, in page order.
    """

    def __init__(self, state: StateOf):
        self.state = state
        self.updating = False  # the picker's options are being set here: its observer lets it be
        self.panels = make_panels(PANELS)
        self.panels["sensitivity"].legend = sensitivity_panel.legend()
        self.sensitivity_board = PanelBoard(list(self.panels.values()), layout=w.Layout(width="100%"))
        self.sensitivity_target = w.Dropdown(options=[], layout=w.Layout(width="480px", max_width="100%"))
        self.sensitivity_target.add_class("sensitivity-target")
        picker = w.HBox([w.HTML("<b>Figure</b>"), self.sensitivity_target],
                        layout=w.Layout(align_items="center", max_width="100%"))
        picker.add_class("forecast-controls")
        self.children = [w.HTML(head_html(*sensitivity_panel.HEAD)), picker, self.sensitivity_board]
        self.sensitivity_target.observe(lambda change: self.picked(), names="value")

    def load(self, scenario: Scenario) -> None:
        """A new scenario: its figures in the picker; nothing computed yet (the panel says so until :meth:`draw`)."""
        self.show_options(sensitivity_panel.target_options(scenario_targets(scenario, SENSITIVITY_TARGETS)))
        self.panels["sensitivity"].update(sensitivity_panel.figure(None))

    def draw(self, state: Exploration) -> None:
        """Compute (or take from the cache) the indices of the concessions switched on, and draw them."""
        result = state.sensitivity_for(state.active)
        self.show_options(sensitivity_panel.target_options(result.targets))
        self.panels["sensitivity"].update(sensitivity_panel.figure(result, self.sensitivity_target.value))

    def show_options(self, options: list[tuple[str, str]]) -> None:
        """The picker's figures, keeping the one picked where it is still there (else the chance of a deal)."""
        if list(self.sensitivity_target.options) != options:
            kept, keys = self.sensitivity_target.value, [key for _, key in options]
            set_options(self, self.sensitivity_target, options,
                        kept if kept in keys else DEFAULT_TARGET if DEFAULT_TARGET in keys else keys[0])

    def picked(self) -> None:
        """The viewer picked another figure: redraw from what was computed (nothing new is computed)."""
        state = self.state()
        if self.updating or state is None:
            return
        result = state.sensitivity_computed(state.active)
        if result is not None:
            self.panels["sensitivity"].update(sensitivity_panel.figure(result, self.sensitivity_target.value))
