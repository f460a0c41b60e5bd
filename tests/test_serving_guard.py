"""The kernel websocket against a hostile client (issue 15): a real Voila serving the dashboard.

The first two tests are the runaway of docs/security.md as a client produced it: with the
code before the guard, each leaves the Voila server looping at full CPU and growing until
the machine runs out of memory, and no page is served again (checked: both fail there). A client
here is tests/kernel_client.py: a script that fetches a page and talks to its kernel.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest
import websocket

from tests.browser_support import ROOT, rss_bytes, serve_voila
from tests.kernel_client import Closed, KernelClient, open_page

MB = 1024 * 1024
GROWTH_MB = 150  # what the server may gain over a test (a page's replies in flight, tornado's buffers)
PAGE_WITHIN = 60.0  # seconds for a fresh page while the server is under test


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


def test_code_is_never_run_and_other_types_are_dropped(server):
    with KernelClient.for_new_page(server.url) as client:
        for msg_type, content in [("execute_request", {"code": "open('/tmp/explorer-pwned', 'w')", "silent": False}),
                                  ("inspect_request", {"code": "open", "cursor_pos": 4}),
                                  ("complete_request", {"code": "import o", "cursor_pos": 8}),
                                  ("history_request", {"hist_access_type": "tail", "n": 10})]:
            msg_id = client.send(msg_type, content)
            assert all(m.parent_id != msg_id for m in client.drain(quiet=1.0)), msg_type
        client.send("comm_info_request", {}, channel="iopub")  # not a channel a page sends on
        assert client.kernel_answers()
    import pathlib

    assert not pathlib.Path("/tmp/explorer-pwned").exists()
    assert "dropped (further refusals on this websocket are counted" in server.log()


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


def test_a_client_that_asks_for_megabytes_and_never_reads_is_cut_off(server):
    """Each request for the plotly.js widget's state makes the kernel send 0.5 MB; the client reads nothing."""
    before = voila_rss(server)
    with KernelClient.for_new_page(server.url) as client:
        library = next(comm for comm, state in client.widget_states().items() if "source" in state)
        client.ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        for _ in range(250):
            try:
                client.comm_msg(library, {"method": "request_state"})
            except Closed:
                break
        peak, deadline = before, time.monotonic() + 90
        while "still unread" not in server.log():  # the kernel answers; the server holds what the client leaves
            assert time.monotonic() < deadline, "the server never cut the client off"
            peak = max(peak, voila_rss(server))
            time.sleep(0.2)
        assert (peak - before) / MB < 32 + GROWTH_MB
    assert_server_fine(server, before)


def test_more_websockets_than_allowed_to_one_kernel_are_refused(server):
    kernel_id, cookie = open_page(server.url)
    clients = [KernelClient(server.url, kernel_id, cookie) for _ in range(4)]
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


def test_a_large_message_closes_the_websocket_without_reading_it(server):
    with KernelClient.for_new_page(server.url) as client:
        with pytest.raises(Closed) as closed:
            client.comm_msg("nope", {"method": "custom", "content": {}}, buffers=[bytes(5 * MB)])
            client.drain(timeout=10)
        assert closed.value.code in (1009, None)  # 1009, or the connection reset while the client still sent


def test_request_bodies_are_bounded(server):
    request = urllib.request.Request(server.url + "voila/api/shutdown/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                                     data=bytes(2 * MB), method="POST")
    with pytest.raises((urllib.error.HTTPError, urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(request, timeout=30)


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
