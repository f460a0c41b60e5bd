"""The briefing as one HTML file: texts, tables, figures (JSON), plotly.js and the page's script.

Nothing in the file asks the network for anything: plotly.js (the cartesian partial bundle the
dashboard vendors) is embedded once, the figures and per-state texts ride in a JSON script
block (``<`` ``>`` ``&`` written as ``\\u003c`` …, so no scenario text can close it), and a
Content-Security-Policy forbids any request. Figures that several states share are stored once.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
from importlib import resources
from typing import Any

from explorer.app.figures import PANELS, chance, forecast, panel_text
from explorer.app.figures.layout import plain
from explorer.app.text import INFO, KEY_FIGURE_LABELS, TEXT_CSS, scale_guide_html
from explorer.app.briefing.states import State
from explorer.app.briefing.tables import concessions_html, provenance_html, sources_html, stances_html
from explorer.model.scenario import Scenario

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:; base-uri 'none'; form-action 'none'")
PRINT_FIGURE_HEIGHT = 720  # px a figure may take on a printed page (US letter, 12 mm margins, with its title)
FIGURES = resources.files("explorer.app.figures")  # plotly.js and legend.js, shared with the dashboard
PRINT_ZOOM = 0.76  # a figure up to 900 px wide fits A4's 186 mm of text width


def _asset(name: str) -> str:
    return resources.files("explorer.app.briefing").joinpath(name).read_text(encoding="utf-8")


def plotly_bundle() -> str:
    """The dashboard's vendored plotly.js (cartesian partial bundle), as text."""
    blob = FIGURES.joinpath("vendor", "plotly-cartesian-4.1.1.min.js.gz").read_bytes()
    return inline_script(gzip.decompress(blob).decode("utf-8"))


