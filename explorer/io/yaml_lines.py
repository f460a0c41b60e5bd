"""Parse YAML (or JSON) keeping the line of every value, and refusing duplicate keys.

PyYAML silently keeps the last of two equal keys; a scenario file with a
duplicated field is almost always a mistake, so it is reported instead.
"""

from __future__ import annotations

from typing import Any

import yaml

from explorer.errors import Path, Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_with_lines(text: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Return (data, line of each field path, duplicate-key problems).

    Raises ``yaml.YAMLError`` on a syntax error.

    >>> data, lines, dups = parse_with_lines("a: 1\\nb:\\n  - x\\n  - y\\n")
    >>> data, lines[("b", 1)], dups
    ({'a': 1, 'b': ['x', 'y']}, 4, [])
    """
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    return data, lines, problems


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(
                    Problem(path + (key,), "duplicate key", line=key_node.start_mark.line + 1)
                )
                continue
            seen.add(key)
            _walk(value_node, path + (key,), lines, problems)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, problems)


def line_of(path: Path, lines: dict[Path, int]) -> int | None:
    """Line of the longest known prefix of ``path``."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
