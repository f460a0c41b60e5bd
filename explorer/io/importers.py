"""Importers for other negotiation models' inputs: DECIDE and BDM files.

Both produce the raw mapping of our scenario format, which then goes through
the same validation as a hand-written file. Positions are rescaled to 0–100,

    position = 100 · (p − scale_low) / (scale_high − scale_low),

and the original scale is kept in the issue (``scale: {low, high}``). Imported
parties are veto parties unless a ``veto`` list names the ones that are.

DECIDE input (as ``decide.data.reader`` of the DECIDE exchange model reads it:
one record a line, fields separated by TABs — or ``;``/``,`` in a file without
TABs — text optionally in single quotes):

- ``#A key name comment`` an actor; ``#P key name comment`` an issue;
- ``#M issue position [description]`` a labelled point of an issue's scale: the
  smallest and largest are its ends (0–100 when an issue has none);
- ``#D actor issue position salience power [comment]`` a stance; salience and
  power lie in [0, 100] (files mostly use [0, 1]: a column whose values are all
  at most 1 is read as fractions and multiplied by 100);
- ``#/ text…`` a comment (kept in the scenario description) and ``#O text…`` the
  title of the data set; fields past the record's last are joined with spaces.

BDM input: a CSV whose header names the columns ``Actor`` (or ``Name``),
``Capability``, ``Position`` and ``Salience`` in any order and letter case, one
row per actor, all on one issue. Other columns are ignored with a warning.
Capabilities are any positive numbers, rescaled so that the largest is 100 (the
original is kept in the stance's note); saliences lie in (0, 100], read as
fractions when all are at most 1.

A stance with salience or power 0 weighs nothing in the compromise: it is left
out with a warning (and so is an actor left with no stance). Warnings are
:class:`Problem` s appended to the ``warnings`` list a caller passes.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from typing import Any

from explorer.errors import Problem, ScenarioError, bounded

DECIDE_RECORDS = ("#A", "#P", "#M", "#D", "#/", "#O")
DECIDE_FIELDS = {"#A": 2, "#P": 2, "#M": 3, "#D": 6, "#/": 1, "#O": 1}
DECIDE_LAST = {"#A": 4, "#P": 4, "#M": 4, "#D": 7, "#/": 2, "#O": 2}  # later fields join the last one
BDM_HEADER = ["actor", "capability", "position", "salience"]
BDM_ALIASES = {"name": "actor"}
IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def slug(text: str) -> str:
    """An id in our format from any name (an id already valid is kept as it is).

    >>> slug("African_grp"), slug("EU 28"), slug("Côte d'Ivoire"), slug("ab-")
    ('african_grp', 'eu-28', 'c-te-d-ivoire', 'ab-')
    """
    if IDENTIFIER.fullmatch(text):
        return text
    text = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    return text[:64] or "x"


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
    """Collects problems (and warnings) while reading a row-based file."""

    def __init__(self, file: str, warnings: list[Problem] | None = None):
        self.file = file
        self.problems: list[Problem] = []
        self.warnings = warnings if warnings is not None else []

    def problem(self, line: int | None, path: tuple, message: str) -> None:
        self.problems.append(Problem(path, message, line, self.file))

    def warn(self, line: int | None, path: tuple, message: str) -> None:
        self.warnings.append(Problem(path, "warning: " + message, line, self.file))

    def number(self, line: int, path: tuple, text: str, low: float | None = None,
               high: float | None = None, positive: bool = False) -> float | None:
        try:
            value = float(text)
        except ValueError:
            self.problem(line, path, f"{text.strip()!r} is not a number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(line, path, f"{text.strip()!r} is not a finite number")
            return None
        if positive and value <= 0:
            self.problem(line, path, f"must be a positive number, not {value:g}")
            return None
        if low is not None and high is not None and not low <= value <= high:
            self.problem(line, path, f"{value:g} must lie in [{low:g}, {high:g}]")
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


def _unit_factor(rows: _Rows, values: list[tuple[int, float]], column: str) -> float:
    """100 when every value of a [0, 100] column is at most 1 (fractions), else 1."""
    largest = max((v for _, v in values), default=0.0)
    if largest <= 1:
        return 100.0
    rows.warn(None, (column,), f"values up to {largest:g}: read on a 0–100 scale, not as fractions")
    return 1.0


def _decide_delimiter(text: str) -> str:
    if "\t" in text:
        return "\t"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first else ","


def _file_id(file: str) -> str:
    return slug(file.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower())


def read_decide(
    text: str, file: str, *, veto: Iterable[str] | None = None, as_of: datetime.date | None = None,
    warnings: list[Problem] | None = None,
) -> dict[str, Any]:
    """Parse a DECIDE input file into our scenario mapping (not yet validated)."""
    rows = _Rows(file, warnings)
    delimiter = _decide_delimiter(text)
    actors: dict[str, tuple[int, str, str]] = {}
    issues: dict[str, tuple[int, str, str]] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    mark_lines: dict[str, int] = {}
    data: list[tuple[int, list[str], str]] = []
    titles: list[str] = []
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        fields = [_unquote(f) for f in raw.split(delimiter)]
        while len(fields) > 1 and not fields[-1]:  # the DECIDE editor ends each row with a TAB
            fields.pop()
        kind = fields[0]
        need = DECIDE_FIELDS.get(kind)
        if need is None:
            hint = " ('#0' is not a DECIDE record: did you mean '#O', the title?)" if kind == "#0" else ""
            rows.problem(number, (kind or "(record)",),
                         f"unknown record type (expected {', '.join(DECIDE_RECORDS[:-1])} or #O){hint}")
            continue
        last = DECIDE_LAST[kind]
        if len(fields) > last:  # as DECIDE does: the overflow joins the last field
            fields = fields[:last - 1] + [" ".join(f for f in fields[last - 1:] if f)]
        if len(fields) < need:
            rows.problem(number, (kind,), f"needs {need} fields, found {len(fields)}")
        elif kind == "#/":
            if len(fields) > 1 and fields[1]:
                comments.append(fields[1])
        elif kind == "#O":
            if len(fields) > 1 and fields[1]:
                titles.append(fields[1])
        elif kind == "#A":
            actors.setdefault(fields[1], (number, fields[2] if len(fields) > 2 and fields[2] else fields[1],
                                          fields[3] if len(fields) > 3 else ""))
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

    read = []
    for number, fields, raw in data:
        actor, issue = fields[1], fields[2]
        if actor not in actors:
            rows.problem(number, ("#D", "actor"), f"unknown actor '{actor}' (no #A row)")
        if issue not in issues:
            rows.problem(number, ("#D", "issue"), f"unknown issue '{issue}' (no #P row)")
        position = rows.number(number, ("#D", "position"), fields[3])
        salience = rows.number(number, ("#D", "salience"), fields[4], 0, 100)
        power = rows.number(number, ("#D", "power"), fields[5], 0, 100)
        if None in (position, salience, power) or actor not in actors or issue not in scales:
            continue
        low, high = scales[issue]
        if low != high and not low <= position <= high:
            rows.problem(number, ("#D", "position"), f"{position:g} lies outside the scale [{low:g}, {high:g}]")
            continue
        read.append((number, actor, issue, position, salience, power, fields[6] if len(fields) > 6 else "", raw))
    rows.raise_if_any()

    salience_factor = _unit_factor(rows, [(r[0], r[4]) for r in read], "#D.salience")
    power_factor = _unit_factor(rows, [(r[0], r[5]) for r in read], "#D.power")
    stances, powers = [], {}
    for number, actor, issue, position, salience, power, comment, raw in read:
        if salience == 0 or power == 0:
            rows.warn(number, ("#D", "salience" if salience == 0 else "power"),
                      "0 gives this stance no weight: left out")
            continue
        powers.setdefault(actor, set()).add(power * power_factor)
        stances.append((actor, issue, position, salience * salience_factor, power * power_factor, comment, raw))
    for key, (number, _, _) in actors.items():
        if key not in powers:
            rows.warn(number, ("#A",), f"actor '{key}' has no stance with weight: left out")

    kept = {k: v for k, v in actors.items() if k in powers}
    ids = _unique_ids(rows, {k: line for k, (line, _, _) in kept.items()}, "#A")
    issue_ids = _unique_ids(rows, {k: line for k, (line, _, _) in issues.items()}, "#P")
    rows.raise_if_any()
    vetoes = _veto(ids.values(), veto)
    party_power = {a: max(p) for a, p in powers.items()}
    source = _source("decide", file, "Imported by `explorer convert`; each stance quotes its #D row.")
    return {
        "id": _file_id(file),
        "title": titles[0] if titles else f"Imported from {file.rsplit('/', 1)[-1]}",
        "as_of": (as_of or datetime.date.today()).isoformat(),
        "description": "\n".join(titles[1:] + comments) or "Converted from a DECIDE exchange-model input file.",
        "sources": [source],
        "parties": [
            {"id": ids[key], "name": name, "capability": party_power[key], "veto": vetoes[ids[key]],
             **({"note": comment} if comment and comment != name else {})}
            for key, (_, name, comment) in kept.items()
        ],
        "issues": [_issue(issue_ids[key], name, comment, scales[key], marks.get(key, []))
                   for key, (_, name, comment) in issues.items()],
        "stances": [
            {
                "party": ids[actor], "issue": issue_ids[issue],
                "position": rescale(position, *scales[issue]),
                "salience": salience,
                **({"capability": power} if len(powers[actor]) > 1 else {}),
                "source": "decide", "quote": raw.replace("\t", " "),
                **({"note": comment} if comment else {}),
            }
            for actor, issue, position, salience, power, comment, raw in stances
        ],
    }


def _unique_ids(rows: _Rows, keys: dict[str, int], kind: str) -> dict[str, str]:
    """Our id for each key; a key whose id is taken gets '-2', '-3', … (with a warning)."""
    taken: dict[str, str] = {}
    return {key: _free_id(rows, line, kind, key, taken) for key, line in keys.items()}


def _free_id(rows: _Rows, line: int, field: str, name: str, taken: dict[str, str]) -> str:
    """The slug of ``name``, or with '-2', '-3', … when ``taken`` has it (said as a warning); taken then."""
    new = base = slug(name)
    n = 1
    while new in taken:
        n += 1
        new = f"{base[:60]}-{n}"
    if new != base:
        rows.warn(line, (field,), f"'{name}' gets id '{new}': '{base}' is taken by '{taken[base]}'")
    taken[new] = name
    return new


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


def bdm_columns(header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """(column -> index, missing columns, ignored columns) of a BDM header.

    >>> bdm_columns(["Name", "capability", "Position", "Salience", "Notes"])
    ({'actor': 0, 'capability': 1, 'position': 2, 'salience': 3}, [], ['Notes'])
    """
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = title.strip().lower()
        name = BDM_ALIASES.get(name, name)
        if name in BDM_HEADER and name not in columns:
            columns[name] = index
        elif title.strip():
            ignored.append(title.strip())
    return columns, [c.title() for c in BDM_HEADER if c not in columns], ignored


def read_bdm(
    text: str, file: str, *, veto: Iterable[str] | None = None, scale: tuple[float, float] | None = None,
    issue: str = "issue", as_of: datetime.date | None = None, warnings: list[Problem] | None = None,
) -> dict[str, Any]:
    """Parse a BDM ``Actor,Capability,Position,Salience`` CSV into our scenario mapping."""
    rows = _Rows(file, warnings)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    while header is not None and not any(h.strip() for h in header):
        header = next(reader, None)
    columns, missing, ignored = bdm_columns(header or [])
    header_line = reader.line_num or 1
    if missing:
        rows.problem(header_line, ("header",),
                     f"no column {', '.join(missing)}: expected the columns "
                     f"{','.join(h.title() for h in BDM_HEADER)} (any order; Name for Actor), found "
                     + (",".join(header) if header else "an empty file"))
        rows.raise_if_any()
    if ignored:
        rows.warn(header_line, ("header",), f"column{'s' if len(ignored) > 1 else ''} "
                  f"{', '.join(repr(c) for c in ignored)} ignored")
    width = len(header)
    read = []
    for fields in reader:
        number = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < width or any(f.strip() for f in fields[width:]):
            rows.problem(number, ("row",), f"needs {width} comma-separated fields, found {len(fields)}")
            continue
        name = fields[columns["actor"]].strip()
        if not name:
            rows.problem(number, ("Actor",), "actor name is empty")
        capability = rows.number(number, ("Capability",), fields[columns["capability"]], positive=True)
        position = rows.number(number, ("Position",), fields[columns["position"]])
        salience = rows.number(number, ("Salience",), fields[columns["salience"]], 0, 100)
        if name and None not in (capability, position, salience):
            read.append((number, name, capability, fields[columns["capability"]].strip(), position, salience,
                         ",".join(fields).strip()))
    if not read and not rows.problems:
        rows.problem(header_line + 1, ("row",), "no actors")
    rows.raise_if_any()
    factor = _unit_factor(rows, [(a[0], a[5]) for a in read], "Salience")
    actors = []
    for row in read:
        if row[5] == 0:
            rows.warn(row[0], ("Salience",), "0 gives this actor no weight: left out")
        else:
            actors.append(row)
    if not actors:
        rows.problem(header_line + 1, ("row",), "no actor with a salience above 0")
        rows.raise_if_any()
    positions = [a[4] for a in actors]
    low, high = scale if scale is not None else (min(positions), max(positions))
    if low >= high:
        rows.problem(None, ("scale",), f"scale [{low:g}, {high:g}] is empty: give --scale LOW HIGH")
    for number, _, _, _, position, _, _ in actors:
        if low < high and not low <= position <= high:
            rows.problem(number, ("Position",), f"{position:g} lies outside the scale [{low:g}, {high:g}]")
    ids = _bdm_ids(rows, actors)
    rows.raise_if_any()
    vetoes = _veto(ids.values(), veto)
    largest = max(a[2] for a in actors)
    largest_text = next(a[3] for a in actors if a[2] == largest)
    issue_id = slug(issue)
    return {
        "id": _file_id(file),
        "title": f"Imported from {file.rsplit('/', 1)[-1]}",
        "as_of": (as_of or datetime.date.today()).isoformat(),
        "description": "Converted from a BDM expected-utility input (Actor,Capability,Position,Salience).",
        "sources": [_source("bdm", file, "Imported by `explorer convert`; each stance quotes its CSV row.")],
        "parties": [{"id": ids[number], "name": name, "capability": rescale(capability, 0, largest),
                     "veto": vetoes[ids[number]]}
                    for number, name, capability, _, _, _, _ in actors],
        "issues": [_issue(issue_id, issue, "", (low, high), [])],
        "stances": [
            {"party": ids[number], "issue": issue_id, "position": rescale(position, low, high),
             "salience": salience * factor, "source": "bdm", "quote": raw,
             "note": f"Capability {text} in the input, rescaled against the largest ({largest_text}) to 100."}
            for number, _, _, text, position, salience, raw in actors
        ],
    }


def _bdm_ids(rows: _Rows, actors: list[tuple]) -> dict[int, str]:
    """Our party id for each row (by line): the slug of its name, '-2', '-3', … for a repeated one."""
    taken: dict[str, str] = {}
    return {number: _free_id(rows, number, "Actor", name, taken) for number, name, *_ in actors}


def sniff(text: str) -> str:
    """'decide' or 'bdm' from a file's first meaningful line ('unknown' otherwise)."""
    for line in text.splitlines():
        if line.strip():
            head = line.strip()
            if head.startswith("'#") or head.startswith("#"):
                return "decide"
            if not bdm_columns(next(csv.reader([head])))[1]:
                return "bdm"
            return "unknown"
    return "unknown"
