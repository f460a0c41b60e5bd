"""Problems found in an input file, and the error that carries them.

Every problem names the file, the line where known, the field path and what is
wrong, on one line::

    data/scenarios/x.yaml:12: stances[3].position: 120 is above the maximum 100
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Path = tuple[str | int, ...]


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
        return Problem(self.path, self.message, self.line or line, self.file or file)

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {format_path(self.path)}: {self.message}"


class ScenarioError(ValueError):
    """Raised when an input cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, message: str, *path: str | int, file: str | None = None) -> ScenarioError:
        return cls([Problem(tuple(path), message, file=file)])
