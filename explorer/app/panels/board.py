"""One plotting layer for any number of panels: :class:`PanelBoard` and :class:`Panel`.

A plotly ``FigureWidget`` carries its own ~5 MB copy of plotly.js and redraws its
whole figure on every change. Here a page gets:

* one :class:`PlotlyLibrary` per kernel: a model-only widget holding plotly.js's
  cartesian bundle, gzipped (0.5 MB), sent once however many panels or boards;
* one :class:`Panel` per plot: a model-only widget whose ``figure`` trait is the
  panel's plotly figure as JSON (``{"data": [...], "layout": {...}}``). Changing it
  sends that panel alone, and the board redraws that panel's div alone
  (``Plotly.react``);
* a :class:`PanelBoard` (an anywidget with a few KB of JavaScript, ``board.js``)
  that lays the panels out in a grid following its container's width, loads
  plotly.js once per page *after* the widget is ready (anywidget gives a widget
  2 s to initialise; evaluating plotly.js inside that window failed under load),
  and sends plotly click events back to Python (:meth:`PanelBoard.on_click`).

Each panel's description stays a plotly figure: :attr:`Panel.figure` returns a
``plotly.graph_objects.Figure`` to export (``write_html``, ``write_image``). It is
built only when asked, so a dashboard kernel never imports plotly's widget chain.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import traitlets as t

from explorer.app.figures.layout import plain

HERE = Path(__file__).resolve().parent
FIGURES = HERE.parent / "figures"  # the plotly layer's files: plotly.js and the legends (shared with the briefing)
LIBRARY_FILE = FIGURES / "vendor" / "plotly-cartesian-4.1.1.min.js.gz"
LIBRARY_VERSION = "4.1.1"
LEGEND_JS = (FIGURES / "legend.js").read_text(encoding="utf-8")
#: Largest click message accepted from a page (points listed), and characters per value.
MAX_CLICK_POINTS = 50
MAX_VALUE_CHARS = 200

_library: PlotlyLibrary | None = None


def figure_spec(figure: Any) -> dict[str, Any]:
    """A figure (plotly ``Figure`` or its JSON-like dict) as a plain ``{"data", "layout"}`` dict."""
    if hasattr(figure, "to_dict") and not isinstance(figure, Mapping):  # a plotly Figure (arrays stay numpy)
        figure = figure.to_dict()
    if not isinstance(figure, Mapping):
        raise TypeError(f"a panel's figure is a plotly Figure or a dict, not {type(figure).__name__}")
    spec = plain(figure)
    return {"data": spec.get("data", []), "layout": spec.get("layout", {})}


class PlotlyLibrary(w.Widget):
    """plotly.js (gzipped bytes), shared by every board of the kernel: a model with no view."""

    source = t.Bytes(b"").tag(sync=True)
    version = t.Unicode(LIBRARY_VERSION).tag(sync=True)


def shared_library() -> PlotlyLibrary:
    """The kernel's one :class:`PlotlyLibrary` (made on first use; remade if closed)."""
    global _library
    if _library is None or _library.comm is None:
        _library = PlotlyLibrary(source=LIBRARY_FILE.read_bytes())
    return _library


class Panel(w.Widget):
    """One plot of a board: its plotly figure as JSON, a title and a one-line help text.

    ``key`` names the panel in the page (``section.explorer-panel[data-panel=key]``);
    ``wide`` panels take a whole row of the board. Title, help and legend labels are shown
    as text (never as HTML), above the plot.
    """

    key = t.Unicode().tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    help = t.Unicode("").tag(sync=True)
    wide = t.Bool(False).tag(sync=True)
    spec = t.Dict().tag(sync=True)
    #: An HTML legend above the plot, drawn once (not on every data redraw, as plotly's is):
    #: ``[{"label": str, "mark": {"kind": "band"|"range"|"tick"|"marker", "color", "symbol", "open"}}]``
    legend = t.List().tag(sync=True)

    def __init__(self, key: str, figure: Any = None, title: str = "", help: str = "", wide: bool = False):
        super().__init__(key=key, title=title, help=help, wide=wide,
                         spec=figure_spec(figure) if figure is not None else {"data": [], "layout": {}})

    def update(self, figure: Any) -> bool:
        """Show ``figure``; send it to the page only if it differs from what is shown. True if sent."""
        spec = figure_spec(figure)
        if spec == self.spec:
            return False
        self.spec = spec
        return True

    @property
    def figure(self):
        """The panel as a ``plotly.graph_objects.Figure`` (for export; imports plotly on first use)."""
        import plotly.graph_objects as go

        return go.Figure(self.spec)


