"""What every panel's figure shares: the font, the frame, the axes, and text made safe for plotly.

Figures are plotly figure JSON as plain dicts (``{"data": [...], "layout": {...}}``), built
with no plotly import. Text from a scenario file goes through :func:`text` or :func:`wrap`:
plotly draws a small set of tags (``<b>``, ``<br>``, …) and decodes entities, so escaping
``&``, ``<`` and ``>`` makes a name such as ``<b>x</b>`` read as written.
"""

from __future__ import annotations

import base64
import html
import math
import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif", "size": 12}
HORIZONTAL_LEGEND = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}}


def text(value: str | None) -> str:
    """A scenario's text as plotly should show it: ``&``, ``<`` and ``>`` escaped.

    >>> text("<script>alert(1)</script> & co")
    '&lt;script&gt;alert(1)&lt;/script&gt; &amp; co'
    """
    return html.escape(value or "", quote=False)


def wrap(value: str | None, width: int = 70) -> str:
    """``value`` escaped (:func:`text`) and broken into lines of at most ``width`` characters
    (plotly's ``<br>``); words are never cut.

    >>> wrap("Protections for Russian-speaking populations", 18)
    'Protections for<br>Russian-speaking<br>populations'
    >>> wrap("a <b> c", 3)
    'a<br>&lt;b&gt;<br>c'
    """
    return "<br>".join(text(line) for line in textwrap.wrap(value or "", width, break_long_words=False)) or "–"


def finite(value: Any) -> float | None:
    """A float, or None (a gap in plotly) where the value is missing or not finite.

    >>> finite(2), finite(float("nan")), finite(None)
    (2.0, None, None)
    """
    return None if value is None or not np.isfinite(value) else float(value)


def base_layout(height: int, **extra: Any) -> dict[str, Any]:
    """A panel's layout: ``height`` pixels, white, the shared font, no plotly legend unless asked."""
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hoverlabel": {"align": "left"}, "showlegend": False,
    }
    layout.update(extra)
    return layout


def axis(**extra: Any) -> dict[str, Any]:
    """An axis with light grid lines, margins that grow to fit its labels, and no zooming."""
    spec = {"gridcolor": "#e6e6e6", "zerolinecolor": "#bdbdbd", "automargin": True, "fixedrange": True}
    spec.update(extra)
    return spec


def message(layout: dict[str, Any], words: str, y: float = 0.5) -> dict[str, Any]:
    """``layout`` with its axes hidden and ``words`` in the middle: a panel with nothing to plot."""
    layout["xaxis"]["visible"] = layout["yaxis"]["visible"] = False
    layout["annotations"] = [{"text": words, "x": 0.5, "y": y, "xref": "paper", "yref": "paper",
                              "showarrow": False, "font": {"size": 13}}]
    return layout


def plain(value: Any) -> Any:
    """``value`` with numpy arrays/scalars as lists/floats and NaN/inf as None (JSON-safe).

    >>> plain({"x": np.array([1.5, np.nan]), "n": np.int64(3), "t": ("a", None)})
    {'x': [1.5, None], 'n': 3, 't': ['a', None]}
    """
    if isinstance(value, Mapping):
        if set(value) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):  # plotly's base64 typed array
            return plain(_typed_array(value))
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _typed_array(value: Mapping) -> np.ndarray:
    array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    shape = value.get("shape")
    if shape:
        array = array.reshape([int(n) for n in str(shape).split(",")])
    return array
