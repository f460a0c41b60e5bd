"""Small anywidgets of the dashboard (their JavaScript and CSS sit beside them)."""

from explorer.app.widgets.concessions import ConcessionList
from explorer.app.widgets.download import FileDownload
from explorer.app.widgets.session import SessionNotice

__all__ = ["ConcessionList", "FileDownload", "SessionNotice"]
