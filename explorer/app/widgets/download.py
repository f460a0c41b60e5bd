"""The "Download briefing" button: the viewer's kernel makes a file and the page saves it.

A click sends ``{"event": "make"}``; the kernel calls the ``make`` handler, which returns a
file name and the file's bytes, and sends them back as one message with a binary buffer; the
page saves them with the browser's own download (a ``Blob``), so nothing is written on the
server. A page may set none of its traits; it may only ask for a file, at most once every
``min_interval`` seconds (a page asking again and again costs the server nothing more): a click
while one is being made, or sooner, does nothing. A failure says so under the button and changes
nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets as t

from explorer.app.paths import safe_file_name

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


class FileDownload(anywidget.AnyWidget):
    """A button whose click makes a file in the kernel (``on_make``) and saves it in the browser."""

    _esm = (HERE / "download.js").read_text(encoding="utf-8")
    _css = (HERE / "download.css").read_text(encoding="utf-8")
    label = t.Unicode("Download briefing").tag(sync=True)
    hint = t.Unicode("").tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    mime = t.Unicode("text/html").tag(sync=True)
    page_settable = frozenset()  #: a page sets no trait; it sends {"event": "make"} (explorer.app.page_guard)

    def __init__(self, make: Callable[[], tuple[str, bytes]] | None = None, min_interval: float = 5.0,
                 defer: Callable[[Callable[[], None]], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self._make = make
        self._defer = defer  # runs a click's make later (the dashboard: when the kernel's loop and CPUs have room)
        self.min_interval = min_interval  # seconds between the end of one make and the next
        self.last_made = -float("inf")  # time.monotonic() when the last make ended
        self.on_msg(self._message)

    def on_make(self, make: Callable[[], tuple[str, bytes]]) -> None:
        """``make()`` returns (file name, bytes); it runs in the kernel on each click."""
        self._make = make

    def allowed(self) -> bool:
        """Whether a file may be made now (none being made, none made in the last ``min_interval`` s)."""
        return not self.busy and self._make is not None and time.monotonic() - self.last_made >= self.min_interval

    def request(self) -> bool:
        """What a click does: make the file, now or (with ``defer``) once the kernel has room; False
        when it may not be made now."""
        if not self.allowed():
            return False
        if self._defer is None:
            return self.make() is not None
        self.busy, self.status = True, "Waiting for the server…"
        self._defer(self._run)
        return True

    def make(self) -> tuple[str, bytes] | None:
        """Make the file and send it to the page at once; None (and a status line) on failure or when
        it may not be made now."""
        if not self.allowed():
            return None
        return self._run()

    def _run(self) -> tuple[str, bytes] | None:
        self.busy, self.status = True, "Making the briefing…"
        try:
            name, content = self._make()
        except Exception as error:  # noqa: BLE001 - told to the viewer, logged for the operator
            log.exception("download: the file could not be made")
            self.status = f"The briefing could not be made ({type(error).__name__}); nothing else changed."
            return None
        finally:
            self.busy, self.last_made = False, time.monotonic()
        name = safe_file_name(name)
        self.send({"event": "file", "name": name}, [content])
        self.status = (f"Sent to your browser as {name} ({len(content) / 1e6:.1f} MB): it opens in any browser, "
                       "offline, and prints.")
        return name, content

    def _message(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "make":
            self.request()
