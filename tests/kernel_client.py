"""A client of a Voila page's kernel websocket, as a script (or an attacker) would write it.

It fetches a page (which starts a kernel), reads the kernel id from the page and opens
``/api/kernels/<id>/channels`` with the v1 subprotocol the page uses, or without it (the
"legacy" protocol), then sends whatever it is told to: well-formed kernel messages, or raw
frames. Used by the guard and fuzz tests; it holds no tests. Messages are framed with
jupyter_server's own serializers, so what is well-formed here is well-formed for the server.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import re
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import websocket  # websocket-client
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

V1 = "v1.kernel.websocket.jupyter.org"
#: A string that :meth:`KernelClient.frame` writes as JSON nested deeper than Python can encode or
#: decode by recursion (3,000 levels): a page's JavaScript can send that.
TOO_DEEP = "\x00too deep\x00"
TOO_DEEP_JSON = "[" * 3000 + "]" * 3000
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def to_json(value: Any) -> str:
    """``value`` as JSON, with :data:`TOO_DEEP` written as :data:`TOO_DEEP_JSON`."""
    return json.dumps(value).replace(json.dumps(TOO_DEEP), TOO_DEEP_JSON)


class Closed(Exception):
    """The server closed the websocket (``code`` and ``reason`` as it sent them)."""

    def __init__(self, code: int | None = None, reason: str = ""):
        super().__init__(f"websocket closed ({code}): {reason}")
        self.code, self.reason = code, reason


@dataclass
class Message:
    """A message from the kernel, as the page gets it."""

    channel: str
    header: dict
    parent_header: dict
    content: Any
    buffers: list[bytes] = field(default_factory=list)

    @property
    def msg_type(self) -> str:
        return self.header.get("msg_type", "")

    @property
    def parent_id(self) -> str | None:
        return self.parent_header.get("msg_id")


def open_page(base_url: str, timeout: float = 120.0) -> tuple[str, str]:
    """GET a Voila page (it starts a kernel): (kernel id, cookie header)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url, timeout=timeout) as response:
        html = response.read().decode("utf-8", "replace")
    match = KERNEL_ID.search(html)
    if match is None:
        raise RuntimeError(f"no kernel id in the page at {base_url} ({len(html)} characters)")
    return match.group(1), "; ".join(f"{c.name}={c.value}" for c in jar)


