"""Read scenario files (YAML or JSON) into validated :class:`Scenario` objects.

Every problem found is reported at once, each naming the file, the line (where
known), the field path and what is wrong; at most ``MAX_PROBLEMS`` of them per
file, then one line counting the rest. A file over the size limit
(``EXPLORER_MAX_FILE_BYTES``, default 2 MB) is refused before it is read. Nothing
here prints or exits: callers (the CLI, the dashboard, the builder) decide how to
show a :class:`ScenarioError`.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
from pathlib import Path as FilePath
from typing import Any

import yaml
from pydantic import ValidationError

from explorer.errors import MAX_PROBLEMS, MoreProblems, Path, Problem, ScenarioError
from explorer.io.yaml_lines import line_of, parse_with_lines
from explorer.model.scenario import Scenario
from explorer.model.schema import (
    Concession, Issue, LabelledPoint, OriginalScale, Party, ScenarioData, Source, Stance, StanceChange,
)

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
ENV_MAX_FILE_BYTES = "EXPLORER_MAX_FILE_BYTES"
DEFAULT_MAX_FILE_BYTES = 2_000_000
"""Largest file read: 2 MB, some 70 times the seed scenario; ``$EXPLORER_MAX_FILE_BYTES`` changes it."""




def max_file_bytes(file: str | None = None) -> int:
    """The size limit in bytes: ``$EXPLORER_MAX_FILE_BYTES`` when set, else 2 MB.

    Raises :class:`ScenarioError` (naming ``file``) when the variable is not a positive
    whole number.
    """
    configured = os.environ.get(ENV_MAX_FILE_BYTES, "").strip()
    if not configured:
        return DEFAULT_MAX_FILE_BYTES
    try:
        limit = int(configured)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise ScenarioError.single(
            f"must be a positive whole number of bytes, got {_describe(configured)}", ENV_MAX_FILE_BYTES, file=file)
    return limit


def size_text(count: int) -> str:
    """A byte count in words: to one decimal in kB, MB or GB, or in bytes below 1 kB.

    >>> [size_text(n) for n in (1, 949, 999, 999_950, 52_428_800, 3 * 10**9)]
    ['1 byte', '949 bytes', '1.0 kB', '1.0 MB', '52.4 MB', '3.0 GB']
    """
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if round(count / scale, 1) >= 1:
            return f"{count / scale:.1f} {unit}"
    return f"{count} byte{'s' if count != 1 else ''}"


def too_large(file: str, size: int | None, limit: int) -> Problem:
    """The problem of a file over the size limit (``size`` None: not known, it kept coming).

    >>> problem = too_large("data/scenarios/huge.yaml", 52_428_800, 2_000_000)
    >>> problem.file, problem.message
    ('data/scenarios/huge.yaml', 'the file is 52.4 MB, over the 2.0 MB limit for a scenario (set EXPLORER_MAX_FILE_BYTES to raise it)')
    >>> too_large("x.yaml", 2_000_001, 2_000_000).message.split(" limit")[0]
    'the file is 2,000,001 bytes, over the 2,000,000 bytes'
    """
    shown, allowed = (size_text(size) if size is not None else "", size_text(limit))
    if shown == allowed:  # rounded to the same figure: give the bytes
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    what = f"the file is {shown}, over" if size is not None else "the file is over"
    return Problem((), f"{what} the {allowed} limit for a scenario (set {ENV_MAX_FILE_BYTES} to raise it)",
                   file=file)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_names() -> set[str]:
    names: set[str] = set()
    for model in (ScenarioData, Source, Party, Issue, LabelledPoint, OriginalScale, Stance, StanceChange, Concession):
        names |= set(model.model_fields)
    return names


FIELD_NAMES = _field_names()


def _reported_items(error: ValidationError) -> list[dict[str, Any]]:
    """The pydantic errors worth reporting.

    A list's length error is dropped when its items have errors: pydantic counts only the
    valid items, and the item errors say it all.
    """
    items = error.errors(include_url=False)
    if not any(item["type"] == "too_short" for item in items):
        return items
    inner: set[Path] = set()  # every path that has errors below it
    for item in items:
        path = tuple(item["loc"])
        inner.update(path[:end] for end in range(len(path)))
    return [item for item in items if not (item["type"] == "too_short" and tuple(item["loc"]) in inner)]


@functools.lru_cache(maxsize=1024)
def _unknown_field(name: str) -> str:
    close = difflib.get_close_matches(name, FIELD_NAMES, n=1)
    return "unknown field" + (f" (did you mean '{close[0]}'?)" if close else "")


def pydantic_problems(error: ValidationError) -> list[Problem]:
    """One :class:`Problem` per pydantic error, in plain words."""
    return [_item_problem(item) for item in _reported_items(error)]


def _item_problem(item: dict[str, Any]) -> Problem:
    """One pydantic error in plain words."""
    path = tuple(item["loc"])
    kind = item["type"]
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = _unknown_field(str(path[-1])[:200])
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
    return Problem(path, message)


def _in_file_order(
    problems: list[Problem], file: str | None, lines: dict[Path, int], limit: int | None,
    items: list[dict[str, Any]] | None = None,
) -> list[Problem]:
    """``problems`` then pydantic ``items``, located, in file order; at most ``limit``, then a count.

    Only the problems kept are put in words, so a file with thousands of errors costs little more.
    """
    keyed: list[tuple[int, int, Any]] = [(p.line or line_of(p.path, lines) or 0, k, p) for k, p in enumerate(problems)]
    start = len(keyed)
    keyed += [(line_of(tuple(item["loc"]), lines) or 0, start + k, item) for k, item in enumerate(items or ())]
    keyed.sort(key=lambda entry: entry[:2])
    kept = keyed if limit is None else keyed[:limit]
    result = []
    for _, _, found in kept:
        problem = found if isinstance(found, Problem) else _item_problem(found)
        result.append(problem.located(file, line_of(problem.path, lines)))
    if len(keyed) > len(kept):
        result.append(MoreProblems.after(len(keyed) - len(kept), file))
    return result


def scenario_from_mapping(
    raw: Any, file: str | None = None, lines: dict[Path, int] | None = None,
    earlier: list[Problem] | None = None, limit: int | None = MAX_PROBLEMS,
) -> Scenario:
    """Validate already-parsed data (a mapping) and build the baseline scenario.

    ``earlier`` problems (such as duplicate keys found while parsing) are reported
    together with the validation problems, in file order: the first ``limit`` of them
    and then one :class:`MoreProblems` counting the rest (``limit=None``: all of them,
    as the builder wants to show each beside its field).
    """
    lines = lines or {}
    earlier = list(earlier or ())

    def located(problems: list[Problem], items: list[dict[str, Any]] | None = None) -> ScenarioError:
        return ScenarioError(_in_file_order(problems, file, lines, limit, items))

    if not isinstance(raw, dict):
        kind = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise located([Problem((), f"a scenario must be a mapping of fields, found {kind}")])
    try:
        data = ScenarioData.model_validate(raw)
    except ValidationError as error:
        raise located(earlier, _reported_items(error)) from None
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


def read_text(path: str | FilePath, max_bytes: int | None = None) -> str:
    """The text of a file, refused at once when it is over ``max_bytes`` (default: :func:`max_file_bytes`).

    The size is checked before the file is even opened, and no more than the limit is
    read (a file that grows meanwhile, or a pipe, is refused too).
    """
    name = str(path)
    limit = max_file_bytes(name) if max_bytes is None else max_bytes
    try:
        size = os.stat(path).st_size
        if size > limit:
            raise ScenarioError([too_large(name, size, limit)])
        # a byte-order mark (Excel) is not content; newlines are read as Path.read_text reads them
        with open(path, encoding="utf-8-sig") as stream:
            text = stream.read(limit + 1)  # characters: never more than the bytes
            if len(text) > limit:
                raise ScenarioError([too_large(name, None, limit)])
            return text
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError([Problem((), f"cannot read file: {reason}", file=name)]) from None


def text_of_bytes(content: bytes | memoryview, name: str, max_bytes: int | None = None) -> str:
    """The text of a file already in memory (an upload), refused when over ``max_bytes``.

    As :func:`read_text` reads a file from disk: the size is checked before anything is
    decoded, a byte-order mark is dropped and newlines are normalised. ``name`` only names
    the file in the problems; nothing is opened.
    """
    limit = max_file_bytes(name) if max_bytes is None else max_bytes
    size = memoryview(content).nbytes
    if size > limit:
        raise ScenarioError([too_large(name, size, limit)])
    try:
        text = bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError([Problem((), f"cannot read file: not UTF-8 text ({error.reason} at byte {error.start})",
                                     file=name)]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load(path: str | FilePath, max_bytes: int | None = None) -> Scenario:
    """Load and validate one scenario file (``.yaml``, ``.yml`` or ``.json``).

    A file over ``max_bytes`` (default: :func:`max_file_bytes`, 2 MB) is refused unread.

    Raises
    ------
    ScenarioError
        With one :class:`Problem` per thing wrong with the file: the first
        ``MAX_PROBLEMS`` in file order, then one :class:`MoreProblems` counting the rest.
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
    raw, lines, duplicates = parse_text(read_text(path, max_bytes), name, suffix)
    return scenario_from_mapping(raw, name, lines, duplicates)


def validate_file(path: str | FilePath, max_bytes: int | None = None) -> list[Problem]:
    """The problems of a scenario file (as :func:`load` reports them); an empty list when it is valid."""
    try:
        load(path, max_bytes)
    except ScenarioError as error:
        return list(error.problems)
    return []
