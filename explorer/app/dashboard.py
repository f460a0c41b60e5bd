"""The dashboard: pick a scenario, toggle concessions, watch the gaps move.

``Dashboard`` holds the widgets; all logic it needs is in :mod:`explorer.app.state`
(which concessions are on) and :mod:`explorer.app.figures` (what to draw). Only
files listed from the scenario folder can be opened: the picker's value is an
index into that list, never a path a viewer could type.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle
import plotly.graph_objects as go

from explorer.analysis.analysis import Analysis
from explorer.app.figures import build_figure, trace_data
from explorer.app.palette import party_colours
from explorer.app.paths import ENV_START, scenario_dir
from explorer.app.state import OUTCOME_LABELS, Exploration
from explorer.errors import ScenarioError
from explorer.io.loader import load
from explorer.model.scenario import Scenario

READING_GUIDE = (
    "Switch concessions on the left. The <b>agreement gap</b> is how far apart the veto parties' red "
    "lines still are (0 = every issue has a zone); a <b>package ZOPA</b> means some deal inside the "
    "zones beats every veto party's no-deal option. Hover a marker for the quote behind it."
)


@dataclass
class Entry:
    """One file in the picker: its scenario, or the problems that keep it out."""

    path: Path
    scenario: Scenario | None
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.scenario is None:
            return f"⚠ {self.path.name} (invalid)"
        return f"{self.scenario.title} ({self.path.name})"


def list_scenarios(folder: Path) -> list[Entry]:
    """Every scenario file of ``folder`` (not its subfolders), valid or not, by name."""
    entries = []
    for path in sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()):
        try:
            entries.append(Entry(path, load(path)))
        except ScenarioError as error:
            entries.append(Entry(path, None, tuple(str(p) for p in error.problems)))
    return entries


def _signed(value: float, digits: int = 1) -> str:
    if abs(value) < 0.5 * 10**-digits:
        return "±0"
    return f"{value:+.{digits}f}".replace("-", "−")


def key_figures_html(now: Analysis, baseline: Analysis, outcome: str, note: str | None) -> str:
    """The headline numbers, each with its change from the baseline."""
    total = len(now.scenario.issues)
    if now.package_surplus is None:
        surplus = "none — an issue is deadlocked"
    else:
        surplus = f"{now.package_surplus:.3f}"
        if baseline.package_surplus is not None:
            surplus += f" ({_signed(now.package_surplus - baseline.package_surplus, 3)})"
        else:
            surplus += " (baseline: none)"
    zopa = "yes" if now.package_zopa else "no"
    cells = [
        ("Agreement gap", f"{now.agreement_gap:.1f} points",
         f"{_signed(now.agreement_gap - baseline.agreement_gap)} from baseline", "agreement-gap"),
        ("Deadlocked issues", f"{now.deadlocked_issues} of {total}",
         f"{_signed(now.deadlocked_issues - baseline.deadlocked_issues, 0)} from baseline", "deadlocked"),
        ("Package surplus", surplus, f"package ZOPA: <b>{zopa}</b>", "surplus"),
        ("Package shown", OUTCOME_LABELS[outcome], html.escape(note) if note else "in the utility panel", "outcome"),
    ]
    boxes = "".join(
        f'<div class="kf" data-key="{key}"><div class="kf-label">{label}</div>'
        f'<div class="kf-value">{value}</div><div class="kf-delta">{delta}</div></div>'
        for label, value, delta, key in cells
    )
    return f'<div class="key-figures">{boxes}</div>'


STYLE = """<style>
.key-figures {display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px 0;}
.kf {border: 1px solid #ccc; border-radius: 6px; padding: 6px 10px; min-width: 170px; flex: 1;}
.kf-label {font-size: 12px; color: #555;} .kf-value {font-size: 19px; font-weight: 600; line-height: 1.25;}
.kf[data-key="outcome"] .kf-value {font-size: 14px;}
.concession, .concession label, .concession .widget-label-basic {height: auto !important;}
.concession label, .concession .widget-label-basic, .concession span {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.3;}
.kf-delta {font-size: 12px; color: #333;}
.party-head {font-weight: 600; border-left: 6px solid; padding-left: 6px; margin-top: 6px;}
.scenario-error {background: #fff3f0; border: 1px solid #D55E00; padding: 8px; white-space: pre-wrap;
  font-family: monospace; font-size: 12px;}
.explorer-header h2 {margin: 4px 0;} .explorer-header p {margin: 2px 0;}
.explorer-dashboard .widget-html-content {line-height: 1.35;}
.explorer-controls, .explorer-controls .widget-vbox {overflow-x: hidden;}
</style>"""


class Dashboard:
    """The whole app as one widget tree (``.widget``); display it in a notebook or Voila."""

    def __init__(self, folder: str | Path | None = None, start: str | None = None, outcome: str = "nash"):
        self.folder = Path(folder).resolve() if folder else scenario_dir()
        self.entries = list_scenarios(self.folder)
        self.outcome_wanted = outcome
        self.state: Exploration | None = None
        self.figure: go.FigureWidget | None = None
        self._drawn: list[dict] = []
        self._updating = False
        self.picker = w.Dropdown(
            options=[(e.label, k) for k, e in enumerate(self.entries)], layout=w.Layout(width="98%"),
        )
        self.outcome_picker = w.Dropdown(
            options=[(label, key) for key, label in OUTCOME_LABELS.items()], value=outcome,
            layout=w.Layout(width="98%"),
        )
        self.picker.add_class("scenario-picker")
        self.outcome_picker.add_class("outcome-picker")
        self.reset_button = w.Button(description="Reset to baseline", icon="undo", layout=w.Layout(width="98%"))
        self.header = w.HTML()
        self.error = w.HTML()
        self.key_figures = w.HTML()
        self.concession_box = w.VBox()
        self.checkboxes: dict[str, w.Checkbox] = {}
        self.labels: dict[str, str] = {}
        controls = w.VBox(
            [w.HTML("<b>Scenario</b>"), self.picker, w.HTML("<b>Package shown in the utility panel</b>"),
             self.outcome_picker, self.reset_button, self.concession_box],
            layout=w.Layout(width="330px", min_width="280px", flex="0 0 auto", padding="0 8px 0 0"),
        )
        controls.add_class("explorer-controls")
        self.main = w.VBox([self.key_figures], layout=w.Layout(flex="1 1 600px", min_width="600px"))
        self.body = w.Box([controls, self.main], layout=w.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.widget = w.VBox([w.HTML(STYLE), self.header, self.error, self.body])
        self.widget.add_class("explorer-dashboard")
        self.picker.observe(self._on_pick, names="value")
        self.outcome_picker.observe(lambda change: self.refresh(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.select(self._start_index(start))

    # -- scenario ------------------------------------------------------------
    def _start_index(self, start: str | None) -> int:
        start = start or os.environ.get(ENV_START)
        names = [e.path.name for e in self.entries]
        if start and Path(start).name in names:
            return names.index(Path(start).name)
        valid = [k for k, e in enumerate(self.entries) if e.scenario is not None]
        preferred = [k for k in valid if self.entries[k].path.name == "russia_ukraine_talks.yaml"]
        return (preferred or valid or [0])[0]

    def select(self, index: int) -> None:
        """Show the scenario at ``index`` of the picker (or its problems)."""
        if not self.entries:
            self.error.value = f'<div class="scenario-error">No scenario files in {html.escape(str(self.folder))}</div>'
            self.body.layout.display = "none"
            return
        if self.picker.value != index:
            self.picker.value = index  # observer calls back here
            return
        entry = self.entries[index]
        if entry.scenario is None:
            self.error.value = (
                f'<div class="scenario-error"><b>{html.escape(entry.path.name)} cannot be shown:</b>\n'
                + "\n".join(html.escape(p.replace(str(entry.path), entry.path.name)) for p in entry.problems)
                + "</div>"
            )
            self.main.layout.display = "none"
            self.concession_box.children = ()
            self.checkboxes, self.labels = {}, {}
            self.reset_button.disabled = True
            self.header.value = ""
            self.state = None
            return
        self.error.value = ""
        self.main.layout.display = "flex"
        self.reset_button.disabled = False
        self.state = Exploration(entry.scenario)
        self.header.value = self._header_html(entry.scenario)
        self._build_concessions(entry.scenario)
        outcome, _ = self.state.outcome_shown(self.outcome_picker.value)
        drawn = trace_data(self.state.analysis, self.state.baseline_analysis, outcome)
        fresh = build_figure(self.state.analysis, self.state.baseline_analysis, outcome, drawn)
        self._drawn = drawn  # what the figure shows, trace by trace: refresh() sends only changes
        if self.figure is None:  # the one FigureWidget of the page: made once, reused for every scenario
            self.figure = go.FigureWidget(fresh)
            self.main.children = (self.key_figures, self.figure)
        else:
            self.figure.data = ()
            self.figure.add_traces(fresh.data)
            self.figure.layout = fresh.layout
        self.refresh()

    def _on_pick(self, change) -> None:
        self.select(change["new"])

    def _header_html(self, scenario: Scenario) -> str:
        sources = "; ".join(html.escape(s.title) for s in scenario.data.sources) or "none listed"
        return (
            f'<div class="explorer-header"><h2>{html.escape(scenario.title)}</h2>'
            f"<p>Coded as of <b>{scenario.data.as_of.isoformat()}</b> · Sources: {sources}</p>"
            f"<p>{READING_GUIDE}</p></div>"
        )

    # -- concessions -----------------------------------------------------------
    def _build_concessions(self, scenario: Scenario) -> None:
        """One checkbox per concession, grouped by party.

        Layout and style objects are shared (each is a widget model the page must
        create), and a blocked concession's reason goes into its own label: the
        page stays near the floor's widget count.
        """
        colours = party_colours([p.id for p in scenario.parties])
        box_layout, box_style = w.Layout(width="94%"), CheckboxStyle(description_width="initial")
        all_layout, none_layout, head_layout = w.Layout(width="48px"), w.Layout(width="52px"), w.Layout(flex="1")
        button_style = w.ButtonStyle()
        groups, self.checkboxes, self.labels = [], {}, {}
        for party in scenario.parties:
            own = [c for c in scenario.concessions if c.party == party.id]
            if not own:
                continue
            on = w.Button(description="all", layout=all_layout, style=button_style,
                          tooltip=f"Switch on all of {party.name}'s")
            off = w.Button(description="none", layout=none_layout, style=button_style,
                           tooltip=f"Switch off all of {party.name}'s")
            on.on_click(lambda _, pid=party.id: self.set_party(pid, True))
            off.on_click(lambda _, pid=party.id: self.set_party(pid, False))
            head = w.HTML(f'<div class="party-head" style="border-color:{colours[party.id]}">'
                          f"{html.escape(party.name)}</div>", layout=head_layout)
            rows = [w.HBox([head, on, off])]
            for c in own:
                evidence = f"“{c.quote}”" if c.quote else f"Assumption: {c.note}"
                self.labels[c.id] = f"{c.title} · cost {scenario.concession_cost(c.id):.3f}"
                box = w.Checkbox(value=False, description=self.labels[c.id], indent=False,
                                 tooltip=f"{c.description or c.title}\n\n{evidence}",
                                 layout=box_layout, style=box_style)
                box.add_class("concession")
                box.add_class(f"concession-{c.id}")
                box.observe(lambda change, cid=c.id: self._on_toggle(cid, change["new"]), names="value")
                self.checkboxes[c.id] = box
                rows.append(box)
            groups.append(w.VBox(rows))
        self.concession_box.children = [w.HTML("<b>Concessions</b> (hover one for its source)"),
                                        *(groups or [w.HTML("<i>This scenario lists no concessions.</i>")])]

    def _on_toggle(self, cid: str, on: bool) -> None:
        if self._updating or self.state is None:
            return
        try:
            self.state.set(cid, on)
        except ValueError:
            pass  # the box was disabled in the meantime; refresh() puts it back
        self.refresh()

    def set_concession(self, cid: str, on: bool) -> None:
        """Programmatic toggle, exactly as a click does it."""
        self.checkboxes[cid].value = on

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
        """Bring every widget in line with the state; the figure is updated in place."""
        if self.state is None:
            return
        state = self.state
        outcome, note = state.outcome_shown(self.outcome_picker.value)
        analysis = state.analysis
        self._updating = True
        try:
            for cid, box in self.checkboxes.items():
                reason = state.blocked(cid)
                box.value = cid in state.active
                box.disabled = reason is not None
                box.description = self.labels[cid] + (f" — {reason}" if reason else "")
        finally:
            self._updating = False
        self.key_figures.value = key_figures_html(analysis, state.baseline_analysis, outcome, note)
        data = trace_data(analysis, state.baseline_analysis, outcome)
        changed = [(trace, new) for trace, new, old in zip(self.figure.data, data, self._drawn) if new != old]
        if changed:
            with self.figure.batch_update():  # one message; unchanged traces are not resent
                for trace, values in changed:
                    trace.update(values)
        self._drawn = data

    def _ipython_display_(self):  # pragma: no cover - exercised in notebooks
        from IPython.display import display
        display(self.widget)


def dashboard(folder: str | Path | None = None, start: str | None = None) -> w.Widget:
    """Build the dashboard and return its widget (what a notebook cell displays)."""
    return Dashboard(folder, start).widget
