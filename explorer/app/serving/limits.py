"""What one connection may ask of the server: the limits, and the token buckets that meter them.

:class:`ConnectionLimits` is configurable like any Voila setting (``voila.json``, section
``ConnectionLimits``, or ``--ConnectionLimits.<name>=...``). The defaults leave a page many
times what it needs: a dashboard page sends ~100 small messages when it connects (a request
for each widget's state), then one per click; an upload is one message of the file's size
(at most 2 MB, :mod:`explorer.io.loader`).

No server imports: the handler (:mod:`explorer.app.serving.guard`) applies these.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from traitlets import Float, Integer
from traitlets.config import Configurable

MB = 1024 * 1024


class ConnectionLimits(Configurable):
    """Per-connection limits of the kernel websockets (see the module's docstring)."""

    max_message_bytes = Integer(
        4 * MB, config=True,
        help="Largest message a page may send (bytes); a larger one closes its websocket (code 1009). "
             "Keep it above the largest file a viewer may open (EXPLORER_MAX_FILE_BYTES, 2 MB).")
    messages_per_second = Float(50.0, config=True, help="Messages a page may send per second, sustained.")
    message_burst = Integer(300, config=True, help="Messages a page may send at once (its connection burst).")
    bytes_per_second = Float(4.0 * MB, config=True, help="Bytes a page may send per second, sustained.")
    byte_burst = Integer(16 * MB, config=True, help="Bytes a page may send at once.")
    max_pending_bytes = Integer(
        32 * MB, config=True,
        help="Bytes the server may hold for a page that does not read what it is sent; above, its websocket "
             "is closed (the page reconnects).")
    max_server_pending_bytes = Integer(
        256 * MB, config=True,
        help="Bytes the server may hold for all the pages that do not read; above, a websocket with more "
             "than an eighth of max_pending_bytes unread is closed as soon as it is sent more.")
    max_connections_per_kernel = Integer(
        2, config=True, help="Websockets open at once to one kernel (a page uses one; a reconnection briefly two).")
    max_buffered_bytes = Integer(
        8 * MB, config=True,
        help="Bytes of kernel messages kept for a page whose websocket dropped, to replay when it "
             "reconnects; above, they are dropped (the page then misses them).")


class TokenBucket:
    """Allows ``rate`` units a second on average and ``burst`` at once (the classic token bucket).

    >>> now = [0.0]
    >>> bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    >>> [bucket.take() for _ in range(4)]       # three at once, then empty
    [True, True, True, False]
    >>> now[0] = 1.0                            # one second: two more
    >>> [bucket.take() for _ in range(3)]
    [True, True, False]
    >>> bucket.take(10)                         # more than the burst never fits
    False
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = float(rate), float(burst), clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self, amount: float = 1.0) -> bool:
        """Spend ``amount`` if available (True), else spend nothing (False)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if amount <= self.tokens:
            self.tokens -= amount
            return True
        return False


class Budget:
    """A connection's two buckets: messages and bytes. ``spend(size)`` is False once either is empty."""

    def __init__(self, limits: ConnectionLimits, clock: Callable[[], float] = time.monotonic):
        self.messages = TokenBucket(limits.messages_per_second, limits.message_burst, clock)
        self.bytes = TokenBucket(limits.bytes_per_second, limits.byte_burst, clock)

    def spend(self, size: int) -> bool:
        return self.messages.take() and self.bytes.take(size)
