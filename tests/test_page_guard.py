"""What a page may change in its kernel (explorer.app.page_guard), without a kernel: messages are
handed to the guard as ipykernel's comm would hand them; what the widget sends back is recorded."""

from __future__ import annotations

import logging
from pathlib import Path

import ipywidgets as w
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.app.page_guard import PageGuard, guard_kernel, page_settable, widgets_under
from explorer.app.panels import Panel, PanelBoard
from explorer.app.widgets import ConcessionList, SessionNotice


class Recorder:
    """Records what a widget sends to its page (its comm's ``publish_msg``)."""

    def __init__(self, widget: w.Widget):
        self.sent: list[dict] = []
        widget.comm.publish_msg = lambda msg_type, data=None, metadata=None, buffers=None, **keys: self.sent.append(
            {"type": msg_type, "data": data})

    def states(self) -> list[dict]:
        return [m["data"]["state"] for m in self.sent if m["data"] and m["data"].get("method") == "update"]


def message(data, buffers=()) -> dict:
    return {"content": {"comm_id": "x", "data": data}, "buffers": list(buffers), "header": {}, "metadata": {}}


def update(state, paths=None, buffers=()) -> dict:
    return message({"method": "update", "state": state, "buffer_paths": paths or []}, buffers)


@pytest.fixture
def guard():
    return PageGuard()


def test_a_dropdown_takes_its_index_and_nothing_else(guard):
    dropdown = w.Dropdown(options=[("first", 0), ("second", 1)])
    sent = Recorder(dropdown)
    guard.receive(dropdown, update({"index": 1}))
    assert dropdown.value == 1
    guard.receive(dropdown, update({"_options_labels": ["<script>", "../../etc/passwd"], "disabled": True}))
    assert dropdown._options_labels == ("first", "second") and not dropdown.disabled
    assert {"_options_labels", "disabled"} <= set(sent.states()[-1])  # the page is told the kernel's values
    assert guard.refusals == 1


def test_a_value_the_widget_refuses_is_sent_back(guard):
    dropdown = w.Dropdown(options=["a", "b"])
    sent = Recorder(dropdown)
    for bad in (7, -3, "1", 1e308, [1], {"0": 0}):
        guard.receive(dropdown, update({"index": bad}))
        assert dropdown.index == 0
        assert sent.states()[-1]["index"] == 0
    assert guard.refusals == 6
    guard.receive(dropdown, update({"index": None}))  # "nothing chosen": a browser's select never sends it
    assert dropdown.index == 0 and guard.refusals == 7


def test_the_concession_list_takes_active_only(guard):
    concessions = ConcessionList(groups=[{"party": "p", "name": "P", "colour": "#000",
                                          "items": [{"id": "c1"}, {"id": "c2"}]}])
    Recorder(concessions)
    guard.receive(concessions, update({"active": ["c2", "c9", "c2"]}))
    assert concessions.active == ["c2"]
    guard.receive(concessions, update({"groups": [{"items": "broken"}], "blocked": {"c1": "x" * 10}}))
    assert concessions.ids == ["c1", "c2"] and concessions.blocked == {}
    guard.receive(concessions, update({"active": ["c1"]}))  # and it still works afterwards
    assert concessions.active == ["c1"]


@pytest.mark.parametrize("data", [
    None, [], "update", {"method": "exec"}, {"method": "update"}, {"method": "update", "state": [1]},
    {"method": "update", "state": {"index": 1}, "buffer_paths": [["index"]]},  # a path without a buffer
    {"method": "update", "state": {"index": 1}, "buffer_paths": "index"},
    {"method": "custom", "content": "click"},
])
def test_malformed_messages_change_nothing(guard, data):
    dropdown = w.Dropdown(options=["a", "b"])
    Recorder(dropdown)
    guard.receive(dropdown, message(data))
    assert dropdown.index == 0 and guard.refusals == 1


