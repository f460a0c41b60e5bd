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


def _order(mapping: dict[str, Any]) -> dict[str, Any]:
    keys = ["id", "title", "as_of", "description", "sources", "parties", "issues", "stances", "concessions"]
    return {k: mapping[k] for k in keys if k in mapping} | {k: v for k, v in mapping.items() if k not in keys}


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists_inline(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flow = len(value) <= 4 and all(isinstance(v, (int, float)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(list, _short_lists_inline)


def dumps(data: ScenarioData, fmt: str = "yaml") -> str:
    """The scenario as YAML or JSON text."""
    mapping = _order(scenario_mapping(data))
    if fmt == "json":
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    mapping["as_of"] = data.as_of  # a YAML date, not a quoted string
    return yaml.dump(mapping, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a reader sees the old file or the new, never half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
