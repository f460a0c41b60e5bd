"""The concession list: one anywidget for every concession of a scenario.

One model instead of a checkbox, a label and buttons per concession: the page
creates a handful of widget models whatever the scenario's size, and each item can
show a hover card with the concession's description and its quote (an ipywidgets
Checkbox shows its own label as the tooltip). The rules (requires/excludes, who
switches what off) stay in Python: the page only reports what the viewer clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

HERE = Path(__file__).resolve().parent
MAX_ACTIVE = 500  # longest ``active`` list taken from a page


class ConcessionList(anywidget.AnyWidget):
    """Checkboxes grouped by party. ``groups`` is what to list, ``active`` what is on, ``blocked`` why not.

    ``groups``: ``[{"party", "name", "colour", "items": [{"id", "title", "cost_text",
    "cost_help", "description", "evidence_kind", "evidence"}]}]``.
    """

    _esm = (HERE / "concessions.js").read_text(encoding="utf-8")
    _css = (HERE / "concessions.css").read_text(encoding="utf-8")
    page_settable = frozenset({"active"})  #: what a page may change (explorer.app.page_guard)
    groups = t.List().tag(sync=True)
    active = t.List(t.Unicode()).tag(sync=True)
    blocked = t.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._party_handlers: list[Callable[[str, bool], None]] = []
        self.on_msg(self._receive)

    @property
    def ids(self) -> list[str]:
        return [item["id"] for group in self.groups for item in group["items"]]

    def on_party(self, handler: Callable[[str, bool], None]) -> None:
        """Call ``handler(party_id, on)`` when a viewer clicks a party's "all" or "none"."""
        self._party_handlers.append(handler)

    @t.validate("active")
    def _known_only(self, proposal):
        """Whatever a page sends, keep only known ids, once each, in list order."""
        wanted = set(list(proposal["value"])[:MAX_ACTIVE])
        return [cid for cid in self.ids if cid in wanted]

    def _receive(self, _widget, content: Any, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "party":
            return
        party, on = content.get("party"), content.get("on")
        if isinstance(party, str) and isinstance(on, bool) and party in {g["party"] for g in self.groups}:
            for handler in list(self._party_handlers):
                handler(party, on)
