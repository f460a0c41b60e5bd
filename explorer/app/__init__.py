"""The interactive layer: widgets and plots built from the core's ``Analysis``.

``explorer.app`` is the only part of the package that imports ipywidgets (and plotly,
for export); the model and analysis never import it. Nothing is imported here, so
``explorer.app.paths`` or ``explorer.app.figures`` pull in no widget library; the
dashboard is ``explorer.app.dashboard.dashboard()``.
"""
