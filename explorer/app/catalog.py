"""The scenario files the dashboard lists, and the bounded text of their problems.

No widget or plotting imports. Listing is cheap to repeat: each file is loaded once
per version (its path, inode, modification time and size), and a file over the size
limit is listed as invalid from its size alone, without being read.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePath

from explorer.errors import MoreProblems, ScenarioError
from explorer.io.loader import SCENARIO_SUFFIXES, load, max_file_bytes, too_large
from explorer.app.paths import PREFERRED_START
from explorer.model.scenario import Scenario

MAX_SHOWN_PROBLEMS = 20
MAX_PROBLEMS_CHARS = 4000
MAX_LINE_CHARS = 300
MAX_CACHED = 256


@dataclass(frozen=True)
class Entry:
    """One file in the picker: its scenario, or the problems that keep it out.

    ``problems`` holds at most ``MAX_PROBLEMS`` lines (as :func:`explorer.io.loader.load`
    reports them, naming the file by its full path); ``more`` counts the problems found
    beyond them (None: more, but how many is not known). An ``uploaded`` entry is a
    viewer's own file (:mod:`explorer.app.upload`): its ``path`` is only its name, never
    opened.
    """

    path: PurePath
    scenario: Scenario | None
    problems: tuple[str, ...] = ()
    more: int | None = 0
    uploaded: bool = False
    digest: str | None = None  # SHA-256 of the bytes the scenario was read from (the briefing's provenance)

    @property
    def label(self) -> str:
        mine = "Your file: " if self.uploaded else ""
        if self.scenario is None:
            return f"⚠ {mine}{self.path.name} (invalid)"
        return f"{mine}{self.scenario.title} ({self.path.name})"


_cache: OrderedDict[tuple, Entry] = OrderedDict()


def entry(path: Path) -> Entry:
    """The entry of one scenario file, loaded at most once per version of the file."""
    name = str(path)
    try:
        limit = max_file_bytes(name)
        stat = path.stat()
    except ScenarioError as error:
        return invalid_entry(path, error)
    except OSError as error:
        return Entry(path, None, (f"{name}: (file): cannot read file: {error.strerror or error}",))
    key = (name, stat.st_ino, stat.st_mtime_ns, stat.st_size, limit)
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    if stat.st_size > limit:  # never read it
        found = Entry(path, None, (str(too_large(name, stat.st_size, limit)),))
    else:
        try:
            scenario = load(path, limit)
            found = Entry(path, scenario, digest=hashlib.sha256(path.read_bytes()).hexdigest())
        except ScenarioError as error:
            found = invalid_entry(path, error)
    for old in [k for k in _cache if k[0] == name]:  # an older version of the file
        del _cache[old]
    _cache[key] = found
    while len(_cache) > MAX_CACHED:
        _cache.popitem(last=False)
    return found


def invalid_entry(path: PurePath, error: ScenarioError, uploaded: bool = False) -> Entry:
    """The entry of a file that fails: its problems as lines, the count of those left out."""
    problems = list(error.problems)
    more: int | None = 0
    if problems and isinstance(problems[-1], MoreProblems):
        more = problems.pop().count
    return Entry(path, None, tuple(str(p) for p in problems), more, uploaded)



def list_scenarios(folder: Path) -> list[Entry]:
    """Every scenario file of ``folder`` (not its subfolders), valid or not, by name."""
    paths = sorted(p for p in Path(folder).glob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    return [entry(path) for path in paths]


def start_index(entries: list[Entry], start: str | None = None) -> int:
    """Which of ``entries`` a page opens first: the file named ``start`` (a name in the folder), else
    the seed if listed and valid, else the first valid file, else 0."""
    names = [e.path.name if not e.uploaded else None for e in entries]
    if start and Path(start).name in names:
        return names.index(Path(start).name)
    valid = [k for k, e in enumerate(entries) if e.scenario is not None]
    preferred = [k for k in valid if entries[k].path.name == PREFERRED_START]
    return (preferred or valid or [0])[0]


def clear_cache() -> None:
    """Forget every loaded file (the next listing reads them all again)."""
    _cache.clear()


def problems_text(
    entry: Entry, max_problems: int = MAX_SHOWN_PROBLEMS, max_chars: int = MAX_PROBLEMS_CHARS,
) -> str:
    """The problems of an entry as a page shows them: one per line, the file by its name only.

    At most ``max_problems`` lines of at most ``MAX_LINE_CHARS`` characters, ``max_chars``
    in all, then "… and N more problems". Plain text: escape it for HTML.
    """
    server_path, name = str(entry.path), entry.path.name
    lines: list[str] = []
    used = 0
    reserve = 40  # room for the last line
    for problem in entry.problems[:max_problems]:
        line = problem.replace(server_path, name)
        if len(line) > MAX_LINE_CHARS:
            line = line[: MAX_LINE_CHARS - 1] + "…"
        if used + len(line) + 1 > max_chars - reserve:
            break
        lines.append(line)
        used += len(line) + 1
    left = len(entry.problems) - len(lines)
    if left or entry.more != 0:
        if entry.more is None:
            lines.append("… and more problems")
        else:
            count = left + entry.more
            lines.append(f"… and {count} more problem{'s' if count != 1 else ''}")
    return "\n".join(lines)
