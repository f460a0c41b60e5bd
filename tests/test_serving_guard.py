"""The kernel websocket against a hostile client (issue 15): a real Voila serving the dashboard.

The first two tests are the runaway of docs/security.md as a client produced it: with the
code before the guard, each leaves the Voila server looping at full CPU and growing until
the machine runs out of memory, and no page is served again (checked: both fail there). A client
here is tests/kernel_client.py: a script that fetches a page and talks to its kernel.
"""

from __future__ import annotations

import json
import socket
import textwrap
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import websocket
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from explorer.app.page_guard import STATE_REQUESTS
from tests.browser_support import ROOT, rss_bytes, serve_voila
from tests.kernel_client import Closed, KernelClient, open_page

pytestmark = pytest.mark.alone  # load, memory or timing bounds: run with the machine to itself

MB = 1024 * 1024
GROWTH_MB = 150  # what the server may gain over a test (a page's replies in flight, tornado's buffers)
PAGE_WITHIN = 60.0  # seconds for a fresh page while the server is under test
CANARY = Path("/tmp/explorer-guard-canary")  # what code run from a page would create


@pytest.fixture(scope="module")
def server():
    with serve_voila("notebooks/dashboard.ipynb", ["--CapacityKernelManager.max_kernels=24"]) as voila:
        voila.wait_for_pool()
        yield voila


def voila_rss(server) -> int:
    return rss_bytes(server.process.pid)


def assert_server_fine(server, rss_before: int) -> None:
    """A fresh page comes within PAGE_WITHIN s, its kernel answers, and the server did not grow."""
    start = time.monotonic()
    with KernelClient.for_new_page(server.url) as fresh:
        assert time.monotonic() - start < PAGE_WITHIN
        assert fresh.kernel_answers(timeout=30)
    grown = (voila_rss(server) - rss_before) / MB
    assert grown < GROWTH_MB, f"Voila grew by {grown:.0f} MB"


@pytest.mark.parametrize("protocol", ["legacy", "v1"])
def test_asking_every_widget_state_leaves_the_server_fine(server, protocol):
    """The issue's client: request_state of every comm, with or without the v1 subprotocol. Before
    the guard, over the legacy protocol, the reply carrying the plotly.js buffer sent Voila into its
    endless header read: that reply never came, and neither did any page after it."""
    before = voila_rss(server)
    kernel_id, cookie = open_page(server.url)
    try:
        client = KernelClient(server.url, kernel_id, cookie, protocol=protocol)
    except websocket.WebSocketBadStatusException as refused:
        assert protocol == "legacy" and refused.status_code == 400  # the page speaks v1; nothing else is served
    else:
        with client:
            states = client.widget_states()
            assert len(states) > 30
            assert any(len(state.get("source", b"")) > 400_000 for state in states.values())  # plotly.js, gzipped
            assert client.kernel_answers()
    assert_server_fine(server, before)


def test_a_client_without_the_v1_subprotocol_is_refused(server):
    kernel_id, cookie = open_page(server.url)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        KernelClient(server.url, kernel_id, cookie, protocol="legacy")
    assert refused.value.status_code == 400


def test_a_frame_claiming_two_to_the_forty_offsets_closes_only_its_own_websocket(server):
    """jupyter_server decodes a v1 frame's offsets with a loop over the count the frame claims."""
    before = voila_rss(server)
    with KernelClient.for_new_page(server.url) as client:
        client.send_frame((2**40).to_bytes(8, "little") + bytes(64))
        with pytest.raises(Closed) as closed:
            client.drain(timeout=10)
        assert closed.value.code == 1008 and "malformed" in closed.value.reason
    with KernelClient(server.url, client.kernel_id, client.cookie) as again:  # the page may reconnect
        assert again.kernel_answers()
    assert_server_fine(server, before)


def answered_before_the_kernel_answers_again(client: KernelClient, sent: list[str]) -> list:
    """The replies to ``sent`` that came before the kernel answered a request sent after them (its
    shell handles messages in order: what has no reply by then never reaches it)."""
    msg_id = client.send("kernel_info_request", {})
    got = []
    deadline = time.monotonic() + 30
    while (left := deadline - time.monotonic()) > 0:
        message = client.receive(left)
        if message is None:
            continue
        got.append(message)
        if message.parent_id == msg_id and message.msg_type == "kernel_info_reply":
            return [m for m in got if m.parent_id in sent]
    raise TimeoutError("the kernel did not answer")


