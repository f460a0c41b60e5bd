"""Where drafts and finished scenarios are written, so that no work is ever lost.

- Drafts autosave as JSON in a drafts folder (any state, valid or not), atomically.
- Saving a scenario writes ``<scenarios>/<id>.yaml`` atomically (temp file + rename):
  a failure mid-save leaves the old file as it was. An existing file is only
  replaced when the caller confirms (:class:`OverwriteNeeded` asks first).
- The draft is discarded only after the scenario file is safely written.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from explorer.builder.draft import Draft
from explorer.errors import ScenarioError
from explorer.io.loader import load
from explorer.io.writer import dumps, write_atomic


class OverwriteNeeded(Exception):
    """The target file exists: ask the user, then save again with ``overwrite=True``."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path.name} exists: confirm to replace it")


@dataclass(frozen=True)
class SavedDraft:
    key: str
    path: Path
    saved_at: float
    title: str


class BuilderStore:
    """Scenario files in ``scenarios``; autosaved drafts in ``drafts``."""

    def __init__(self, scenarios: str | Path, drafts: str | Path | None = None):
        self.scenarios = Path(scenarios).resolve()
        self.drafts = Path(drafts).resolve() if drafts else self.scenarios.parent / "drafts"

    # -- drafts --------------------------------------------------------------
    def autosave(self, draft: Draft) -> Path:
        self.drafts.mkdir(parents=True, exist_ok=True)
        path = self.drafts / f"{draft.key}.json"
        snapshot = draft.snapshot() | {"saved_at": time.time()}
        write_atomic(path, json.dumps(snapshot, indent=1, ensure_ascii=False))
        return path

    def saved_drafts(self) -> list[SavedDraft]:
        """Autosaved drafts, newest first (unreadable files are skipped, never deleted)."""
        found = []
        for path in self.drafts.glob("*.json") if self.drafts.is_dir() else []:
            try:
                snapshot = json.loads(path.read_text(encoding="utf-8"))
                title = str(snapshot["data"].get("title") or snapshot["data"].get("id") or path.stem)
                found.append(SavedDraft(snapshot["key"], path, float(snapshot.get("saved_at", 0)), title))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        return sorted(found, key=lambda d: d.saved_at, reverse=True)

    def restore(self, key: str) -> Draft:
        path = self.drafts / f"{Path(key).name}.json"
        return Draft.from_snapshot(json.loads(path.read_text(encoding="utf-8")))

    def discard(self, draft: Draft) -> None:
        (self.drafts / f"{draft.key}.json").unlink(missing_ok=True)

    # -- scenarios -----------------------------------------------------------
    def target(self, draft: Draft) -> Path:
        """The file a draft saves to: the one it was opened from, else ``<scenarios>/<id>.yaml``.

        The id's format (checked by validation) and this check keep it inside the folder.
        """
        name = draft.target or f"{draft.data.get('id')}.yaml"
        path = (self.scenarios / name).resolve()
        if path.parent != self.scenarios:
            raise ScenarioError.single("the id cannot name a file outside the scenario folder", "id")
        return path

    def open(self, name: str) -> Draft:
        """A draft of the scenario file ``name`` in the scenario folder."""
        path = (self.scenarios / Path(name).name).resolve()
        return Draft.from_scenario(load(path), target=path.name)

    def save(self, draft: Draft, overwrite: bool = False) -> Path:
        """Validate, then write the scenario; the draft stays autosaved until this succeeds.

        Raises
        ------
        ScenarioError
            The draft is invalid (it is autosaved, nothing else is written).
        OverwriteNeeded
            The file exists and ``overwrite`` is False.
        """
        self.autosave(draft)
        scenario = draft.scenario()
        path = self.target(draft)
        if path.exists() and not overwrite:
            raise OverwriteNeeded(path)
        write_atomic(path, dumps(scenario.data, "yaml"))
        self.discard(draft)
        draft.target = path.name
        return path
