"""Any file we read — our YAML/JSON, a DECIDE file or a BDM CSV — from its text: which kind it is,
its raw scenario mapping, or the validated scenario. One path for ``explorer convert``, the
dashboard's "Open a file…" and the builder's "Import…".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from explorer.errors import MoreProblems, Path, Problem, ScenarioError
from explorer.io.importers import read_bdm, read_decide, sniff
from explorer.io.loader import SCENARIO_SUFFIXES, parse_text, scenario_from_mapping
from explorer.model.scenario import Scenario

UNKNOWN_FORMAT = ("cannot tell the format: expected a scenario (.yaml, .yml or .json), a DECIDE file ('#A' rows)"
                  " or a BDM CSV (Actor,Capability,Position,Salience)")


def file_kind(text: str, name: str) -> str:
    """How to read a file: 'scenario' (our YAML/JSON, by its suffix), else 'decide' or 'bdm' by its
    first meaningful line; a .csv that is neither goes to the BDM reader (which says what is wrong);
    'unknown' otherwise. ``name`` only gives the suffix.

    >>> file_kind("x", "a.yml"), file_kind("#A;x;X", "f.txt"), file_kind("nothing", "f.csv")
    ('scenario', 'decide', 'bdm')
    """
    suffix = PurePosixPath(str(name)).suffix.lower()
    if suffix in SCENARIO_SUFFIXES:
        return "scenario"
    kind = sniff(text)
    return "bdm" if kind == "unknown" and suffix == ".csv" else kind


def read_mapping(
    text: str, name: str, kind: str = "auto", *, hint: str = "", veto: Iterable[str] | None = None,
    scale: tuple[float, float] | None = None, issue: str | None = None, as_of: datetime.date | None = None,
    warnings: list[Problem] | None = None,
) -> tuple[str, Any, dict[Path, int] | None, list[Problem] | None]:
    """(kind, raw mapping, line of each field, duplicate keys) of a file's text; the last two only for
    our own format. The importers' options (``veto``, ``scale``, ``issue``, ``as_of``) and
    ``warnings`` apply to DECIDE and BDM files; ``hint`` ends the message for an unknown format."""
    if kind == "auto":
        kind = file_kind(text, name)
    if kind == "scenario":
        suffix = ".json" if PurePosixPath(str(name)).suffix.lower() == ".json" else ".yaml"
        raw, lines, duplicates = parse_text(text, name, suffix)
        return kind, raw, lines, duplicates
    if kind == "decide":
        return kind, read_decide(text, name, veto=veto, as_of=as_of, warnings=warnings), None, None
    if kind == "bdm":
        raw = read_bdm(text, name, veto=veto, scale=scale, issue=issue or "issue", as_of=as_of, warnings=warnings)
        return kind, raw, None, None
    raise ScenarioError.single(UNKNOWN_FORMAT + hint, file=name)


def scenario_from_text(text: str, name: str, kind: str = "auto", **options: Any) -> Scenario:
    """The validated scenario of a file's text (options as :func:`read_mapping`). Problems of an
    imported file that our format refuses say "(after import)" and name the input file."""
    kind, raw, lines, duplicates = read_mapping(text, name, kind, **options)
    if kind == "scenario":
        return scenario_from_mapping(raw, name, lines, duplicates)
    try:
        return scenario_from_mapping(raw, name)
    except ScenarioError as error:
        raise ScenarioError(p if isinstance(p, MoreProblems) else Problem(p.path, p.message + " (after import)",
                                                                          None, name)
                            for p in error.problems) from None
