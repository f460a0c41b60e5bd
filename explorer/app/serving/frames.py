"""Kernel websocket frames of the v1 protocol, read with bounds before anything else reads them.

A page talks to its kernel through ``/api/kernels/<id>/channels`` with the subprotocol
``v1.kernel.websocket.jupyter.org``. Each message is one binary frame::

    n                    8 bytes, little-endian: the number of offsets
    offsets[0..n-1]      8 bytes each, little-endian
    channel              frame[offsets[0]:offsets[1]]   ("shell", "control", ...)
    part k (k = 0..n-3)  frame[offsets[k+1]:offsets[k+2]]
                         header, parent_header, metadata, content (JSON), then binary buffers

so ``offsets[0] == 8 * (n + 1)`` and the last offset is the frame's length.

jupyter_server (2.21.1, ``deserialize_msg_from_ws_v1``) and Voila (0.5.13,
``read_header_from_binary_message``) decode the offsets with
``[int.from_bytes(...) for i in range(n)]`` and no bound: a frame whose first 8 bytes say
``n = 2**40`` (from a client), or a legacy-protocol frame read as v1 (Voila reads every
binary frame it sends that way), makes the server build a list of ~n integers on its event
loop — it stops serving and grows until the machine runs out of memory (docs/security.md).
:func:`read_frame` checks ``n`` against the frame's length before reading any offset.

Pure functions, no server imports (jupyter_client's date reader, as the kernel's session uses).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jupyter_client.jsonutil import extract_dates

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
OFFSET_BYTES = 8
MESSAGE_PARTS = 4  # header, parent_header, metadata, content
MAX_BUFFERS = 16  # binary buffers after the four parts (a file upload sends one)
MAX_HEADER_BYTES = 16 * 1024
MAX_METADATA_BYTES = 16 * 1024  # parent_header and metadata: a page sends {} or a version
MAX_CONTENT_BYTES = 256 * 1024  # a page's JSON content (an upload's file travels as a binary buffer)
MAX_ID_CHARS = 128
PAGE_CHANNEL = "shell"  # what a page sends on (control takes no comm message; iopub is the kernel's)
COMM_MESSAGES = frozenset({"comm_open", "comm_msg", "comm_close"})


class FrameError(ValueError):
    """A frame that is not a well-formed v1 kernel message (the reason is the text)."""


@dataclass(frozen=True)
class Frame:
    """A v1 frame's channel, its message type and its parts (header, parent, metadata, content, buffers)."""

    channel: str
    msg_type: str
    parts: tuple[bytes, ...]

    @property
    def buffers(self) -> tuple[bytes, ...]:
        return self.parts[MESSAGE_PARTS:]


def _offsets(frame: bytes) -> list[int]:
    """The frame's offsets, checked: their count fits the frame, they start after themselves,
    never go back and end at the frame's end."""
    if len(frame) < OFFSET_BYTES:
        raise FrameError(f"{len(frame)} bytes: shorter than the offset count")
    count = int.from_bytes(frame[:OFFSET_BYTES], "little")
    low, high = 2 + MESSAGE_PARTS, 2 + MESSAGE_PARTS + MAX_BUFFERS
    if not low <= count <= high:
        raise FrameError(f"{count} offsets (a message has {low} to {high})")
    table_end = OFFSET_BYTES * (count + 1)
    if len(frame) < table_end:
        raise FrameError(f"{len(frame)} bytes: shorter than its {count} offsets")
    offsets = [int.from_bytes(frame[OFFSET_BYTES * (k + 1):OFFSET_BYTES * (k + 2)], "little") for k in range(count)]
    if offsets[0] != table_end:
        raise FrameError(f"the channel starts at byte {offsets[0]}, not right after the offsets ({table_end})")
    if any(b < a for a, b in zip(offsets, offsets[1:])):
        raise FrameError("offsets go backwards")
    if offsets[-1] != len(frame):
        raise FrameError(f"the last part ends at byte {offsets[-1]}, the frame at {len(frame)}")
    return offsets


