"""A scenario being edited: raw data that may be invalid, with its problems by field.

``Draft`` never refuses an edit: invalid input is kept (that is what a draft is
for) and reported through :meth:`Draft.messages`, which the builder shows beside
each field. :meth:`Draft.scenario` gives the validated scenario once it is valid.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from typing import Any

from explorer.errors import Path, Problem, ScenarioError
from explorer.io.loader import scenario_from_mapping
from explorer.io.writer import scenario_mapping
from explorer.model.scenario import Scenario

SECTIONS = ("sources", "parties", "issues", "stances", "concessions")
TEMPLATES: dict[str, dict[str, Any]] = {
    "sources": {"id": "", "title": ""},
    "parties": {"id": "", "name": "", "capability": 50.0, "veto": True, "reservation": 0.0},
    "issues": {"id": "", "name": "", "low": "", "high": ""},
    "stances": {"party": "", "issue": "", "position": 50.0, "salience": 50.0, "acceptable": [0.0, 100.0],
                "source": "assumption", "note": ""},
    "concessions": {"id": "", "party": "", "title": "", "source": "assumption", "note": "",
                    "changes": [{"issue": "", "position": 50.0}]},
}
# where each kind of id is referred to: (section, field) pairs; "changes" are nested
REFERENCES = {
    "parties": [("stances", "party"), ("concessions", "party")],
    "issues": [("stances", "issue"), ("concessions", "changes.issue")],
    "sources": [("stances", "source"), ("concessions", "source")],
    "concessions": [("concessions", "requires"), ("concessions", "excludes")],
}


class Draft:
    """Editable scenario data.

    Parameters
    ----------
    data : dict
        The raw mapping, as in a scenario file.
    key : str, optional
        A stable name for autosaving (survives changes of the scenario's id).
    target : str, optional
        The file name the draft was opened from, if any.
    """

    def __init__(self, data: dict[str, Any], key: str | None = None, target: str | None = None):
        self.data = data
        self.key = key or uuid.uuid4().hex[:12]
        self.target = target
        self.revision = 0
        self._checked: tuple[int, list[Problem]] | None = None

    # -- construction -----------------------------------------------------
    @classmethod
    def new(cls, scenario_id: str = "new-scenario", title: str = "New scenario") -> Draft:
        today = datetime.date.today().isoformat()
        data = {"id": scenario_id, "title": title, "as_of": today, "description": "",
                **{section: [] for section in SECTIONS}}
        return cls(data)

    @classmethod
    def from_scenario(cls, scenario: Scenario, target: str | None = None) -> Draft:
        data = scenario_mapping(scenario.data)
        for section in SECTIONS:
            data.setdefault(section, [])
        return cls(data, target=target)

    # -- reading ------------------------------------------------------------
    def get(self, path: Path, default: Any = None) -> Any:
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    @property
    def problems(self) -> list[Problem]:
        """Every problem of the draft as it stands (cached per revision)."""
        if self._checked is None or self._checked[0] != self.revision:
            try:
                self._validate()
                problems: list[Problem] = []
            except ScenarioError as error:
                problems = list(error.problems)
            self._checked = (self.revision, problems)
        return self._checked[1]

    def _validate(self) -> Scenario:
        return scenario_from_mapping(_pruned(self.data), limit=None)  # every problem, each beside its field

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def messages(self, path: Path, exact: bool = False) -> list[str]:
        """Problems at ``path`` (and below it unless ``exact``), in words."""
        size = len(path)
        return [p.message for p in self.problems
                if p.path[:size] == tuple(path) and (not exact or len(p.path) == size)]

    def scenario(self) -> Scenario:
        """The validated scenario; raises :class:`ScenarioError` while the draft is invalid."""
        return self._validate()

    # -- editing --------------------------------------------------------------
    def set(self, path: Path, value: Any) -> None:
        """Set one field; ``None`` or an empty string removes an optional field."""
        *parent_path, last = path
        parent = self.get(tuple(parent_path))
        if parent is None:
            raise KeyError(f"no such place: {tuple(parent_path)}")
        if isinstance(parent, dict) and (value is None or value == "") and last not in _KEEP_EMPTY:
            parent.pop(last, None)
        else:
            parent[last] = value
        self.revision += 1

    def add(self, section: str, item: dict[str, Any] | None = None) -> int:
        """Append an item (a template by default) to a section; returns its index."""
        items = self.data.setdefault(section, [])
        items.append(copy.deepcopy(item if item is not None else TEMPLATES[section]))
        self.revision += 1
        return len(items) - 1

    def remove(self, section: str, index: int) -> None:
        del self.data[section][index]
        self.revision += 1

    def rename(self, section: str, index: int, new_id: str) -> None:
        """Change an item's id and every reference to it."""
        old = self.data[section][index].get("id")
        self.data[section][index]["id"] = new_id
        for other, field in REFERENCES.get(section, []):
            for item in self.data.get(other, []):
                if field == "changes.issue":
                    for change in item.get("changes", []):
                        if change.get("issue") == old:
                            change["issue"] = new_id
                elif field in ("requires", "excludes"):
                    item[field] = [new_id if ref == old else ref for ref in item.get(field, [])]
                elif item.get(field) == old:
                    item[field] = new_id
        self.revision += 1

    def snapshot(self) -> dict[str, Any]:
        """What an autosave stores."""
        return {"key": self.key, "target": self.target, "data": copy.deepcopy(self.data)}

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> Draft:
        return cls(snapshot["data"], key=snapshot.get("key"), target=snapshot.get("target"))


# Strings that must stay even when empty, so that their absence is not a different error.
_KEEP_EMPTY = {"id", "title", "name", "low", "high", "party", "issue", "source"}


def _pruned(data: dict[str, Any]) -> dict[str, Any]:
    """The data as a file would hold it: empty optional sections and texts left out."""
    out = {k: v for k, v in data.items() if not (k in ("description",) and v == "")}
    for section in ("sources", "concessions"):
        if out.get(section) == []:
            out.pop(section)
    return out
