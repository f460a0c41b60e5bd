"""Reading a DEU III file (the format of ``../shared/reference-data/deu3/deu3_dev.tsv``).

Tab-separated, every value in double quotes or bare, one row per controversial issue of an EU
legislative proposal; the first line names the columns. A row whose proposal id (``prnr``) is
blank is not an issue (the shared file's second line holds member states' GDP) and is skipped.

Per issue: ``prnr`` proposal, ``prname`` its short name, ``isnr`` issue id, ``proc`` procedure
(COD co-decision, CNS consultation, ...), ``counvte`` Council voting rule (``QMV``, ``QMV(10)``,
``Unan``), ``intro``/``finact`` dates (day-month-year; ``finact`` is often not a date in the file
and is then not used), ``p<actor>`` position and ``s<actor>`` salience (0–100, blank = no position:
not a member yet, or none recorded), ``rp`` reference point and ``out`` outcome (blank: none).

Every problem names the file, the line and the column, as a scenario file's do
(:class:`explorer.errors.ScenarioError`).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from explorer.errors import Problem, ScenarioError, bounded
from explorer.io.loader import read_text

ACTORS = ("com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el", "hu", "ie", "it", "lv",
          "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es", "se", "uk")
INSTITUTIONS = ("com", "ep")
REQUIRED = ("prnr", "prname", "isnr", "proc", "counvte", "intro", "rp", "out",
            *(f"{kind}{actor}" for actor in ACTORS for kind in "ps"))
RULES = {"QMV": "QMV", "QMV(10)": "QMV", "Unan": "unanimity"}
DEFAULT_SALIENCE = 50.0  # a position recorded without a salience
DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})$")
#: a day-month-year date a spreadsheet read as year-month-day and wrote back: "14-07-04" (14 July 2004) became
#: "2014-07-04"; the file has such dates in ``intro`` and ``finact`` ("1930-05-01" is 30 May 2001)
SWAPPED = re.compile(r"^(19|20)(\d{2})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class DeuIssue:
    """One issue: positions and saliences of the actors that have a position (0–100 scales)."""

    id: str
    proposal: str
    name: str
    procedure: str
    rule: str  # "QMV" or "unanimity"
    introduced: datetime.date
    adopted: datetime.date | None
    positions: dict[str, float]
    saliences: dict[str, float]
    reference: float | None
    outcome: float | None
    line: int = 0
    defaulted_salience: tuple[str, ...] = field(default=())

    @property
    def decided(self) -> datetime.date:
        """The date whose rules apply: the final act's when the file has one, else the introduction's."""
        return self.adopted or self.introduced


def parse_date(text: str) -> datetime.date | None:
    """A day-month-year date (two-digit years: 1950–2049), or None when ``text`` is not one; a date
    a spreadsheet swapped (:data:`SWAPPED`) is read back as the day-month-year it was.

    >>> parse_date("26-01-00"), parse_date("14-09-2016"), parse_date("999")
    (datetime.date(2000, 1, 26), datetime.date(2016, 9, 14), None)
    >>> parse_date("2014-07-04"), parse_date("1930-05-01")
    (datetime.date(2004, 7, 14), datetime.date(2001, 5, 30))
    """
    text = text.strip()
    swapped = SWAPPED.match(text)
    if swapped:
        text = f"{swapped.group(2)}-{swapped.group(3)}-{swapped.group(4)}"
    match = DATE.match(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _number(text: str, column: str, line: int, file: str, problems: list[Problem], low=0.0, high=100.0):
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem((column,), f"{text!r} is not a number", line, file))
        return None
    if not low <= value <= high:
        problems.append(Problem((column,), f"{text} is outside {low:g}–{high:g}", line, file))
        return None
    return value


def read_deu(path: str, max_bytes: int | None = None) -> list[DeuIssue]:
    """The issues of a DEU III file, in file order.

    Raises
    ------
    ScenarioError
        With one problem per bad cell (file, line, column, what is wrong), at most 50.
    """
    text = read_text(path, max_bytes)
    return parse_deu(text, str(path))


def parse_deu(text: str, file: str = "<input>") -> list[DeuIssue]:
    """As :func:`read_deu`, from the file's text."""
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ScenarioError([Problem((), "empty file: expected a DEU III header line", 1, file)])
    header = [cell.strip() for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ScenarioError([Problem((), "not a DEU III file: no column " + ", ".join(missing[:8])
                                     + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""), 1, file)])
    at = {name: k for k, name in enumerate(header)}
    problems: list[Problem] = []
    issues: list[DeuIssue] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = (lambda name: row[at[name]].strip() if at[name] < len(row) else "")  # noqa: E731
        if not cell("prnr"):
            continue  # not an issue (the GDP line)
        before = len(problems)
        issue_id = cell("isnr")
        if not issue_id:
            problems.append(Problem(("isnr",), "missing issue id", number, file))
        elif issue_id in seen:
            problems.append(Problem(("isnr",), f"issue {issue_id!r} also on line {seen[issue_id]}", number, file))
        seen.setdefault(issue_id, number)
        rule = RULES.get(cell("counvte"))
        if rule is None:
            problems.append(Problem(("counvte",), f"{cell('counvte')!r} is not a voting rule "
                                    f"({', '.join(RULES)})", number, file))
        introduced = parse_date(cell("intro"))
        if introduced is None:
            problems.append(Problem(("intro",), f"{cell('intro')!r} is not a day-month-year date", number, file))
        positions, saliences, defaulted = {}, {}, []
        for actor in ACTORS:
            position = _number(cell(f"p{actor}"), f"p{actor}", number, file, problems)
            salience = _number(cell(f"s{actor}"), f"s{actor}", number, file, problems)
            if position is None:
                continue
            positions[actor] = position
            if salience is None:
                defaulted.append(actor)
                salience = DEFAULT_SALIENCE
            saliences[actor] = salience
        if len(positions) < 2:
            problems.append(Problem(("p…",), f"{len(positions)} actor(s) with a position: at least 2 are needed",
                                    number, file))
        reference = _number(cell("rp"), "rp", number, file, problems)
        outcome = _number(cell("out"), "out", number, file, problems)
        if len(problems) > before:
            continue
        issues.append(DeuIssue(issue_id, cell("prnr"), cell("prname") or cell("prnr"), cell("proc"), rule,
                               introduced, parse_date(cell("finact")), positions, saliences, reference, outcome,
                               number, tuple(defaulted)))
    if problems:
        raise ScenarioError(bounded(problems))
    if not issues:
        raise ScenarioError([Problem((), "no issue rows (every row's prnr is blank)", None, file)])
    return issues
