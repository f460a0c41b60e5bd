"""Fuzz every message a page can send to the dashboard's and the builder's kernels (issue 15).

A real Voila serves each notebook (``voila.json``'s settings). One page is opened by a script
(tests/kernel_client.py: the "fuzzed page"), which asks every widget for its state, then sends,
batch by batch (tests/fuzzing.py):

* every trait of every widget set to each hostile value (wrong types, None, huge numbers, NaN,
  long strings and lists, deep nesting, path strings, markup, references to missing widgets),
  and the traits a control really sets one at a time;
* every custom message shape the anywidgets and buttons accept, with each field made hostile;
* messages to comms that do not exist, ``comm_open`` of any target, ``comm_close`` of every comm;
* ``execute_request``, ``inspect_request``, ``complete_request`` and the other requests a page
  never sends; malformed frames; and connections without the v1 subprotocol.

After each batch: the fuzzed page's kernel answers; the server's memory is back within
:data:`GROWTH_MB` of where it started and its CPU is back near idle; a fresh page gets a working
kernel; a valid click from the fuzzed page still redraws (the dashboard sends its panels' new
figures; the builder autosaves the edit); and nothing was run, read or written outside the
scenario folder. Last, a real browser draws a fresh page of the fuzzed dashboard.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websocket
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from tests.browser_support import ROOT, VoilaServer, open_page, serve_voila
from tests.dashboard_page import JS_PANELS_DRAWN, PANEL_KEYS
from tests.fuzzing import (
    HOSTILE, Baseline, Pacer, custom_frames, fresh_page_works, hostile_contents, send_all,
    still_open, update_frames, wait_server_quiet,
)
from tests.kernel_client import Closed, KernelClient

GROWTH_MB = 100  # what the server may hold after a batch beyond its level before the fuzzing
QUIET_SHARE = 0.25  # of a CPU, the server's use once a batch is over
PAGE_SET = ("index", "value", "error", "active", "selected_index", "children")  # traits a page's controls set
CANARY = Path("/tmp/explorer-fuzz-canary")  # what code run from a page would create
TARGETS = ["jupyter.widget", "jupyter.widget.control", "jupyter.widget.version", "comm", "", "x" * 5000,
           "../../etc/passwd", "<script>"]
REQUESTS = [
    ("execute_request", {"code": f"open({str(CANARY)!r}, 'w').write('ran')", "silent": False,
                         "store_history": True, "user_expressions": {}, "allow_stdin": False}),
    ("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}),
    ("complete_request", {"code": "import o", "cursor_pos": 8}),
    ("history_request", {"hist_access_type": "tail", "n": 100, "output": True, "raw": True}),
    ("is_complete_request", {"code": "x = ("}),
    ("shutdown_request", {"restart": True}),
    ("interrupt_request", {}),
    ("debug_request", {"command": "evaluate", "arguments": {"expression": "1"}}),
    ("input_reply", {"value": "y"}),
]


@dataclass
class FuzzedApp:
    """A served notebook, its fuzzed page, and what that page knew of its widgets at the start."""

    server: VoilaServer
    client: KernelClient
    states: dict[str, dict]
    baseline: Baseline
    folder: Path
    batches: list[str] = field(default_factory=list)

    def refresh(self) -> None:
        """Read the widgets again (an app that rebuilds its fields has new ones)."""
        self.client = still_open(self.client)
        self.states = self.client.all_widget_states()

    def comms(self, *model_names: str) -> list[str]:
        return [c for c, s in self.states.items() if not model_names or s.get("_model_name") in model_names]

    def comm_with(self, *keys: str) -> str:
        return next(c for c, s in self.states.items() if all(k in s for k in keys))


@contextlib.contextmanager
def fuzzed_app(notebook: str, folder: Path, extra_env: dict[str, str] | None = None) -> Iterator[FuzzedApp]:
    env = {"EXPLORER_SCENARIOS_DIR": str(folder), **(extra_env or {})}
    with serve_voila(notebook, ["--CapacityKernelManager.max_kernels=12"], env=env) as server:
        server.wait_for_pool()
        server.wait_until_quiet(timeout=90)
        client = KernelClient.for_new_page(server.url)
        states = client.all_widget_states()
        wait_server_quiet(server.process.pid)
        app = FuzzedApp(server, client, states, Baseline.of(server.process.pid), folder)
        yield app
        client.close()


def scenario_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "scenarios"
    folder.mkdir()
    for path in (ROOT / "data" / "scenarios").glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_after_batch(app: FuzzedApp, batch: str, still_works) -> None:
    """The checks of the module's docstring; ``still_works(app)`` is the app's valid click."""
    app.client = still_open(app.client)
    assert app.client.kernel_answers(timeout=30), f"{batch}: the fuzzed page's kernel does not answer"
    share = wait_server_quiet(app.server.process.pid)
    assert share < QUIET_SHARE, f"{batch}: the server still uses {share:.0%} of a CPU"
    grown = app.baseline.grown_mb()
    assert grown < GROWTH_MB, f"{batch}: the server holds {grown:.0f} MB more than before the fuzzing"
    assert fresh_page_works(app.server.url), f"{batch}: a fresh page does not get a working kernel"
    assert still_works(app), f"{batch}: a valid click from the fuzzed page is not answered"
    assert not CANARY.exists(), f"{batch}: code sent by the page ran"
    log = app.server.log()
    assert "Traceback" not in log, f"{batch}: something failed on what the page sent (see the server's log)"
    assert not re.search(r"\[kernel [\w.]+\] ERROR", log), f"{batch}: the app failed on what the page sent"
    app.batches.append(batch)


def fuzz_widgets(app: FuzzedApp) -> int:
    """Every trait of every widget with one hostile value of each kind (all of a widget's traits in one
    message), then the traits a page's controls set, one at a time, with every hostile value."""
    app.client = still_open(app.client)
    frames = []
    for comm_id, state in app.states.items():
        keys = [k for k in state if not k.startswith("_model")]
        frames += update_frames(app.client, comm_id, keys)
        frames += update_frames(app.client, comm_id, [k for k in keys if k in PAGE_SET], HOSTILE, per_message=1)
    return send_all(app.client, frames, websockets=2)


