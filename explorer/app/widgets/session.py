"""The session notice: a page learns that its kernel was stopped, and offers a reload.

Voila's front end shows nothing when a page's kernel goes away (stopped for using too much
memory, or the server restarted): the page stays on screen and its controls stop working.
:class:`SessionNotice` (no visible widget until needed) asks the server every few seconds
what became of the page's session (``<base_url>explorer/session/<kernel id>``, which costs
no kernel: :mod:`explorer.app.serving.session`), and when the answer is not "running" shows a
banner across the top of the page with the server's message and a **Reload** button, and greys
the page out (its controls no longer do anything). When
the server does not answer at all, it says so, and takes the banner away if it comes back.

Outside a Voila page (JupyterLab, no kernel id in the page) it does nothing.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets as t

from explorer.app.paths import SESSION_URL

HERE = Path(__file__).resolve().parent
UNREACHABLE = ("The server is not answering. This page stays as it is but cannot change. "
               "Reload it when the server is back.")


class SessionNotice(anywidget.AnyWidget):
    """Polls the session status every ``every_ms`` ms; shows the server's message when it is not running."""

    _esm = (HERE / "session.js").read_text(encoding="utf-8")
    _css = (HERE / "session.css").read_text(encoding="utf-8")
    endpoint = t.Unicode(SESSION_URL).tag(sync=True)
    every_ms = t.Int(5000).tag(sync=True)
    failures_before_notice = t.Int(3).tag(sync=True)
    unreachable_message = t.Unicode(UNREACHABLE).tag(sync=True)