def test_request_state_and_custom_messages_pass(guard):
    board = PanelBoard([Panel("one")])
    sent = Recorder(board)
    clicks = []
    board.on_click(lambda key, points: clicks.append((key, points)))
    guard.receive(board, message({"method": "request_state"}))
    assert sent.states() and "panels" in sent.states()[-1]
    guard.receive(board, message({"method": "custom", "content": {"event": "click", "panel": "one",
                                                                   "points": [{"curve": 0, "point": 2}]}}))
    assert clicks == [("one", [{"curve": 0, "point": 2, "x": None, "y": None, "customdata": None}])]


def test_an_upload_takes_a_file_with_its_buffer(guard):
    upload = w.FileUpload()
    Recorder(upload)
    content = b"id: x\n"
    guard.receive(upload, update({"value": [{"name": "a.yaml", "type": "", "size": 6, "last_modified": 0}]},
                                 paths=[["value", 0, "content"]], buffers=[memoryview(content)]))
    assert bytes(upload.value[0]["content"]) == content


def test_widgets_under_reaches_children_layouts_styles_and_panels():
    board = PanelBoard([Panel("one"), Panel("two")])
    button = w.Button()
    root = w.VBox([w.HBox([button]), board, SessionNotice()])
    found = list(widgets_under(root))
    assert button in found and button.layout in found and button.style in found
    assert all(panel in found for panel in board.panels) and board.library in found
    assert len(found) == len({id(x) for x in found})


@given(st.dictionaries(st.text(max_size=12),
                       st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
                       | st.lists(st.integers(), max_size=5), max_size=6))
def test_no_update_changes_more_than_the_index(state):
    guard = PageGuard()
    dropdown = w.Dropdown(options=["a", "b", "c"])
    Recorder(dropdown)
    before = {k: getattr(dropdown, k) for k in dropdown.keys if k != "index"}
    guard.receive(dropdown, update(state))
    assert {k: getattr(dropdown, k) for k in dropdown.keys if k != "index"} == before
    index = state.get("index", 0)
    legal = isinstance(index, int) and 0 <= index < 3  # traitlets' Int takes a bool
    assert dropdown.index == (index if legal else 0)


def test_page_settable():
    assert page_settable(w.FileUpload()) == {"value", "error"}
    assert page_settable(ConcessionList()) == {"active"}
    assert page_settable(w.Layout()) == frozenset() and page_settable(Panel("x")) == frozenset()


def test_outside_a_kernel_the_kernel_rules_are_not_installed():
    assert guard_kernel() is False


def test_an_app_failure_is_logged_in_full_and_the_previous_value_restored(monkeypatch, caplog):
    from explorer.app import page_guard

    monkeypatch.setattr(page_guard, "PACKAGE", Path(__file__).resolve().parent)  # this file stands for the app
    dropdown = w.Dropdown(options=["a", "b"])

    def observer(change):
        if change["new"] == "b":
            raise ValueError("a bug in the app")

    dropdown.observe(observer, "value")
    sent = Recorder(dropdown)
    with caplog.at_level(logging.ERROR, logger="explorer.app.page_guard"):
        PageGuard().receive(dropdown, update({"index": 1}))
    assert dropdown.value == "a" and sent.states()[-1]["index"] == 0
    assert "the app failed" in caplog.text and "a bug in the app" in caplog.text


def test_the_dashboards_controls_go_through_its_guard():
    """What a page sends reaches the dashboard's widgets through their comms' guard: hostile values
    are refused, and the next valid click still redraws."""
    from explorer.app.dashboard import Dashboard

    dashboard = Dashboard()
    for widget in (dashboard.outcome_picker, dashboard.forecast_model, dashboard.forecast_issue, dashboard.picker):
        Recorder(widget)
        widget.comm.handle_msg(update({"index": None}))
        widget.comm.handle_msg(update({"_options_labels": ["x"], "index": 999}))
        assert widget.index is not None and widget._options_labels != ("x",)
    Recorder(dashboard.concessions)
    dashboard.concessions.comm.handle_msg(update({"groups": [], "active": ["nope"]}))
    assert dashboard.concessions.groups and dashboard.concessions.active == []
    before = dashboard.panels["redline_gap"].spec
    first = dashboard.concessions.ids[0]
    dashboard.concessions.comm.handle_msg(update({"active": [first]}))
    assert first in dashboard.state.active
    assert dashboard.panels["redline_gap"].spec != before
