"""The kernel websocket, guarded: what a page sends is read with bounds and metered before the server acts on it.

Voila's handler (``VoilaKernelWebsocketHandler``) is replaced by
:class:`GuardedKernelWebsocketHandler` (see :func:`explorer.app.serving.install.gate_handlers`):

* **v1 only.** The page speaks ``v1.kernel.websocket.jupyter.org``; a client that does not
  offer it gets HTTP 400. (Voila reads every binary frame it sends as v1: with the legacy
  protocol, a reply carrying a binary buffer sent it into an endless loop — docs/security.md.)
* **Frames read with bounds** (:mod:`explorer.app.serving.frames`) before jupyter_server
  decodes them (its decoder loops over whatever offset count a frame claims). A malformed
  frame closes the websocket (code 1008); a well-formed message of a type a page may not send
  (``execute_request``, ``inspect_request``, ``shutdown_request``, ...) or on another channel is
  dropped, and so is one whose JSON the kernel could not read (not JSON, not an object, nested
  deeper than Python reads, over 256 KB of content) or a comm message without its comm id.
* **Metered** (:class:`~explorer.app.serving.limits.ConnectionLimits`): message size, messages
  and bytes per second, bytes the server holds for a page that does not read, websockets
  per kernel. Going over closes the websocket with code 1008 and a reason; a page never does.

Each refusal is logged once per connection (the first one, and a count when it closes), so
a hostile client cannot fill the log either. :class:`GuardedRequestInfoHandler` bounds Voila's
other websocket (``voila/query/<kernel id>``).
"""

from __future__ import annotations

import collections

from tornado.websocket import WebSocketClosedError
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from explorer.app.serving.frames import (
    PAGE_CHANNEL, V1_PROTOCOL, FrameError, content_problem, outgoing_msg_type, read_frame,
)
from explorer.app.serving.limits import Budget, ConnectionLimits

#: What a page sends its kernel: Voila (0.5.13) allows these and ``shutdown_request``, which its page
#: never sends (a closed page's kernel is shut down by an HTTP beacon): a script could only use it
#: to stop and restart its kernel over and over.
PAGE_MESSAGE_TYPES = frozenset({"comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request"})
POLICY_VIOLATION = 1008  # websocket close code


def offered_protocols(header: str | None) -> list[str]:
    """The subprotocols a client offers (``Sec-WebSocket-Protocol``).

    >>> offered_protocols("v1.kernel.websocket.jupyter.org, other")
    ['v1.kernel.websocket.jupyter.org', 'other']
    >>> offered_protocols(None)
    []
    """
    return [p.strip() for p in (header or "").split(",") if p.strip()]


