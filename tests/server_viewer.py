"""A viewer with no browser: what a page does to the server, done from Python.

Shared by ``tests/test_haproxy.py`` and ``benchmarks/bench_server_room.py``; it holds no
tests. A :class:`ServerViewer`

1. GETs the dashboard's page (cookies kept, as a browser keeps them: Voila's ``_xsrf``,
   jupyter's user cookie, a balancer's stickiness cookie) with ONE deadline for the whole
   answer, and sorts the answer (:func:`classify`): ``complete`` (HTTP 200 and the cell's
   output is the dashboard's widget view, an ``application/vnd.jupyter.widget-view+json``
   bundle), ``capacity`` (the 503 "at capacity" page of ``explorer.app.serving.pages`` or
   of the balancer), ``blank`` (200 but the output is missing: nbclient's IOPub timeout
   dropped it), ``too_busy`` (Voila's error output "Cell execution timed out", with
   ``voila.json``'s "too busy, reload" instruction), ``http_error`` (any other status),
   ``error`` (refused, reset, cut) or ``hung`` (no complete answer by the deadline). A page
   Voila ended cleanly before its output (an exception after the page's head went out, e.g.
   nbclient's 60 s ``startup_timeout`` for a kernel that never answered) is ``blank`` too;
2. opens the page's kernel websocket (:class:`tests.kernel_client.KernelClient`, the v1
   protocol), asks every widget's state in one ``request_states`` as the page's widget
   manager does, and tells the panel board it is shown (``{"event": "shown"}``, which the
   board's JavaScript sends once it has drawn: the dashboard then starts the chances and the
   deal search, as it does for a real page);
3. sends ONE click as the concession list's JavaScript does, a ``comm_msg``
   ``{"method": "update", "state": {"active": [...]}, "buffer_paths": []}`` switching one
   open concession on (or all off), and times it to the first message that redraws a panel
   (a ``Panel`` model of the ``PanelBoard``, explorer/app/panels/board.py, sent its new
   ``spec``), then reads on until the kernel is idle to list every panel redrawn;
4. closes as a browser tab does: Voila's page POSTs ``voila/api/shutdown/<kernel>`` with its
   ``_xsrf`` token (the ``beforeunload`` beacon), and the websocket goes.

What it does not do: fetch the page's static files (JavaScript, CSS, fonts: cached by a
browser after its first visit, and the same for every viewer), run any JavaScript, or poll
the session endpoint (``explorer/session/<kernel>``) every few seconds as the page's session
notice does. The kernel and the server get the same messages a page sends them to the first
drawing and a click; the client's own CPU is small next to a browser's.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.cookies
import json
import math
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from tests.browser_support import json_safe
from tests.kernel_client import KERNEL_ID, Closed, KernelClient

#: What a page's cell output holds when the dashboard was rendered (Voila's ``cell-output`` JSON).
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VIEW_MODEL = re.compile(r'"application/vnd\.jupyter\.widget-view\+json":\s*\{"model_id":\s*"([0-9a-f]{32})"')
TIMED_OUT = "Cell execution timed out"  # voila/execute.py's show_code_cell_timeout
CAPACITY_MARKERS = ("capacity-message", "Dashboard at capacity")  # explorer/app/serving/pages.py, the balancer's
OUTCOMES = ("complete", "capacity", "blank", "too_busy", "http_error", "error", "hung")
PREFERRED_CONCESSION = "ukraine-line-freeze"  # the seed scenario's, the one bench_room.py clicks
USER_AGENT = "explorer-server-viewer/1 (no browser)"


class Cookies:
    """A tiny cookie jar: every cookie a server set, sent back on every request (one site, path /)."""

    def __init__(self):
        self.values: dict[str, str] = {}  # name -> value as it is sent back (coded)

    def take(self, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            with contextlib.suppress(http.cookies.CookieError):
                jar.load(line)
            for name, morsel in jar.items():
                self.values[name] = morsel.coded_value

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip('"') if value is not None else None


@dataclass
class PageAnswer:
    """One GET of the page: its outcome (:data:`OUTCOMES`), status, timings and what it held."""

    outcome: str
    status: int | None = None
    seconds: float | None = None  #: request sent → the whole page read (None: never)
    first_byte_s: float | None = None
    size: int = 0
    kernel_id: str | None = None
    view_model: str | None = None  #: the dashboard's root widget (the output's model id)
    detail: str = ""


def classify(status: int, html: str) -> tuple[str, str]:
    """(outcome, detail) of a page Voila (or a balancer) answered in full.

    >>> classify(503, '<p class="capacity-message">The dashboard is at capacity</p>')[0]
    'capacity'
    >>> classify(200, '<script type="application/vnd.voila.cell-output+json">{"data": '
    ...          '{"application/vnd.jupyter.widget-view+json": {"model_id": "' + 'a' * 32 + '"}}}</script></html>')
    ('complete', '')
    >>> classify(200, '... "traceback": ["Cell execution timed out, aborting notebook execution. ..."] ...</html>')[0]
    'too_busy'
    >>> classify(200, '<div class="jp-OutputArea jp-Cell-outputArea"></div></html>')[0]
    'blank'
    >>> classify(200, '<html><head>...</head><body><div cell-index="1">')[0]
    'blank'
    >>> classify(502, 'Bad Gateway')
    ('http_error', 'HTTP 502')
    """
    if status == 503 and any(marker in html for marker in CAPACITY_MARKERS):
        return "capacity", ""
    if status != 200:
        return "http_error", f"HTTP {status}"
    if TIMED_OUT in html:
        return "too_busy", "Voila's cell timeout message"
    if not html.rstrip().endswith("</html>"):  # ended cleanly (a cut connection raises) but before its output
        return "blank", f"the page ends before its output ({len(html)} characters): Voila gave up on it"
    if VIEW_MODEL.search(html):
        return "complete", ""
    return "blank", "no widget view in the cell's output"


def fetch_page(url: str, cookies: Cookies, timeout: float) -> PageAnswer:
    """GET ``url`` with ``cookies`` (updated from the answer), the whole answer within ``timeout`` s."""
    parts = urllib.parse.urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    deadline = started + timeout
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    answer = PageAnswer("error")
    try:
        conn.connect()
        sock = conn.sock  # kept: http.client drops conn.sock once a "Connection: close" answer starts
        headers = {"Accept": "text/html,*/*", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        if cookies.values:
            headers["Cookie"] = cookies.header()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        answer.status = response.status
        answer.first_byte_s = time.monotonic() - started
        cookies.take(response.headers)
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = response.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
        body = b"".join(chunks)
        answer.seconds = time.monotonic() - started
        answer.size = len(body)
        if response.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        html = body.decode("utf-8", "replace")
        answer.outcome, answer.detail = classify(response.status, html)
        if answer.outcome == "complete":
            kernel = KERNEL_ID.search(html)
            view = VIEW_MODEL.search(html)
            answer.kernel_id = kernel.group(1) if kernel else None
            answer.view_model = view.group(1) if view else None
            if answer.kernel_id is None:
                answer.outcome, answer.detail = "error", "no kernel id in the page"
    except (TimeoutError, socket.timeout):
        answer.outcome, answer.seconds = "hung", None
        answer.detail = f"no complete answer within {timeout:.0f} s" + (
            f" (HTTP {answer.status} after {answer.first_byte_s:.1f} s)" if answer.status else "")
    except (OSError, http.client.HTTPException) as error:
        answer.outcome, answer.detail = "error", f"{type(error).__name__}: {error}"
    finally:
        conn.close()
    return answer


@dataclass
class ViewerRecord:
    """What one viewer saw (times in seconds; None when the step was never reached)."""

    index: int
    outcome: str = "error"
    status: int | None = None
    page_s: float | None = None  #: GET sent → the whole page read
    first_byte_s: float | None = None
    ready_s: float | None = None  #: GET sent → every widget's state in hand (a browser would draw now)
    kernel_id: str | None = None
    sticky: str | None = None  #: the balancer's stickiness cookie (its server), if any
    click_s: float | None = None  #: click sent → the first panel's new figure
    click_done_s: float | None = None  #: click sent → the kernel idle again
    click_ok: bool | None = None
    panels: list[str] = field(default_factory=list)  #: panels the click redrew
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class ServerViewer:
    """One viewer of the dashboard at ``base_url`` (the page's URL, ending in ``/``)."""

    def __init__(self, base_url: str, index: int = 0, sticky_cookie: str = "EXPLORER",
                 cookies: dict[str, str] | None = None):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.cookies = Cookies()
        self.cookies.values.update(cookies or {})
        self.sticky_cookie = sticky_cookie
        self.record = ViewerRecord(index)
        self.client: KernelClient | None = None
        self.states: dict[str, dict] = {}
        self.clicks = 0

    # -- the page ----------------------------------------------------------------------------
    def open(self, page_timeout: float = 150.0, ws_timeout: float = 60.0, shown: bool = True) -> ViewerRecord:
        """GET the page; when complete, open its websocket, read every widget's state and (``shown``)
        tell the board it is drawn. Fills and returns :attr:`record`."""
        rec = self.record
        started = time.monotonic()
        answer = fetch_page(self.base_url, self.cookies, page_timeout)
        rec.outcome, rec.status, rec.page_s, rec.first_byte_s = (answer.outcome, answer.status, answer.seconds,
                                                                 answer.first_byte_s)
        rec.kernel_id, rec.detail = answer.kernel_id, answer.detail
        rec.sticky = self.cookies.get(self.sticky_cookie)
        if answer.outcome != "complete":
            return rec
        try:
            self.client = KernelClient(self.base_url, answer.kernel_id, self.cookies.header(), timeout=ws_timeout)
            self.states = self.client.all_widget_states(timeout=ws_timeout)
            if answer.view_model and answer.view_model not in self.states:
                raise RuntimeError("the page's dashboard widget is not among its kernel's widgets")
            rec.ready_s = time.monotonic() - started
            if shown:
                for comm_id in self.comms_with("panels", "library"):
                    self.client.comm_msg(comm_id, {"method": "custom", "content": {"event": "shown"}})
        except Exception as error:  # noqa: BLE001 - a page whose widgets never came is a result
            rec.outcome, rec.detail = "error", f"websocket: {type(error).__name__}: {error}"
        return rec

    def comms_with(self, *keys: str) -> list[str]:
        return [comm for comm, state in self.states.items() if all(k in state for k in keys)]

    def panel_keys(self) -> dict[str, str]:
        """{comm id: panel key} of the board's panels."""
        return {comm: state["key"] for comm, state in self.states.items() if "spec" in state and "key" in state}

    # -- the click ---------------------------------------------------------------------------
    def click(self, timeout: float = 60.0, concession: str = PREFERRED_CONCESSION) -> ViewerRecord:
        """Switch one open concession on (``concession`` if open, else the first; all off if some are on),
        as the concession list's JavaScript does; time it to the first panel's new figure."""
        rec = self.record
        if self.client is None:
            return rec
        rec.click_ok, rec.click_s, rec.click_done_s, rec.panels = False, None, None, []
        try:
            (comm,) = self.comms_with("groups", "active", "blocked")
            state = self.states[comm]
            if self.clicks:  # after a first click, the kernel's word on what is on
                state = self.client.widget_state(comm, timeout)
            open_ids = [item["id"] for group in state["groups"] for item in group["items"]
                        if item["id"] not in state["blocked"]]
            if state["active"]:
                wanted = []
            else:
                wanted = [concession] if concession in open_ids else open_ids[:1]
            panels = self.panel_keys()
            sent = time.monotonic()
            msg_id = self.client.comm_msg(comm, {"method": "update", "state": {"active": wanted}, "buffer_paths": []})
            self.clicks += 1
            deadline = sent + timeout
            while (left := deadline - time.monotonic()) > 0:
                message = self.client.receive(left)
                if message is None or message.parent_id != msg_id:
                    continue
                data = message.content.get("data", {}) if isinstance(message.content, dict) else {}
                if (message.msg_type == "comm_msg" and data.get("method") == "update"
                        and "spec" in data.get("state", {}) and message.content.get("comm_id") in panels):
                    if rec.click_s is None:
                        rec.click_s = time.monotonic() - sent
                    rec.panels.append(panels[message.content["comm_id"]])
                if message.msg_type == "status" and message.content.get("execution_state") == "idle":
                    rec.click_done_s = time.monotonic() - sent
                    break
            rec.click_ok = rec.click_s is not None
            if not rec.click_ok:
                rec.detail = f"no panel redrawn within {timeout:.0f} s of the click"
        except Closed as closed:
            rec.detail = f"click: {closed}"
        except Exception as error:  # noqa: BLE001
            rec.detail = f"click: {type(error).__name__}: {error}"
        return rec

    # -- afterwards --------------------------------------------------------------------------
    def answers(self, timeout: float = 30.0) -> bool:
        """Whether the page's kernel still answers over its websocket (kernel_info)."""
        if self.client is None:
            return False
        try:
            self.client.drain(quiet=0.0, timeout=0.2)
            return self.client.kernel_answers(timeout)
        except (Closed, OSError):
            return False

    def reconnect_answers(self, timeout: float = 30.0) -> bool:
        """Whether a NEW websocket to the page's kernel (as the page opens after a network blip) opens
        and its kernel answers."""
        if self.record.kernel_id is None:
            return False
        try:
            with KernelClient(self.base_url, self.record.kernel_id, self.cookies.header(), timeout=timeout) as fresh:
                return fresh.kernel_answers(timeout)
        except Exception:  # noqa: BLE001 - refused, 404, closed: it does not answer
            return False

    def drop(self) -> None:
        """Drop the websocket without a word (a page that vanishes: its kernel waits for the cull)."""
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self, timeout: float = 10.0) -> None:
        """Close as a browser tab does: the shutdown beacon (with the ``_xsrf`` token), then the websocket."""
        if self.record.kernel_id is not None and self.record.outcome == "complete":
            parts = urllib.parse.urlsplit(self.base_url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
            try:
                conn.request("POST", f"{parts.path}voila/api/shutdown/{self.record.kernel_id}", body=b"",
                             headers={"Cookie": self.cookies.header(), "User-Agent": USER_AGENT,
                                      "X-XSRFToken": self.cookies.get("_xsrf") or ""})
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
        self.drop()


# -- a room of viewers ---------------------------------------------------------------------------
def open_room(base_url: str, n: int, *, page_timeout: float = 150.0, click_timeout: float = 60.0,
              click: str = "together", shown: bool = True, first_index: int = 0,
              on_opened: Callable[[ServerViewer], None] | None = None,
              on_all_opened: Callable[[], None] | None = None) -> list[ServerViewer]:
    """``n`` viewers arrive together (one thread each, released at once); each opens the page and,
    with ``click`` = "together", clicks once every viewer's page is in (complete or not: a room
    clicking at once; ``on_all_opened()`` is called then, before any click), with "ready" as soon
    as its own page is in, with "none" never. The viewers are returned open (websockets kept):
    close them with :func:`close_room`."""
    viewers = [ServerViewer(base_url, first_index + k) for k in range(n)]
    start = threading.Barrier(n)
    opened = threading.Barrier(n, action=on_all_opened)

    def run(viewer: ServerViewer) -> None:
        try:
            start.wait()
        except threading.BrokenBarrierError:
            pass
        viewer.open(page_timeout, shown=shown)
        if on_opened is not None:
            on_opened(viewer)
        if click == "together":
            with contextlib.suppress(threading.BrokenBarrierError):
                opened.wait(timeout=page_timeout + 120)
        if click != "none" and viewer.client is not None:
            viewer.click(click_timeout)

    threads = [threading.Thread(target=run, args=(v,), daemon=True, name=f"viewer-{v.record.index}")
               for v in viewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(page_timeout + click_timeout + 180)
    return viewers


def close_room(viewers: Sequence[ServerViewer]) -> None:
    """Close every viewer as a tab closes (a few at a time)."""
    threads = [threading.Thread(target=v.close, daemon=True) for v in viewers]
    for k in range(0, len(threads), 8):
        batch = threads[k:k + 8]
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join(30)


# -- figures ---------------------------------------------------------------------------------------
def rank(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100), ∞ (a step never reached) counted as the largest.

    >>> rank([1.0, 2.0, 3.0, math.inf], 50), rank([1.0, 2.0, 3.0, math.inf], 95)
    (2.0, inf)
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def room_summary(records: Sequence[ViewerRecord]) -> dict:
    """Counts per outcome, and p50/p95/max of page time (complete pages), ready time and click → redraw
    (over the complete pages; a click never answered counts as ∞)."""
    counts = {outcome: sum(1 for r in records if r.outcome == outcome) for outcome in OUTCOMES}
    complete = [r for r in records if r.outcome == "complete"]

    def stats(values):
        return {"p50": rank(values, 50), "p95": rank(values, 95), "max": max(values) if values else math.nan,
                "n": len(values)}

    clicks = [r.click_s if r.click_s is not None else math.inf for r in complete]
    return {
        "n": len(records), "counts": counts,
        "page_s": stats([r.page_s for r in complete]),
        "ready_s": stats([r.ready_s if r.ready_s is not None else math.inf for r in complete]),
        "refused_s": stats([r.page_s for r in records if r.outcome == "capacity" and r.page_s is not None]),
        "click_s": stats(clicks),
        "clicks_answered": sum(1 for r in complete if r.click_ok),
        "by_sticky": {k: sum(1 for r in complete if r.sticky == k) for k in sorted({str(r.sticky) for r in complete})}
        if any(r.sticky for r in records) else {},
        "details": sorted({f"{r.outcome}: {r.detail}" for r in records if r.detail})[:10],
    }


def dumps(value) -> str:
    return json.dumps(json_safe(value), indent=1)
