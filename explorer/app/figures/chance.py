"""Panel ``chance`` and the chance card: how sure are we?

Per issue, the chance that the veto parties' red lines overlap, then the chance that no
issue is deadlocked and the chance of a deal (package ZOPA), at the start (grey) and now
(purple), with 95 % (Wilson) intervals, over draws of the coding uncertainty.
"""

from __future__ import annotations

import html
from typing import Any

from explorer.app.figures.layout import HORIZONTAL_LEGEND, axis, base_layout, wrap
from explorer.app.palette import BASELINE, CURRENT
from explorer.app.text import percent, signed
from explorer.montecarlo.results import Chances, Uncertainty, wilson_interval

KEY = "chance"
TITLE = "How sure are we? Chance of a zone, of no deadlock and of a deal"
HELP = ("Each position and red line was coded with an uncertainty (in points). The explorer redraws the "
        "coding {draws:,} times, moving each by a random amount of about that size, and counts how often the "
        "veto parties' red lines overlap on each issue, on every issue at once, and how often some package "
        "leaves every veto party better off than no deal. Grey: at the start; purple: now; whiskers: 95 % "
        "interval.")
HEAD = ("How sure are we, and what would it take?",
        "The figures above take the coding as exact. Here each coded position and red line is varied by its "
        "stated uncertainty, and every set of concessions in the file is searched for the cheapest ones that "
        "open a deal.")  # the section that holds this panel and the deals panel


def help_text(draws: int, clickable: bool = True) -> str:
    """The help line for a Monte Carlo of ``draws`` draws (the same on a live page and in a file).

    >>> "5,000 times" in help_text(5000)
    True
    """
    return HELP.format(draws=draws)
CARD_MEANING = ("The share of random variations of the coding, each position and red line moved by its coder's "
                "stated uncertainty, in which some package leaves every veto party better off than no deal.")


def rows(result: Chances | Uncertainty) -> tuple[list[str], list[float], list[tuple[float, float]]]:
    """Row labels, chances and 95 % intervals: each issue, then every issue at once, then a deal."""
    labels = [wrap(i.name, 22) for i in result.scenario.issues] + ["Every issue at once", "A deal (package ZOPA)"]
    hits = list(result.p_zone) + [result.p_no_deadlock, result.p_package_zopa]
    intervals = [wilson_interval(float(p), result.draws) for p in hits]
    return labels, [float(p) for p in hits], intervals


def figure(now: Chances | Uncertainty, baseline: Chances | Uncertainty) -> dict[str, Any]:
    """Horizontal bars, in %: the chance of a zone per issue, of no deadlock and of a deal."""
    labels, before, before_ci = rows(baseline)
    _, after, after_ci = rows(now)

    def bars(name, values, intervals, colour, when):
        return {
            "type": "bar", "orientation": "h", "name": name, "y": labels, "x": [100 * v for v in values],
            "marker": {"color": colour},
            "error_x": {"type": "data", "symmetric": False, "color": "#333", "thickness": 1, "width": 3,
                        "array": [100 * (hi - v) for v, (_, hi) in zip(values, intervals)],
                        "arrayminus": [100 * (v - lo) for v, (lo, _) in zip(values, intervals)]},
            "customdata": [[100 * lo, 100 * hi] for lo, hi in intervals],
            "texttemplate": "%{x:.0f} %", "textposition": "outside", "cliponaxis": False,
            "hovertemplate": f"%{{y}}<br>{when}: %{{x:.1f}} % of {now.draws:,} draws"
                             "<br>95 % interval %{customdata[0]:.1f}–%{customdata[1]:.1f} %<extra></extra>",
        }

    layout = base_layout(
        70 + 50 * len(labels), barmode="group", bargap=0.25, showlegend=True, legend=HORIZONTAL_LEGEND,
        xaxis=axis(title={"text": "chance, % of the draws"}, range=[0, 118], tickvals=[0, 25, 50, 75, 100]),
        yaxis=axis(autorange="reversed", type="category"),
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": len(labels) - 2.5,
                 "y1": len(labels) - 2.5, "line": {"color": "#999", "width": 1, "dash": "dot"}}],
    )
    data = [bars("at the start (baseline)", before, before_ci, BASELINE, "at the start"),
            bars("now, with the concessions switched on", after, after_ci, CURRENT, "now")]
    return {"data": data, "layout": layout}


def card_html(now: Chances | Uncertainty | None, baseline: Chances | Uncertainty | None,
              failed: str | None = None) -> str:
    """The key figure: the chance of a deal, its change since the start and its precision."""
    if failed:
        body = ('<div class="kf-value">–</div><div class="kf-delta">could not be computed '
                f"({html.escape(failed)}); the figures above are unaffected</div>")
    elif now is None or baseline is None:
        body = '<div class="kf-value">…</div><div class="kf-delta">drawing the coding uncertainty</div>'
    else:
        p, p0 = now.p_package_zopa, baseline.p_package_zopa
        low, high = wilson_interval(p, now.draws)
        body = (f'<div class="kf-value">{percent(p)}</div>'
                f'<div class="kf-delta">{signed(100 * (p - p0), 1)} points since the start<br>'
                f"95 % sure it lies in {100 * low:.1f}–{100 * high:.1f} % ({now.draws:,} draws)</div>")
    return (f'<div class="key-figures chance-card"><div class="kf" data-key="chance"><div class="kf-label">Chance of a '
            f'deal <span class="info" tabindex="0" title="{html.escape(CARD_MEANING)}">i</span></div>{body}</div></div>')
