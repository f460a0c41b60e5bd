"""Reading v1 kernel websocket frames with bounds (explorer.app.serving.frames)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import serialize_binary_message, serialize_msg_to_ws_v1

from explorer.app.serving.frames import MAX_BUFFERS, FrameError, outgoing_msg_type, read_frame

channels = st.sampled_from(["shell", "control", "iopub", "stdin"])
json_parts = st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=20), max_size=4).map(
    lambda d: json.dumps(d).encode())
buffers = st.lists(st.binary(max_size=64), max_size=MAX_BUFFERS)


@given(channels, st.text(min_size=1, max_size=30), json_parts, json_parts, json_parts, buffers)
def test_a_well_formed_frame_reads_back(channel, msg_type, parent, metadata, content, extra):
    header = json.dumps({"msg_type": msg_type, "msg_id": "x"}).encode()
    parts = [header, parent, metadata, content, *extra]
    frame = read_frame(serialize_msg_to_ws_v1(parts, channel))
    assert (frame.channel, frame.msg_type, list(frame.parts)) == (channel, msg_type, parts)
    assert list(frame.buffers) == extra


@given(st.binary(max_size=400))
def test_any_bytes_are_read_or_refused(data):
    try:
        frame = read_frame(data)
    except FrameError:
        return
    assert len(frame.parts) >= 4


@given(st.integers(min_value=23, max_value=2**64 - 1), st.binary(max_size=200))
def test_a_huge_offset_count_is_refused_without_reading_the_offsets(count, rest):
    start = time.perf_counter()
    with pytest.raises(FrameError, match="offsets"):
        read_frame(count.to_bytes(8, "little") + rest)
    assert time.perf_counter() - start < 0.5  # work bounded by the frame (the runaway: forever)


def test_the_legacy_reply_that_ran_voila_away_is_unreadable_and_quick():
    """A legacy-protocol reply with a binary buffer: its first 8 bytes read as v1 say ~2**59 offsets."""
    message = {"header": {"msg_type": "comm_msg"}, "parent_header": {}, "metadata": {}, "content": {},
               "buffers": [bytes(500_000)], "channel": "iopub"}
    frame = serialize_binary_message(message)
    assert int.from_bytes(frame[:8], "little") > 2**50
    start = time.perf_counter()
    assert outgoing_msg_type(frame) is None
    assert time.perf_counter() - start < 0.5


def _frame(parts, channel="shell") -> bytes:
    return serialize_msg_to_ws_v1(parts, channel)


HEADER = b'{"msg_type": "comm_msg"}'


@pytest.mark.parametrize(("frame", "reason"), [
    (b"", "shorter than the offset count"),
    ("text", "text frame"),
    (_frame([HEADER, b"{}", b"{}"]), "offsets"),  # three parts: no content
    (_frame([HEADER, b"{}", b"{}", b"{}", *[b"x"] * (MAX_BUFFERS + 1)]), "offsets"),
    (_frame([HEADER, b"{}", b"{}", b"{}"])[:-1], "ends at byte"),
    (_frame([HEADER, b"{}", b"{}", b"{}"]) + b"x", "ends at byte"),
    (_frame([b"not json", b"{}", b"{}", b"{}"]), "not JSON"),
    (_frame([b"[1, 2]", b"{}", b"{}", b"{}"]), "msg_type"),
    (_frame([b'{"msg_type": 3}', b"{}", b"{}", b"{}"]), "msg_type"),
    (_frame([b"[" * 100_000, b"{}", b"{}", b"{}"]), "header of"),
    (_frame([HEADER, b"{}", b"{}", b"{}"], channel="sh\xe9ll"), "ASCII"),
])
def test_malformed_frames_are_refused_with_a_reason(frame, reason):
    with pytest.raises(FrameError, match=reason):
        read_frame(frame)


def test_offsets_that_go_backwards_are_refused():
    frame = bytearray(_frame([HEADER, b"{}", b"{}", b"{}"]))
    third = 8 * 3  # the third offset (the header's end): pointed before the header's start
    frame[third:third + 8] = (8 * 7).to_bytes(8, "little")
    with pytest.raises(FrameError, match="backwards"):
        read_frame(bytes(frame))


def test_a_deeply_nested_header_is_refused_not_crashing():
    with pytest.raises(FrameError, match="not JSON"):
        read_frame(_frame([b"[" * 5000 + b"]" * 5000, b"{}", b"{}", b"{}"]))
