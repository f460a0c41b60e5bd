"""The scenario builder: widgets over a :class:`~explorer.builder.draft.Draft`.

Every keystroke edits the draft, autosaves it and refreshes the message beside
each field. Numbers are typed as text so that half-typed or wrong input is kept
in the draft (and reported) rather than silently replaced. References (a stance's
party, issue and source, a concession's party, changes, requires and excludes) are
dropdowns of the ids that exist. Saving validates; with problems it opens the first
tab that has one and focuses its field; it asks before replacing an existing file,
and writes atomically. The logic lives in :mod:`explorer.builder`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from explorer.app.page_guard import close_widgets, guard_kernel, guard_widgets
from explorer.app.paths import scenario_dir
from explorer.builder.draft import HEAD, ID_SECTIONS, SECTIONS, Draft
from explorer.builder.importing import IMPORT_SUFFIXES, draft_from_upload
from explorer.builder.store import BuilderStore, OverwriteNeeded
from explorer.errors import Problem, ScenarioError, format_path

TEXT, NUMBER, FLAG, REF, REFS = "text", "number", "flag", "ref", "refs"
FIELDS: dict[str, list[tuple[str, str]]] = {
    "sources": [("id", TEXT), ("title", TEXT), ("note", TEXT), ("url", TEXT)],
    "parties": [("id", TEXT), ("name", TEXT), ("capability", NUMBER), ("veto", FLAG), ("reservation", NUMBER),
                ("note", TEXT)],
    "issues": [("id", TEXT), ("name", TEXT), ("low", TEXT), ("high", TEXT), ("description", TEXT)],
    "stances": [("party", REF), ("issue", REF), ("position", NUMBER), ("salience", NUMBER),
                ("acceptable.0", NUMBER), ("acceptable.1", NUMBER), ("uncertainty", NUMBER),
                ("source", REF), ("quote", TEXT), ("note", TEXT)],
    "concessions": [("id", TEXT), ("party", REF), ("title", TEXT), ("description", TEXT), ("source", REF),
                    ("quote", TEXT), ("note", TEXT), ("requires", REFS), ("excludes", REFS)],
}
CHANGE_FIELDS = [("issue", REF), ("position", NUMBER), ("acceptable.0", NUMBER), ("acceptable.1", NUMBER)]
LABELS = {"acceptable.0": "red line lo", "acceptable.1": "red line hi"}
SINGULAR = {"sources": "source", "parties": "party", "issues": "issue", "stances": "stance",
            "concessions": "concession"}
NONE_CHOSEN = "— choose —"
STYLE = f"<style>\n{Path(__file__).with_name('builder.css').read_text(encoding='utf-8')}</style>"
"""The builder's style sheet (``builder.css``), as the ``<style>`` element the page is given first."""
AUTO = {"width": "auto"}


def parse_number(text: str) -> Any:
    """A number when the text is one; the text itself otherwise (kept, and reported).

    >>> parse_number("12.5"), parse_number(" 3 "), parse_number("abc"), parse_number("")
    (12.5, 3.0, 'abc', None)
    """
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _path(section: str, index: int, field: str) -> tuple:
    return (section, index, *(int(p) if p.isdigit() else p for p in field.split(".")))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def button(description: str, **kwargs: Any) -> w.Button:
    """A button as wide as its label (ipywidgets' fixed width cuts long labels short)."""
    return w.Button(description=description, layout=w.Layout(**AUTO), **kwargs)


def _options(choices: list[str], current: Any) -> list[tuple[str, str]]:
    """Dropdown options: a blank choice, the known ids, and the current value when unknown."""
    options = [(NONE_CHOSEN, "")] + [(c, c) for c in choices]
    if isinstance(current, str) and current and current not in choices:
        options.append((f"{current} (unknown)", current))
    return options


def _multi_options(choices: list[str], current: Any) -> list[tuple[str, str]]:
    chosen = [c for c in current if isinstance(c, str)] if isinstance(current, list) else []
    return [(c, c) for c in choices] + [(f"{c} (unknown)", c) for c in chosen if c not in choices]


