"""What a page may change in its kernel: the traits its controls set, nothing else.

A page's widget messages reach the kernel's widgets as they are sent: any trait of any
widget can be overwritten (a concession list's ``groups``, a panel's figure, a dropdown's
labels), and a widget can be created or a comm closed. The browser never sends most of
that, but a script can, and a value the app later reads back could break that page's next
click. :func:`guard_widgets` routes every message to a widget through :class:`PageGuard`:

* an ``update`` may set only the widget's **page-settable** traits: :data:`PAGE_SETTABLE` for
  ipywidgets' controls (what their front end sets: a dropdown's ``index``, an upload's
  ``value`` and ``error``, ...), a class's own ``page_settable`` for ours; anything else is
  refused and the page is sent the kernel's value back (its control shows the truth again);
* a value the widget refuses (a wrong type, an index out of range) is answered the same way, and
  so is "nothing chosen" on a dropdown that has options (a browser's select always has a choice);
* if the app fails on a value the widget took, the failure is logged as an error (a bug to fix)
  and the widget gets its previous value back;
* the message must have the shape ipywidgets' front end gives it (``method`` one of
  ``update``, ``request_state``, ``custom``; buffer paths that fit its buffers); other shapes
  are dropped;
* a widget's state is sent on request at most 10 times in 10 s (a page asks once as it connects;
  the plotly.js library's state is 0.5 MB, so a script asking again and again would make the
  server carry 25 MB a second for a few bytes sent);
* refusals are logged a few at a time, never one line per message.

:func:`guard_kernel` adds the kernel-wide rules for a page-facing kernel (under Voila): a page
cannot create widgets (``comm_open`` of ``jupyter.widget``) or open comms to other targets,
nor close a guarded widget's comm, and the kernel's log goes to the server, not to the page. Only ``jupyter.widget.control`` (the front
end's "send me every state") may be opened, one at a time (opening one closes the one before).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import ipywidgets as w

log = logging.getLogger(__name__)
PAGE_METHODS = frozenset({"update", "request_state", "custom"})
PAGE_TARGETS = frozenset({"jupyter.widget.control"})  # comm targets a page may open
LOGGED = 20  # refusals logged per kernel before they are only counted
#: A widget's state (and the control comm's "every state") is sent at most this many times in this
#: many seconds: a page asks once when it connects, and the plotly.js library's state is 0.5 MB.
STATE_REQUESTS, STATE_WINDOW = 10, 10.0
SINGLE_CHOICE = (w.Dropdown, w.Select, w.RadioButtons, w.ToggleButtons)
PACKAGE = Path(__file__).resolve().parents[1]  # explorer/: where an app failure would be raised

#: Traits ipywidgets' front end (8.1) sets on a widget of each class (read from its views' code).
PAGE_SETTABLE: dict[type, frozenset[str]] = {
    w.Dropdown: frozenset({"index"}), w.Select: frozenset({"index"}), w.RadioButtons: frozenset({"index"}),
    w.ToggleButtons: frozenset({"index"}), w.SelectMultiple: frozenset({"index"}),
    w.FileUpload: frozenset({"value", "error"}),
    w.Text: frozenset({"value"}), w.Textarea: frozenset({"value"}), w.Checkbox: frozenset({"value"}),
    w.ToggleButton: frozenset({"value"}), w.IntText: frozenset({"value"}), w.FloatText: frozenset({"value"}),
    w.IntSlider: frozenset({"value"}), w.FloatSlider: frozenset({"value"}),
    w.Tab: frozenset({"selected_index", "children"}), w.Accordion: frozenset({"selected_index"}),
}


def page_settable(widget: w.Widget) -> frozenset[str]:
    """The traits a page may set on ``widget``: its class's ``page_settable``, else :data:`PAGE_SETTABLE`.

    >>> sorted(page_settable(w.Dropdown(options=["a"]))), sorted(page_settable(w.HTML()))
    (['index'], [])
    """
    own = getattr(type(widget), "page_settable", None)
    if own is not None:
        return frozenset(own)
    for cls in type(widget).__mro__:
        if cls in PAGE_SETTABLE:
            return PAGE_SETTABLE[cls]
    return frozenset()


def refused_value(widget: w.Widget, key: str, value: Any) -> bool:
    """A value a page's control never sends: "nothing chosen" on a dropdown (or other single choice)
    that has options.

    >>> refused_value(w.Dropdown(options=["a"]), "index", None), refused_value(w.Dropdown(options=["a"]), "index", 0)
    (True, False)
    """
    return key == "index" and value is None and isinstance(widget, SINGLE_CHOICE) and bool(widget.options)


def raised_by_the_app(error: BaseException) -> bool:
    """Whether ``error`` passed through this package's code (an observer of the app), rather than
    only through the widget library's checks of a value."""
    return any(Path(frame.filename).resolve().is_relative_to(PACKAGE)
               for frame in traceback.extract_tb(error.__traceback__))