class PanelBoard(anywidget.AnyWidget):
    """Hosts :class:`Panel` s in a responsive grid, with one plotly.js for the whole page."""

    _esm = LEGEND_JS + (HERE / "board.js").read_text(encoding="utf-8")  # legends: one home, legend.js
    _css = (HERE / "board.css").read_text(encoding="utf-8")
    panels = t.List(t.Instance(Panel)).tag(sync=True, **w.widget_serialization)
    library = t.Instance(PlotlyLibrary).tag(sync=True, **w.widget_serialization)

    def __init__(self, panels: list[Panel] = (), **kwargs):
        super().__init__(panels=list(panels), library=shared_library(), **kwargs)
        self._click_handlers: list[Callable[[str, list[dict]], None]] = []
        self._shown_handlers: list[Callable[[], None]] = []
        self.on_msg(self._receive)

    def __getitem__(self, key: str) -> Panel:
        for panel in self.panels:
            if panel.key == key:
                return panel
        raise KeyError(key)

    def on_click(self, handler: Callable[[str, list[dict]], None]) -> None:
        """Call ``handler(panel_key, points)`` when a viewer clicks a point of a panel.

        Each point is ``{"curve": int, "point": int, "x": ..., "y": ..., "customdata": ...}``.
        """
        self._click_handlers.append(handler)

    def on_shown(self, handler: Callable[[], None]) -> None:
        """Call ``handler()`` each time the board is drawn in a page (a viewer has arrived)."""
        self._shown_handlers.append(handler)

    def _receive(self, _widget, content: Any, _buffers) -> None:
        """Messages from the page. Only two kinds are known; anything else is ignored."""
        if not isinstance(content, dict):
            return
        if content.get("event") == "shown":
            for handler in list(self._shown_handlers):
                handler()
            return
        if content.get("event") != "click":
            return
        key, points = content.get("panel"), content.get("points")
        if not isinstance(key, str) or key not in {p.key for p in self.panels} or not isinstance(points, list):
            return
        cleaned = [clean_point(p) for p in points[:MAX_CLICK_POINTS] if isinstance(p, dict)]
        cleaned = [p for p in cleaned if p is not None]
        if cleaned:
            for handler in list(self._click_handlers):
                handler(key, cleaned)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_VALUE_CHARS]
    if isinstance(value, list):
        return [_scalar(v) for v in value[:20]]
    return None


def clean_point(point: dict) -> dict | None:
    """A clicked point as sent by a page, reduced to known fields of bounded size (None if unusable).

    >>> clean_point({"curve": 1, "point": 2, "x": 3.5, "y": "a", "customdata": ["id"], "evil": "x"})
    {'curve': 1, 'point': 2, 'x': 3.5, 'y': 'a', 'customdata': ['id']}
    >>> clean_point({"curve": "1", "point": 0}) is None
    True
    """
    curve, index = point.get("curve"), point.get("point")
    if not (isinstance(curve, int) and isinstance(index, int)) or isinstance(curve, bool) or isinstance(index, bool):
        return None
    return {"curve": curve, "point": index, "x": _scalar(point.get("x")), "y": _scalar(point.get("y")),
            "customdata": _scalar(point.get("customdata"))}


def library_text() -> str:
    """plotly.js's source as the page receives it (decompressed), for tests and checks."""
    return gzip.decompress(LIBRARY_FILE.read_bytes()).decode("utf-8")