def fuzz_custom_messages(app: FuzzedApp, shapes: dict[str, dict]) -> int:
    """Each custom message shape (keyed by a state key that tells its widget) with hostile fields."""
    app.client = still_open(app.client)
    frames = []
    for marker, valid in shapes.items():
        for comm_id in [c for c, s in app.states.items() if marker in s]:
            frames += custom_frames(app.client, comm_id, [valid, *hostile_contents(valid)])
    return send_all(app.client, frames, websockets=2)


def fuzz_comm_plumbing(app: FuzzedApp) -> None:
    """Bogus comm ids, comm_open of any target (with new and existing ids, of any control protocol
    version), hostile messages on a control comm, comm_close of every comm."""
    client = app.client = still_open(app.client)
    bogus = [client.frame("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})[1]
             for comm_id in [uuid.uuid4().hex, "", "x" * 10_000, 0, None, [1], {"a": 1}]]
    bogus += [client.frame("comm_msg", content)[1] for content in [{}, {"data": {}}, [], "x", None]]
    widgets = sorted(c for c, t in client.comms().items() if t == "jupyter.widget")
    existing = widgets[0]
    control = uuid.uuid4().hex
    for version in (None, "2.0.0", "x", "1.0.0"):
        metadata = {"version": version} if version else {}
        bogus.append(client.frame("comm_open", {"comm_id": control if version == "1.0.0" else uuid.uuid4().hex,
                                                "target_name": "jupyter.widget.control", "data": {}},
                                  metadata=metadata)[1])
    bogus += [client.frame("comm_msg", {"comm_id": control, "data": data})[1]
              for data in ({}, {"method": "update_states"}, {"method": None}, {"method": "request_states"})]
    opens = [client.frame("comm_open", {"comm_id": comm_id, "target_name": target,
                                        "data": {"state": {"_model_name": "OutputModel",
                                                           "_model_module": "@jupyter-widgets/output",
                                                           "_model_module_version": "1.0.0"}}},
                          )[1] for target in TARGETS for comm_id in (uuid.uuid4().hex, existing)]
    send_all(client, bogus + opens)
    assert sorted(c for c, t in client.comms().items() if t == "jupyter.widget") == widgets  # none made, none lost
    send_all(client, [client.frame("comm_close", {"comm_id": comm_id, "data": {}})[1] for comm_id in widgets])
    assert sorted(c for c, t in client.comms().items() if t == "jupyter.widget") == widgets


def fuzz_requests(app: FuzzedApp) -> None:
    """Requests a page never sends, on each channel, and the comm messages on channels other than
    shell: none reaches the kernel (no reply before it answers a request sent after them)."""
    client = app.client = still_open(app.client)
    sent = []
    requests = [*REQUESTS, ("comm_info_request", {}), ("comm_msg", {"comm_id": next(iter(app.states)),
                                                                    "data": {"method": "request_state"}})]
    for msg_type, content in requests:
        for channel in ("control", "stdin", "iopub") + (("shell",) if (msg_type, content) in REQUESTS else ()):
            msg_id, frame = client.frame(msg_type, content, channel)
            client.send_frame(frame)
            sent.append(msg_id)
    barrier = client.send("kernel_info_request", {})
    answered = []
    for message in client.replies(barrier, timeout=60):
        answered += [message] if message.parent_id in sent else []
    seen = client.drain(quiet=0.0, timeout=0.5)
    assert [m for m in answered + seen if m.parent_id in sent] == []


def malformed_frames() -> list[bytes | str]:
    header = json.dumps({"msg_type": "comm_msg", "msg_id": "x"}).encode()
    good = serialize_msg_to_ws_v1([header, b"{}", b"{}", b"{}"], "shell")
    frames: list[bytes | str] = [
        (2**40).to_bytes(8, "little") + bytes(64), (2**64 - 1).to_bytes(8, "little"), b"", b"\x00" * 7,
        "a text frame", good[:-3], good + b"junk", good.replace(b"shell", b"sh\xffll"),
        serialize_msg_to_ws_v1([b"{", b"{}", b"{}", b"{}"], "shell"),
        serialize_msg_to_ws_v1([b"[" * 9000 + b"]" * 9000, b"{}", b"{}", b"{}"], "shell"),
        serialize_msg_to_ws_v1([header, b"{}", b"{}"], "shell"),
        serialize_msg_to_ws_v1([header, b"{}", b"{}", b"{}", *[b"b"] * 40], "shell"),
    ]
    backwards = bytearray(good)
    backwards[24:32] = (8).to_bytes(8, "little")
    frames.append(bytes(backwards))
    return frames


def fuzz_frames(app: FuzzedApp) -> None:
    """Each malformed frame closes its websocket (1008) and nothing else; the page may reconnect."""
    for frame in malformed_frames():
        client = app.client = still_open(app.client)
        client.send_frame(frame)
        with pytest.raises(Closed) as closed:
            client.drain(quiet=5.0, timeout=10)
        assert closed.value.code == 1008, (frame[:40], closed.value)


def fuzz_protocols(app: FuzzedApp) -> None:
    """Connections without the v1 subprotocol, or offering others, are refused before they open."""
    url = app.server.url.replace("http", "ws", 1) + f"api/kernels/{app.client.kernel_id}/channels"
    for offer in (None, ["v2.kernel.websocket.jupyter.org"], ["", "x" * 1000], ["v1.kernel.websocket.jupyter"]):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, cookie=app.client.cookie, subprotocols=offer, timeout=10)
        assert refused.value.status_code == 400