def read_frame(frame: bytes) -> Frame:
    """A v1 frame's channel, message type and parts, or :class:`FrameError`.

    Costs O(its length), whatever its first bytes claim.

    >>> from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
    >>> parts = [b'{"msg_type": "comm_msg"}', b"{}", b"{}", b'{"comm_id": "x"}']
    >>> read_frame(serialize_msg_to_ws_v1(parts, "shell")).msg_type
    'comm_msg'
    >>> read_frame((2**40).to_bytes(8, "little") + bytes(64))
    Traceback (most recent call last):
    ...
    explorer.app.serving.frames.FrameError: 1099511627776 offsets (a message has 6 to 22)
    """
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise FrameError("a text frame (the v1 protocol sends binary frames only)")
    frame = bytes(frame)
    offsets = _offsets(frame)
    try:
        channel = frame[offsets[0]:offsets[1]].decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("the channel is not ASCII text") from None
    parts = tuple(frame[a:b] for a, b in zip(offsets[1:], offsets[2:]))
    return Frame(channel, _msg_type(parts[0]), parts)


def _msg_type(header: bytes) -> str:
    if len(header) > MAX_HEADER_BYTES:
        raise FrameError(f"a header of {len(header)} bytes (at most {MAX_HEADER_BYTES})")
    try:
        parsed = json.loads(header)
    except (ValueError, RecursionError):
        raise FrameError("the header is not JSON") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("msg_type"), str):
        raise FrameError("the header is not an object with a msg_type")
    return parsed["msg_type"]


def content_problem(frame: Frame) -> str | None:
    """Why the kernel should not get this message's JSON (None: it may).

    What the kernel's session reads before any handler, it must be able to read, else it logs a
    traceback for each message: a header with text ``msg_id`` and ``session`` and dates it can
    parse; a parent header, metadata and content that are JSON objects of bounded size, nested
    no deeper than Python reads. A comm message must name its comm (and an opened one its
    target) with text.

    >>> from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
    >>> header = b'{"msg_type": "comm_msg", "msg_id": "1", "session": "s"}'
    >>> def frame(content):
    ...     return read_frame(serialize_msg_to_ws_v1([header, b"{}", b"{}", content], "shell"))
    >>> content_problem(frame(b'{"comm_id": "a1", "data": {"method": "request_state"}}')) is None
    True
    >>> content_problem(frame(b'{"data": {}}')), content_problem(frame(b"[" * 5000 + b"]" * 5000))
    ('a comm message without a comm_id', 'the content is not JSON')
    """
    header = json.loads(frame.parts[0])  # read_frame parsed it: an object with a msg_type
    if not all(isinstance(header.get(key), str) and len(header[key]) <= MAX_ID_CHARS for key in ("msg_id", "session")):
        return "a header without a msg_id or a session"
    parsed = {}
    for name, part, limit in (("parent header", frame.parts[1], MAX_METADATA_BYTES),
                              ("metadata", frame.parts[2], MAX_METADATA_BYTES),
                              ("content", frame.parts[3], MAX_CONTENT_BYTES)):
        if len(part) > limit:
            return f"a {name} of {len(part)} bytes (at most {limit})"
        try:
            parsed[name] = json.loads(part)
        except (ValueError, RecursionError):
            return f"the {name} is not JSON"
        if not isinstance(parsed[name], dict):
            return f"the {name} is not an object"
    try:  # as the kernel's session does with both headers
        extract_dates(header)
        extract_dates(parsed["parent header"])
    except (ValueError, TypeError, OverflowError):
        return "a date the kernel cannot read"
    return comm_problem(frame.msg_type, parsed["content"])


def comm_problem(msg_type: str, content: dict) -> str | None:
    """What is missing from a comm message's content (None: nothing)."""
    if msg_type not in COMM_MESSAGES:
        return None
    comm_id = content.get("comm_id")
    if not isinstance(comm_id, str) or not 0 < len(comm_id) <= MAX_ID_CHARS:
        return "a comm message without a comm_id"
    if "data" in content and not isinstance(content["data"], dict):
        return "comm data that is not an object"
    target = content.get("target_name")
    if msg_type == "comm_open" and (not isinstance(target, str) or len(target) > MAX_ID_CHARS):
        return "a comm_open without a target"
    return None


def outgoing_msg_type(frame: bytes | str) -> str | None:
    """The type of a message the server sends a page (None if it cannot be read, never an endless read)."""
    try:
        return read_frame(frame).msg_type
    except FrameError:
        return None
