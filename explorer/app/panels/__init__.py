"""The plotting layer: one plotly.js per page, any number of panels (see :mod:`.board`)."""

from explorer.app.panels.board import Panel, PanelBoard, PlotlyLibrary, figure_spec, shared_library

__all__ = ["Panel", "PanelBoard", "PlotlyLibrary", "figure_spec", "shared_library"]
