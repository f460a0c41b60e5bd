"""How sure, and what would it take: the dashboard's chance card, chance panel and deals
panel, as pure builders (plotly figure dicts and HTML strings, no widget, no plotly import).

* ``chance`` — per issue, the chance that the veto parties' red lines overlap, then the
  chance that no issue is deadlocked and the chance of a deal (package ZOPA), at the start
  (grey) and now (purple), with 95 % intervals;
* ``deals`` — the sets of concessions that open a deal (:func:`explorer.search`): total
  cost against the cost to the party that gives most, coloured by their chance of a deal,
  with a star where the concessions switched on now stand;
* ``chance_card_html`` and ``deals_list_html`` — the same numbers in words.
"""

from __future__ import annotations

import html
from typing import Any

from explorer.app.figures import FONT, _axis, _base_layout, wrap
from explorer.app.palette import BASELINE, CURRENT
from explorer.app.text import signed
from explorer.deals.search import Deal, DealSearch
from explorer.montecarlo.results import Chances, Uncertainty, wilson_interval

CHANCE_SCALE = "Viridis"  # perceptually uniform, readable with the common colour-vision deficiencies
LIST_LENGTH = 5  # deals listed by title under the panel


def _pct(p: float) -> str:
    return f"{100 * p:.0f} %" if p >= 0.995 or p <= 0.005 or abs(100 * p - round(100 * p)) < 0.05 \
        else f"{100 * p:.1f} %"


def chance_rows(result: Chances | Uncertainty) -> tuple[list[str], list[float], list[tuple[float, float]]]:
    """Row labels, chances and 95 % intervals: each issue, then every issue at once, then a deal."""
    labels = [wrap(i.name, 22) for i in result.scenario.issues] + ["Every issue at once", "A deal (package ZOPA)"]
    hits = list(result.p_zone) + [result.p_no_deadlock, result.p_package_zopa]
    intervals = [wilson_interval(float(p), result.draws) for p in hits]
    return labels, [float(p) for p in hits], intervals


def chance(now: Chances | Uncertainty, baseline: Chances | Uncertainty) -> dict[str, Any]:
    """Horizontal bars, in %: the chance of a zone per issue, of no deadlock and of a deal."""
    labels, before, before_ci = chance_rows(baseline)
    _, after, after_ci = chance_rows(now)

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

    layout = _base_layout(
        70 + 50 * len(labels), barmode="group", bargap=0.25, showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}},
        xaxis=_axis(title={"text": "chance, % of the draws"}, range=[0, 118],
                    tickvals=[0, 25, 50, 75, 100]),
        yaxis=_axis(autorange="reversed", type="category"),
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": len(labels) - 2.5,
                 "y1": len(labels) - 2.5, "line": {"color": "#999", "width": 1, "dash": "dot"}}],
    )
    data = [bars("at the start (baseline)", before, before_ci, BASELINE, "at the start"),
            bars("now, with the concessions switched on", after, after_ci, CURRENT, "now")]
    return {"data": data, "layout": layout}


def _deal_hover(number: int, deal: Deal, titles: dict[str, str], names: dict[str, str]) -> str:
    party, cost = max(deal.costs.items(), key=lambda item: item[1]) if deal.costs else ("", 0.0)
    lines = [f"<b>Deal {number}</b>: {len(deal.concessions)} concessions",
             f"total cost {100 * deal.total_cost:.1f} % of stakes (summed over the parties)",
             f"largest: {100 * cost:.1f} % of {html.escape(names.get(party, party))}'s stakes"]
    if deal.p_package_zopa is not None:
        lines.append(f"chance of a deal: {_pct(deal.p_package_zopa)}")
    lines += ["• " + wrap(html.escape(titles.get(c, c)), 60).replace("<br>", "<br>   ") for c in deal.concessions]
    lines.append("<i>click to switch exactly these on</i>")
    return "<br>".join(lines)


def numbered_deals(search: DealSearch) -> list[Deal]:
    """The deals, then the alternatives: the numbering the panel and the list share."""
    return list(search.deals) + list(search.alternatives)


def listed(numbered: list[Deal]) -> list[int]:
    """Which deals the list names (and the chart labels): the ``LIST_LENGTH`` cheapest, and the
    surest when it is dearer — the cheapest deal is not always the surest."""
    chosen = list(range(min(LIST_LENGTH, len(numbered))))
    if numbered and all(d.p_package_zopa is not None for d in numbered):
        surest = max(range(len(numbered)), key=lambda k: (numbered[k].p_package_zopa, -k))
        if surest not in chosen:
            chosen.append(surest)
    return chosen


