"""The page of a new viewer, behind the capacity gate: the dashboard, or a short "try again" page (HTTP 503).

:class:`CapacityVoilaHandler` replaces Voila's page handler
(:func:`explorer.app.serving.install.gate_handlers`) and asks the kernel manager
(:class:`~explorer.app.serving.capacity.CapacityKernelManager`) to admit each new viewer.
"""

from __future__ import annotations

from pathlib import Path

import tornado.web
from jupyter_server.utils import url_path_join
from voila.tornado.handler import TornadoVoilaHandler

from explorer.app.serving.briefing import BRIEFING_URL, warm_up

CAPACITY_MESSAGE = ("The dashboard is at capacity — too many people have it open right now. "
                    "Try again in a minute.")
RETRY_AFTER = 60  # seconds, sent as the Retry-After header of the 503

CAPACITY_CSS = (Path(__file__).with_name("capacity.css")).read_text(encoding="utf-8")
CAPACITY_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_AFTER}">
<title>Dashboard at capacity</title>
<style>{CAPACITY_CSS}</style>
</head>
<body>
<h1>Please try again in a minute</h1>
<p class="capacity-message">{CAPACITY_MESSAGE}</p>
<p>This page reloads itself in a minute.</p>
<p class="capacity-briefing">Meanwhile, <a href="{{briefing}}">read the briefing of the main scenario</a>: one
file with its figures, sources and the cheapest deals, to keep or forward. It opens in any browser,
offline, and prints.</p>
</body>
</html>
"""


class CapacityVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler behind the capacity gate of a :class:`CapacityKernelManager`.

    It also sets Voila's ``_xsrf`` cookie on the page: the page posts that token in the
    beacon that shuts its kernel down when it is closed, and standalone Voila never sets
    it, so without it every such beacon is refused (403, voila issue 1458) and a closed
    page's kernel waits for the idle cull.
    """

    _holds_place = False

    @tornado.web.authenticated
    async def get(self, path=None):
        starts_kernel = not (self.notebook_path and path)  # else Voila redirects to a file
        manager = self.kernel_manager
        if starts_kernel and hasattr(manager, "admit"):  # a CapacityKernelManager
            if not manager.admit():
                self.refuse()
                return
            self._holds_place = True
        if starts_kernel:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
        await super().get(path=path)

    def refuse(self) -> None:
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_AFTER))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        warm_up()  # the briefing is made once, in a child process, while this viewer reads the page
        self.finish(CAPACITY_PAGE.replace("{briefing}", url_path_join(self.base_url, BRIEFING_URL)))

    def _release(self) -> None:
        if self._holds_place:
            self._holds_place = False
            self.kernel_manager.release()

    def flush(self, *args, **kwargs):
        # The first bytes of the page go out once its kernel runs (fresh or from the pool):
        # from then on the kernel itself is counted.
        self._release()
        return super().flush(*args, **kwargs)

    def on_finish(self):
        self._release()
        super().on_finish()

    def on_connection_close(self):
        self._release()
        super().on_connection_close()