class KernelClient:
    """One websocket to one kernel. ``protocol``: "v1" (the page's) or "legacy" (no subprotocol)."""

    def __init__(self, base_url: str, kernel_id: str, cookie: str = "", protocol: str = "v1", timeout: float = 30.0):
        self.base_url, self.kernel_id, self.cookie, self.protocol = base_url, kernel_id, cookie, protocol
        self.session = uuid.uuid4().hex
        url = base_url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(url, cookie=cookie, timeout=timeout,
                                              subprotocols=[V1] if protocol == "v1" else None)
        self.closed: Closed | None = None

    @classmethod
    def for_new_page(cls, base_url: str, protocol: str = "v1") -> KernelClient:
        kernel_id, cookie = open_page(base_url)
        return cls(base_url, kernel_id, cookie, protocol)

    # -- sending -------------------------------------------------------------------------
    def header(self, msg_type: str) -> dict:
        return {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "client", "session": self.session,
                "date": "", "version": "5.3"}

    def frame(self, msg_type: str, content: Any, channel: str = "shell", buffers: Iterable[bytes] = (),
              metadata: dict | None = None) -> tuple[str, bytes | str]:
        """(msg_id, the frame to send) of a well-formed message in this client's protocol."""
        header = self.header(msg_type)
        if self.protocol == "v1":
            parts = [to_json(part).encode() for part in (header, {}, metadata or {}, content)]
            parts += [bytes(b) for b in buffers]
            return header["msg_id"], serialize_msg_to_ws_v1(parts, channel)
        message = {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
                   "channel": channel, "buffers": []}
        return header["msg_id"], to_json(message)

    def send(self, msg_type: str, content: Any, channel: str = "shell", buffers: Iterable[bytes] = (),
             metadata: dict | None = None) -> str:
        msg_id, frame = self.frame(msg_type, content, channel, buffers, metadata)
        self.send_frame(frame)
        return msg_id

    def send_frame(self, frame: bytes | str) -> None:
        try:
            if isinstance(frame, (bytes, bytearray)):
                self.ws.send_binary(bytes(frame))
            else:
                self.ws.send(frame)
        except (websocket.WebSocketConnectionClosedException, BrokenPipeError, ConnectionResetError) as error:
            raise self._closed_now() from error

    def comm_msg(self, comm_id: str, data: Any, buffers: Iterable[bytes] = ()) -> str:
        return self.send("comm_msg", {"comm_id": comm_id, "data": data}, buffers=buffers)

    # -- receiving -----------------------------------------------------------------------
    def _closed_now(self) -> Closed:
        if self.closed is None:
            self.closed = Closed()
        return self.closed

    def receive(self, timeout: float) -> Message | None:
        """The next message, None after ``timeout`` s; :class:`Closed` if the server closed the websocket."""
        if self.closed is not None:
            raise self.closed
        self.ws.settimeout(max(timeout, 0.001))
        try:
            opcode, data = self.ws.recv_data(control_frame=False)
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketConnectionClosedException, ConnectionResetError, OSError) as error:
            raise self._closed_now() from error
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            self.closed = Closed(code, data[2:].decode("utf-8", "replace"))
            raise self.closed
        if self.protocol == "v1":
            channel, parts = deserialize_msg_from_ws_v1(data)
            header, parent, _metadata, content = (json.loads(p) for p in parts[:4])
            return Message(channel, header, parent, content, list(parts[4:]))
        message = json.loads(data)
        return Message(message.get("channel", ""), message["header"], message["parent_header"],
                       message["content"])

    def replies(self, msg_id: str, timeout: float = 30.0, until: str = "idle") -> list[Message]:
        """Every message the kernel sends in answer to ``msg_id``, until its status is ``until`` (or the
        ``timeout``); messages answering other requests are dropped."""
        got: list[Message] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is None or message.parent_id != msg_id:
                continue
            got.append(message)
            if message.msg_type == "status" and message.content.get("execution_state") == until:
                break
        return got

    def request(self, msg_type: str, content: Any, reply_type: str, channel: str = "shell",
                timeout: float = 30.0) -> Message | None:
        """Send a request and return its reply (None if none came within ``timeout``)."""
        msg_id = self.send(msg_type, content, channel)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is not None and message.parent_id == msg_id and message.msg_type == reply_type:
                return message
        return None

    def kernel_answers(self, timeout: float = 30.0) -> bool:
        """Whether the kernel answers a ``kernel_info_request`` within ``timeout`` s."""
        return self.request("kernel_info_request", {}, "kernel_info_reply", timeout=timeout) is not None

    def comms(self, timeout: float = 30.0) -> dict[str, str]:
        """{comm id: target name} of the kernel's open comms."""
        reply = self.request("comm_info_request", {}, "comm_info_reply", timeout=timeout)
        if reply is None:
            raise TimeoutError("no comm_info_reply")
        return {comm_id: info.get("target_name", "") for comm_id, info in reply.content["comms"].items()}

    def widget_state(self, comm_id: str, timeout: float = 30.0) -> dict:
        """A widget's state, as the kernel sends it on ``request_state``."""
        msg_id = self.comm_msg(comm_id, {"method": "request_state"})
        for message in self.replies(msg_id, timeout):
            data = message.content.get("data", {}) if isinstance(message.content, dict) else {}
            if message.msg_type == "comm_msg" and data.get("method") == "update":
                state = data.get("state", {})
                for path, buffer in zip(data.get("buffer_paths", []), message.buffers):
                    place = state
                    for key in path[:-1]:
                        place = place[key]
                    place[path[-1]] = buffer
                return state
        raise TimeoutError(f"no state for comm {comm_id}")

    def widget_states(self) -> dict[str, dict]:
        """{comm id: state} of every widget of the kernel, asked widget by widget (``request_state``)."""
        return {comm_id: self.widget_state(comm_id) for comm_id, target in self.comms().items()
                if target == "jupyter.widget"}

    def all_widget_states(self, timeout: float = 60.0) -> dict[str, dict]:
        """{comm id: state} of every widget, in one answer, as the page's widget manager asks for them
        (``request_states`` on a ``jupyter.widget.control`` comm); binary buffers are left out."""
        control = uuid.uuid4().hex
        self.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                  metadata={"version": "1.0.0"})
        msg_id = self.comm_msg(control, {"method": "request_states"})
        for message in self.replies(msg_id, timeout):
            data = message.content.get("data", {}) if isinstance(message.content, dict) else {}
            if message.msg_type == "comm_msg" and data.get("method") == "update_states":
                self.send("comm_close", {"comm_id": control, "data": {}})
                return {comm_id: entry["state"] for comm_id, entry in data["states"].items()}
        raise TimeoutError("no update_states")

    def drain(self, quiet: float = 0.5, timeout: float = 30.0) -> list[Message]:
        """Read until nothing came for ``quiet`` s (or ``timeout``): what the kernel still had to say."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(quiet)
            if message is None:
                break
            got.append(message)
        return got

    def close(self) -> None:
        """Drop the connection as a page that goes away does (no closing handshake: a client that left
        megabytes unread would read through them first)."""
        with contextlib.suppress(Exception):
            self.ws.shutdown()

    def __enter__(self) -> KernelClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
