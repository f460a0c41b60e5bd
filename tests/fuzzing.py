"""What the fuzz suite sends, and how it checks the server after each batch (tests/test_fuzz.py).

Holds no tests. A batch is a list of frames sent from one fuzzed page (a
:class:`~tests.kernel_client.KernelClient`), paced under the server's per-connection limits
(:class:`explorer.app.serving.ConnectionLimits`: the point is to reach the kernel, not to be
cut off), while what comes back is read so that the server never holds it for us.
"""

from __future__ import annotations

import math
import time
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tests.browser_support import process_cpu_seconds, rss_bytes
from tests.kernel_client import TOO_DEEP, Closed, KernelClient, open_page, to_json

MB = 1024 * 1024
CONTENT_BUDGET = 200_000  # bytes of JSON per message, under the server's 256 KB (serving.frames)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


#: Hostile values for any trait: wrong types, None, huge numbers, NaN, long strings and lists,
#: deep nesting, path strings, markup, references to widgets that do not exist.
HOSTILE: dict[str, Any] = {
    "none": None, "true": True, "zero": 0, "negative": -1, "huge int": 2**70, "below int64": -(2**63) - 1,
    "huge float": 1e308, "nan": math.nan, "infinity": math.inf, "-infinity": -math.inf,
    "empty string": "", "long string": "x" * 10_000, "script": "<script>alert('x')</script>",
    "img onerror": '<img src=x onerror="alert(1)">', "relative path": "../../../../etc/passwd",
    "absolute path": "/etc/passwd", "home path": "~/.ssh/id_rsa", "file url": "file:///etc/passwd",
    "lone surrogate": "\ud800", "nul": "a\x00b", "missing widget": "IPY_MODEL_" + "0" * 32,
    "long list": list(range(2000)), "list of markup": ["<b>x</b>"] * 100, "deep": nested(200),
    "too deep": TOO_DEEP, "object": {"__class__": "os.system", "args": ["rm -rf /"]},
    "empty list": [], "empty object": {},
}
#: One of each kind, for setting every trait of every widget (each value its own message, all of a
#: widget's traits in it); the traits a page's controls set get every value of :data:`HOSTILE`.
CORE = {name: HOSTILE[name] for name in (
    "none", "true", "huge int", "nan", "long string", "script", "relative path", "lone surrogate",
    "missing widget", "long list", "too deep", "object")}


@dataclass
class Pacer:
    """Keeps a sender under ``rate`` messages and ``bytes_rate`` bytes a second."""

    rate: float = 45.0
    bytes_rate: float = 3.5 * MB
    start: float = field(default_factory=time.monotonic)
    messages: int = 0
    sent_bytes: int = 0

    def wait(self, size: int) -> None:
        self.messages += 1
        self.sent_bytes += size
        due = max(self.messages / self.rate, self.sent_bytes / self.bytes_rate)
        delay = self.start + due - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def send_paced(client: KernelClient, frames: Iterable[bytes | str], pacer: Pacer) -> int:
    """Send ``frames`` paced, reading what comes back meanwhile; how many were sent."""
    count = 0
    for frame in frames:
        pacer.wait(len(frame))
        client.send_frame(frame)
        count += 1
        if count % 20 == 0:
            client.drain(quiet=0.0, timeout=0.5)
    return count


def send_all(client: KernelClient, frames: Iterable[bytes | str], pacer: Pacer | None = None,
             websockets: int = 1) -> int:
    """Send ``frames`` until the kernel has handled them all (it answers a request sent after them:
    its shell handles messages in order); how many were sent. With ``websockets`` = 2 (what the
    server allows one kernel), half of them go over a second websocket to the same kernel, in
    parallel, each paced under its own limits."""
    frames = list(frames)
    if websockets == 1:
        count = send_paced(client, frames, pacer or Pacer())
    else:
        extra = [KernelClient(client.base_url, client.kernel_id, client.cookie) for _ in range(websockets - 1)]
        try:
            with ThreadPoolExecutor(websockets) as pool:
                count = sum(pool.map(lambda pair: send_paced(pair[0], frames[pair[1]::websockets], Pacer()),
                                     zip([client, *extra], range(websockets))))
            for other in extra:
                if not other.kernel_answers(timeout=120):
                    raise TimeoutError("the kernel did not get through the batch within 2 minutes")
        finally:
            for other in extra:
                other.close()
    if not client.kernel_answers(timeout=120):
        raise TimeoutError("the kernel did not get through the batch within 2 minutes")
    return count


