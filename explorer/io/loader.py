"""Read scenario files (YAML or JSON) into validated :class:`Scenario` objects.

Every problem found is reported at once, each naming the file, the line (where
known), the field path and what is wrong. Nothing here prints or exits: callers
(the CLI, the dashboard, the builder) decide how to show a :class:`ScenarioError`.
"""

from __future__ import annotations

import json
from pathlib import Path as FilePath
from typing import Any

import yaml
from pydantic import ValidationError

from explorer.errors import Path, Problem, ScenarioError
from explorer.io.yaml_lines import line_of, parse_with_lines
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def pydantic_problems(error: ValidationError) -> list[Problem]:
    """One :class:`Problem` per pydantic error, in plain words."""
    problems = []
    for item in error.errors(include_url=False):
        path = tuple(item["loc"])
        kind = item["type"]
        if kind == "missing":
            message = "required field is missing"
        elif kind == "extra_forbidden":
            message = "unknown field"
        elif kind in ("too_short", "too_long"):
            message = item["msg"].replace("Tuple", "list").replace("Value", "list")
        else:
            message = f"{item['msg']}, got {_describe(item['input'])}"
        problems.append(Problem(path, message))
    return problems


def scenario_from_mapping(
    raw: Any, file: str | None = None, lines: dict[Path, int] | None = None
) -> Scenario:
    """Validate already-parsed data (a mapping) and build the baseline scenario."""
    lines = lines or {}

    def located(problems: list[Problem]) -> ScenarioError:
        return ScenarioError(p.located(file, line_of(p.path, lines)) for p in problems)

    if not isinstance(raw, dict):
        kind = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise located([Problem((), f"a scenario must be a mapping of fields, found {kind}")])
    try:
        data = ScenarioData.model_validate(raw)
    except ValidationError as error:
        raise located(pydantic_problems(error)) from None
    try:
        return Scenario.from_data(data, source=file)
    except ScenarioError as error:
        raise located(list(error.problems)) from None


def parse_text(text: str, file: str, suffix: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML or JSON text, returning the data and the line of each field path."""
    if suffix == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise ScenarioError([Problem((), f"invalid JSON: {error.msg}", error.lineno, file)])
    try:
        raw, lines, duplicates = parse_with_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError([Problem((), f"invalid YAML: {what}", line, file)]) from None
    if duplicates:
        raise ScenarioError(p.located(file) for p in duplicates)
    return raw, lines


def read_text(path: str | FilePath) -> str:
    try:
        return FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError([Problem((), f"cannot read file: {reason}", file=str(path))]) from None


def load(path: str | FilePath) -> Scenario:
    """Load and validate one scenario file (``.yaml``, ``.yml`` or ``.json``).

    Raises
    ------
    ScenarioError
        With one :class:`Problem` per thing wrong with the file.
    """
    path = FilePath(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SCENARIO_SUFFIXES:
        raise ScenarioError.single(
            f"unsupported file type '{suffix or path.name}' (use .yaml, .yml or .json;"
            " `explorer convert` reads DECIDE and BDM files)",
            file=name,
        )
    raw, lines = parse_text(read_text(path), name, suffix)
    return scenario_from_mapping(raw, name, lines)


def validate_file(path: str | FilePath) -> list[Problem]:
    """Every problem of a scenario file; an empty list when it is valid."""
    try:
        load(path)
    except ScenarioError as error:
        return list(error.problems)
    return []
