"""The scenario section: the picker, "Open a file…", the header and the error box.

Only files listed from the scenario folder can be opened: the picker's value is an index
into that list, never a path a viewer could type; the list is read again each time a page
shows the dashboard (:meth:`ScenarioSection.rescan`). A viewer may also open a file of their
own (:mod:`explorer.app.upload`): it is read in memory, size-capped, listed in this viewer's
picker only and never written to disk; one that fails says why and leaves the scenario on
screen as it was.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from explorer.app.catalog import Entry, list_scenarios, problems_text, start_index
from explorer.app.paths import ENV_START
from explorer.app.upload import ACCEPT, limit_text, read_upload
from explorer.model.scenario import Scenario

READING_GUIDE = (
    "Switch concessions on and off at the left (hover one for what it is and the quote behind it) and watch "
    "the figures move. Positions are points on each issue's 0–100 scale; a party's <b>red lines</b> bound what "
    "it can accept. The <b>veto parties</b> must all agree to a deal: where their red lines overlap on an issue "
    "there is a zone of agreement, where they do not there is a <b>red-line gap</b>."
)
MAX_UPLOADS = 5  # a viewer's own files kept in the picker (the oldest goes first)
log = logging.getLogger(__name__)


def header_html(scenario: Scenario) -> str:
    """The scenario's title, date, sources and veto parties, and how to read the dashboard."""
    sources = "; ".join(html.escape(s.title) for s in scenario.data.sources) or "none listed"
    veto = [p.name for p in scenario.parties if p.veto]
    return (f'<div class="explorer-header"><h2>{html.escape(scenario.title)}</h2>'
            f"<p>Coded as of <b>{scenario.data.as_of.isoformat()}</b> · Sources: {sources} · "
            f"Veto parties: {html.escape(', '.join(veto))}</p><p>{READING_GUIDE}</p></div>")


def entry_key(entry: Entry) -> tuple:
    """What identifies an entry of the picker across two readings of the folder."""
    return entry.uploaded, str(entry.path)


class ScenarioSection:
    """Which scenario is on screen: its picker (folder files and this viewer's own), header and problems.

    Parameters
    ----------
    folder
        The scenario folder (resolved).
    opened
        Called with the scenario picked, or None when the file picked cannot be shown.
    emptied
        Called when there is nothing to list at all (an empty folder and no file of the viewer's).

    Attributes
    ----------
    entries : list of Entry
        What the picker lists, in its order: the folder's files, then this viewer's.
    uploads : list of Entry
        This viewer's own files, in memory only (at most ``MAX_UPLOADS``).
    row : ipywidgets.HBox
        The picker and the "Open a file…" control, as the page shows them.
    """

    def __init__(self, folder: Path, opened: Callable[[Scenario | None], None], emptied: Callable[[], None]):
        self.folder = folder
        self.opened, self.emptied = opened, emptied
        self.uploads: list[Entry] = []
        self.entries: list[Entry] = list_scenarios(self.folder)
        self.updating = False  # the picker is being changed here: its observer lets it be
        self.picker = w.Dropdown(options=self.picker_options(), layout=w.Layout(width="auto", flex="1 1 auto"))
        self.picker.add_class("scenario-picker")
        self.upload = w.FileUpload(accept=ACCEPT, multiple=False, description="Open a file…", icon="folder-open",
                                   tooltip=f"Open a scenario of your own (YAML, JSON, DECIDE or BDM; at most "
                                           f"{limit_text()}) in this page only: it is not saved on the server")
        self.upload.add_class("scenario-upload")
        self.upload_message = w.HTML()
        self.header = w.HTML()
        self.error = w.HTML()
        self.row = w.HBox([w.HTML("<b>Scenario&nbsp;</b>"), self.picker, self.upload], layout=w.Layout(width="100%"))
        self.row.add_class("scenario-row")
        self.picker.observe(lambda change: self.select(change["new"]), names="value")
        self.upload.observe(self.on_upload, names="value")

    # -- the list ----------------------------------------------------------------
    def picker_options(self) -> list[tuple[str, int]]:
        """The picker's options: each entry's label and its index."""
        return [(e.label, k) for k, e in enumerate(self.entries)]

    def start_index(self, start: str | None) -> int:
        """The entry shown first: ``start`` (or ``EXPLORER_START``) if it names a folder file, else the seed
        or the first valid one (:func:`explorer.app.catalog.start_index`)."""
        return start_index(self.entries, start or os.environ.get(ENV_START))

    def rescan(self) -> None:
        """Read the folder again (a page has just shown the dashboard): new files join the picker.

        The scenario on screen stays as it is, so nothing a viewer has switched on is lost.
        """
        self.relist(list_scenarios(self.folder) + self.uploads)

    def relist(self, entries: list[Entry]) -> None:
        """Put ``entries`` in the picker; the scenario on screen stays selected (and drawn) when listed."""
        current = (entry_key(self.entries[self.picker.value])
                   if self.entries and self.picker.value is not None else None)
        if [(entry_key(e), e.label) for e in entries] == [(entry_key(e), e.label) for e in self.entries]:
            self.entries = entries
            return
        self.updating = True
        try:
            self.entries = entries
            keys = [entry_key(e) for e in entries]
            index = keys.index(current) if current in keys else None
            self.picker.options = self.picker_options()
            if index is not None:
                self.picker.value = index
        finally:
            self.updating = False
        if current not in [entry_key(e) for e in entries]:
            self.select(self.start_index(None))

    # -- a viewer's own file -------------------------------------------------------
    def on_upload(self, change: dict) -> None:
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
        self.relist([e for e in self.entries if not e.uploaded] + uploads)
        self.select(len(self.entries) - 1)
        return entry

    # -- the scenario on screen ------------------------------------------------------
    def select(self, index: int | None) -> None:
        """Show the scenario at ``index`` of the picker (or its problems)."""
        if self.updating or index is None:
            return
        if not self.entries:
            self.error.value = f'<div class="scenario-error">No scenario files in {html.escape(self.folder.name)}/</div>'
            self.emptied()
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
            self.header.value = ""
            self.opened(None)
            return
        self.error.value = ""
        self.header.value = header_html(entry.scenario)
        self.opened(entry.scenario)