def update_frames(client: KernelClient, comm_id: str, keys: Iterable[str], values: dict[str, Any] = CORE,
                  per_message: int = 0) -> Iterator[bytes | str]:
    """Updates setting ``keys`` of a widget to each value: all keys at once (as many as fit in
    :data:`CONTENT_BUDGET`: the server drops larger content), or ``per_message`` at a time."""
    keys = list(keys)
    for value in values.values():
        fit = max(1, CONTENT_BUDGET // (len(to_json(value)) + 40))
        size = per_message or min(len(keys), fit)
        for start in range(0, len(keys), max(size, 1)):
            state = {key: value for key in keys[start:start + size]}
            yield client.frame("comm_msg", {"comm_id": comm_id,
                                            "data": {"method": "update", "state": state, "buffer_paths": []}})[1]


def custom_frames(client: KernelClient, comm_id: str, contents: Iterable[Any]) -> Iterator[bytes | str]:
    for content in contents:
        yield client.frame("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": content}})[1]


def hostile_contents(fields: dict[str, Any]) -> Iterator[Any]:
    """Custom message contents: each field of ``fields`` (a valid message) replaced by each hostile
    value, the whole content replaced by each, and a few shapes no widget expects."""
    for key in fields:
        for value in HOSTILE.values():
            yield {**fields, key: value}
    yield from HOSTILE.values()
    yield {"event": "x" * 10_000}
    yield {"method": "update", "state": {"value": 1}}


# -- the checks after a batch ---------------------------------------------------------------
def wait_server_quiet(pid: int, max_share: float = 0.25, timeout: float = 30.0) -> float:
    """Wait until the server process uses < ``max_share`` of a CPU over a second; the share seen last."""
    deadline = time.monotonic() + timeout
    share = 1.0
    while time.monotonic() < deadline:
        before = process_cpu_seconds(pid)
        time.sleep(1.0)
        share = process_cpu_seconds(pid) - before
        if share < max_share:
            break
    return share


def fresh_page_works(base_url: str) -> bool:
    """A new viewer gets the page with its widgets and a kernel that answers; the page's kernel is then
    shut down as a closing tab would (Voila's beacon)."""
    kernel_id, cookie = open_page(base_url)
    try:
        with KernelClient(base_url, kernel_id, cookie) as fresh:
            return fresh.kernel_answers(timeout=30) and bool(fresh.comms())
    finally:
        close_page(base_url, kernel_id, cookie)


def close_page(base_url: str, kernel_id: str, cookie: str) -> None:
    """Shut a page's kernel down as Voila's page does when it is closed."""
    xsrf = dict(part.strip().split("=", 1) for part in cookie.split(";") if "=" in part).get("_xsrf", "")
    request = urllib.request.Request(f"{base_url}voila/api/shutdown/{kernel_id}", data=b"", method="POST",
                                     headers={"Cookie": cookie, "X-XSRFToken": xsrf})
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except OSError:
        pass


@dataclass
class Baseline:
    """The server's memory before the fuzzing, to compare each batch with."""

    pid: int
    rss: int

    @classmethod
    def of(cls, pid: int) -> Baseline:
        return cls(pid, rss_bytes(pid))

    def grown_mb(self) -> float:
        return (rss_bytes(self.pid) - self.rss) / MB


def reconnect(client: KernelClient) -> KernelClient:
    """The same page's kernel over a new websocket (after the server closed the last one)."""
    client.close()
    return KernelClient(client.base_url, client.kernel_id, client.cookie)


def still_open(client: KernelClient) -> KernelClient:
    """``client`` if its websocket is open, else a new one to the same kernel."""
    try:
        client.drain(quiet=0.0, timeout=0.2)
        return client
    except Closed:
        return reconnect(client)
