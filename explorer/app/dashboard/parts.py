"""What the dashboard's sections share: the page's style, the state they read, headings, panels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from explorer.app import figures
from explorer.app.panels import Panel
from explorer.app.state import Exploration
from explorer.app.text import TEXT_CSS

STYLE = "<style>\n{}\n{}</style>".format(Path(__file__).with_name("dashboard.css").read_text(encoding="utf-8"), TEXT_CSS)
"""The dashboard's style sheets (``dashboard.css``, then the texts' ``text.css``), as the ``<style>`` element the
page is given first."""

StateOf = Callable[[], Exploration | None]
"""Returns the dashboard's state (None: no scenario on screen)."""


def head_html(title: str, text: str) -> str:
    """The heading of a part of the main column (the outlook's, the forecast's): a title and a line.

    >>> head_html("How sure?", "The chance of a deal.")
    '<div class="outlook-head"><h3>How sure?</h3><p>The chance of a deal.</p></div>'
    """
    return f'<div class="outlook-head"><h3>{title}</h3><p>{text}</p></div>'


def set_options(owner, picker, options: list, value) -> None:
    """Give ``picker`` its ``options`` and ``value`` while ``owner.updating`` is True, so that the owner's
    observer of the picker lets a change made here be (it redraws on a viewer's picks only)."""
    owner.updating = True
    try:
        picker.options = options
        picker.value = value
    finally:
        owner.updating = False


def make_panels(keys: tuple[str, ...]) -> dict[str, Panel]:
    """Empty panels for ``keys``, each with its title, help and width from :mod:`explorer.app.figures`."""
    return {key: Panel(key, None, *figures.panel_text(key), wide=key in figures.WIDE) for key in keys}