def test_code_is_never_run_and_other_types_are_dropped(server):
    mark = len(server.log())
    with KernelClient.for_new_page(server.url) as client:
        sent = [client.send(msg_type, content) for msg_type, content in [
            ("execute_request", {"code": f"open({str(CANARY)!r}, 'w')", "silent": False}),
            ("inspect_request", {"code": "open", "cursor_pos": 4}),
            ("complete_request", {"code": "import o", "cursor_pos": 8}),
            ("history_request", {"hist_access_type": "tail", "n": 10}),
            ("shutdown_request", {"restart": True})]]
        sent.append(client.send("comm_info_request", {}, channel="iopub"))  # not a channel a page sends on
        sent.append(client.send("comm_info_request", {}, channel="control"))  # nor this one (its log would fill)
        assert answered_before_the_kernel_answers_again(client, sent) == []
    assert not CANARY.exists()
    assert "dropped (further refusals on this websocket are counted" in server.log()[mark:]


def test_headers_the_kernel_could_not_read_are_dropped(server):
    """A header without msg_id, or a date the kernel's session cannot parse: ipykernel would log a
    traceback for each such message."""
    mark = len(server.log())
    with KernelClient.for_new_page(server.url) as client:
        frames = []
        for change in ({"msg_id": None}, {"session": 5}, {"date": "2026-13-01T10:00:00Z"}):
            header = {**client.header("comm_info_request"), **change}
            parts = [json.dumps(part).encode() for part in (header, {}, {}, {})]
            frames.append((header["msg_id"], serialize_msg_to_ws_v1(parts, "shell")))
        for _, frame in frames:
            client.send_frame(frame)
        assert answered_before_the_kernel_answers_again(client, [m for m, _ in frames if m]) == []
    log = server.log()[mark:]
    assert "message was dropped: a header without a msg_id" in log and "Traceback" not in log


def test_a_flood_of_messages_closes_the_websocket(server):
    before = voila_rss(server)
    with KernelClient.for_new_page(server.url) as client:
        _, frame = client.frame("kernel_info_request", {})
        with pytest.raises(Closed) as closed:
            for _ in range(5000):
                client.send_frame(frame)
            client.drain(timeout=20)
        assert closed.value.code == 1008 and "messages" in closed.value.reason
    assert_server_fine(server, before)


def test_asking_again_and_again_for_the_largest_state_is_not_answered_again_and_again(server):
    """The plotly.js library's state is 0.5 MB: a page asks for it once; a script asking 50 times gets
    it 10 times in 10 s (explorer.app.page_guard), not 25 MB for a few bytes sent."""
    with KernelClient.for_new_page(server.url) as client:
        library = next(comm for comm, state in client.widget_states().items() if "source" in state)
        asked = [client.comm_msg(library, {"method": "request_state"}) for _ in range(50)]
        answered = [m for m in answered_before_the_kernel_answers_again(client, asked) if m.msg_type == "comm_msg"]
        assert len(answered) == STATE_REQUESTS - 1  # widget_states() above took one


def flood_notebook(folder: Path) -> Path:
    """A button whose click makes the kernel send its page 5 messages of 1 MB."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(textwrap.dedent("""
        import ipywidgets as widgets
        button = widgets.Button(description="flood")
        button.on_click(lambda _: [button.send({"blob": "x" * 2**20}) for _ in range(5)])
        button
    """))]
    path = folder / "flood.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_client_that_does_not_read_what_it_asked_for_is_cut_off(tmp_path):
    """10 clicks: 50 MB from the kernel for a page that reads nothing. The server holds at most
    ConnectionLimits.max_pending_bytes (32 MB) for it, then closes its websocket."""
    with serve_voila(flood_notebook(tmp_path)) as flood:
        flood.wait_for_pool()
        before = voila_rss(flood)
        with KernelClient.for_new_page(flood.url) as client:
            button = next(c for c, s in client.widget_states().items() if s.get("description") == "flood")
            client.ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            for _ in range(10):
                client.comm_msg(button, {"method": "custom", "content": {"event": "click"}})
            peak, deadline = before, time.monotonic() + 90
            while "still unread" not in flood.log():
                assert time.monotonic() < deadline, "the server never cut the client off"
                peak = max(peak, voila_rss(flood))
                time.sleep(0.2)
            assert (peak - before) / MB < 32 + GROWTH_MB
        assert_server_fine(flood, before)


ALLOWED_WEBSOCKETS = json.loads((ROOT / "voila.json").read_text())["ConnectionLimits"]["max_connections_per_kernel"]


def test_more_websockets_than_allowed_to_one_kernel_are_refused(server):
    kernel_id, cookie = open_page(server.url)
    clients = [KernelClient(server.url, kernel_id, cookie) for _ in range(ALLOWED_WEBSOCKETS)]
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            KernelClient(server.url, kernel_id, cookie)
        assert refused.value.status_code == 429
        clients.pop().close()
        deadline = time.monotonic() + 10
        while True:  # the server sees the close a moment later
            try:
                clients.append(KernelClient(server.url, kernel_id, cookie))
                break
            except websocket.WebSocketBadStatusException:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        for client in clients:
            client.close()


def test_handshakes_sent_together_cannot_pass_the_count_together(server):
    """Each handshake waits for the kernel's first answer: the place is taken before that wait."""
    kernel_id, cookie = open_page(server.url)

    def connect(_):
        try:
            return KernelClient(server.url, kernel_id, cookie)
        except websocket.WebSocketBadStatusException as refused:
            return refused.status_code

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(connect, range(12)))
    opened = [r for r in results if isinstance(r, KernelClient)]
    try:
        assert len(opened) == ALLOWED_WEBSOCKETS
        assert sorted(r for r in results if not isinstance(r, KernelClient)) == [429] * (12 - ALLOWED_WEBSOCKETS)
    finally:
        for client in opened:
            client.close()


