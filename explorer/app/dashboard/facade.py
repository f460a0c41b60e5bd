"""The dashboard's facade: the sections composed into one widget tree, and what drives them.

Each section owns its widgets and their handlers (:mod:`.scenario`, :mod:`.controls`,
:mod:`.main_panels`, :mod:`.outlook`, :mod:`.sensitivity`, :mod:`.forecast`); :mod:`.background` schedules the
work that runs after a click's panels are drawn. :class:`Dashboard` lays them out, holds the
state they share and exposes their widgets under the names the notebooks and tests use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import ipywidgets as w

from explorer.analysis.vocabulary import DEFAULT_OUTCOME
from explorer.app.catalog import Entry
from explorer.app.dashboard.background import Background
from explorer.app.dashboard.controls import ControlsSection
from explorer.app.dashboard.forecast import ForecastSection
from explorer.app.dashboard.main_panels import MainPanels
from explorer.app.dashboard.outlook import OutlookSection
from explorer.app.dashboard.parts import STYLE
from explorer.app.dashboard.scenario import ScenarioSection
from explorer.app.dashboard.sensitivity import SensitivitySection
from explorer.app.page_guard import guard_kernel, guard_widgets
from explorer.app.paths import scenario_dir
from explorer.app.state import Exploration
from explorer.app.widgets import FileDownload, SessionNotice
from explorer.model.scenario import Scenario


DOWNLOAD_TIP = ("One HTML file of what is on screen: the figures (interactive), the key figures, the deals, "
                "every stance with its quote or assumption, and how to make it again. It opens in any browser, "
                "offline, and prints; it is made in this page's session and not kept on the server.")


class Section:
    """A facade attribute that is a section's attribute of the same name (read and written through)."""

    def __init__(self, section: str):
        self.section = section

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, dashboard: Any, owner: type | None = None) -> Any:
        return self if dashboard is None else getattr(getattr(dashboard, self.section), self.name)

    def __set__(self, dashboard: Any, value: Any) -> None:
        setattr(getattr(dashboard, self.section), self.name, value)