# -- the dashboard ----------------------------------------------------------------------------
DASHBOARD_CUSTOM = {  # a state key that tells the widget -> a valid custom message it takes
    "panels": {"event": "click", "panel": "deals", "points": [{"curve": 0, "point": 0, "customdata": [0]}]},
    "groups": {"event": "party", "party": "russia", "on": True},
    "button_style": {"event": "click"},
    "mime": {"event": "make"},  # the "Download briefing" button (one briefing made, the rest rate-limited)
}


def toggle_redraws(app: FuzzedApp) -> bool:
    """Switch the first open concession (or all off): the kernel sends at least one panel's new figure."""
    client = app.client = still_open(app.client)
    concessions = app.comm_with("groups", "active", "blocked")
    state = client.widget_state(concessions)
    open_ids = [item["id"] for group in state["groups"] for item in group["items"]
                if item["id"] not in state["blocked"]]
    wanted = [] if state["active"] else open_ids[:1]
    msg_id = client.comm_msg(concessions, {"method": "update", "state": {"active": wanted}, "buffer_paths": []})
    for message in client.replies(msg_id, timeout=60):
        data = message.content.get("data", {}) if isinstance(message.content, dict) else {}
        if message.msg_type == "comm_msg" and data.get("method") == "update" and "spec" in data.get("state", {}):
            return True
    return False


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    CANARY.unlink(missing_ok=True)
    folder = scenario_folder(tmp_path_factory)
    before = files_under(folder)
    with fuzzed_app("notebooks/dashboard.ipynb", folder) as app:
        yield app
        assert "page message refused" in app.server.log()  # the kernel's guard saw the fuzzing
    assert files_under(folder) == before  # nothing written beside the scenarios
    assert not CANARY.exists()


def test_dashboard_every_trait_of_every_widget(dashboard):
    assert fuzz_widgets(dashboard) > 1000
    check_after_batch(dashboard, "every trait", toggle_redraws)


