"""The controls section, at the left: which predicted package to show, reset, and the concessions.

The page only reports what the viewer clicked; the rules (what requires or excludes what,
who switches what off) are the :class:`~explorer.app.state.Exploration`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w

from explorer.analysis.vocabulary import OUTCOME_LABELS
from explorer.app.dashboard.parts import StateOf
from explorer.app.state import Exploration
from explorer.app.text import blocked_text, concession_items, package_status_html
from explorer.app.widgets import ConcessionList
from explorer.model.scenario import Scenario



def blocked_reasons(state: Exploration) -> dict[str, str]:
    """Why each concession that is off cannot be switched on now (only those that cannot)."""
    return {c.id: reason for c in state.baseline.concessions
            if (reason := (None if c.id in state.active else blocked_text(state.baseline, c.id, state.active)))}


class ControlsSection:
    """The outcome picker, the package status, the reset button and the concession list.

    Parameters
    ----------
    outcome
        The predicted package picked at first (a key of ``OUTCOME_LABELS``).
    state
        Returns the dashboard's state.
    changed
        Called after the state changed here (the dashboard redraws).
    actions
        Widgets shown under the reset button (the dashboard's "Download briefing").

    Attributes
    ----------
    box : ipywidgets.VBox
        The section as the page shows it.
    """

    def __init__(self, outcome: str, state: StateOf, changed: Callable[[], None], actions: Sequence[w.Widget] = ()):
        self.state, self.changed = state, changed
        self.updating = False  # the concession list is being set here: its observer lets it be
        full = w.Layout(width="100%")
        self.outcome_picker = w.Dropdown(options=[(label, key) for key, label in OUTCOME_LABELS.items()],
                                         value=outcome, layout=full)
        self.outcome_picker.add_class("outcome-picker")
        self.package_status = w.HTML()
        self.reset_button = w.Button(description="Reset: switch every concession off", icon="undo", layout=full)
        self.concessions = ConcessionList(layout=full)
        self.box = w.VBox(
            [w.HTML('<div class="explorer-controls-head">Predicted package to show</div>'), self.outcome_picker,
             self.package_status, self.reset_button, *actions,
             w.HTML('<div class="explorer-controls-head">Concessions</div>'), self.concessions],
            layout=w.Layout(width="300px", min_width="260px", flex="0 0 auto", padding="0 10px 0 0"),
        )
        self.box.add_class("explorer-controls")
        self.outcome_picker.observe(lambda change: self.changed(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.concessions.observe(self.on_active, names="active")
        self.concessions.on_party(self.set_party)

    def load(self, scenario: Scenario) -> None:
        """List ``scenario``'s concessions (none on yet)."""
        self.updating = True
        try:
            self.concessions.groups = concession_items(scenario)
        finally:
            self.updating = False

    def show(self, state: Exploration, shown: str) -> None:
        """Bring the list and the package status in line with ``state`` (``shown``: the package drawn)."""
        self.updating = True
        try:
            self.concessions.blocked = blocked_reasons(state)
            self.concessions.active = list(state.active)
        finally:
            self.updating = False
        self.package_status.value = package_status_html(self.outcome_picker.value, shown, state.analysis)

    def on_active(self, change: dict) -> None:
        """The page switched something: apply each difference through the rules, then redraw."""
        state = self.state()
        if self.updating or state is None:
            return
        wanted, now = set(change["new"]), set(state.active)
        for cid in [c.id for c in state.baseline.concessions if c.id in now - wanted]:
            state.set(cid, False)
        for cid in [c.id for c in state.baseline.concessions if c.id in wanted - now]:
            if state.blocked(cid) is None:
                state.set(cid, True)
        self.changed()

    def set_concession(self, cid: str, on: bool) -> None:
        """Switch one concession exactly as a click in the page does."""
        active = set(self.concessions.active)
        self.concessions.active = list(active | {cid} if on else active - {cid})

    def set_party(self, party: str, on: bool) -> None:
        """Switch every concession of ``party`` on (those the rules allow) or off, as its buttons do."""
        state = self.state()
        if state is not None:
            state.set_party(party, on)
            self.changed()

    def reset(self) -> None:
        """Switch every concession off, as the reset button does."""
        state = self.state()
        if state is not None:
            state.reset()
            self.changed()
