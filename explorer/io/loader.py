"""Read scenario files (YAML or JSON) into validated :class:`Scenario` objects.

Every problem found is reported at once, each naming the file, the line (where
known), the field path and what is wrong. Nothing here prints or exits: callers
(the CLI, the dashboard, the builder) decide how to show a :class:`ScenarioError`.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path as FilePath
from typing import Any

import yaml
from pydantic import ValidationError

from explorer.errors import Path, Problem, ScenarioError
from explorer.io.yaml_lines import line_of, parse_with_lines
from explorer.model.scenario import Scenario
from explorer.model.schema import (
    Concession, Issue, LabelledPoint, OriginalScale, Party, ScenarioData, Source, Stance, StanceChange,
)

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_names() -> set[str]:
    names: set[str] = set()
    for model in (ScenarioData, Source, Party, Issue, LabelledPoint, OriginalScale, Stance, StanceChange, Concession):
        names |= set(model.model_fields)
    return names


FIELD_NAMES = _field_names()


def pydantic_problems(error: ValidationError) -> list[Problem]:
    """One :class:`Problem` per pydantic error, in plain words."""
    items = error.errors(include_url=False)
    located = [tuple(item["loc"]) for item in items]
    problems = []
    for item, path in zip(items, located):
        kind = item["type"]
        if kind == "too_short" and any(len(p) > len(path) and p[: len(path)] == path for p in located):
            continue  # pydantic counts only the valid items: the item errors say it all
        if kind == "missing":
            message = "required field is missing"
        elif kind == "extra_forbidden":
            close = difflib.get_close_matches(str(path[-1]), FIELD_NAMES, n=1)
            message = "unknown field" + (f" (did you mean '{close[0]}'?)" if close else "")
        elif kind == "string_pattern_mismatch" and "a-z0-9" in str(item.get("ctx", {}).get("pattern", "")):
            message = ("an id uses lower-case letters, digits, '-' and '_', starting with a letter or digit;"
                       f" got {_describe(item['input'])}")
        elif kind == "string_too_short":
            message = "must not be empty"
        elif kind == "too_short":
            wanted = item.get("ctx", {}).get("min_length")
            found = item.get("ctx", {}).get("actual_length")
            message = f"needs at least {wanted} item{'s' if wanted != 1 else ''}, found {found}"
        else:
            message = f"{item['msg']}, got {_describe(item['input'])}"
        problems.append(Problem(path, message))
    return problems


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)


def scenario_from_mapping(
    raw: Any, file: str | None = None, lines: dict[Path, int] | None = None,
    earlier: list[Problem] | None = None,
) -> Scenario:
    """Validate already-parsed data (a mapping) and build the baseline scenario.

    ``earlier`` problems (such as duplicate keys found while parsing) are reported
    together with the validation problems, in file order.
    """
    lines = lines or {}
    earlier = list(earlier or ())

    def located(problems: list[Problem]) -> ScenarioError:
        return ScenarioError(_in_file_order([p.located(file, line_of(p.path, lines)) for p in problems]))

    if not isinstance(raw, dict):
        kind = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise located([Problem((), f"a scenario must be a mapping of fields, found {kind}")])
    try:
        data = ScenarioData.model_validate(raw)
    except ValidationError as error:
        raise located(earlier + pydantic_problems(error)) from None
    try:
        scenario = Scenario.from_data(data, source=file)
    except ScenarioError as error:
        raise located(earlier + list(error.problems)) from None
    if earlier:
        raise located(earlier)
    return scenario


def parse_text(text: str, file: str, suffix: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse YAML or JSON text: the data, the line of each field path, duplicate keys.

    JSON is read by the JSON parser (YAML 1.1 would read ``1e-05`` as a string); the
    YAML composer then only locates lines, and is skipped where it cannot read the text.
    """
    if suffix == ".json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ScenarioError([Problem((), f"invalid JSON: {error.msg}", error.lineno, file)]) from None
        try:
            _, lines, duplicates = parse_with_lines(text)
        except yaml.YAMLError:
            lines, duplicates = {}, []
        return raw, lines, [p.located(file) for p in duplicates]
    try:
        raw, lines, duplicates = parse_with_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and context_mark is not None:
            what += f" ({context} started on line {context_mark.line + 1})"
        raise ScenarioError([Problem((), f"invalid YAML: {what}", line, file)]) from None
    return raw, lines, [p.located(file) for p in duplicates]


def read_text(path: str | FilePath) -> str:
    try:
        return FilePath(path).read_text(encoding="utf-8-sig")  # a byte-order mark (Excel) is not content
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
    raw, lines, duplicates = parse_text(read_text(path), name, suffix)
    return scenario_from_mapping(raw, name, lines, duplicates)


def validate_file(path: str | FilePath) -> list[Problem]:
    """Every problem of a scenario file; an empty list when it is valid."""
    try:
        load(path)
    except ScenarioError as error:
        return list(error.problems)
    return []
