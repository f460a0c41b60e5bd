"""The interactive layer: widgets and plots built from the core's ``Analysis``.

``explorer.app`` is the only part of the package that imports ipywidgets and
plotly; the model and analysis never import it.
"""

from explorer.app.dashboard import Dashboard, dashboard

__all__ = ["Dashboard", "dashboard"]
