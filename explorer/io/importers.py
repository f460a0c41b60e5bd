"""Importers for other negotiation models' inputs: DECIDE and BDM files.

Both produce the raw mapping of our scenario format, which then goes through
the same validation as a hand-written file. Positions are rescaled to 0–100,

    position = 100 · (p − scale_low) / (scale_high − scale_low),

and the original scale is kept in the issue (``scale: {low, high}``); salience and
power in [0, 1] become 0–100. Imported parties are veto parties unless a
``veto`` list names the ones that are.

DECIDE input (tab-separated, text in single quotes): ``'#A' key name comment``,
``'#P' key name comment``, ``'#M' issue position [description]``,
``'#D' actor issue position salience power``; ``'#0'`` and ``'#/'`` are comments.

BDM input: a CSV with the header ``Actor,Capability,Position,Salience`` and one
row per actor, all on one issue.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from typing import Any

from explorer.errors import Problem, ScenarioError, bounded

DECIDE_COMMENTS = ("#0", "#/")
BDM_HEADER = ["actor", "capability", "position", "salience"]


def slug(text: str) -> str:
    """An id in our format from any name.

    >>> slug("African_grp"), slug("EU 28"), slug("Côte d'Ivoire")
    ('african_grp', 'eu-28', 'c-te-d-ivoire')
    """
    text = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    return text or "x"


def rescale(value: float, low: float, high: float) -> float:
    """Map ``value`` on [low, high] to 0–100.

    Divides before multiplying and clips, so that an end of the scale maps to
    exactly 0 or 100 (100 · (4.9 − 2) / 2.9 would give 100.00000000000001).

    >>> rescale(7, 4, 10), rescale(10, 4, 10), rescale(4.9, 2, 4.9)
    (50.0, 100.0, 100.0)
    """
    return min(100.0, max(0.0, (value - low) / (high - low) * 100))


def _unquote(field: str) -> str:
    field = field.strip()
    if len(field) >= 2 and field[0] == field[-1] == "'":
        return field[1:-1]
    return field


class _Rows:
    """Collects problems while reading a row-based file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int, path: tuple, message: str) -> None:
        self.problems.append(Problem(path, message, line, self.file))

    def number(self, line: int, path: tuple, text: str, unit: bool = False) -> float | None:
        try:
            value = float(text)
        except ValueError:
            self.problem(line, path, f"{text!r} is not a number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(line, path, f"{text!r} is not a finite number")
            return None
        if unit and not 0 < value <= 1:
            self.problem(line, path, f"{value:g} must lie in (0, 1]")
            return None
        return value

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(bounded(self.problems))


def _source(kind: str, file: str, note: str) -> dict[str, Any]:
    return {"id": kind, "title": f"{file} ({kind.upper()} input)", "note": note}


def _veto(party_ids: Iterable[str], veto: Iterable[str] | None) -> dict[str, bool]:
    party_ids = list(party_ids)
    if veto is None:
        return {p: True for p in party_ids}
    chosen = {slug(v) for v in veto}
    unknown = chosen - set(party_ids)
    if unknown:
        raise ScenarioError.single(f"unknown veto party {', '.join(sorted(unknown))}", "veto")
    return {p: p in chosen for p in party_ids}


def read_decide(
    text: str, file: str, *, veto: Iterable[str] | None = None, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """Parse a DECIDE input file into our scenario mapping (not yet validated)."""
    rows = _Rows(file)
    actors: dict[str, tuple[int, str]] = {}
    issues: dict[str, tuple[int, str, str]] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    mark_lines: dict[str, int] = {}
    data: list[tuple[int, list[str], str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        fields = [_unquote(f) for f in raw.split("\t")]
        kind = fields[0]
        if kind in DECIDE_COMMENTS:
            continue
        need = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}.get(kind)
        if need is None:
            rows.problem(number, (kind,), "unknown record type (expected #A, #P, #M, #D, #0 or #/)")
        elif len(fields) < need:
            rows.problem(number, (kind,), f"needs {need} tab-separated fields, found {len(fields)}")
        elif kind == "#A":
            actors.setdefault(fields[1], (number, fields[2] if len(fields) > 2 and fields[2] else fields[1]))
        elif kind == "#P":
            issues.setdefault(fields[1], (number, fields[2] if len(fields) > 2 and fields[2] else fields[1],
                                          fields[3] if len(fields) > 3 else ""))
        elif kind == "#M":
            value = rows.number(number, ("#M", "position"), fields[2])
            if value is not None:
                marks.setdefault(fields[1], []).append((value, fields[3] if len(fields) > 3 else ""))
                mark_lines.setdefault(fields[1], number)
        else:
            data.append((number, fields, raw.strip()))
    for issue_key in marks:
        if issue_key not in issues:
            rows.problem(mark_lines[issue_key], ("#M", "issue"), f"unknown issue '{issue_key}' (no #P row)")

    scales: dict[str, tuple[float, float]] = {}
    for key, (number, _, _) in issues.items():
        points = marks.get(key, [])
        low, high = (min(p for p, _ in points), max(p for p, _ in points)) if points else (0.0, 100.0)
        if low == high:
            rows.problem(number, ("#M", "position"), f"issue '{key}' has a scale of zero width")
        scales[key] = (low, high)

    stances, powers = [], {}
    for number, fields, raw in data:
        actor, issue = fields[1], fields[2]
        if actor not in actors:
            rows.problem(number, ("#D", "actor"), f"unknown actor '{actor}' (no #A row)")
        if issue not in issues:
            rows.problem(number, ("#D", "issue"), f"unknown issue '{issue}' (no #P row)")
        position = rows.number(number, ("#D", "position"), fields[3])
        salience = rows.number(number, ("#D", "salience"), fields[4], unit=True)
        power = rows.number(number, ("#D", "power"), fields[5], unit=True)
        if None in (position, salience, power) or actor not in actors or issue not in scales:
            continue
        low, high = scales[issue]
        if low != high and not low <= position <= high:
            rows.problem(number, ("#D", "position"), f"{position:g} lies outside the scale [{low:g}, {high:g}]")
            continue
        powers.setdefault(actor, set()).add(power)
        stances.append((actor, issue, position, salience, power, raw))
    rows.raise_if_any()

    ids = _unique_ids(rows, {k: line for k, (line, _) in actors.items()}, "#A")
    issue_ids = _unique_ids(rows, {k: line for k, (line, _, _) in issues.items()}, "#P")
    rows.raise_if_any()
    vetoes = _veto(ids.values(), veto)
    party_power = {a: max(p) for a, p in powers.items()}
    source = _source("decide", file, "Imported by `explorer convert`; each stance quotes its #D row.")
    return {
        "id": slug(file.rsplit("/", 1)[-1].rsplit(".", 1)[0]),
        "title": f"Imported from {file.rsplit('/', 1)[-1]}",
        "as_of": (as_of or datetime.date.today()).isoformat(),
        "description": "Converted from a DECIDE exchange-model input file.",
        "sources": [source],
        "parties": [
            {"id": ids[key], "name": name, "capability": 100 * party_power.get(key, 1.0), "veto": vetoes[ids[key]]}
            for key, (_, name) in actors.items()
        ],
        "issues": [_issue(issue_ids[key], name, comment, scales[key], marks.get(key, []))
                   for key, (_, name, comment) in issues.items()],
        "stances": [
            {
                "party": ids[actor], "issue": issue_ids[issue],
                "position": rescale(position, *scales[issue]),
                "salience": 100 * salience,
                **({"capability": 100 * power} if len(powers[actor]) > 1 else {}),
                "source": "decide", "quote": raw.replace("\t", " "),
            }
            for actor, issue, position, salience, power, raw in stances
        ],
    }


def _unique_ids(rows: _Rows, keys: dict[str, int], kind: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, line in keys.items():
        new = slug(key)
        if new in seen:
            rows.problem(line, (kind, "key"), f"'{key}' and '{seen[new]}' both become id '{new}'")
        seen.setdefault(new, key)
        ids[key] = new
    return ids


def _issue(issue_id: str, name: str, comment: str, scale: tuple[float, float],
           points: list[tuple[float, str]]) -> dict[str, Any]:
    low, high = scale
    labels = {value: label for value, label in points if label}
    return {
        "id": issue_id,
        "name": name,
        "low": labels.get(low) or f"{low:g} on the original scale",
        "high": labels.get(high) or f"{high:g} on the original scale",
        **({"description": comment} if comment and comment != name else {}),
        "points": [{"at": rescale(v, low, high), "label": t} for v, t in sorted(labels.items())
                   if v not in (low, high)],
        "scale": {"low": low, "high": high},
    }


def read_bdm(
    text: str, file: str, *, veto: Iterable[str] | None = None, scale: tuple[float, float] | None = None,
    issue: str = "issue", as_of: datetime.date | None = None,
) -> dict[str, Any]:
    """Parse a BDM ``Actor,Capability,Position,Salience`` CSV into our scenario mapping."""
    rows = _Rows(file)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != BDM_HEADER:
        rows.problem(1, ("header",), f"expected the header {','.join(h.title() for h in BDM_HEADER)}, found "
                     + (",".join(header) if header else "an empty file"))
        rows.raise_if_any()
    actors = []
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != 4:
            rows.problem(number, ("row",), f"needs 4 comma-separated fields, found {len(fields)}")
            continue
        name = fields[0].strip()
        if not name:
            rows.problem(number, ("Actor",), "actor name is empty")
        capability = rows.number(number, ("Capability",), fields[1], unit=True)
        position = rows.number(number, ("Position",), fields[2])
        salience = rows.number(number, ("Salience",), fields[3], unit=True)
        if name and None not in (capability, position, salience):
            actors.append((number, name, capability, position, salience, ",".join(fields)))
    if not actors and not rows.problems:
        rows.problem(2, ("row",), "no actors")
    rows.raise_if_any()
    positions = [a[3] for a in actors]
    low, high = scale if scale is not None else (min(positions), max(positions))
    if low >= high:
        rows.problem(None, ("scale",), f"scale [{low:g}, {high:g}] is empty: give --scale LOW HIGH")
    for number, _, _, position, _, _ in actors:
        if low < high and not low <= position <= high:
            rows.problem(number, ("Position",), f"{position:g} lies outside the scale [{low:g}, {high:g}]")
    ids = _unique_ids(rows, {a[1]: a[0] for a in actors}, "Actor")
    rows.raise_if_any()
    vetoes = _veto(ids.values(), veto)
    issue_id = slug(issue)
    return {
        "id": slug(file.rsplit("/", 1)[-1].rsplit(".", 1)[0]),
        "title": f"Imported from {file.rsplit('/', 1)[-1]}",
        "as_of": (as_of or datetime.date.today()).isoformat(),
        "description": "Converted from a BDM expected-utility input (Actor,Capability,Position,Salience).",
        "sources": [_source("bdm", file, "Imported by `explorer convert`; each stance quotes its CSV row.")],
        "parties": [{"id": ids[name], "name": name, "capability": 100 * capability, "veto": vetoes[ids[name]]}
                    for _, name, capability, _, _, _ in actors],
        "issues": [_issue(issue_id, issue, "", (low, high), [])],
        "stances": [
            {"party": ids[name], "issue": issue_id, "position": rescale(position, low, high),
             "salience": 100 * salience, "source": "bdm", "quote": raw}
            for _, name, _, position, salience, raw in actors
        ],
    }


def sniff(text: str) -> str:
    """'decide' or 'bdm' from a file's first meaningful line ('unknown' otherwise)."""
    for line in text.splitlines():
        if line.strip():
            head = line.strip()
            if head.startswith("'#") or head.startswith("#"):
                return "decide"
            if [h.strip().lower() for h in head.split(",")] == BDM_HEADER:
                return "bdm"
            return "unknown"
    return "unknown"
