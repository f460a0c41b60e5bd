"""The scenario builder: widgets over a :class:`~explorer.builder.draft.Draft`.

Every keystroke edits the draft, autosaves it and refreshes the message beside
each field. Numbers are typed as text so that half-typed or wrong input is kept
in the draft (and reported) rather than silently replaced. Saving validates,
asks before replacing an existing file, and writes atomically.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from explorer.app.paths import scenario_dir
from explorer.builder.draft import SECTIONS, Draft
from explorer.builder.store import BuilderStore, OverwriteNeeded
from explorer.errors import ScenarioError, format_path

TEXT, NUMBER, FLAG, LIST = "text", "number", "flag", "list"
FIELDS: dict[str, list[tuple[str, str]]] = {
    "sources": [("id", TEXT), ("title", TEXT), ("note", TEXT), ("url", TEXT)],
    "parties": [("id", TEXT), ("name", TEXT), ("capability", NUMBER), ("veto", FLAG), ("reservation", NUMBER),
                ("note", TEXT)],
    "issues": [("id", TEXT), ("name", TEXT), ("low", TEXT), ("high", TEXT), ("description", TEXT)],
    "stances": [("party", TEXT), ("issue", TEXT), ("position", NUMBER), ("salience", NUMBER),
                ("acceptable.0", NUMBER), ("acceptable.1", NUMBER), ("uncertainty", NUMBER),
                ("source", TEXT), ("quote", TEXT), ("note", TEXT)],
    "concessions": [("id", TEXT), ("party", TEXT), ("title", TEXT), ("description", TEXT), ("source", TEXT),
                    ("quote", TEXT), ("note", TEXT), ("changes.0.issue", TEXT), ("changes.0.position", NUMBER),
                    ("changes.0.acceptable.0", NUMBER), ("changes.0.acceptable.1", NUMBER),
                    ("requires", LIST), ("excludes", LIST)],
}
LABELS = {"acceptable.0": "red line lo", "acceptable.1": "red line hi", "changes.0.issue": "change: issue",
          "changes.0.position": "change: position", "changes.0.acceptable.0": "change: red line lo",
          "changes.0.acceptable.1": "change: red line hi"}
STYLE = """<style>
.field-message {color: #b34700; font-size: 11px; line-height: 1.2; min-height: 0;}
.item-box {border: 1px solid #ddd; border-radius: 6px; padding: 4px 8px; margin: 4px 0;}
.builder-status {padding: 4px 0;}
</style>"""


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


class Builder:
    """The builder app; ``.widget`` is what the notebook displays."""

    def __init__(self, scenarios: str | Path | None = None, drafts: str | Path | None = None):
        self.store = BuilderStore(scenarios or scenario_dir(), drafts)
        self.messages: list[tuple[tuple, w.HTML, bool]] = []
        self.status = w.HTML()
        self.status.add_class("builder-status")
        self.new_button = w.Button(description="New scenario", icon="file")
        self.open_picker = w.Dropdown(description="Open", options=self._files(), layout=w.Layout(width="320px"))
        self.open_button = w.Button(description="Open", icon="folder-open")
        self.save_button = w.Button(description="Save", icon="save", button_style="primary")
        self.confirm = w.HBox()
        self.editor = w.VBox()
        self.new_button.on_click(lambda _: self.start(Draft.new()))
        self.open_button.on_click(lambda _: self.open(self.open_picker.value))
        self.save_button.on_click(lambda _: self.save())
        bar = w.HBox([self.new_button, self.open_picker, self.open_button, self.save_button])
        self.widget = w.VBox([w.HTML(STYLE), bar, self.status, self.confirm, self.editor])
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
        self.confirm.children = ()
        self._render()
        self._say(note or "Editing a new scenario; every change is autosaved as a draft.")

    def open(self, name: str | None) -> None:
        if not name:
            return
        try:
            self.start(self.store.open(name), note=f"Opened {name}; saving asks before replacing it.")
        except ScenarioError as error:
            self._say("Cannot open it:<br>" + "<br>".join(html.escape(str(p)) for p in error.problems), bad=True)

    def save(self, overwrite: bool = False) -> Path | None:
        self.confirm.children = ()
        try:
            path = self.store.save(self.draft, overwrite=overwrite)
        except ScenarioError:
            count = len(self.draft.problems)
            self._say(f"Not saved: {count} problem{'s' if count != 1 else ''} to fix (marked below). "
                      "Your draft is kept and autosaved.", bad=True)
            return None
        except OverwriteNeeded as ask:
            yes = w.Button(description=f"Replace {ask.path.name}", button_style="danger")
            no = w.Button(description="Cancel")
            yes.on_click(lambda _: self.save(overwrite=True))
            no.on_click(lambda _: self._cancel_overwrite())
            self.confirm.children = (w.HTML(f"<b>{html.escape(ask.path.name)} exists.</b>&nbsp;"), yes, no)
            self._say("Confirm to replace the existing file.")
            return None
        except OSError as error:
            self._say(f"Not saved: {html.escape(str(error))}. Your draft is kept and autosaved.", bad=True)
            return None
        self.open_picker.options = self._files()
        self._say(f"Saved {html.escape(path.name)} in {html.escape(str(path.parent))}; "
                  "it now appears in the dashboard's scenario picker.")
        return path

    def _cancel_overwrite(self) -> None:
        self.confirm.children = ()
        self._say("Not saved; your draft is kept.")

    def _say(self, text: str, bad: bool = False) -> None:
        colour = "#b34700" if bad else "#1b5e20"
        self.status.value = f'<span style="color:{colour}">{text}</span>'

    # -- editing ---------------------------------------------------------------
    def edit(self, path: tuple, value: Any) -> None:
        """Apply one edit (what typing in a field does), autosave, refresh messages."""
        self.draft.set(path, value)
        self.store.autosave(self.draft)
        self._refresh_messages()

    def add(self, section: str) -> None:
        self.draft.add(section)
        self.store.autosave(self.draft)
        self._render()

    def remove(self, section: str, index: int) -> None:
        self.draft.remove(section, index)
        self.store.autosave(self.draft)
        self._render()

    # -- widgets -----------------------------------------------------------------
    def _field(self, label: str, path: tuple, kind: str) -> w.Widget:
        value = self.draft.get(path)
        message = w.HTML()
        message.add_class("field-message")
        self.messages.append((path, message, False))
        if kind == FLAG:
            box = w.Checkbox(value=bool(value), description=label, indent=False)
            box.observe(lambda c: self.edit(path, bool(c["new"])), names="value")
        else:
            box = w.Text(value=_shown(value), description=label, continuous_update=True,
                         layout=w.Layout(width="290px"), style={"description_width": "105px"})
            convert: Callable[[str], Any] = {
                TEXT: lambda t: t,
                NUMBER: parse_number,
                LIST: lambda t: [part.strip() for part in t.split(",") if part.strip()],
            }[kind]
            box.observe(lambda c: self.edit(path, convert(c["new"])), names="value")
        box.add_class("builder-field")
        return w.VBox([box, message], layout=w.Layout(margin="0 6px 0 0"))

    def _message_for(self, path: tuple, exact: bool) -> w.HTML:
        message = w.HTML()
        message.add_class("field-message")
        self.messages.append((path, message, exact))
        return message

    def _item(self, section: str, index: int) -> w.Widget:
        item = self.draft.data[section][index]
        for field in ("acceptable",):
            if section == "stances" and not isinstance(item.get(field), list):
                item[field] = [0.0, 100.0]
        if section == "concessions":
            changes = item.setdefault("changes", [{}])
            if not changes:
                changes.append({})
            if not isinstance(changes[0].get("acceptable"), list):
                changes[0].pop("acceptable", None)
        fields = []
        for field, kind in FIELDS[section]:
            if field.startswith("changes.0.acceptable") and "acceptable" not in item["changes"][0]:
                if field.endswith(".0"):
                    button = w.Button(description="+ red lines", layout=w.Layout(width="110px"))
                    button.on_click(lambda _, i=index: self._add_change_redlines(i))
                    fields.append(button)
                continue
            fields.append(self._field(LABELS.get(field, field), _path(section, index, field), kind))
        remove = w.Button(description="Remove", icon="trash", layout=w.Layout(width="100px"))
        remove.on_click(lambda _: self.remove(section, index))
        box = w.VBox([w.HBox([w.HTML(f"<b>{section[:-1] if section != 'parties' else 'party'} {index + 1}</b>"),
                              remove]),
                      self._message_for((section, index), exact=True),
                      w.Box(fields, layout=w.Layout(flex_flow="row wrap"))])
        box.add_class("item-box")
        return box

    def _add_change_redlines(self, index: int) -> None:
        self.draft.set(("concessions", index, "changes", 0, "acceptable"), [0.0, 100.0])
        self.store.autosave(self.draft)
        self._render()

    def _render(self) -> None:
        self.messages = []
        head = [self._field(name, (name,), TEXT) for name in ("id", "title", "as_of", "description")]
        sections = []
        for section in SECTIONS:
            add = w.Button(description=f"Add {section[:-1] if section != 'parties' else 'party'}", icon="plus")
            add.on_click(lambda _, s=section: self.add(s))
            items = [self._item(section, k) for k in range(len(self.draft.data.get(section, [])))]
            sections.append(w.VBox([self._message_for((section,), exact=True), *items, add]))
        tabs = w.Tab(children=sections)
        for k, section in enumerate(SECTIONS):
            tabs.set_title(k, section.capitalize())
        self.tabs = tabs
        self.editor.children = (w.HTML("<b>Scenario</b>"), w.Box(head, layout=w.Layout(flex_flow="row wrap")),
                                self._message_for((), exact=True), tabs)
        self._refresh_messages()

    def _refresh_messages(self) -> None:
        for path, widget, exact in self.messages:
            found = self.draft.messages(path, exact=exact)
            if not exact:  # a field's own message, plus those of its parts (acceptable[0], …)
                found = [f"{format_path(p.path[len(path):]) + ': ' if len(p.path) > len(path) else ''}{p.message}"
                         for p in self.draft.problems if p.path[: len(path)] == path]
            widget.value = "<br>".join(html.escape(m) for m in found)
        count = len(self.draft.problems)
        self.save_button.description = "Save" if not count else f"Save ({count} to fix)"


def builder(scenarios: str | Path | None = None) -> w.Widget:
    """Build the scenario builder and return its widget."""
    return Builder(scenarios).widget
