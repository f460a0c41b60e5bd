"""The dashboard: pick a scenario, toggle concessions, watch the gaps move.

:class:`Dashboard` (:mod:`.facade`) composes one section per part of the page, each owning
its widgets and their handlers:

* :mod:`.scenario` — the picker, "Open a file…" (:mod:`explorer.app.upload`), the header and
  the error box; only files listed from the scenario folder can be opened (the picker's value
  is an index into that list, never a path a viewer could type), and the list is read again
  each time a page shows the dashboard;
* :mod:`.controls` — the predicted package to show, reset, and the concessions;
* :mod:`.main_panels` — the key figures, the four main panels and the scale guide;
* :mod:`.outlook` — the chance of a deal and the cheapest deals (a click on one applies it);
* :mod:`.forecast` — how positions might move, for the model and issue picked.

The logic they need is in :mod:`explorer.app.state` (which concessions are on),
:mod:`explorer.app.figures` (what each panel draws) and :mod:`explorer.app.text` (what the
numbers mean). Plots are panels of :class:`~explorer.app.panels.PanelBoard` s: one plotly.js
per page, and a toggle sends and redraws only the panels whose figure changed. The work that
takes longer (the Monte Carlo, the deal search, the forecast's spread) runs in the background
(:mod:`.background`). The page's style sheet is ``dashboard.css``, beside this file.
"""

from explorer.app.dashboard.facade import Dashboard, dashboard
from explorer.app.dashboard.scenario import MAX_UPLOADS

__all__ = ["MAX_UPLOADS", "Dashboard", "dashboard"]
