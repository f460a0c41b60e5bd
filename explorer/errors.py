"""Problems found in an input file, and the error that carries them.

Every problem names the file, the line where known, the field path and what is
wrong, on one line::

    data/scenarios/x.yaml:12: stances[3].position: 120 is above the maximum 100
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str | int, ...]

MAX_PROBLEMS = 50
"""The most problems reported for one file; one more line says how many were left out."""


def format_path(path: Path) -> str:
    """Render a field path the way it is written in the docs.

    >>> format_path(("stances", 3, "acceptable", 0))
    'stances[3].acceptable[0]'
    >>> format_path(())
    '(file)'
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by its field path (and line)."""

    path: Path
    message: str
    line: int | None = None
    file: str | None = None

    def located(self, file: str | None = None, line: int | None = None) -> Problem:
        return dataclasses.replace(self, line=self.line or line, file=self.file or file)

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {format_path(self.path)}: {self.message}"


@dataclass(frozen=True)
class MoreProblems(Problem):
    """The last line of a report cut short: how many problems were left out (None: unknown).

    >>> str(MoreProblems.after(1234, file="big.yaml"))
    'big.yaml: ... and 1234 more problems'
    """

    count: int | None = None

    @classmethod
    def after(cls, count: int | None, file: str | None = None) -> MoreProblems:
        if count is None:
            words = "... and more problems"
        else:
            words = f"... and {count} more problem{'s' if count != 1 else ''}"
        return cls((), words, file=file, count=count)

    def __str__(self) -> str:
        return f"{self.file or '<input>'}: {self.message}"


def bounded(problems: Sequence[Problem], limit: int | None = MAX_PROBLEMS) -> list[Problem]:
    """The first ``limit`` problems, then one :class:`MoreProblems` counting the rest.

    A list that already ends with a :class:`MoreProblems` is cut again with the counts added.

    >>> found = [Problem(("stances", k, "position"), "too high", 10 + k, "x.yaml") for k in range(5)]
    >>> for problem in bounded(found, limit=2):
    ...     print(problem)
    x.yaml:10: stances[0].position: too high
    x.yaml:11: stances[1].position: too high
    x.yaml: ... and 3 more problems
    """
    problems = list(problems)
    earlier: MoreProblems | None = None
    if problems and isinstance(problems[-1], MoreProblems):
        earlier = problems.pop()
    if limit is None or len(problems) <= limit:
        return problems + ([earlier] if earlier is not None else [])
    left: int | None = len(problems) - limit
    if earlier is not None:
        left = None if earlier.count is None else left + earlier.count
    return problems[:limit] + [MoreProblems.after(left, problems[limit].file)]


class ScenarioError(ValueError):
    """Raised when an input cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, message: str, *path: str | int, file: str | None = None) -> ScenarioError:
        return cls([Problem(tuple(path), message, file=file)])
