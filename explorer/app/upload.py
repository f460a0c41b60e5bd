"""A viewer's own file: read in memory from an upload, never written to the server's disk.

The dashboard's "Open a file…" control (an ipywidgets ``FileUpload``) hands the kernel a
file's name and bytes. :func:`read_upload` turns them into an :class:`Entry` of the
picker, as a file of the scenario folder would be, with three differences: its content
comes from memory (no path is ever opened: the name only names the file in messages and
picks the format by its suffix), it is over the size limit when its bytes are, and the
entry is marked ``uploaded`` so that only this viewer's dashboard lists it.

Our YAML/JSON, DECIDE files and BDM CSVs are read, as ``explorer convert`` reads them.
No widget or plotting imports.
"""

from __future__ import annotations

import hashlib

import unicodedata
from pathlib import PurePosixPath

from explorer.app.catalog import Entry, invalid_entry
from explorer.errors import ScenarioError
from explorer.io.formats import scenario_from_text
from explorer.io.loader import max_file_bytes, size_text, text_of_bytes, too_large

ACCEPT = ".yaml,.yml,.json,.csv,.txt,.tsv,.dat"
"""What the file dialog offers (a hint only: any name is read by its content)."""
MAX_NAME_CHARS = 80
UNNAMED = "uploaded file"


def display_name(name: object) -> str:
    """The name an upload is shown under: its last part, printable, at most ``MAX_NAME_CHARS``.

    >>> display_name("../../etc/passwd"), display_name("C:\\\\Users\\\\me\\\\talks.yaml")
    ('passwd', 'talks.yaml')
    >>> display_name("a\\x00b\\n.yaml")
    'ab.yaml'
    >>> display_name(""), display_name(None), len(display_name("x" * 500 + ".yaml"))
    ('uploaded file', 'uploaded file', 80)
    """
    text = name if isinstance(name, str) else ""
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    if text in ("", ".", ".."):
        return UNNAMED
    if len(text) > MAX_NAME_CHARS:
        suffix = PurePosixPath(text).suffix[:10]
        text = text[: MAX_NAME_CHARS - len(suffix) - 1] + "…" + suffix
    return text


def limit_text() -> str:
    """The size limit in words ("2.0 MB"), as the control's tooltip says it."""
    try:
        return size_text(max_file_bytes())
    except ScenarioError:
        return "the configured size"  # a bad EXPLORER_MAX_FILE_BYTES: each file says what is wrong


def read_upload(name: object, content: bytes | memoryview, max_bytes: int | None = None) -> Entry:
    """The picker entry of an uploaded file: its scenario, or the problems that keep it out.

    ``max_bytes`` defaults to the loader's limit (``EXPLORER_MAX_FILE_BYTES``, 2 MB); a
    file over it is refused from its size alone, unread.
    """
    shown = display_name(name)
    path = PurePosixPath(shown)  # a label only: never opened, never joined to a folder
    try:
        limit = max_file_bytes(shown) if max_bytes is None else max_bytes
        size = memoryview(content).nbytes
        if size > limit:
            raise ScenarioError([too_large(shown, size, limit)])
        return Entry(path, scenario_from_text(text_of_bytes(content, shown, limit), shown), uploaded=True,
                     digest=hashlib.sha256(bytes(content)).hexdigest())
    except ScenarioError as error:
        return invalid_entry(path, error, uploaded=True)