def widgets_under(root: w.Widget) -> Iterator[w.Widget]:
    """``root`` and every widget its synced traits reach (children, layout, style, panels, ...), once each."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        yield widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            values = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in values if isinstance(v, w.Widget))


def close_widgets(roots, keep: w.Widget) -> int:
    """Close every widget under ``roots`` that ``keep``'s tree no longer reaches; how many.

    >>> old, kept = w.HTML("old"), w.HTML("kept")
    >>> root = w.VBox([kept])
    >>> close_widgets([old, kept], keep=root), old.comm is None, kept.comm is None  # old, its layout, its style
    (3, True, False)
    """
    alive = {id(x) for x in widgets_under(keep)}
    closing = {id(x): x for root in roots for x in widgets_under(root) if id(x) not in alive}
    for widget in closing.values():
        _GUARD.forget(widget)
        widget.close()
    return len(closing)


def valid_buffer_paths(paths: Any, buffers: int) -> bool:
    """Buffer paths as ipywidgets sends them: one list of keys/indices per buffer.

    >>> valid_buffer_paths([["value", 0, "content"]], 1), valid_buffer_paths([["a"]], 2), valid_buffer_paths("x", 0)
    (True, False, False)
    """
    return (isinstance(paths, list) and len(paths) == buffers
            and all(isinstance(p, list) and 0 < len(p) <= 8
                    and all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in p) for p in paths))


def place_buffer(state: dict, path: list, buffer) -> None:
    """Put a binary buffer where ``path`` says in ``state`` (as ipywidgets' front end took it out).

    >>> state = {"value": [{"name": "a"}]}
    >>> place_buffer(state, ["value", 0, "content"], b"x"); state
    {'value': [{'name': 'a', 'content': b'x'}]}
    """
    place = state
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = buffer


class PageGuard:
    """The checks of the module's docstring, for the widgets routed through :meth:`receive`."""

    def __init__(self, clock=time.monotonic):
        self.guarded: set[str] = set()  # comm ids of guarded widgets
        self.refusals = 0
        self.clock = clock
        self.asked: dict[str, collections.deque] = {}  # when each state was last sent on request

    def may_send_state(self, key: str) -> bool:
        """Whether the state of ``key`` (a comm id, or "every state") may be sent again now.

        >>> guard, now = PageGuard(clock=lambda: now), 0.0
        >>> [guard.may_send_state("w") for _ in range(11)].count(True)
        10
        >>> now = 11.0
        >>> guard.may_send_state("w")
        True
        """
        now = self.clock()
        times = self.asked.setdefault(key, collections.deque())
        while times and now - times[0] > STATE_WINDOW:
            times.popleft()
        if len(times) >= STATE_REQUESTS:
            self.refuse(f"more than {STATE_REQUESTS} requests of one state in {STATE_WINDOW:g} s")
            return False
        times.append(now)
        return True

    def refuse(self, what: str) -> None:
        self.refusals += 1
        if self.refusals <= LOGGED:
            log.warning("page message refused: %s%s", what,
                        " (further refusals are counted, not logged)" if self.refusals == LOGGED else "")

    def app_failed(self, widget: w.Widget, previous: dict[str, Any]) -> None:
        """Log the app's failure (with its traceback) and give the widget its previous values back."""
        self.refusals += 1
        if self.refusals <= LOGGED:
            log.exception("the app failed on a page's update of a %s (%s): its previous value is restored",
                          type(widget).__name__, ", ".join(previous))
        with contextlib.suppress(Exception), widget.hold_trait_notifications():
            for key, value in previous.items():
                widget.set_trait(key, value)

    def forget(self, widget: w.Widget) -> None:
        """``widget`` is being closed: its comm id is no longer watched."""
        if widget.comm is not None:
            self.guarded.discard(widget.comm.comm_id)
            self.asked.pop(widget.comm.comm_id, None)

    def guard(self, widget: w.Widget) -> None:
        if widget.comm is not None and widget.comm.comm_id not in self.guarded:
            widget.comm.on_msg(partial(self.receive, widget))
            self.guarded.add(widget.comm.comm_id)

    def receive(self, widget: w.Widget, msg: dict) -> None:
        """A message from the page to ``widget``: checked, then handled as ipywidgets would."""
        content = msg.get("content") if isinstance(msg, dict) else None
        data = content.get("data") if isinstance(content, dict) else None
        method = data.get("method") if isinstance(data, dict) else None
        name = type(widget).__name__
        if method not in PAGE_METHODS:
            self.refuse(f"{name}: a message without a known method")
            return
        if method == "custom" and not isinstance(data.get("content"), dict):
            self.refuse(f"{name}: a custom message that is not an object")
            return
        if method == "update":
            self.update(widget, msg, data)
        elif method == "request_state":
            if self.may_send_state(widget.comm.comm_id):
                widget.send_state()
        else:
            widget._handle_msg(msg)  # a custom message: ipywidgets hands it to the widget's handlers

    def update(self, widget: w.Widget, msg: dict, data: dict) -> None:
        name = type(widget).__name__
        state, paths = data.get("state"), data.get("buffer_paths", [])
        buffers = list(msg.get("buffers") or [])
        if not isinstance(state, dict) or not valid_buffer_paths(paths, len(buffers)):
            self.refuse(f"{name}: an update of a malformed shape")
            return
        allowed = page_settable(widget)
        refused = [key for key, value in state.items() if key not in allowed or refused_value(widget, key, value)]
        if refused:
            self.refuse(f"{name}: {', '.join(map(str, refused))[:200]} may not be set by a page (or not so)")
        kept = {key: value for key, value in state.items() if key not in refused}
        if kept:
            previous = {key: getattr(widget, key) for key in kept if key in widget.keys}
            try:
                for path, buffer in zip(paths, buffers):
                    if path[0] in kept:
                        place_buffer(kept, path, buffer)
            except (KeyError, IndexError, TypeError):
                self.refuse(f"{name}: buffer paths that do not fit the state")
                return
            try:
                widget.set_state(kept)
            except Exception as error:  # noqa: BLE001 - a refused value, or an app failure: the page is told
                if raised_by_the_app(error):  # a bug: logged in full, the previous value restored
                    self.app_failed(widget, previous)
                else:
                    self.refuse(f"{name}: {', '.join(kept)} refused the value sent ({type(error).__name__})")
                refused.extend(kept)
        truth = [key for key in refused if isinstance(key, str) and key in widget.keys]
        if truth:
            widget.send_state(key=truth)  # the page's model goes back to the kernel's values


_GUARD = PageGuard()


def guard_widgets(root: w.Widget) -> int:
    """Route the messages of ``root`` and every widget under it through the kernel's guard; how many."""
    widgets = list(widgets_under(root))
    for widget in widgets:
        _GUARD.guard(widget)
    return len(widgets)


def under_voila() -> bool:
    """Whether this kernel serves a Voila page (Voila gives every kernel it starts ``VOILA_BASE_URL``)."""
    return "VOILA_BASE_URL" in os.environ


def control_message_problem(msg: Any, opening: bool) -> str | None:
    """Why a message on the control comm (``jupyter.widget.control``) would fail in ipywidgets
    (None: it would not). It takes a ``comm_open`` of protocol version 1.x, then ``request_states``.

    >>> control_message_problem({"metadata": {"version": "1.0.0"}, "content": {}}, opening=True) is None
    True
    >>> control_message_problem({"content": {"data": {"method": "exec"}}}, opening=False)
    'a control message other than request_states'
    """
    if opening:
        version = msg.get("metadata", {}).get("version") if isinstance(msg.get("metadata"), dict) else None
        return None if isinstance(version, str) and version.split(".")[0] == "1" else "a control comm of another version"
    data = msg.get("content", {}).get("data") if isinstance(msg.get("content"), dict) else None
    return None if isinstance(data, dict) and data.get("method") == "request_states" else (
        "a control message other than request_states")


def guard_kernel() -> bool:
    """In a kernel serving a Voila page, refuse page-created widgets, other comm targets, malformed
    control messages and closing a guarded widget's comm (see the module's docstring), and send the
    kernel's log to the server's log, not to the page. False elsewhere (a user's JupyterLab keeps
    its own rules). Idempotent."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    handlers = getattr(kernel, "shell_handlers", None)
    if not under_voila() or handlers is None or getattr(handlers.get("comm_open"), "page_guarded", False):
        return False
    comm_open, comm_msg, comm_close = handlers["comm_open"], handlers["comm_msg"], handlers["comm_close"]
    comms = kernel.comm_manager.comms

    def checked_open(stream, ident, msg):
        content = msg.get("content") if isinstance(msg, dict) else None
        target = content.get("target_name") if isinstance(content, dict) else None
        comm_id = content.get("comm_id") if isinstance(content, dict) else None
        if target not in PAGE_TARGETS or not isinstance(comm_id, str) or comm_id in comms:
            _GUARD.refuse(f"comm_open of {str(target)[:60]!r}")
            return None
        if (problem := control_message_problem(msg, opening=True)) is not None:
            _GUARD.refuse(problem)
            return None
        for comm in [c for c in comms.values() if getattr(c, "target_name", None) in PAGE_TARGETS]:
            comm.close()  # ipywidgets answers on the latest control comm only: the others are dead weight
        return comm_open(stream, ident, msg)

    def checked_msg(stream, ident, msg):
        content = msg.get("content") if isinstance(msg, dict) else None
        comm = comms.get(content.get("comm_id")) if isinstance(content, dict) else None
        if getattr(comm, "target_name", None) in PAGE_TARGETS:
            if (problem := control_message_problem(msg, opening=False)) is not None:
                _GUARD.refuse(problem)
                return None
            if not _GUARD.may_send_state("every state"):
                return None
        return comm_msg(stream, ident, msg)

    def checked_close(stream, ident, msg):
        content = msg.get("content") if isinstance(msg, dict) else None
        if not isinstance(content, dict) or content.get("comm_id") in _GUARD.guarded:
            _GUARD.refuse("comm_close of a dashboard widget")
            return None
        return comm_close(stream, ident, msg)

    checked_open.page_guarded = True
    handlers["comm_open"], handlers["comm_msg"], handlers["comm_close"] = checked_open, checked_msg, checked_close
    log_to_the_server()
    return True


def log_to_the_server() -> None:
    """Every log line of the kernel (the app's, ipywidgets', the comms') goes to the kernel process's
    own stderr, the server's log: in a kernel ``sys.stderr`` is a stream to the page, which must read
    neither the operator's log nor a traceback with the server's paths in it."""
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("[kernel %(name)s] %(levelname)s | %(message)s"))
    logging.getLogger().addHandler(handler)