class Dashboard:
    """The whole app as one widget tree (``.widget``); display it in a notebook or Voila.

    Parameters
    ----------
    folder
        The scenario folder (default: :func:`explorer.app.paths.scenario_dir`).
    start
        The file shown first (default: ``EXPLORER_START``, else the seed scenario).
    outcome
        The predicted package picked at first.

    Attributes
    ----------
    scenarios, controls, main_panels, outlook, forecast
        The sections; their widgets are also attributes of the dashboard (``picker``, ``panels``, ...).
    background : Background
        Runs the chance of a deal, the deal search and the forecast's spread after a click.
    state : Exploration or None
        The scenario on screen and what is switched on (None: nothing shown).
    """

    folder, entries, uploads = Section("scenarios"), Section("scenarios"), Section("scenarios")
    picker, upload, upload_message = Section("scenarios"), Section("scenarios"), Section("scenarios")
    header, error = Section("scenarios"), Section("scenarios")
    outcome_picker, package_status = Section("controls"), Section("controls")
    reset_button, concessions = Section("controls"), Section("controls")
    key_figures, scale_guide, board = Section("main_panels"), Section("main_panels"), Section("main_panels")
    chance_card, deals_list, outlook_board = Section("outlook"), Section("outlook"), Section("outlook")
    sensitivity_target, sensitivity_board = Section("sensitivity"), Section("sensitivity")
    forecast_model, forecast_issue = Section("forecast"), Section("forecast")
    forecast_note, forecast_board = Section("forecast"), Section("forecast")
    pressure = Section("background")

    def __init__(self, folder: str | Path | None = None, start: str | None = None, outcome: str = DEFAULT_OUTCOME):
        self.state: Exploration | None = None
        self.last_briefing: tuple[tuple, tuple[str, bytes]] | None = None  # (what it shows, its file)
        self.background = Background()
        self.scenarios = ScenarioSection(Path(folder).resolve() if folder else scenario_dir(),
                                         opened=self.show_scenario, emptied=self.hide_figures)
        self.download = FileDownload(make=self.briefing_file, hint=DOWNLOAD_TIP, defer=self.background_task)
        self.controls = ControlsSection(outcome, state=self.current_state, changed=self.refresh,
                                        actions=[self.download])
        self.main_panels = MainPanels()
        self.outlook = OutlookSection(self.current_state, self.background, changed=self.refresh)
        self.sensitivity = SensitivitySection(self.current_state)
        self.forecast = ForecastSection(self.current_state, self.background)
        self.panels = {**self.main_panels.panels, **self.outlook.panels, **self.sensitivity.panels,
                       **self.forecast.panels}
        self.main = w.VBox([self.key_figures, self.board, *self.outlook.children, *self.sensitivity.children,
                            *self.forecast.children,
                            self.scale_guide], layout=w.Layout(flex="1 1 0%", min_width="0", width="auto"))
        self.main.add_class("explorer-main")
        self.body = w.HBox([self.controls.box, self.main], layout=w.Layout(width="100%", align_items="flex-start"))
        self.session_notice = SessionNotice()
        self.widget = w.VBox([w.HTML(STYLE), self.session_notice, self.scenarios.row, self.upload_message,
                              self.header, self.error, self.body], layout=w.Layout(width="100%"))
        self.widget.add_class("explorer-dashboard")
        self.board.on_shown(self.page_shown)
        self.select(self.scenarios.start_index(start))
        guard_widgets(self.widget)  # a page may set only what its controls set (explorer.app.page_guard)

    def current_state(self) -> Exploration | None:
        """The state the sections read (None: no scenario on screen)."""
        return self.state

    # -- the scenario on screen ------------------------------------------------------
    def select(self, index: int | None) -> None:
        """Show the scenario at ``index`` of the picker (or its problems)."""
        self.scenarios.select(index)

    def open_upload(self, name: object, content: bytes | memoryview) -> Entry:
        """Open a viewer's file (its name and bytes) as a page's upload does; returns its entry."""
        return self.scenarios.open_upload(name, content)

    def rescan(self) -> None:
        """Read the folder again: new files join the picker; the scenario on screen stays as it is."""
        self.scenarios.rescan()

    def show_scenario(self, scenario: Scenario | None) -> None:
        """Show ``scenario`` with every concession off (None: hide the figures of a file that cannot be shown)."""
        if scenario is None:
            self.hide_figures()
            self.state = None
            return
        self.body.layout.display = "flex"
        self.state = Exploration(scenario)
        self.main_panels.load(scenario)
        self.controls.load(scenario)
        self.forecast.load(scenario)
        self.sensitivity.load(scenario)
        self.refresh()

    def hide_figures(self) -> None:
        """Hide the controls and figures (nothing to show)."""
        self.body.layout.display = "none"

    def page_shown(self) -> None:
        """A page has drawn the dashboard: the folder is read again and, the first time, the background
        work starts (:class:`~explorer.app.dashboard.background.Background`)."""
        self.rescan()
        if self.background.start():
            self.background.schedule(self.update_outlook, self.outlook.guarded)

    # -- what is switched on -----------------------------------------------------------
    def set_concession(self, cid: str, on: bool) -> None:
        """Switch one concession exactly as a click in the page does."""
        self.controls.set_concession(cid, on)

    def set_party(self, party: str, on: bool) -> None:
        """Switch every concession of ``party`` on or off, as its buttons do."""
        self.controls.set_party(party, on)

    def reset(self) -> None:
        """Switch every concession off."""
        self.controls.reset()

    def apply_deal(self, number: int) -> None:
        """Switch exactly deal ``number``'s concessions on (numbered from 0 as on the panel, minus one)."""
        self.outlook.apply_deal(number)

    # -- drawing -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every widget in line with the state; only panels whose figure changed are sent."""
        state = self.state
        if state is None:
            return
        shown, _ = state.outcome_shown(self.outcome_picker.value)
        self.main_panels.draw(state, shown)  # first: the page starts drawing while the rest arrives
        self.controls.show(state, shown)
        self.main_panels.draw_key_figures(state)
        self.forecast.draw()
        self.background.schedule(self.update_outlook, self.outlook.guarded)

    def update_outlook(self, generation: int) -> None:
        """The background work of ``generation`` (nothing if a newer click or scenario supersedes it):
        the chance card and panel (Monte Carlo of the set on now), then the forecast's spread, the
        deals panel and, after what is queued, what to check first."""
        state = self.state
        if not self.background.current(generation) or state is None:
            return
        self.outlook.draw_chance(state)
        self.forecast.spread_later(generation)
        self.outlook.update_deals(state, generation)
        self.background.later(functools.partial(self.outlook.guarded, self.draw_sensitivity), generation)

    def draw_sensitivity(self, generation: int) -> None:
        """What to check first, for the set on now (nothing if a newer click supersedes it)."""
        state = self.state
        if self.background.current(generation) and state is not None:
            self.sensitivity.draw(state)

    def briefing_file(self) -> tuple[str, bytes]:
        """The briefing (:mod:`explorer.app.briefing`) of what is on screen — the scenario, the concessions
        on, the forecast's model — as (file name, bytes), computed with this page's own state (what it
        already drew is reused). Nothing is written on the server."""
        from explorer.app.briefing import briefing_html

        state = self.state
        if state is None:
            raise ValueError("no scenario on screen")
        entry = self.scenarios.entries[self.picker.value]
        key = (entry.path, entry.digest, state.active, self.forecast_model.value, self.outcome_picker.value)
        if self.last_briefing is None or self.last_briefing[0] != key:
            text = briefing_html(state.baseline, state.active, model=key[3], outcome=key[4], exploration=state,
                                 source_name=entry.path.name, source_digest=entry.digest)
            self.last_briefing = key, (f"briefing-{entry.path.stem}.html", text.encode("utf-8"))
        return self.last_briefing[1]

    def background_task(self, work) -> None:
        """Run ``work()`` after what is queued on the kernel's loop, once the server's CPUs have room
        (:meth:`Background.later`): the page's clicks are handled first."""
        self.background.later(lambda generation: work(), self.background.generation)

    def run_background(self) -> None:
        """Run the background work of the latest request now, as the kernel's loop does (a failure is
        said on the chance card)."""
        self.outlook.guarded(self.update_outlook, self.background.generation)

    def _ipython_display_(self):  # pragma: no cover - exercised in notebooks
        from IPython.display import display

        display(self.widget)


def dashboard(folder: str | Path | None = None, start: str | None = None) -> w.Widget:
    """Build the dashboard and return its widget (what a notebook cell displays, and Voila serves).

    The kernel it runs in is a viewer's: a page may not create widgets or close the
    dashboard's comms (:func:`explorer.app.page_guard.guard_kernel`).
    """
    guard_kernel()
    return Dashboard(folder, start).widget
