"""Panel ``sensitivity``: what to check first — the coded stances a figure hangs on.

For the figure picked (the chance of a deal, the agreement gap, an issue's red-line gap or
compromise), the stances whose coding uncertainty moves it most: each bar is a stance's
total Sobol' index in % (the share of the figure's variance it has a hand in, alone or with
others), with its 95 % bootstrap interval, coloured by whether the number was quoted from a
source or is a coder's assumption; hovering shows the quote or the assumption's reasoning.
"""

from __future__ import annotations

from typing import Any

from explorer.app.figures.layout import axis, base_layout, message, text, wrap
from explorer.app.palette import GUIDE
from explorer.app.state import SENSITIVITY_SAMPLES
from explorer.sensitivity.factors import Factor
from explorer.sensitivity.results import Sensitivity
from explorer.sensitivity.targets import Target

KEY = "sensitivity"
TITLE = "The coded stances the picked figure hangs on most"
HELP = ("Each stance's position and red lines were coded with an uncertainty. Here every stance is varied by its "
        "uncertainty, all at once and each on its own ({samples:,} base samples of a Sobol' design), and each bar "
        "says what share of the picked figure's variation a stance has a hand in (its total Sobol' index, %). "
        "The longest bars are the codings to research first; whiskers: 95 % interval (bars whose whiskers "
        "overlap cannot be ranked). Blue: quoted from a source; orange: a coder's assumption. Hover a bar for its quote.")
HEAD = ("What to check first?",
        "Which coded stance do the figures hang on? An hour of research is best spent on the longest bars, "
        "above all where the number is an assumption.")
TOP = 8  # stances shown
QUOTED, ASSUMED = "#0072B2", "#E69F00"  # Okabe–Ito blue and orange
KIND_LABELS = {"quoted": "quoted from a source", "assumption": "a coder's assumption",
               "mixed": "quoted and assumed stances"}
LEGEND = (
    {"label": "Quoted from a source", "mark": {"kind": "band", "color": QUOTED}},
    {"label": "A coder's assumption (no source says it)", "mark": {"kind": "band", "color": ASSUMED}},
    {"label": "95 % interval", "mark": {"kind": "range", "color": GUIDE}},
)


def help_text(draws: int = 0, clickable: bool = True, samples: int = SENSITIVITY_SAMPLES) -> str:
    """The help line for a design of ``samples`` base samples (``draws``, the Monte Carlo's, play no part).

    >>> "256 base samples" in help_text(5000)
    True
    """
    return HELP.format(samples=samples)


def legend() -> list[dict[str, Any]]:
    """The legend (drawn as HTML above the plot)."""
    return [dict(item) for item in LEGEND]


def target_options(targets: list[Target]) -> list[tuple[str, str]]:
    """(label, target key) for the panel's picker: every target, in its order."""
    units = {"chance": "", "points": ", points", "position": ", position 0–100"}
    return [(f"{t.label}{units[t.unit]}", t.key) for t in targets]


def bar_label(factor: Factor) -> str:
    """A bar's label: the stance, wrapped, and whether its number is quoted or an assumption."""
    return wrap(factor.label, 34) + f" ({'assumption' if factor.assumption else 'quoted'})"


def figure(result: Sensitivity | None, key: str = "deal", top: int = TOP) -> dict[str, Any]:
    """Horizontal bars of the ``top`` stances' total indices (%) for target ``key``, largest first."""
    layout = base_layout(
        80 + 34 * top, bargap=0.3, showlegend=False,
        xaxis=axis(title={"text": "share of the figure's variation the stance has a hand in, %<br>"
                                  "(its total Sobol' index)"},
                   range=[0, 105], dtick=10, ticksuffix=" %"),
        yaxis=axis(autorange="reversed", type="category"),
    )
    if result is None:
        return {"data": [], "layout": message(layout, "Varying each stance's coding…")}
    column = result.target(key)
    target = result.targets[column]
    note = result.note(column)
    if note:
        return {"data": [], "layout": message(layout, wrap(f"{target.label} {note}. Pick another figure, or "
                                                           "switch concessions on.", 80))}
    order = result.ranking(column)[:top]
    indices = result.indices
    data = []
    for kind, colour in (("quoted", QUOTED), ("assumption", ASSUMED), ("mixed", GUIDE)):
        shown = [k for k in order if result.factors[k].kind == kind]
        if not shown:
            continue
        factors = [result.factors[k] for k in shown]
        total = [100 * float(indices.total[k, column]) for k in shown]
        conf = [100 * float(indices.total_conf[k, column]) for k in shown]
        data.append({
            "type": "bar", "orientation": "h", "name": KIND_LABELS[kind], "x": total,
            "y": [bar_label(f) for f in factors],
            "marker": {"color": colour},
            "error_x": {"type": "data", "array": conf, "color": "#333", "thickness": 1, "width": 3},
            "texttemplate": "%{x:.0f} %", "textposition": "inside", "insidetextanchor": "start",
            "textfont": {"color": "white" if kind == "quoted" else "black"}, "cliponaxis": False,
            "customdata": [[text(f.label), KIND_LABELS[kind], max(f.sigma), 100 * float(indices.first[k, column]),
                            c, wrap(f.evidence, 70)] for f, k, c in zip(factors, shown, conf)],
            "hovertemplate": ("%{customdata[0]} (%{customdata[1]}, coded ± %{customdata[2]:.0f} points)<br>"
                              "total index %{x:.0f} % ± %{customdata[4]:.0f}; alone (first-order) "
                              "%{customdata[3]:.0f} %<br>%{customdata[5]}<extra></extra>"),
        })
    # categories in ranking order whatever the trace they are in
    layout["yaxis"].update(categoryorder="array", categoryarray=[bar_label(result.factors[k]) for k in order])
    layout["height"] = 80 + 34 * len(order)
    reach = max(100 * float(indices.total[k, column] + indices.total_conf[k, column]) for k in order)
    layout["xaxis"]["range"] = [0, min(105.0, reach * 1.1 + 5)]  # the bars' own scale, never past 100 %
    return {"data": data, "layout": layout}
