"""The main board: the key figures, the four panels of the coding taken as exact, the scale guide."""

from __future__ import annotations

import ipywidgets as w

from explorer.app import figures
from explorer.app.dashboard.parts import make_panels
from explorer.app.figures.utility import panel_text as utility_panel_text
from explorer.app.panels import PanelBoard
from explorer.app.state import Exploration
from explorer.app.text import key_figures_html, scale_guide_html
from explorer.model.scenario import Scenario


class MainPanels:
    """The key figures and :data:`explorer.app.figures.PANELS` on one board, and the scale guide.

    Attributes
    ----------
    panels : dict of str to Panel
        The board's panels, keyed as :data:`explorer.app.figures.PANELS`; updated in place.
    """

    def __init__(self):
        full = w.Layout(width="100%")
        self.key_figures = w.HTML()
        self.scale_guide = w.HTML()
        self.panels = make_panels(figures.PANELS)
        self.board = PanelBoard(list(self.panels.values()), layout=full)

    def load(self, scenario: Scenario) -> None:
        """What 0 and 100 mean on ``scenario``'s issues."""
        self.scale_guide.value = scale_guide_html(scenario)

    def draw(self, state: Exploration, shown: str) -> None:
        """The panels for ``state`` with package ``shown``: only those whose figure changed are sent."""
        analysis = state.analysis
        title, help_text = utility_panel_text(analysis, shown)
        self.panels["utility"].title, self.panels["utility"].help = title, help_text
        specs = figures.panel_specs(analysis, state.baseline_analysis, shown)
        self.panels["issue_map"].legend = figures.issue_map.legend(analysis)  # sent only when it changes
        for key, spec in specs.items():  # first: the page starts drawing while the rest arrives
            self.panels[key].update(spec)  # sends nothing when this panel's figure did not change

    def draw_key_figures(self, state: Exploration) -> None:
        """The headline numbers for ``state``, each with its change since the start."""
        self.key_figures.value = key_figures_html(state.analysis, state.baseline_analysis)
