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
                "source": "assumption"},
    "concessions": {"id": "", "party": "", "title": "", "source": "assumption",
                    "changes": [{"issue": "", "position": 50.0}]},
}
HEAD = "scenario"  # the fields above the tabs (id, title, as_of, description)
ID_SECTIONS = ("sources", "parties", "issues", "concessions")
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
        """Change an item's id and every reference to it.

        References follow only when the old id was a real one that no other item still
        carries (an empty id, or a duplicate, says nothing about what refers to it), and
        only to a new id that is not blank (clearing a field to retype it keeps them).
        """
        old = self.data[section][index].get("id")
        self.data[section][index]["id"] = new_id
        others = [item.get("id") for k, item in enumerate(self.data.get(section, [])) if k != index]
        if not old or not str(new_id).strip() or old in others:
            self.revision += 1
            return
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

    # -- references and concession changes -------------------------------------
    def ids(self, section: str) -> list[str]:
        """The ids of a section's items, in order, each once (empty ones left out)."""
        found: list[str] = []
        for item in self.data.get(section, []):
            value = item.get("id") if isinstance(item, dict) else None
            if isinstance(value, str) and value and value not in found:
                found.append(value)
        return found

    def choices(self, section: str, field: str, index: int | None = None) -> list[str]:
        """The ids a reference field may name (what its dropdown offers).

        ``field`` is ``party``, ``issue``, ``source``, ``changes.issue``, ``requires`` or
        ``excludes``; a concession's own id is not offered for its requires/excludes.
        """
        if field == "party":
            return self.ids("parties")
        if field in ("issue", "changes.issue"):
            return self.ids("issues")
        if field == "source":
            return ["assumption", *self.ids("sources")]
        if field in ("requires", "excludes"):
            own = self.get((section, index, "id")) if index is not None else None
            return [c for c in self.ids("concessions") if c != own]
        raise KeyError(field)

    def add_change(self, index: int) -> int:
        """Add a change to concession ``index``, on an issue it does not change yet; returns its index.

        The issue offered first is one its party has a stance on, else any issue, else none.
        """
        concession = self.data["concessions"][index]
        changes = concession.setdefault("changes", [])
        used = {c.get("issue") for c in changes if isinstance(c, dict)}
        party = concession.get("party")
        own = [s.get("issue") for s in self.data.get("stances", []) if isinstance(s, dict) and s.get("party") == party]
        candidates = [i for i in own + self.ids("issues") if i and i not in used]
        changes.append({"issue": candidates[0] if candidates else "", "position": 50.0})
        self.revision += 1
        return len(changes) - 1

    def remove_change(self, index: int, change: int) -> None:
        del self.data["concessions"][index]["changes"][change]
        self.revision += 1

    # -- problems by place -----------------------------------------------------
    @staticmethod
    def place(problem: Problem) -> str:
        """Where a problem is shown: a section (its tab) or :data:`HEAD` (the fields above)."""
        return problem.path[0] if problem.path and problem.path[0] in SECTIONS else HEAD

    def problem_counts(self) -> dict[str, int]:
        """Problems per section (and :data:`HEAD`), every place present, in tab order."""
        counts = {HEAD: 0, **{section: 0 for section in SECTIONS}}
        for problem in self.problems:
            counts[self.place(problem)] += 1
        return counts

    def first_problem(self) -> Problem | None:
        """The problem to show first: the fields above the tabs, then tab by tab, item by item."""
        order = [HEAD, *SECTIONS]

        def key(problem: Problem) -> tuple[int, int]:
            place = self.place(problem)
            index = problem.path[1] if place != HEAD and len(problem.path) > 1 else -1
            return order.index(place), index if isinstance(index, int) else -1
        ordered = sorted(enumerate(self.problems), key=lambda kp: (key(kp[1]), kp[0]))
        return ordered[0][1] if ordered else None

    def snapshot(self) -> dict[str, Any]:
        """What an autosave stores."""
        return {"key": self.key, "target": self.target, "data": copy.deepcopy(self.data)}

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> Draft:
        return cls(snapshot["data"], key=snapshot.get("key"), target=snapshot.get("target"))


# Strings that must stay even when empty, so that their absence is not a different error.
_KEEP_EMPTY = {"id", "title", "name", "low", "high", "party", "issue", "source"}


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _pruned_node(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _pruned_node(v) for k, v in node.items() if k in _KEEP_EMPTY or not _blank(v)}
    if isinstance(node, list):
        return [_pruned_node(v) for v in node]
    return node


def _pruned(data: dict[str, Any]) -> dict[str, Any]:
    """The data as a file would hold it: empty optional sections and texts left out.

    An optional text (note, quote, description, url…) that is empty or blank says nothing,
    and the checks read it as absent: it is not written.
    """
    out = _pruned_node(data)
    for section in ("sources", "concessions"):
        if out.get(section) == []:
            out.pop(section)
    for item in out.get("concessions", []) if isinstance(out.get("concessions"), list) else []:
        for field in ("requires", "excludes"):
            if isinstance(item, dict) and item.get(field) == []:
                item.pop(field)
    return out
