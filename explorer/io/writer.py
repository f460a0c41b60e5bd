"""Write scenarios as YAML or JSON, atomically (temp file in the same folder + rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from explorer.model.schema import ScenarioData


def scenario_mapping(data: ScenarioData) -> dict[str, Any]:
    """Plain data for a file: defaults and empty optional fields left out."""
    return data.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {
        "id": data.id, "title": data.title, "as_of": data.as_of.isoformat(),
    }


# Whole numbers are written as integers (50, not 50.0) up to this size; they read back as the same float.
_WHOLE_LIMIT = 2**53


def _whole_numbers(node: Any) -> Any:
    """``node`` with every float that is a whole number (and exactly an integer) as an int."""
    if isinstance(node, float) and node.is_integer() and abs(node) <= _WHOLE_LIMIT:
        return int(node)
    if isinstance(node, dict):
        return {k: _whole_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_whole_numbers(v) for v in node]
    return node


def _order(mapping: dict[str, Any]) -> dict[str, Any]:
    keys = ["id", "title", "as_of", "description", "sources", "parties", "issues", "stances", "concessions"]
    return {k: mapping[k] for k in keys if k in mapping} | {k: v for k, v in mapping.items() if k not in keys}


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists_inline(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flow = len(value) <= 4 and all(isinstance(v, (int, float)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


# YAML 1.1 reads these as line breaks inside a plain or single-quoted scalar: escape them.
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if any(c in value for c in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(list, _short_lists_inline)
_Dumper.add_representer(str, _string)


def dumps(data: ScenarioData, fmt: str = "yaml") -> str:
    """The scenario as YAML or JSON text; whole numbers are written as integers (50, not 50.0)."""
    mapping = _whole_numbers(_order(scenario_mapping(data)))
    if fmt == "json":
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    mapping["as_of"] = data.as_of  # a YAML date, not a quoted string
    return yaml.dump(mapping, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a reader sees the old file or the new, never half.

    The new file keeps the old one's permissions (a new file follows the umask).
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