def test_a_frame_announcing_100_mb_closes_the_websocket_before_any_of_it_is_read(server):
    """A websocket frame's header says its length: over the limit, the server closes at once (1009)
    instead of waiting for, and holding, the rest."""
    with KernelClient.for_new_page(server.url) as client:
        header = bytes([0x82, 0x80 | 127]) + (100 * MB).to_bytes(8, "big") + b"mask"  # binary, masked, 100 MB
        client.ws.sock.sendall(header)
        with pytest.raises(Closed) as closed:
            client.drain(timeout=10)
        assert closed.value.code == 1009


def test_request_bodies_are_bounded(server):
    """A body announced over 64 KB is refused for its size (400) as soon as its headers are read, before
    the page's check of its token (403) and without waiting for it."""
    path = "/voila/api/shutdown/00000000-0000-0000-0000-000000000000"

    def status(length: int, body: bytes) -> int:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
            connection.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n"
                               .encode() + body)
            return int(connection.recv(200).split()[1])

    assert status(1_000, bytes(1_000)) == 403
    assert status(2 * MB, b"") == 400  # no byte of it sent


def test_voilas_query_websocket_takes_only_a_kernel_it_runs_once_and_no_message(server):
    base = server.url.replace("http", "ws", 1) + "voila/query/"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(base + "00000000-0000-0000-0000-000000000000", timeout=10)
    assert refused.value.status_code == 404
    kernel_id, _ = open_page(server.url)
    query = websocket.create_connection(base + kernel_id, timeout=10)
    try:
        with pytest.raises(websocket.WebSocketBadStatusException):  # one per kernel
            websocket.create_connection(base + kernel_id, timeout=10)
        query.send("x" * 10)
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:
                query.recv()
    finally:
        query.close()


def test_the_session_endpoint_says_whether_a_page_s_kernel_runs(server):
    kernel_id, _ = open_page(server.url)

    def status(kid):
        with urllib.request.urlopen(f"{server.url}explorer/session/{kid}", timeout=30) as response:
            assert response.headers["Content-Type"] == "application/json"
            return json.loads(response.read())

    assert status(kernel_id) == {"state": "running"}
    assert status("00000000-0000-0000-0000-000000000000")["state"] == "ended"


def test_the_gate_swaps_voilas_websocket_and_adds_the_session_endpoint():
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    from explorer.app.serving import ConnectionLimits, EndedKernels, GuardedKernelWebsocketHandler, gate_handlers
    from explorer.app.serving.guard import ConnectionCounter
    from explorer.app.serving.session import SessionStatusHandler

    websocket_args = {"limits": ConnectionLimits(), "counter": ConnectionCounter()}
    rules = [("/base/api/kernels/(?P<kernel_id>\\w+-\\w+-\\w+-\\w+-\\w+)/channels", VoilaKernelWebsocketHandler)]
    gated = gate_handlers(rules, websocket_args, {"ended": EndedKernels()})
    assert gated[0][:2] == ("/base/explorer/session/(\\w+-\\w+-\\w+-\\w+-\\w+)", SessionStatusHandler)
    assert gated[1] == (rules[0][0], GuardedKernelWebsocketHandler, websocket_args)
    assert gate_handlers(rules) == rules  # without the guard's settings the websocket is left alone


def test_voila_json_sets_the_limits_the_code_documents():
    from explorer.app.serving import ConnectionLimits, MemoryLimits

    config = json.loads((ROOT / "voila.json").read_text())
    for section, cls in (("ConnectionLimits", ConnectionLimits), ("MemoryLimits", MemoryLimits)):
        defaults = cls()
        assert config[section] == {name: getattr(defaults, name) for name in config[section]}
        assert set(config[section]) == set(cls.class_own_traits(config=True))