def test_dashboard_the_controls_values_and_custom_messages(dashboard):
    """What the page's controls send, at their worst: every concession at once (blocked ones too),
    10,000 ids, files with hostile names and contents; then every custom message with hostile fields."""
    app = dashboard
    client = app.client = still_open(app.client)
    concessions = app.comm_with("groups", "active", "blocked")
    state = client.widget_state(concessions)
    ids = [item["id"] for group in state["groups"] for item in group["items"]]
    actives = [ids, ids * 50, [f"c{k}" for k in range(10_000)], ["../" * 50]]
    frames = [client.frame("comm_msg", {"comm_id": concessions, "data": {
        "method": "update", "state": {"active": active}, "buffer_paths": []}})[1] for active in actives]
    upload = app.comms("FileUploadModel")[0]
    files = [("../../../etc/passwd", b"root:x:0:0"), ("x.yaml", bytes(range(256)) * 8000),
             ("<img src=x onerror=alert(1)>.yaml", b"id: x\n"), ("a\x00b.json", b"{" * 5000)]
    for name, content in files:
        meta = {"name": name, "type": "text/plain", "size": len(content), "last_modified": 0}
        frames.append(client.frame("comm_msg", {"comm_id": upload, "data": {
            "method": "update", "state": {"value": [meta]}, "buffer_paths": [["value", 0, "content"]]}},
            buffers=[content])[1])
    send_all(client, frames, Pacer(rate=5))
    final = app.client.widget_state(concessions)
    assert set(final["active"]) <= set(ids) and not set(final["active"]) & set(final["blocked"])
    assert fuzz_custom_messages(app, DASHBOARD_CUSTOM) > 100
    check_after_batch(app, "the controls' values and custom messages", toggle_redraws)


def test_dashboard_comm_plumbing_requests_frames_and_protocols(dashboard):
    fuzz_comm_plumbing(dashboard)
    fuzz_requests(dashboard)
    fuzz_frames(dashboard)
    fuzz_protocols(dashboard)
    check_after_batch(dashboard, "comm ids, comm_open, comm_close, requests, frames, protocols", toggle_redraws)


@pytest.mark.browser
def test_the_fuzzed_dashboard_draws_a_fresh_page(dashboard, browser):
    watched = open_page(browser)
    try:
        watched.page.goto(dashboard.server.url)
        watched.page.wait_for_function(JS_PANELS_DRAWN, arg=len(PANEL_KEYS), timeout=120_000)
        assert watched.errors == []
    finally:
        watched.context.close()


# -- the builder ------------------------------------------------------------------------------
def edit_autosaves(app: FuzzedApp) -> bool:
    """Type a title: the builder autosaves the draft with it (its drafts folder is beside the scenarios)."""
    app.refresh()  # its fields are rebuilt when an item is added or removed
    client = app.client
    title = next(c for c, s in app.states.items() if s.get("_model_name") == "TextModel"
                 and s.get("description") == "title")
    text = f"fuzz check {uuid.uuid4().hex[:8]}"
    client.comm_msg(title, {"method": "update", "state": {"value": text}, "buffer_paths": []})
    drafts = app.folder.parent / "drafts"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(text in p.read_text(errors="replace") for p in drafts.glob("*.json")):
            return True
        client.drain(quiet=0.2, timeout=1)
    return False


BUILDER_CUSTOM = {"button_style": {"event": "click"}}


@pytest.fixture(scope="module")
def builder(tmp_path_factory):
    CANARY.unlink(missing_ok=True)
    folder = scenario_folder(tmp_path_factory)
    before = files_under(folder)
    with fuzzed_app("notebooks/scenario-builder.ipynb", folder) as app:
        assert edit_autosaves(app)  # a draft exists from now on: it must survive the fuzzing
        yield app
    outside = {name for name in files_under(folder.parent)} - {f"scenarios/{n}" for n in before}
    assert all(name.startswith(("drafts/", "scenarios/")) for name in outside), outside
    after = files_under(folder)
    assert all(after.get(name) == content for name, content in before.items())  # never replaced, never removed
    assert not CANARY.exists()


def test_builder_every_trait_of_every_widget(builder):
    assert fuzz_widgets(builder) > 1000
    check_after_batch(builder, "every trait", edit_autosaves)


def test_builder_plumbing_requests_and_custom_messages(builder):
    fuzz_comm_plumbing(builder)
    fuzz_requests(builder)
    assert fuzz_custom_messages(builder, BUILDER_CUSTOM) > 100  # its buttons' clicks: "Open" brings 1,300 widgets
    check_after_batch(builder, "custom messages, comm ids, comm_open, comm_close, requests", edit_autosaves)