class Builder:
    """The builder app; ``.widget`` is what the notebook displays."""

    def __init__(self, scenarios: str | Path | None = None, drafts: str | Path | None = None):
        self.store = BuilderStore(scenarios or scenario_dir(), drafts)
        self.messages: list[tuple[tuple, w.HTML, bool]] = []
        self.inputs: dict[tuple, w.Widget] = {}
        self.refs: list[tuple[w.Widget, tuple, str, str, int]] = []
        self.add_buttons: dict[str, w.Button] = {}
        self.focused: tuple | None = None
        self._quiet = False
        self.status = w.HTML()
        self.status.add_class("builder-status")
        self.new_button = button("New scenario", icon="file")
        self.open_picker = w.Dropdown(description="Open", options=self._files(),
                                      layout=w.Layout(width="auto", min_width="180px"),
                                      style={"description_width": "initial"})
        self.open_button = button("Open", icon="folder-open")
        self.upload = w.FileUpload(description="Import…", accept=",".join(IMPORT_SUFFIXES), multiple=False,
                                   icon="upload", layout=w.Layout(**AUTO),
                                   tooltip="Bring in a DECIDE file, a BDM CSV or a scenario file as a draft")
        self.save_button = button("Save", icon="save", button_style="primary")
        self.confirm = w.HBox()
        self.head = w.Box(layout=w.Layout(flex_flow="row wrap"))
        self.head_message = w.HTML()
        self.tabs = w.Tab()
        self.new_button.on_click(lambda _: self.start(Draft.new()))
        self.open_button.on_click(lambda _: self.open(self.open_picker.value))
        self.save_button.on_click(lambda _: self.save())
        self.upload.observe(self._uploaded, names="value")
        bar = w.HBox([self.new_button, self.open_picker, self.open_button, self.upload, self.save_button],
                     layout=w.Layout(flex_flow="row wrap"))
        self.editor = w.VBox([w.HTML("<b>Scenario</b>"), self.head, self.head_message, self.tabs])
        self.widget = w.VBox([w.HTML(STYLE), bar, self.status, self.confirm, self.editor])
        self.widget.add_class("scenario-builder")
        saved = self.store.saved_drafts()
        if saved:  # reopening the builder brings back the last autosaved draft
            self.start(self.store.restore(saved[0].key), note=f"Restored your autosaved draft “{saved[0].title}”.")
        else:
            self.start(Draft.new())

    def _files(self) -> list[str]:
        return sorted(p.name for p in self.store.scenarios.glob("*.yaml"))

    # -- lifecycle -----------------------------------------------------------
    def start(self, draft: Draft, note: str = "") -> None:
        self.draft = draft
        close_widgets(self.confirm.children, keep=self.widget)
        self.confirm.children = ()
        self._render(SECTIONS[0])
        self._say(note or "Editing a new scenario; every change is autosaved as a draft.")

    def open(self, name: str | None) -> None:
        if not name:
            return
        try:
            self.start(self.store.open(name), note=f"Opened {name}; saving asks before replacing it.")
        except ScenarioError as error:
            self._say("Cannot open it:<br>" + "<br>".join(html.escape(str(p)) for p in error.problems), bad=True)

    def import_file(self, name: str, content: bytes) -> bool:
        """Bring a DECIDE, BDM or scenario file in as a new draft (the current one stays autosaved)."""
        try:
            draft = draft_from_upload(name, content)
        except ScenarioError as error:
            problems = list(error.problems)
            shown = "<br>".join(html.escape(str(p)) for p in problems[:20])
            more = f"<br>… and {len(problems) - 20} more" if len(problems) > 20 else ""
            self._say(f"Cannot import {html.escape(name)}; your draft is unchanged:<br>{shown}{more}", bad=True)
            return False
        except Exception as error:  # noqa: BLE001 - a reader's bug must not cost the user the draft
            self._say(f"Cannot import {html.escape(name)} ({html.escape(type(error).__name__)}: "
                      f"{html.escape(str(error))}); your draft is unchanged.", bad=True)
            return False
        self.start(draft)
        self._changed()  # autosaved at once, with what the form filled in (default red lines)
        count = len(draft.problems)
        todo = f" {count} problem{'s' if count != 1 else ''} to fix before saving." if count else ""
        self._say(f"Imported {html.escape(name)} as a new draft (autosaved).{todo}")
        return True

    def _uploaded(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        first = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        try:
            self.import_file(first["name"], bytes(first["content"]))
        finally:
            self.upload.value = ()  # the same file can be imported again

    def save(self, overwrite: bool = False) -> Path | None:
        close_widgets(self.confirm.children, keep=self.widget)
        self.confirm.children = ()
        try:
            path = self.store.save(self.draft, overwrite=overwrite)
        except ScenarioError:
            count = len(self.draft.problems)
            first = self.draft.first_problem()
            where = self.show_problem(first) if first else ""
            self._say(f"Not saved: {count} problem{'s' if count != 1 else ''} to fix. "
                      f"The first is shown{where}: {html.escape(first.message if first else '')}. "
                      "Each tab's title counts its problems. Your draft is kept and autosaved.", bad=True)
            return None
        except OverwriteNeeded as ask:
            yes = button(f"Replace {ask.path.name}", button_style="danger")
            no = button("Cancel")
            yes.on_click(lambda _: self.save(overwrite=True))
            no.on_click(lambda _: self._cancel_overwrite())
            self.confirm.children = (w.HTML(f"<b>{html.escape(ask.path.name)} exists.</b>&nbsp;"), yes, no)
            guard_widgets(self.confirm)
            self._say("Confirm to replace the existing file.")
            return None
        except OSError as error:
            self._say(f"Not saved: {html.escape(str(error))}. Your draft is kept and autosaved.", bad=True)
            return None
        self.open_picker.options = self._files()
        self._say(f"Saved {html.escape(path.name)} in {html.escape(str(path.parent))}; "
                  "it now appears in the dashboard's scenario picker.")
        return path

    def show_problem(self, problem: Problem) -> str:
        """Open the tab of ``problem`` and focus its field; returns where, in words."""
        place = Draft.place(problem)
        if place != HEAD:
            self.tabs.selected_index = SECTIONS.index(place)
        target = self._input_for(problem.path)
        if target is not None:
            path, widget = target
            self.focused = path
            widget.focus()
            return f" in {place if place != HEAD else 'the scenario fields'} at {html.escape(format_path(path))}"
        if place != HEAD and place in self.add_buttons:
            self.focused = (place,)
            self.add_buttons[place].focus()
        return f" in {place if place != HEAD else 'the scenario fields'}"

    def _input_for(self, path: tuple) -> tuple[tuple, w.Widget] | None:
        """The input showing ``path``: the deepest one above it, else the first one below it."""
        above = [p for p in self.inputs if p == path[: len(p)]]
        if above:
            best = max(above, key=len)
            return best, self.inputs[best]
        below = [p for p in self.inputs if p[: len(path)] == path]
        return (below[0], self.inputs[below[0]]) if below and path else None

    def _cancel_overwrite(self) -> None:
        close_widgets(self.confirm.children, keep=self.widget)
        self.confirm.children = ()
        self._say("Not saved; your draft is kept.")

    def _say(self, text: str, bad: bool = False) -> None:
        colour = "#b34700" if bad else "#1b5e20"
        self.status.value = f'<span style="color:{colour}">{text}</span>'

    # -- editing ---------------------------------------------------------------
    def edit(self, path: tuple, value: Any) -> None:
        """Apply one edit (what typing in a field does), autosave, refresh messages."""
        if self._quiet:
            return
        section = path[0] if path else None
        if len(path) == 3 and path[2] == "id" and section in ID_SECTIONS:
            self.draft.rename(section, path[1], value)  # references follow the id
        else:
            self.draft.set(path, value)
        self._changed()
        if path[-1] == "id" or path[-1] == "party":
            self._refresh_refs()

    def _changed(self) -> None:
        try:
            self.store.autosave(self.draft)
        except OSError as error:  # the edit stays in the draft; say that it is not on disk
            self._say(f"Could not autosave: {html.escape(str(error))}", bad=True)
        self._refresh_messages()

    def add(self, section: str) -> None:
        index = self.draft.add(section)
        self._changed()
        self._render(section)
        first = next((p for p in self.inputs if p[:2] == (section, index)), None)
        if first is not None:
            self.inputs[first].focus()

    def remove(self, section: str, index: int) -> None:
        self.draft.remove(section, index)
        self._changed()
        self._render(section)

    def add_change(self, index: int) -> None:
        self.draft.add_change(index)
        self._changed()
        self._render("concessions")

    def remove_change(self, index: int, change: int) -> None:
        self.draft.remove_change(index, change)
        self._changed()
        self._render("concessions")

    def _add_change_redlines(self, index: int, change: int) -> None:
        self.draft.set(("concessions", index, "changes", change, "acceptable"), [0.0, 100.0])
        self._changed()
        self._render("concessions")

    # -- widgets -----------------------------------------------------------------
    def _field(self, label: str, path: tuple, kind: str, section: str = "", ref: str = "") -> w.Widget:
        value = self.draft.get(path)
        message = w.HTML()
        message.add_class("field-message")
        self.messages.append((path, message, False))
        style = {"description_width": "initial"}
        box: w.Widget
        if kind == FLAG:
            box = w.Checkbox(value=bool(value), description=label, indent=False, layout=w.Layout(**AUTO))
            box.observe(lambda c: self.edit(path, bool(c["new"])), names="value")
        elif kind == REF:
            choices = self.draft.choices(section, ref or path[-1], path[1])
            box = w.Dropdown(options=_options(choices, value), value=value if isinstance(value, str) else "",
                             description=label, layout=w.Layout(width="auto", min_width="200px"), style=style)
            box.observe(lambda c: self.edit(path, c["new"]), names="value")
            self.refs.append((box, path, section, ref or path[-1], path[1]))
        elif kind == REFS:
            choices = self.draft.choices(section, path[-1], path[1])
            box = w.SelectMultiple(options=_multi_options(choices, value), value=tuple(value or ()), rows=3,
                                   description=label, layout=w.Layout(width="auto", min_width="200px"), style=style)
            box.observe(lambda c: self.edit(path, list(c["new"])), names="value")
            self.refs.append((box, path, section, path[-1], path[1]))
        else:
            box = w.Text(value=_shown(value), description=label, continuous_update=True,
                         layout=w.Layout(width="290px"), style=style)
            convert: Callable[[str], Any] = {TEXT: lambda t: t, NUMBER: parse_number}[kind]
            box.observe(lambda c: self.edit(path, convert(c["new"])), names="value")
        box.add_class("builder-field")
        box.add_class("field-" + "-".join(map(str, path)))  # e.g. field-stances-0-party: a stable hook for tests
        self.inputs[path] = box
        return w.VBox([box, message], layout=w.Layout(margin="0 6px 0 0"))

    def _message_for(self, path: tuple, exact: bool) -> w.HTML:
        message = w.HTML()
        message.add_class("field-message")
        self.messages.append((path, message, exact))
        return message

    def _item(self, section: str, index: int) -> w.Widget:
        item = self.draft.data[section][index]
        if section == "stances" and not isinstance(item.get("acceptable"), list):
            item["acceptable"] = [0.0, 100.0]
        fields = [self._field(LABELS.get(field, field), _path(section, index, field), kind, section)
                  for field, kind in FIELDS[section]]
        remove = button("Remove", icon="trash")
        remove.on_click(lambda _: self.remove(section, index))
        parts = [w.HBox([w.HTML(f"<b>{SINGULAR[section]} {index + 1}</b>"), remove]),
                 self._message_for((section, index), exact=True),
                 w.Box(fields, layout=w.Layout(flex_flow="row wrap"))]
        if section == "concessions":
            parts.append(self._changes(index))
        box = w.VBox(parts)
        box.add_class("item-box")
        return box

    def _changes(self, index: int) -> w.Widget:
        """One row per change of concession ``index`` (each on its own issue), with add/remove."""
        item = self.draft.data["concessions"][index]
        if not isinstance(item.get("changes"), list):
            item["changes"] = []
        rows = [w.HTML("<b>changes</b> (each sets the party's stance on one issue)"),
                self._message_for(("concessions", index, "changes"), exact=True)]
        for k, change in enumerate(item["changes"]):
            if not isinstance(change, dict):
                continue
            if "acceptable" in change and not isinstance(change["acceptable"], list):
                change.pop("acceptable")
            fields: list[w.Widget] = []
            for field, kind in CHANGE_FIELDS:
                if field.startswith("acceptable") and "acceptable" not in change:
                    if field.endswith(".0"):
                        more = button("+ red lines")
                        more.on_click(lambda _, i=index, c=k: self._add_change_redlines(i, c))
                        fields.append(more)
                    continue
                path = ("concessions", index, "changes", k, *_path("", 0, field)[2:])
                fields.append(self._field(LABELS.get(field, field), path, kind, "concessions",
                                          "changes.issue" if field == "issue" else ""))
            drop = button("Remove change", icon="minus")
            drop.on_click(lambda _, i=index, c=k: self.remove_change(i, c))
            row = w.VBox([w.Box([*fields, drop], layout=w.Layout(flex_flow="row wrap")),
                          self._message_for(("concessions", index, "changes", k), exact=True)])
            row.add_class("change-box")
            rows.append(row)
        more = button("Add change", icon="plus")
        more.on_click(lambda _: self.add_change(index))
        rows.append(more)
        return w.VBox(rows)

    def _render(self, section: str | None = None) -> None:
        """Rebuild the fields; the tab being edited (or ``section``'s) stays open. The fields they
        replace are closed (else every rebuild would leave ~100 widgets in the kernel and the page)."""
        keep = self.tabs.selected_index
        replaced = [self.tabs, self.head_message, *self.head.children]
        self.messages, self.inputs, self.refs, self.add_buttons = [], {}, [], {}
        self.head.children = [self._field(name, (name,), TEXT) for name in ("id", "title", "as_of", "description")]
        self.head_message = self._message_for((), exact=True)
        pages = []
        for name in SECTIONS:
            add = button(f"Add {SINGULAR[name]}", icon="plus")
            add.on_click(lambda _, s=name: self.add(s))
            self.add_buttons[name] = add
            items = [self._item(name, k) for k in range(len(self.draft.data.get(name, [])))]
            pages.append(w.VBox([self._message_for((name,), exact=True), *items, add]))
        # A new Tab each time, created with its page chosen: a Tab whose children are replaced
        # keeps its selected_index in the kernel while the browser shows the first page.
        index = SECTIONS.index(section) if section else (keep or 0)
        self.tabs = w.Tab(children=pages, selected_index=index, titles=self._tab_titles())
        self.editor.children = (*self.editor.children[:2], self.head_message, self.tabs)
        self._refresh_messages()
        close_widgets(replaced, keep=self.widget)
        guard_widgets(self.widget)  # a page may set only what its controls set (explorer.app.page_guard)

    def _tab_titles(self, counts: dict[str, int] | None = None) -> tuple[str, ...]:
        """Each tab's title, with its count of problems ("Parties (2)")."""
        counts = counts if counts is not None else self.draft.problem_counts()
        return tuple(f"{name.capitalize()} ({counts[name]})" if counts[name] else name.capitalize()
                     for name in SECTIONS)

    def _refresh_refs(self) -> None:
        """Offer the ids that exist now in every reference dropdown (and show renamed values)."""
        self._quiet = True
        try:
            for box, path, section, field, index in self.refs:
                value = self.draft.get(path)
                choices = self.draft.choices(section, field, index)
                if isinstance(box, w.SelectMultiple):
                    options = _multi_options(choices, value)
                    if list(box.options) != options:
                        box.options = options
                    box.value = tuple(v for v in (value or ()) if isinstance(v, str))
                else:
                    options = _options(choices, value)
                    if list(box.options) != options:
                        box.options = options
                    box.value = value if isinstance(value, str) else ""
        finally:
            self._quiet = False

    def _refresh_messages(self) -> None:
        for path, widget, exact in self.messages:
            found = self.draft.messages(path, exact=exact)
            if not exact:  # a field's own message, plus those of its parts (acceptable[0], …)
                found = [f"{format_path(p.path[len(path):]) + ': ' if len(p.path) > len(path) else ''}{p.message}"
                         for p in self.draft.problems if p.path[: len(path)] == path]
            widget.value = "<br>".join(html.escape(m) for m in found)
        counts = self.draft.problem_counts()
        self.tabs.titles = self._tab_titles(counts)
        count = sum(counts.values())
        self.save_button.description = "Save" if not count else f"Save ({count} to fix)"


def builder(scenarios: str | Path | None = None) -> w.Widget:
    """Build the scenario builder and return its widget (what its notebook displays).

    Its notebook holds nothing else, so the kernel-wide page rules apply too: a page may not create
    widgets or close the builder's comms (:func:`explorer.app.page_guard.guard_kernel`).
    """
    guard_kernel()
    return Builder(scenarios).widget
