"""Small anywidgets of the dashboard (their JavaScript and CSS sit beside them)."""

from explorer.app.widgets.concessions import ConcessionList

__all__ = ["ConcessionList"]