class ConnectionCounter:
    """What every websocket of one server holds: how many per kernel, and the bytes sent to pages
    that they have not read yet (all of them together)."""

    def __init__(self):
        self.open = collections.Counter()
        self.pending_bytes = 0

    def add(self, kernel_id: str) -> None:
        self.open[kernel_id] += 1

    def remove(self, kernel_id: str) -> None:
        self.open[kernel_id] -= 1
        if self.open[kernel_id] <= 0:
            del self.open[kernel_id]


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket behind the checks of the module's docstring."""

    limits: ConnectionLimits
    counter: ConnectionCounter

    def initialize(self, limits: ConnectionLimits, counter: ConnectionCounter):
        self.limits, self.counter = limits, counter
        self.budget = Budget(limits)
        self.pending_bytes = 0
        self.refused = 0
        self.counted = self.opened = self.closing = False

    @property
    def max_message_size(self) -> int:  # tornado closes the websocket (1009) above this
        return self.limits.max_message_bytes

    async def get(self, kernel_id):
        if V1_PROTOCOL not in offered_protocols(self.request.headers.get("Sec-WebSocket-Protocol")):
            return self.refuse_upgrade(400, f"This server speaks the {V1_PROTOCOL} websocket protocol only.")
        if self.counter.open[kernel_id] >= self.limits.max_connections_per_kernel:
            return self.refuse_upgrade(429, f"At most {self.limits.max_connections_per_kernel} websockets per kernel.")
        # The place is taken before the handshake awaits anything (the kernel's first answer):
        # handshakes sent together cannot all pass the count. It is given back when the
        # websocket closes, or here if it never opened.
        self.kernel_id = kernel_id
        self.counter.add(kernel_id)
        self.counted = True
        try:
            return await super().get(kernel_id)
        finally:
            if not self.opened:
                self.give_place_back()

    def give_place_back(self) -> None:
        if self.counted:
            self.counted = False
            self.counter.remove(self.kernel_id)

    def refuse_upgrade(self, status: int, why: str) -> None:
        """Answer the handshake with ``status`` and a line of text (as tornado refuses a bad upgrade:
        jupyter_server's error page cannot be rendered by Voila's templates)."""
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(why)

    async def open(self, kernel_id):
        self.opened = True
        await super().open(kernel_id)

    def on_close(self):
        self.give_place_back()
        self.counter.pending_bytes -= self.pending_bytes  # what it left unread goes with it
        self.pending_bytes = 0
        if self.refused:
            self.log.warning("Kernel %s: %d message(s) refused on the websocket that just closed.", self.kernel_id,
                             self.refused)
        if getattr(self, "connection", None) is not None:
            super().on_close()

    # -- from the page -------------------------------------------------------------------
    def on_message(self, message):
        if self.closing:
            return None
        if not self.budget.spend(len(message)):
            return self.refuse_connection(
                f"more than {self.limits.messages_per_second:g} messages or "
                f"{self.limits.bytes_per_second / 2**20:g} MB a second")
        try:
            frame = read_frame(message)
        except FrameError as error:
            return self.refuse_connection(f"a malformed message: {error}")
        allowed = PAGE_MESSAGE_TYPES.intersection(self.kernel_manager.allowed_message_types or PAGE_MESSAGE_TYPES)
        if frame.channel != PAGE_CHANNEL or frame.msg_type not in allowed:
            self.note_refusal(f"a {frame.msg_type[:40]!r} message on {frame.channel[:20]!r} was dropped")
            return None
        problem = content_problem(frame)
        if problem is not None:
            self.note_refusal(f"a {frame.msg_type!r} message was dropped: {problem}")
            return None
        return super().on_message(message)

    def note_refusal(self, what: str) -> None:
        self.refused += 1
        if self.refused == 1:
            self.log.warning("Kernel %s: %s (further refusals on this websocket are counted, not logged).",
                             self.kernel_id, what)

    def refuse_connection(self, why: str) -> None:
        """Close the websocket: the client broke a limit or sent what a page never sends."""
        self.note_refusal(f"websocket closed: {why}")
        self.closing = True
        self.close(POLICY_VIOLATION, why[:120])

    # -- to the page ---------------------------------------------------------------------
    def write_message(self, message, binary=False):
        if isinstance(message, (bytes, bytearray)) and outgoing_msg_type(message) == "execute_input":
            return None  # Voila never shows the code it runs
        # Voila's own write_message reads the header with an unbounded loop: skip it (its one
        # job, dropping execute_input, is done above).
        try:
            future = super(VoilaKernelWebsocketHandler, self).write_message(message, binary=binary)
        except WebSocketClosedError:
            return None
        size = len(message)
        self.pending_bytes += size
        self.counter.pending_bytes += size
        future.add_done_callback(lambda done: self.written(size, done))
        if not self.closing and (self.pending_bytes > self.limits.max_pending_bytes or (
                self.counter.pending_bytes > self.limits.max_server_pending_bytes
                and self.pending_bytes > self.limits.max_pending_bytes // 8)):
            self.refuse_connection(f"{self.pending_bytes / 2**20:.0f} MB sent to it are still unread")
        return future

    def written(self, size: int, future) -> None:
        if self.pending_bytes >= size:  # else: already given back when the websocket closed
            self.pending_bytes -= size
            self.counter.pending_bytes -= size
        if not future.cancelled():
            future.exception()  # a write cut short by the close: nothing to report


class GuardedRequestInfoHandler(RequestInfoSocketHandler):
    """Voila's ``voila/query/<kernel id>`` websocket (preheated kernels only), bounded.

    A preheated kernel may connect there to learn the request that took it (``voila.utils.
    get_query_string``; the dashboard never does). Voila's handler takes anyone, for any id,
    with tornado's 10 MB messages, and logs a traceback for each message (it has no
    ``on_message``). Here: a kernel the server runs only, one websocket each, no message.
    """

    @property
    def max_message_size(self) -> int:
        return 1024

    async def get(self, kernel_id):
        if kernel_id not in self.settings["kernel_manager"] or kernel_id in self._waiters:
            self.set_status(404)
            self.finish("No such kernel waiting.")
            return None
        return await super().get(kernel_id)

    def on_message(self, message):
        self.close(POLICY_VIOLATION, "nothing is read here")

    def on_close(self):
        if self in self._waiters.values():
            super().on_close()


def forget_request_info(kernel_id: str) -> None:
    """Drop what Voila keeps of the request that took a kernel (it keeps one per preheated page, in
    a class-level dict it never empties: a page's query string, read only by a kernel that asks)."""
    RequestInfoSocketHandler._cache.pop(kernel_id, None)