def inline_script(source: str) -> str:
    """``source``, checked to be safe inside a ``<script>`` element (nothing that could close it).

    >>> inline_script("let a = 1;")
    'let a = 1;'
    """
    if "</script" in source.lower() or "<!--" in source:
        raise ValueError("a script to embed holds '</script' or '<!--'")
    return source


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators.

    >>> script_json({"a": "</script><b>"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


class FigureStore:
    """Figures by the hash of their JSON: a figure that several states share is stored once."""

    def __init__(self):
        self.figures: dict[str, Any] = {}

    def add(self, figure: dict[str, Any]) -> str:
        figure = plain(figure)
        key = hashlib.sha1(json.dumps(figure, sort_keys=True, allow_nan=False).encode()).hexdigest()[:12]
        self.figures.setdefault(key, figure)
        return key


def _print_zoom(heights: list[float]) -> float:
    """How much a figure is scaled when printed: whole on a page, at most ``PRINT_ZOOM``."""
    return round(min(PRINT_ZOOM, PRINT_FIGURE_HEIGHT / max(heights, default=1)), 3)


def page_data(states: list[State], initial: str) -> dict[str, Any]:
    """The JSON the page's script reads: figures once, and per state its texts and figure ids."""
    store = FigureStore()
    out = []
    for state in states:
        ids = {key: store.add(fig) for key, fig in state.figures.items() if key != "forecast"}
        out.append({"key": state.key, "label": state.label, "description": state.description,
                    "active": list(state.active), "html": state.html, "legends": state.legends,
                    "figures": ids, "forecast": [store.add(fig) for fig in state.figures["forecast"]]})
    return {"initial": initial, "states": out, "figures": store.figures}


def _panel(key: str, number: int, title: str, help_text: str, zoom: float, wide: bool = True,
           slots: str = "", controls: str = "") -> str:
    legend = f'<ul class="legend" data-legend="{key}"></ul>' if key in ("issue_map", "deals") else ""
    return (f'<section class="panel{" wide" if wide else ""}" data-panel="{key}">'
            f'<h3 data-slot="{key}_title">{title}</h3><p class="help" data-slot="{key}_help">{help_text}</p>'
            f'{controls}{legend}<div class="plot" id="plot-{key}" style="--print-zoom: {zoom}"></div>'
            f'<p class="caption">Figure {number}, shown for: <span class="state-name" data-state-label></span></p>'
            f"{slots}</section>")


def page_html(scenario: Scenario, states: list[State], initial: str, facts: dict[str, str], model_label: str,
              draws: int) -> str:
    """The whole file (``draws``: the Monte Carlo's, for the help lines)."""
    first = next(s for s in states if s.key == initial)
    data = page_data(states, initial)
    zoom = {key: _print_zoom([s.figures[key]["layout"]["height"] for s in states]) for key in (*PANELS,
                                                                                                 "chance", "deals")}
    zoom["forecast"] = _print_zoom([f["layout"]["height"] for s in states for f in s.figures["forecast"]])
    panels = []
    for number, key in enumerate(PANELS, 1):
        title, help_text = (first.html["utility_title"], first.html["utility_help"]) if key == "utility" \
            else map(html.escape, panel_text(key, draws, clickable=False))
        slots = '<div class="package-status-slot" data-slot="package_status"></div>' if key == "utility" else ""
        panels.append(_panel(key, number, title, help_text, zoom[key], slots=slots))
    outlook = (f'<h2>{html.escape(chance.HEAD[0])}</h2><p>{html.escape(chance.HEAD[1])}</p>'
               + _panel("chance", 5, *map(html.escape, panel_text("chance", draws, clickable=False)), zoom["chance"])
               + _panel("deals", 6, *map(html.escape, panel_text("deals", draws, clickable=False)), zoom["deals"],
                        slots='<div data-slot="deals_list"></div>'))
    issue_options = "".join(f'<option value="{k}">{html.escape(i.name)}</option>'
                            for k, i in enumerate(scenario.issues))
    forecast_controls = (f'<p class="controls"><label>Issue <select id="forecast-issue">{issue_options}</select>'
                         f"</label> · model: <b>{html.escape(model_label)}</b></p>")
    forecast_part = (f'<h2>{html.escape(forecast.HEAD[0])}</h2>'
                     + _panel("forecast", 7, *map(html.escape, panel_text("forecast", draws, clickable=False)),
                              zoom["forecast"], controls=forecast_controls, slots='<div data-slot="forecast_notes"></div>'))
    options = "".join(f'<option value="{html.escape(s.key)}"{" selected" if s.key == initial else ""}>'
                      f"{html.escape(s.label)}</option>" for s in states)
    slots = {key: first.html.get(key, "") for key in ("bottom_line", "key_figures", "package_status", "deals_list",
                                                      "forecast_notes")}
    body = _asset("briefing.html").format(
        title=html.escape(scenario.title), as_of=scenario.data.as_of.isoformat(),
        description=html.escape(scenario.data.description or ""), made=html.escape(facts["Made"]),
        options=options, state_description=html.escape(first.description), **slots,
        main_panels="".join(panels), outlook=outlook, forecast=forecast_part,
        scale_table=scale_guide_html(scenario), sources=sources_html(scenario), stances=stances_html(scenario),
        concessions=concessions_html(scenario), provenance=provenance_html(facts), n_states=len(states),
        meanings=meanings_html(),
    )
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Briefing: {html.escape(scenario.title)}</title><style>{TEXT_CSS}\n{_asset('briefing.css')}</style></head>"
            f"<body>{body}"
            f'<script type="application/json" id="briefing-data">{script_json(data)}</script>'
            f"<script>{plotly_bundle()}</script>"
            f"<script>{inline_script(legend_js())}\n{inline_script(_asset('briefing.js'))}</script>"
            "</body></html>\n")


def meanings_html() -> str:
    """What each key figure means, written out (on screen its ⓘ says so on hover; paper has no hover)."""
    rows = "".join(f"<dt>{html.escape(KEY_FIGURE_LABELS[key])}</dt><dd>{html.escape(text)}</dd>"
                   for key, text in INFO.items())
    meaning = html.escape(chance.CARD_MEANING)
    return f'<dl class="meanings">{rows}<dt>Chance of a deal</dt><dd>{meaning}</dd></dl>'


def legend_js() -> str:
    """The legends' drawing code, shared with the dashboard (explorer/app/figures/legend.js)."""
    return FIGURES.joinpath("legend.js").read_text(encoding="utf-8")
