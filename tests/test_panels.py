"""The plotting layer in Python: one plotly.js per kernel, panels sent only when they change."""

import gzip
import re
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import pytest

from explorer.app.panels import Panel, PanelBoard, figure_spec, shared_library
from explorer.app.figures.layout import plain
from explorer.app.panels.board import LIBRARY_FILE, LIBRARY_VERSION, clean_point, library_text
from tests.page_messages import page_sends

BAR = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {"height": 200}}


def sent_messages(widget, monkeypatch):
    """Record the state updates the widget sends to the page."""
    sent = []
    monkeypatch.setattr(widget.comm, "send", lambda data=None, buffers=None, **kw: sent.append(data))
    return sent


def test_library_is_the_cartesian_bundle_of_the_plotly_js_that_plotly_py_ships():
    text = library_text()
    assert text.startswith("/**\n* plotly.js (cartesian - minified) v" + LIBRARY_VERSION)
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full.read_text(encoding="utf-8")[:300]).group(1)
    assert version == LIBRARY_VERSION
    assert len(gzip.decompress(LIBRARY_FILE.read_bytes())) < 0.4 * full.stat().st_size  # a third of the full


def test_one_library_per_kernel_whatever_the_number_of_boards_and_panels():
    first = PanelBoard([Panel("a", BAR), Panel("b", BAR)])
    second = PanelBoard([Panel("c", BAR)])
    assert first.library is second.library is shared_library()
    assert first.library.source == LIBRARY_FILE.read_bytes()


def test_update_sends_a_panel_only_when_its_figure_changed(monkeypatch):
    a, b = Panel("a", BAR), Panel("b", BAR)
    PanelBoard([a, b])
    sent_a, sent_b = sent_messages(a, monkeypatch), sent_messages(b, monkeypatch)
    assert a.update(BAR) is False and sent_a == []
    changed = {"data": [{"type": "bar", "x": ["a", "b"], "y": [2, 1]}], "layout": {"height": 200}}
    assert a.update(changed) is True
    assert len(sent_a) == 1 and sent_a[0]["state"]["spec"]["data"][0]["y"] == [2, 1]
    assert sent_b == []


def test_figure_objects_in_and_out():
    figure = go.Figure(go.Scatter(x=[1.0, 2.0], y=np.array([4.0, 3.0])), layout={"height": 250})
    panel = Panel("p", figure)
    assert panel.spec["layout"]["height"] == 250
    exported = panel.figure  # back to a plotly Figure, e.g. to write_html
    assert isinstance(exported, go.Figure)
    assert list(exported.data[0].x) == [1.0, 2.0] and list(exported.data[0].y) == [4.0, 3.0]
    assert Panel("q", {"data": [{"type": "bar", "y": np.array([np.nan, 1.0])}]}).spec["data"][0]["y"] == [None, 1.0]
    with pytest.raises(TypeError, match="plotly Figure or a dict"):
        figure_spec("not a figure")


def test_plain_makes_json_safe_values():
    assert plain({"a": np.float64("inf"), "b": [np.int32(2)], "c": {"d": (1, 2)}}) == {"a": None, "b": [2], "c": {"d": [1, 2]}}


def test_clicks_reach_python_cleaned_and_bounded():
    board = PanelBoard([Panel("a", BAR)])
    got = []
    board.on_click(lambda key, points: got.append((key, points)))
    page_sends(board, {"event": "click", "panel": "a",
                       "points": [{"curve": 0, "point": 1, "x": "b", "y": 2, "customdata": "x" * 1000}] * 80})
    key, points = got[0]
    assert key == "a" and len(points) == 50 and len(points[0]["customdata"]) == 200
    for bad in ({"event": "click", "panel": "zzz", "points": [{"curve": 0, "point": 0}]},  # unknown panel
                {"event": "click", "panel": "a", "points": "nope"},
                {"event": "click", "panel": "a", "points": [{"curve": "0", "point": 0}]},
                {"event": "eval", "code": "1"}, "text", None):
        page_sends(board, bad)
    assert len(got) == 1


def test_shown_event_calls_handlers():
    board = PanelBoard([Panel("a", BAR)])
    calls = []
    board.on_shown(lambda: calls.append(1))
    page_sends(board, {"event": "shown"})
    assert calls == [1]


def test_clean_point_rejects_booleans_as_indices():
    assert clean_point({"curve": True, "point": 0}) is None


def test_board_finds_panels_by_key():
    a = Panel("a", BAR)
    board = PanelBoard([a])
    assert board["a"] is a
    with pytest.raises(KeyError):
        board["b"]
