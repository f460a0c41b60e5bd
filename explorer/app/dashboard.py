"""The dashboard: pick a scenario, toggle concessions, watch the gaps move.

``Dashboard`` holds the widgets; the logic it needs is in :mod:`explorer.app.state`
(which concessions are on), :mod:`explorer.app.figures` (what each panel draws) and
:mod:`explorer.app.text` (what the numbers mean). Plots are panels of one
:class:`~explorer.app.panels.PanelBoard`: one plotly.js per page, and a toggle sends
and redraws only the panels whose figure changed. Only files listed from the scenario
folder can be opened: the picker's value is an index into that list, never a path a
viewer could type; the list is read again each time a page shows the dashboard.
A viewer may also open a file of their own ("Open a file…", :mod:`explorer.app.upload`):
it is read in memory, size-capped, listed in this viewer's picker only and never written
to disk; one that fails says why and leaves the scenario on screen as it was.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import os
from pathlib import Path

import ipywidgets as w

from explorer.analysis.vocabulary import OUTCOME_LABELS
from explorer.app import figures
from explorer.app.figures import chance as chance_panel, deals as deals_panel, forecast as forecast_view
from explorer.app import state as live
from explorer.app.catalog import Entry, list_scenarios, problems_text
from explorer.app.panels import Panel, PanelBoard
from explorer.app.paths import ENV_START, scenario_dir
from explorer.app.quiet import CpuPressure
from explorer.app.state import Exploration
from explorer.app.figures.utility import panel_text as utility_panel_text
from explorer.app.text import blocked_text, concession_items, key_figures_html, package_status_html, scale_guide_html
from explorer.app.upload import ACCEPT, limit_text, read_upload
from explorer.app.page_guard import guard_kernel, guard_widgets
from explorer.app.widgets import ConcessionList, SessionNotice
from explorer.model.scenario import Scenario

READING_GUIDE = (
    "Switch concessions on and off at the left (hover one for what it is and the quote behind it) and watch "
    "the figures move. Positions are points on each issue's 0–100 scale; a party's <b>red lines</b> bound what "
    "it can accept. The <b>veto parties</b> must all agree to a deal: where their red lines overlap on an issue "
    "there is a zone of agreement, where they do not there is a <b>red-line gap</b>."
)
log = logging.getLogger(__name__)
OUTLOOK_PANELS = ("chance", "deals")
FORECAST_PANELS = ("forecast",)
SPREAD_PAUSE = 0.02  # seconds between two parts of the forecast's draws (see Dashboard._later)
QUIET_RECHECK = 0.5  # seconds between two looks at the CPU while background work waits (Dashboard._when_quiet)
QUIET_MAX_WAIT = 20.0  # seconds background work waits for a quiet moment at most, then runs anyway
MAX_UPLOADS = 5  # a viewer's own files kept in the picker (the oldest goes first)
STYLE = """<style>
.explorer-dashboard {font-size: 14px; max-width: 100%;}
.explorer-header h2 {margin: 4px 0;} .explorer-header p {margin: 3px 0; line-height: 1.4;}
.explorer-dashboard .widget-html-content {line-height: 1.4;}
.explorer-dashboard .widget-dropdown select {font-size: 14px;}
.explorer-dashboard .scenario-row {align-items: center;}
.key-figures {display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px 0;}
.kf {border: 1px solid #ccc; border-radius: 6px; padding: 6px 10px; min-width: 150px; flex: 1 1 150px;}
.kf-label {font-size: 12.5px; color: #444;} .kf-value {font-size: 19px; font-weight: 600; line-height: 1.3;}
.kf-delta {font-size: 12px; color: #333; line-height: 1.35;}
.info {display: inline-block; width: 15px; height: 15px; line-height: 15px; border-radius: 50%; text-align: center;
  background: #0b5cad; color: #fff; font-size: 11px; font-weight: 700; font-style: italic; cursor: help;
  font-family: Georgia, serif; vertical-align: 1px;}
.package-status {font-size: 12.5px; line-height: 1.4; color: #222; margin: 2px 0 6px 0;}
.package-status.fallback {color: #7a4200;}
.scenario-error {background: #fff3f0; border: 1px solid #D55E00; padding: 8px; white-space: pre-wrap;
  font-family: monospace; font-size: 12px; max-height: 24em; overflow: auto;}
.upload-note {font-size: 12.5px; color: #333; margin: 2px 0 4px 0;}
.explorer-dashboard .scenario-upload {flex: 0 0 auto; width: auto; font-size: 0;} /* hides ipywidgets' "(0)" count */
.explorer-dashboard .scenario-upload i {font-size: 13px;}
.explorer-dashboard .scenario-upload::after {content: "Open a file…"; font-size: 13px; margin-left: 5px;}
.scale-guide {margin-top: 8px; font-size: 13px;} .scale-guide summary {font-weight: 600; cursor: pointer;}
.scale-guide table {border-collapse: collapse; width: 100%; margin-top: 4px;}
.scale-guide th, .scale-guide td {border-top: 1px solid #e3e3e3; padding: 4px 6px; text-align: left;
  vertical-align: top; overflow-wrap: break-word;}
.scale-guide thead th {border-top: none; color: #444;}
.explorer-controls-head {font-weight: 600; margin-top: 4px;}
.outlook-head h3 {margin: 14px 0 2px 0;} .outlook-head p {margin: 2px 0 4px 0; line-height: 1.4;}
.chance-card .kf {flex: 0 1 340px;}
.deals-list {font-size: 13px; line-height: 1.4;} .deals-list ol {margin: 4px 0; padding-left: 22px;}
.deals-list ul {margin: 2px 0 6px 0; padding-left: 18px; color: #333;}
.forecast-controls {align-items: center; gap: 8px 14px; flex-wrap: wrap;}
.forecast-controls > .widget-hbox {gap: 6px;}
.forecast-note {font-size: 13px; line-height: 1.4; margin: 2px 0 6px 0;}
</style>"""
FORECAST_HEAD = '<div class="outlook-head"><h3>{}</h3><p>{}</p></div>'.format(*forecast_view.HEAD)
OUTLOOK_HEAD = '<div class="outlook-head"><h3>{}</h3><p>{}</p></div>'.format(*chance_panel.HEAD)


class Dashboard:
    """The whole app as one widget tree (``.widget``); display it in a notebook or Voila."""

    def __init__(self, folder: str | Path | None = None, start: str | None = None, outcome: str = "nash"):
        self.folder = Path(folder).resolve() if folder else scenario_dir()
        self.uploads: list[Entry] = []  # this viewer's own files, in memory only
        self.entries: list[Entry] = list_scenarios(self.folder)
        self.state: Exploration | None = None
        self._updating = False
        full = w.Layout(width="100%")
        self.picker = w.Dropdown(options=self._picker_options(), layout=w.Layout(width="auto", flex="1 1 auto"))
        self.picker.add_class("scenario-picker")
        self.upload = w.FileUpload(accept=ACCEPT, multiple=False, description="Open a file…", icon="folder-open",
                                   tooltip=f"Open a scenario of your own (YAML, JSON, DECIDE or BDM; at most "
                                           f"{limit_text()}) in this page only: it is not saved on the server")
        self.upload.add_class("scenario-upload")
        self.upload_message = w.HTML()
        self.outcome_picker = w.Dropdown(options=[(label, key) for key, label in OUTCOME_LABELS.items()],
                                         value=outcome, layout=full)
        self.outcome_picker.add_class("outcome-picker")
        self.package_status = w.HTML()
        self.reset_button = w.Button(description="Reset: switch every concession off", icon="undo", layout=full)
        self.header = w.HTML()
        self.error = w.HTML()
        self.key_figures = w.HTML()
        self.scale_guide = w.HTML()
        self.concessions = ConcessionList(layout=full)
        self.panels = {key: Panel(key, None, *figures.panel_text(key), wide=key in figures.WIDE)
                       for key in (*figures.PANELS, *OUTLOOK_PANELS, *FORECAST_PANELS)}
        self.board = PanelBoard([self.panels[k] for k in figures.PANELS], layout=full)
        self.outlook_board = PanelBoard([self.panels[k] for k in OUTLOOK_PANELS], layout=full)
        self.forecast_board = PanelBoard([self.panels[k] for k in FORECAST_PANELS], layout=full)
        self.forecast_model = w.Dropdown(options=forecast_view.model_options(), value="bdm",
                                         layout=w.Layout(width="300px", flex="0 0 auto"))
        self.forecast_model.add_class("forecast-model")
        self.forecast_issue = w.Dropdown(options=[], layout=w.Layout(width="420px", max_width="100%"))
        self.forecast_issue.add_class("forecast-issue")
        self.forecast_note = w.HTML()
        labelled = w.Layout(align_items="center", flex="0 0 auto", max_width="100%")  # wrap, never squeeze
        forecast_controls = w.HBox([w.HBox([w.HTML("<b>Model</b>"), self.forecast_model], layout=labelled),
                                    w.HBox([w.HTML("<b>Issue</b>"), self.forecast_issue], layout=labelled)],
                                   layout=full)
        forecast_controls.add_class("forecast-controls")
        self.panels["deals"].legend = deals_panel.legend()
        self.chance_card = w.HTML(chance_panel.card_html(None, None))
        self.deals_list = w.HTML()
        self._generation = 0
        self._page_shown = False  # the Monte Carlo and search wait for a page to show the dashboard
        self.pressure = CpuPressure.from_environment()  # ... and for the server's CPUs to have room (Dashboard._when_quiet)
        controls = w.VBox(
            [w.HTML('<div class="explorer-controls-head">Predicted package to show</div>'), self.outcome_picker,
             self.package_status, self.reset_button,
             w.HTML('<div class="explorer-controls-head">Concessions</div>'), self.concessions],
            layout=w.Layout(width="300px", min_width="260px", flex="0 0 auto", padding="0 10px 0 0"),
        )
        controls.add_class("explorer-controls")
        self.main = w.VBox([self.key_figures, self.board, w.HTML(OUTLOOK_HEAD), self.chance_card,
                            self.outlook_board, self.deals_list, w.HTML(FORECAST_HEAD), forecast_controls,
                            self.forecast_board, self.forecast_note, self.scale_guide],
                           layout=w.Layout(flex="1 1 0%", min_width="0", width="auto"))
        self.main.add_class("explorer-main")
        self.body = w.HBox([controls, self.main], layout=w.Layout(width="100%", align_items="flex-start"))
        scenario_row = w.HBox([w.HTML("<b>Scenario&nbsp;</b>"), self.picker, self.upload], layout=full)
        scenario_row.add_class("scenario-row")
        self.session_notice = SessionNotice()
        self.widget = w.VBox([w.HTML(STYLE), self.session_notice, scenario_row, self.upload_message, self.header,
                              self.error, self.body], layout=full)
        self.widget.add_class("explorer-dashboard")
        self.picker.observe(lambda change: self.select(change["new"]), names="value")
        self.upload.observe(self._on_upload, names="value")
        self.outcome_picker.observe(lambda change: self.refresh(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.concessions.observe(self._on_active, names="active")
        self.concessions.on_party(self.set_party)
        self.board.on_shown(self.rescan)
        self.board.on_shown(self._shown)
        self.outlook_board.on_click(self._on_click)
        self.forecast_model.observe(lambda change: self._forecast_changed(), names="value")
        self.forecast_issue.observe(lambda change: self._forecast_changed(), names="value")
        self.select(self._start_index(start))
        guard_widgets(self.widget)  # a page may set only what its controls set (explorer.app.page_guard)

    # -- scenario ------------------------------------------------------------
    def _picker_options(self) -> list[tuple[str, int]]:
        return [(e.label, k) for k, e in enumerate(self.entries)]

    def _start_index(self, start: str | None) -> int:
        start = start or os.environ.get(ENV_START)
        names = [e.path.name if not e.uploaded else None for e in self.entries]
        if start and Path(start).name in names:
            return names.index(Path(start).name)
        valid = [k for k, e in enumerate(self.entries) if e.scenario is not None]
        preferred = [k for k in valid if self.entries[k].path.name == "russia_ukraine_talks.yaml"]
        return (preferred or valid or [0])[0]

    def rescan(self) -> None:
        """Read the folder again (a page has just shown the dashboard): new files join the picker.

        The scenario on screen stays as it is, so nothing a viewer has switched on is lost.
        """
        self._relist(list_scenarios(self.folder) + self.uploads)

    def _relist(self, entries: list[Entry]) -> None:
        """Put ``entries`` in the picker; the scenario on screen stays selected (and drawn) when listed."""
        def key(e: Entry) -> tuple:
            return e.uploaded, str(e.path)

        current = key(self.entries[self.picker.value]) if self.entries and self.picker.value is not None else None
        if [(key(e), e.label) for e in entries] == [(key(e), e.label) for e in self.entries]:
            self.entries = entries
            return
        self._updating = True
        try:
            self.entries = entries
            keys = [key(e) for e in entries]
            index = keys.index(current) if current in keys else None
            self.picker.options = self._picker_options()
            if index is not None:
                self.picker.value = index
        finally:
            self._updating = False
        if current not in [key(e) for e in entries]:
            self.select(self._start_index(None))

    # -- a viewer's own file -----------------------------------------------------
    def _on_upload(self, change) -> None:
        """The page sent a file: read it in memory; list it for this viewer, or say what is wrong with it."""
        files = change["new"]
        if not files:
            return
        try:
            item = files[0]
            name, content = item["name"], item["content"]
            memoryview(content)  # bytes-like, or refused below
        except Exception:  # noqa: BLE001 - a malformed message from the page
            name, content = None, b""
            log.warning("dashboard: an upload came without a readable file")
        finally:
            self.upload.value = ()  # the bytes are not kept in the widget (and the same file can be sent again)
        self.open_upload(name, content)

    def open_upload(self, name: object, content: bytes | memoryview) -> Entry:
        """Open a viewer's file (its name and bytes) as a page's upload does; returns its entry."""
        entry = read_upload(name, content)
        if entry.scenario is None:  # the scenario on screen, and what is switched on, stay as they are
            self.upload_message.value = (
                f'<div class="scenario-error"><b>Your file {html.escape(entry.path.name)} cannot be shown:</b>\n'
                f"{html.escape(problems_text(entry))}\n"
                "(The scenario on screen is unchanged.)</div>")
            return entry
        self.upload_message.value = (
            f'<div class="upload-note">Your file {html.escape(entry.path.name)} is open in this page only: it is '
            "not saved on the server and no other viewer sees it.</div>")
        uploads = [e for e in self.uploads if e.path != entry.path][-(MAX_UPLOADS - 1):] + [entry]
        self.uploads = uploads
        self._relist([e for e in self.entries if not e.uploaded] + uploads)
        self.select(len(self.entries) - 1)
        return entry

    def select(self, index: int | None) -> None:
        """Show the scenario at ``index`` of the picker (or its problems)."""
        if self._updating or index is None:
            return
        if not self.entries:
            self.error.value = f'<div class="scenario-error">No scenario files in {html.escape(self.folder.name)}/</div>'
            self.body.layout.display = "none"
            return
        if self.picker.value != index:
            self.picker.value = index  # the observer calls back here
            return
        entry = self.entries[index]
        if not entry.uploaded:
            self.upload_message.value = ""
        if entry.scenario is None:
            self.error.value = (f'<div class="scenario-error"><b>{html.escape(entry.path.name)} cannot be shown:</b>\n'
                                f"{html.escape(problems_text(entry))}</div>")
            self.body.layout.display = "none"
            self.header.value = ""
            self.state = None
            return
        self.error.value = ""
        self.body.layout.display = "flex"
        self.state = Exploration(entry.scenario)
        self.header.value = self._header_html(entry.scenario)
        self.scale_guide.value = scale_guide_html(entry.scenario)
        self._updating = True
        try:
            self.concessions.groups = concession_items(entry.scenario)
            self.forecast_issue.options = forecast_view.issue_options(entry.scenario)
            self.forecast_issue.value = 0
        finally:
            self._updating = False
        self.refresh()

    def _header_html(self, scenario: Scenario) -> str:
        sources = "; ".join(html.escape(s.title) for s in scenario.data.sources) or "none listed"
        veto = [p.name for p in scenario.parties if p.veto]
        return (f'<div class="explorer-header"><h2>{html.escape(scenario.title)}</h2>'
                f"<p>Coded as of <b>{scenario.data.as_of.isoformat()}</b> · Sources: {sources} · "
                f"Veto parties: {html.escape(', '.join(veto))}</p><p>{READING_GUIDE}</p></div>")

    # -- concessions -----------------------------------------------------------
    def _on_active(self, change) -> None:
        """The page switched something: apply each difference through the rules, then redraw."""
        if self._updating or self.state is None:
            return
        wanted, now = set(change["new"]), set(self.state.active)
        for cid in [c.id for c in self.state.baseline.concessions if c.id in now - wanted]:
            self.state.set(cid, False)
        for cid in [c.id for c in self.state.baseline.concessions if c.id in wanted - now]:
            if self.state.blocked(cid) is None:
                self.state.set(cid, True)
        self.refresh()

    def set_concession(self, cid: str, on: bool) -> None:
        """Switch one concession exactly as a click in the page does."""
        active = set(self.concessions.active)
        self.concessions.active = list(active | {cid} if on else active - {cid})

    def set_party(self, party: str, on: bool) -> None:
        if self.state is not None:
            self.state.set_party(party, on)
            self.refresh()

    def reset(self) -> None:
        if self.state is not None:
            self.state.reset()
            self.refresh()

    # -- drawing ---------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every widget in line with the state; only panels whose figure changed are sent."""
        if self.state is None:
            return
        state = self.state
        wanted = self.outcome_picker.value
        shown, _ = state.outcome_shown(wanted)
        analysis = state.analysis
        title, help_text = utility_panel_text(analysis, shown)
        self.panels["utility"].title, self.panels["utility"].help = title, help_text
        specs = figures.panel_specs(analysis, state.baseline_analysis, shown)
        self.panels["issue_map"].legend = figures.issue_map.legend(analysis)  # sent only when it changes
        for key, spec in specs.items():  # first: the page starts drawing while the rest arrives
            self.panels[key].update(spec)  # sends nothing when this panel's figure did not change
        self._updating = True
        try:
            self.concessions.blocked = {c.id: reason for c in state.baseline.concessions
                                        if (reason := (None if c.id in state.active else
                                                       blocked_text(state.baseline, c.id, state.active)))}
            self.concessions.active = list(state.active)
        finally:
            self._updating = False
        self.package_status.value = package_status_html(wanted, shown, analysis)
        self.key_figures.value = key_figures_html(analysis, state.baseline_analysis)
        self._draw_forecast()
        self._schedule(self._update_outlook)

    def _shown(self) -> None:
        if not self._page_shown:
            self._page_shown = True
            self._schedule(self._update_outlook)

    # -- how sure, what it would take -------------------------------------------
    def _schedule(self, update) -> None:
        """Run ``update`` once the kernel has sent what is already drawn (and read any click that
        came in meanwhile); only the latest request runs. In a kernel, nothing runs before a page
        has shown the dashboard (so a new viewer's first page is not slowed by it); without an
        event loop (plain Python), at once."""
        self._generation += 1
        generation = self._generation
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            update(generation)
            return
        if self._page_shown:
            loop.call_soon(self._when_quiet, functools.partial(self._guarded, update), generation)

    def _when_quiet(self, update, generation: int, waited: float = 0.0) -> None:
        """Run ``update`` unless the server's CPUs are saturated (tasks waiting for one,
        :mod:`explorer.app.quiet`): then look again every ``QUIET_RECHECK`` s, for at most
        ``QUIET_MAX_WAIT`` s in all. So in a burst (a room opening at once) the background work
        of every page waits and the clicks, handled on the kernel's loop meanwhile, get the CPUs;
        a click's own work supersedes what waited (``generation``)."""
        if waited < QUIET_MAX_WAIT and self.pressure.saturated():
            asyncio.get_running_loop().call_later(QUIET_RECHECK, self._when_quiet, update, generation,
                                                  waited + QUIET_RECHECK)
            return
        update(generation)

    def _guarded(self, update, generation: int) -> None:
        """A failure in the background work says so on the card; the rest keeps working."""
        try:
            update(generation)
        except Exception as error:  # noqa: BLE001 - shown to the viewer, logged for the operator
            log.exception("dashboard: the chance of a deal could not be computed")
            self.chance_card.value = chance_panel.card_html(None, None, failed=type(error).__name__)

    def _party_names(self) -> dict[str, str]:
        return {p.id: p.name for p in self.state.baseline.parties} if self.state else {}

    def _later(self, update, generation: int, pause: float = 0.0) -> None:
        """Run ``update`` after what is queued on the kernel's loop, keeping ``generation`` (a newer
        click still supersedes it); without an event loop, at once. With ``pause`` (seconds), only
        after that pause: work done in parts leaves the loop free in between, so a click that comes
        in is handled through all its steps (each an ``await`` of the kernel's) before the next part,
        not one step per part. Each part waits for the CPUs to have room (:meth:`_when_quiet`)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            update(generation)
            return
        loop.call_later(pause, self._when_quiet, update, generation)

    def _update_outlook(self, generation: int) -> None:
        """The chance card and panel (Monte Carlo of the set on now), then the forecast's spread and
        the deals panel."""
        if generation != self._generation or self.state is None:
            return  # a newer click or scenario supersedes this one
        state = self.state
        now, start = state.uncertainty_for(state.active), state.uncertainty_for(())
        self.panels["chance"].update(chance_panel.figure(now, start))
        self.chance_card.value = chance_panel.card_html(now, start)
        if state.forecast_drawn(state.active, self.forecast_model.value) is None:
            self._later(self._update_forecast_spread, generation, SPREAD_PAUSE)
        if "deals" in vars(state):  # already searched: cheap to redraw the star
            self._draw_deals(state)
        else:
            self.panels["deals"].update(deals_panel.figure(None, state.costs(state.active), self._party_names()))
            self.deals_list.value = deals_panel.list_html(None, {})
            self._later(self._search_deals, generation)

    def _search_deals(self, generation: int) -> None:
        if self.state is not None:  # runs even if superseded: the search does not depend on the toggles
            self._draw_deals(self.state)

    def _draw_deals(self, state: Exploration) -> None:
        names = self._party_names()
        found = state.deals
        self.panels["deals"].update(deals_panel.figure(found, state.costs(state.active), names, searching=False,
                                                  limit=live.LIVE_SEARCH_CONCESSIONS))
        self.deals_list.value = deals_panel.list_html(found, names, searching=False, limit=live.LIVE_SEARCH_CONCESSIONS)

    # -- how positions might move ------------------------------------------------
    def _forecast_changed(self) -> None:
        if self._updating or self.state is None:
            return
        self._draw_forecast()
        if self.state.forecast_drawn(self.state.active, self.forecast_model.value) is None and self._page_shown:
            self._later(self._update_forecast_spread, self._generation, SPREAD_PAUSE)

    def _draw_forecast(self) -> None:
        """The forecast panel for the model and issue picked, with the spread if already drawn."""
        state, model, k = self.state, self.forecast_model.value, self.forecast_issue.value
        if state is None or k is None:
            return
        drawn = state.forecast_drawn(state.active, model)
        result = drawn or state.forecast_for(state.active, model)
        spread = drawn.spread()[k] if drawn is not None else None
        self.panels["forecast"].update(forecast_view.figure(result, k, spread))
        self.forecast_note.value = forecast_view.spread_html(result, k, spread, live.FORECAST_DRAWS[model],
                                                             pending=drawn is None and self._page_shown)

    def _update_forecast_spread(self, generation: int) -> None:
        """The forecast over draws of the coding uncertainty (the Monte Carlo's draws): the spread of
        the final median, drawn at the last round. A failure says so under the panel."""
        if generation != self._generation or self.state is None:
            return  # a newer click supersedes it (the draws made so far are kept for this set)
        try:
            done = self.state.forecast_spread_step(self.state.active, self.forecast_model.value)
        except Exception as error:  # noqa: BLE001 - shown to the viewer, logged for the operator
            log.exception("dashboard: the forecast's spread could not be computed")
            self.forecast_note.value += (f'<div class="forecast-note">The spread under the coding uncertainty '
                                         f"could not be computed ({html.escape(type(error).__name__)}).</div>")
            return
        if done is None:  # a part of the draws at a time: a click that came in meanwhile is read first
            self._later(self._update_forecast_spread, generation, SPREAD_PAUSE)
        else:
            self._draw_forecast()

    def _on_click(self, key: str, points: list[dict]) -> None:
        """A click on a deal's point switches exactly its concessions on."""
        if key != "deals" or self.state is None or vars(self.state).get("deals") is None:
            return
        for point in points:
            number = point.get("customdata")
            number = number[0] if isinstance(number, list) and number else number
            if isinstance(number, int) and not isinstance(number, bool):
                self.apply_deal(number)
                return

    def apply_deal(self, number: int) -> None:
        """Switch exactly deal ``number``'s concessions on (numbered from 0 as on the panel, minus one)."""
        numbered = deals_panel.numbered(self.state.deals)
        if 0 <= number < len(numbered):
            self.state.apply(numbered[number].concessions)
            self.refresh()

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
