"""Bringing a file into the builder as a draft: a DECIDE file, a BDM CSV or a scenario file.

The same readers as ``explorer convert`` (:mod:`explorer.io.importers`) turn the file into
scenario data, but it is *not* required to be valid: an import that our format refuses
(say, fewer than two veto parties) becomes a draft whose problems are shown beside their
fields, to be completed and saved. The file's size is checked against the same limit as
every other reader (2 MB, ``$EXPLORER_MAX_FILE_BYTES``) before it is decoded.
"""

from __future__ import annotations

import json
from pathlib import Path

from explorer.builder.draft import SECTIONS, Draft
from explorer.errors import ScenarioError
from explorer.io.formats import read_mapping
from explorer.io.loader import SCENARIO_SUFFIXES, max_file_bytes, too_large

IMPORT_SUFFIXES = (".txt", ".dat", ".tsv", ".csv", *SCENARIO_SUFFIXES)


def draft_from_upload(name: str, content: bytes, limit: int | None = None) -> Draft:
    """A new draft holding the file ``name`` (its bytes ``content``).

    Raises
    ------
    ScenarioError
        The file is too large, not UTF-8 text, of an unknown kind, or cannot be read as
        its kind at all (rows a DECIDE/BDM reader cannot parse, invalid YAML).
    """
    name = Path(name).name or "upload"
    limit = max_file_bytes(name) if limit is None else limit
    if len(content) > limit:
        raise ScenarioError([too_large(name, len(content), limit)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError.single("cannot read file: it is not UTF-8 text", file=name) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a file read in text mode
    kind, raw, _, _ = read_mapping(text, name)
    if kind == "scenario" and not isinstance(raw, dict):
        raise ScenarioError.single("a scenario must be a mapping of fields", file=name)
    data = json.loads(json.dumps(raw, default=str))  # plain JSON data (dates as text), as autosaves hold
    for section in SECTIONS:
        if not isinstance(data.get(section), list):
            data[section] = []
    return Draft(data)
