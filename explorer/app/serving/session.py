"""What became of a page's session: ``GET <base_url>explorer/session/<kernel_id>``.

A page cannot see its kernel stop (Voila's front end shows nothing when its websocket
fails), so the dashboard's session notice (:mod:`explorer.app.widgets.session`) asks the
server every few seconds. The answer costs no kernel and is a small JSON object::

    {"state": "running"}
    {"state": "stopped", "reason": "memory", "message": "..."}
    {"state": "stopped", "reason": "died", "message": "..."}   # its process ended (crash, kill)
    {"state": "ended", "message": "..."}       # unknown here: the server restarted, or it ended

A kernel id is the page's own secret (a random UUID in its page); nothing lists them.
"""

from __future__ import annotations

import collections
import json
import time

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

MB = 1024 * 1024
REMEMBERED = 2000  # stopped kernels remembered (the oldest is forgotten first)
MEMORY_MESSAGE = ("This page's session used {used} MB of memory, more than the {limit} MB one viewer may use, "
                  "and was stopped. Nothing of yours is kept on the server. Reload the page to start again.")
DIED_MESSAGE = ("This page's session stopped unexpectedly (its process on the server ended). Nothing of yours is "
                "kept on the server. Reload the page to start again.")
ENDED_MESSAGE = ("This page's session has ended (the server was restarted, or the session was closed). "
                 "Reload the page to start again.")


class EndedKernels:
    """Why kernels were stopped by the server (bounded: the latest :data:`REMEMBERED`)."""

    def __init__(self, size: int = REMEMBERED):
        self.size = size
        self.reasons: collections.OrderedDict[str, dict] = collections.OrderedDict()

    def stopped_for_memory(self, kernel_id: str, used_bytes: int, limit_mb: int) -> None:
        self._remember(kernel_id, "memory", MEMORY_MESSAGE.format(used=used_bytes // MB, limit=limit_mb))

    def died(self, kernel_id: str) -> None:
        """The kernel's process ended by itself (a crash, a kill from outside)."""
        self._remember(kernel_id, "died", DIED_MESSAGE)

    def _remember(self, kernel_id: str, reason: str, message: str) -> None:
        self.reasons[kernel_id] = {"state": "stopped", "reason": reason, "at": time.time(), "message": message}
        while len(self.reasons) > self.size:
            self.reasons.popitem(last=False)

    def status(self, kernel_id: str, running: bool) -> dict:
        """The answer for ``kernel_id``.

        >>> ended = EndedKernels()
        >>> ended.status("k", running=True)
        {'state': 'running'}
        >>> ended.stopped_for_memory("k", 700 * MB, 600)
        >>> ended.status("k", running=False)["message"][:41]
        "This page's session used 700 MB of memory"
        >>> ended.status("other", running=False)["state"]
        'ended'
        """
        if running:
            return {"state": "running"}
        known = self.reasons.get(kernel_id)
        if known is not None:
            return {k: v for k, v in known.items() if k != "at"}
        return {"state": "ended", "message": ENDED_MESSAGE}


class SessionStatusHandler(JupyterHandler):
    """``GET``: the JSON status of one kernel (see the module's docstring)."""

    def initialize(self, ended: EndedKernels):
        self.ended = ended

    @web.authenticated
    def get(self, kernel_id: str) -> None:
        running = kernel_id in self.kernel_manager
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(self.ended.status(kernel_id, running)))
