"""What a page sends to a widget, handed to the widget's comm as ipykernel hands it on.

The widget's own handlers (and, for the dashboard's widgets, the page guard of
explorer.app.page_guard) then read it, as they would in a kernel.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w


def page_sends(widget: w.Widget, content: Any, buffers: tuple = ()) -> None:
    """The page's front end sends ``content`` as a custom message (``model.send(content)``) to ``widget``."""
    widget.comm.handle_msg({"content": {"comm_id": widget.comm.comm_id,
                                        "data": {"method": "custom", "content": content}},
                            "buffers": list(buffers), "header": {}, "metadata": {}})
