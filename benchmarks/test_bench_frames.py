"""What the websocket guard costs the server per message (issue 15), beside what it does anyway.

Every message a page sends is read by the guard (explorer.app.serving.frames: the frame's
offsets with bounds, its header, its JSON parts and a comm message's ids) before jupyter_server
decodes it again to pass it on. Floor, measured in the same run: jupyter_server's own decoding
of the same frame (``deserialize_msg_from_ws_v1``, then its header, as it does for every message).
Messages: a click (a concession switched on: ~300 bytes), the largest JSON a page may send
(256 KB of content), and an upload (2 MB, in a binary buffer). Goals: a click ≤ 0.2 ms (at the
rate limit, 50 messages a second, 1 % of a core per connection) and ≤ 5× the floor; the largest
messages ≤ 10 ms (the byte limit, 4 MB a second, lets 16 of them through a second: 16 % of a
core at most). Run with ``make bench``.
"""

from __future__ import annotations

import json

import pytest
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

from explorer.app.serving.frames import content_problem, read_frame


def frame(content: dict, buffers: tuple[bytes, ...] = ()) -> bytes:
    header = {"msg_id": "a" * 32, "msg_type": "comm_msg", "username": "", "session": "b" * 32,
              "date": "2026-12-03T08:00:00.000Z", "version": "5.4"}
    parts = [json.dumps(part).encode() for part in (header, {}, {}, content)] + list(buffers)
    return serialize_msg_to_ws_v1(parts, "shell")


MESSAGES = {
    "click": frame({"comm_id": "c" * 32, "data": {"method": "update", "state": {"active": ["russia-line-freeze"]},
                                                  "buffer_paths": []}}),
    "256KB": frame({"comm_id": "c" * 32, "data": {"method": "update", "state": {"value": "x" * 255_000},
                                                  "buffer_paths": []}}),
    "upload": frame({"comm_id": "c" * 32, "data": {"method": "update", "state": {"value": [{"name": "a.yaml"}]},
                                                   "buffer_paths": [["value", 0, "content"]]}}, (bytes(2_000_000),)),
}


def guard(message: bytes) -> None:
    content_problem(read_frame(message))


def jupyter_server_decode(message: bytes) -> None:
    _, parts = deserialize_msg_from_ws_v1(message)
    json.loads(parts[0])


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_floor_jupyter_server_decodes_a_message(benchmark, kind):
    benchmark(jupyter_server_decode, MESSAGES[kind])


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_guard_reads_a_message(benchmark, kind):
    benchmark(guard, MESSAGES[kind])