DEALS_LEGEND = [
    {"label": "Cheapest deals: no other is cheaper both in total and for the party giving most",
     "mark": {"kind": "marker", "symbol": "circle", "color": "#3b528b"}},
    {"label": "Other deals, dearer (hover for what they hold)",
     "mark": {"kind": "marker", "symbol": "diamond", "color": "#3b528b"}},
    {"label": "The concessions switched on now", "mark": {"kind": "marker", "symbol": "star", "color": CURRENT}},
]


def deals_legend() -> list[dict[str, Any]]:
    """The deals panel's legend (drawn as HTML above the plot, as the issue map's)."""
    return [dict(item) for item in DEALS_LEGEND]


TOO_MANY = ("This file has too many concessions to try every set here (more than {limit}). "
            "Run  explorer search FILE  on the command line.")


def deals(search: DealSearch | None, active_costs: tuple[float, float], party_names: dict[str, str],
          searching: bool = True, limit: int = 16) -> dict[str, Any]:
    """Deals as points: x total cost, y the largest party's cost (both in % of stakes),
    colour = chance of a deal. ``customdata[0]`` of each deal point is its number − 1.
    ``search`` None: still searching, or (``searching`` False) too many concessions to search."""
    layout = _base_layout(
        360,
        xaxis=_axis(title={"text": "total cost of the concessions,<br>% of stakes summed over the parties"}),
        yaxis=_axis(title={"text": "cost to the party giving most,<br>% of its stakes"}),
    )
    if search is None:
        text = "Searching every set of concessions…" if searching else wrap(TOO_MANY.format(limit=limit), 60)
        layout["annotations"] = [{"text": text, "x": 0.5, "y": 0.5,
                                  "xref": "paper", "yref": "paper", "showarrow": False, "font": {"size": 13}}]
        layout["xaxis"]["visible"] = layout["yaxis"]["visible"] = False
        return {"data": [], "layout": layout}
    numbered = numbered_deals(search)
    here_total, here_top = active_costs
    star = here_total > 0
    here = {"type": "scatter", "mode": "markers", "name": "the concessions switched on now",
            "x": [100 * here_total], "y": [100 * here_top],
            "marker": {"symbol": "star", "size": 16, "color": CURRENT, "line": {"color": "white", "width": 1}},
            "hovertemplate": "the concessions switched on now<br>total %{x:.1f} % · largest %{y:.1f} %<extra></extra>"}
    if not numbered:
        layout["annotations"] = [{"text": "No set of this file's concessions opens a deal.", "x": 0.5, "y": 0.6,
                                  "xref": "paper", "yref": "paper", "showarrow": False, "font": {"size": 13}}]
        layout["xaxis"]["rangemode"] = layout["yaxis"]["rangemode"] = "tozero"
        return {"data": [here] if star else [], "layout": layout}
    chances = [d.p_package_zopa for d in numbered]
    has_chance = all(c is not None for c in chances)
    front = len(search.deals)
    labelled = set(listed(numbered))  # the others are told apart by hovering
    if has_chance:  # colours span the chances found (at least 10 points), so differences show
        low = 10 * int(100 * min(chances) // 10)
        high = max(low + 10, 10 * -int(-100 * max(chances) // 10))

    def points(name: str, items: range, size: int) -> dict[str, Any]:
        marker: dict[str, Any] = {"size": size, "line": {"color": "#222", "width": 1.2}}
        if has_chance:
            marker.update(color=[100 * chances[k] for k in items], colorscale=CHANCE_SCALE, cmin=low, cmax=high,
                          showscale=name.startswith("cheapest"),
                          colorbar={"title": {"text": "chance of<br>a deal, %", "font": FONT}, "thickness": 12,
                                    "len": 0.8})
        else:
            marker["color"] = CURRENT
        if not name.startswith("cheapest"):
            marker["symbol"] = "diamond"
        return {"type": "scatter", "mode": "markers+text", "name": name,
                "x": [100 * numbered[k].total_cost for k in items],
                "y": [100 * numbered[k].max_party_cost for k in items],
                "text": [str(k + 1) if k in labelled else "" for k in items], "textposition": "top center",
                "customdata": [[k] for k in items],
                "hovertext": [_deal_hover(k + 1, numbered[k], search.titles, party_names) for k in items],
                "hoverinfo": "text", "marker": marker}

    data = [points("cheapest deals (no other is cheaper in total and for the party giving most)",
                   range(front), 15)]
    if len(numbered) > front:
        data.append(points("other deals, dearer", range(front, len(numbered)), 10))
    if star:
        data.append(here)
    return {"data": data, "layout": layout}


def chance_card_html(now: Chances | Uncertainty | None, baseline: Chances | Uncertainty | None, failed: str | None = None) -> str:
    """The key figure: the chance of a deal, its change since the start and its precision."""
    if failed:
        body = ('<div class="kf-value">–</div><div class="kf-delta">could not be computed '
                f"({html.escape(failed)}); the figures above are unaffected</div>")
    elif now is None or baseline is None:
        body = ('<div class="kf-value">…</div><div class="kf-delta">drawing the coding uncertainty</div>')
    else:
        p, p0 = now.p_package_zopa, baseline.p_package_zopa
        low, high = wilson_interval(p, now.draws)
        body = (f'<div class="kf-value">{_pct(p)}</div>'
                f'<div class="kf-delta">{signed(100 * (p - p0), 1)} points since the start<br>'
                f"95 % sure it lies in {100 * low:.1f}–{100 * high:.1f} % ({now.draws:,} draws)</div>")
    meaning = ("The share of random variations of the coding, each position and red line moved by its coder's "
               "stated uncertainty, in which some package leaves every veto party better off than no deal.")
    return (f'<div class="key-figures chance-card"><div class="kf" data-key="chance"><div class="kf-label">Chance of a deal '
            f'<span class="info" tabindex="0" title="{html.escape(meaning)}">i</span></div>{body}</div></div>')


def _what_it_holds(deal: Deal, first: set[str] | None, titles: dict[str, str]) -> str:
    """List items of a deal's concessions, or of how it differs from deal 1 when that is shorter."""
    def items(ids, prefix=""):
        return "".join(f"<li>{prefix}{html.escape(titles.get(c, c))}</li>" for c in ids)

    held = list(deal.concessions)
    if first is not None:
        added = [c for c in held if c not in first]
        dropped = [c for c in first if c not in set(held)]
        if len(added) + len(dropped) < len(held):
            head = "the concessions of deal 1" + (", changed as follows" if dropped else "")
            return f"<li>{head}</li>" + items(added, "plus: ") + items(dropped, "without: ")
    return items(held)


def deals_list_html(search: DealSearch | None, party_names: dict[str, str], searching: bool = True,
                    limit: int = 16) -> str:
    """The cheapest deals by title (as numbered on the panel)."""
    if search is None:
        text = "Searching every set of concessions…" if searching else html.escape(TOO_MANY.format(limit=limit))
        return f'<div class="deals-list">{text}</div>'
    numbered = numbered_deals(search)
    if not numbered:
        return ('<div class="deals-list">No set of this file\'s concessions opens a deal: some red lines stay apart, '
                "or some veto party stays below its no-deal utility, whatever is switched on.</div>")
    items = []
    first = set(numbered[0].concessions)
    names = listed(numbered)
    for k in names:
        deal = numbered[k]
        party, cost = max(deal.costs.items(), key=lambda item: item[1])
        chance_text = "" if deal.p_package_zopa is None else f" · chance of a deal {_pct(deal.p_package_zopa)}"
        titles = _what_it_holds(deal, first if k else None, search.titles)
        surest_text = " — <b>the surest deal found</b>" if k >= LIST_LENGTH else ""
        items.append(
            f'<li data-deal="{k}" value="{k + 1}"><b>Deal {k + 1}</b>{surest_text}: total cost {100 * deal.total_cost:.1f} % of stakes, at most '
            f"{100 * cost:.1f} % of {html.escape(party_names.get(party, party))}'s{chance_text}"
            f"<ul>{titles}</ul></li>")
    more = len(numbered) - len(names)
    tail = f"<p>…and {more} more deal{'s' if more > 1 else ''} on the chart (hover a point).</p>" if more > 0 else ""
    return (f'<div class="deals-list"><b>The cheapest deals</b> (click a point on the chart to switch exactly its '
            f"concessions on)<ol>{''.join(items)}</ol>{tail}</div>")
