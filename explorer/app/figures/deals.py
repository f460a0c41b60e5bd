"""Panel ``deals`` and the deals list: what would it take?

The sets of concessions that open a deal (:func:`explorer.search`): total cost against the
cost to the party that gives most, coloured by their chance of a deal, with a star where
the concessions switched on now stand; the cheapest listed by title under the panel.
"""

from __future__ import annotations

import html
from typing import Any

from explorer.app.figures.layout import FONT, axis, base_layout, message, text, wrap
from explorer.app.palette import CURRENT
from explorer.app.text import percent, plural
from explorer.app.state import LIVE_SEARCH_CONCESSIONS
from explorer.deals.search import Deal, DealSearch

KEY = "deals"
TITLE = "What would it take? The sets of concessions that open a deal"
HELP = ("Every set of this file's concessions was tried. Each numbered point is a set that opens a deal: "
        "to the left it costs less in total, lower down it asks less of the party that gives most; its "
        "colour is its chance of a deal under the coding uncertainty ({draws:,} draws). The star is where the "
        "concessions switched on now stand.")
CLICK = " Click a point to switch exactly its concessions on."
PICK = " Pick a deal in the selector at the top of the page to see every figure with its concessions on."


def help_text(draws: int, clickable: bool = True) -> str:
    """The help line: ``draws`` behind the colours; ``clickable`` (the dashboard) or not (a file).

    >>> help_text(5000).endswith("switch exactly its concessions on.")
    True
    """
    return HELP.format(draws=draws) + (CLICK if clickable else PICK)
CHANCE_SCALE = "Viridis"  # perceptually uniform, readable with the common colour-vision deficiencies
LIST_LENGTH = 5  # deals listed by title under the panel
LEGEND = (
    {"label": "Cheapest deals: no other is cheaper both in total and for the party giving most",
     "mark": {"kind": "marker", "symbol": "circle", "color": "#3b528b"}},
    {"label": "Other deals, dearer (hover for what they hold)",
     "mark": {"kind": "marker", "symbol": "diamond", "color": "#3b528b"}},
    {"label": "The concessions switched on now", "mark": {"kind": "marker", "symbol": "star", "color": CURRENT}},
)
TOO_MANY = ("This file has too many concessions to try every set here (more than {limit}). "
            "Run  explorer search FILE  on the command line.")


def legend() -> list[dict[str, Any]]:
    """The legend (drawn as HTML above the plot, as the issue map's)."""
    return [dict(item) for item in LEGEND]


def numbered(search: DealSearch) -> list[Deal]:
    """The deals, then the alternatives: the numbering the panel and the list share."""
    return list(search.deals) + list(search.alternatives)


def listed(deals: list[Deal]) -> list[int]:
    """Which deals the list names (and the chart labels): the ``LIST_LENGTH`` cheapest, and the
    surest when it is dearer — the cheapest deal is not always the surest."""
    chosen = list(range(min(LIST_LENGTH, len(deals))))
    if deals and all(d.p_package_zopa is not None for d in deals):
        surest = max(range(len(deals)), key=lambda k: (deals[k].p_package_zopa, -k))
        if surest not in chosen:
            chosen.append(surest)
    return chosen


def _hover(number: int, deal: Deal, titles: dict[str, str], names: dict[str, str]) -> str:
    party, cost = max(deal.costs.items(), key=lambda item: item[1]) if deal.costs else ("", 0.0)
    lines = [f"<b>Deal {number}</b>: {plural(len(deal.concessions), 'concession')}",
             f"total cost {100 * deal.total_cost:.1f} % of stakes (summed over the parties)",
             f"largest: {100 * cost:.1f} % of {text(names.get(party, party))}'s stakes"]
    if deal.p_package_zopa is not None:
        lines.append(f"chance of a deal: {percent(deal.p_package_zopa)}")
    lines += ["• " + wrap(titles.get(c, c), 60).replace("<br>", "<br>   ") for c in deal.concessions]
    lines.append("<i>click to switch exactly these on</i>")
    return "<br>".join(lines)


def figure(search: DealSearch | None, active_costs: tuple[float, float], party_names: dict[str, str],
           searching: bool = True, limit: int = LIVE_SEARCH_CONCESSIONS, clickable: bool = True) -> dict[str, Any]:
    """Deals as points: x total cost, y the largest party's cost (both in % of stakes),
    colour = chance of a deal. ``customdata[0]`` of each deal point is its number − 1.
    ``search`` None: still searching, or (``searching`` False) too many concessions to search.
    ``clickable`` False drops the hover's "click to switch" line (a page with no kernel)."""
    layout = base_layout(
        360,
        xaxis=axis(title={"text": "total cost of the concessions,<br>% of stakes summed over the parties"}),
        yaxis=axis(title={"text": "cost to the party giving most,<br>% of its stakes"}),
    )
    if search is None:
        words = "Searching every set of concessions…" if searching else wrap(TOO_MANY.format(limit=limit), 60)
        return {"data": [], "layout": message(layout, words)}
    deals = numbered(search)
    here_total, here_top = active_costs
    star = here_total > 0
    here = {"type": "scatter", "mode": "markers", "name": "the concessions switched on now",
            "x": [100 * here_total], "y": [100 * here_top],
            "marker": {"symbol": "star", "size": 16, "color": CURRENT, "line": {"color": "white", "width": 1}},
            "hovertemplate": "the concessions switched on now<br>total %{x:.1f} % · largest %{y:.1f} %<extra></extra>"}
    if not deals:
        layout["annotations"] = [{"text": "No set of this file's concessions opens a deal.", "x": 0.5, "y": 0.6,
                                  "xref": "paper", "yref": "paper", "showarrow": False, "font": {"size": 13}}]
        layout["xaxis"]["rangemode"] = layout["yaxis"]["rangemode"] = "tozero"
        return {"data": [here] if star else [], "layout": layout}
    chances = [d.p_package_zopa for d in deals]
    has_chance = all(c is not None for c in chances)
    front = len(search.deals)
    labelled = set(listed(deals))  # the others are told apart by hovering
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
        hover = [_hover(k + 1, deals[k], search.titles, party_names) for k in items]
        if not clickable:
            hover = [h.rsplit("<br>", 1)[0] for h in hover]
        return {"type": "scatter", "mode": "markers+text", "name": name,
                "x": [100 * deals[k].total_cost for k in items],
                "y": [100 * deals[k].max_party_cost for k in items],
                "text": [str(k + 1) if k in labelled else "" for k in items], "textposition": "top center",
                "customdata": [[k] for k in items], "hovertext": hover, "hoverinfo": "text", "marker": marker}

    data = [points("cheapest deals (no other is cheaper in total and for the party giving most)", range(front), 15)]
    if len(deals) > front:
        data.append(points("other deals, dearer", range(front, len(deals)), 10))
    if star:
        data.append(here)
    return {"data": data, "layout": layout}


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


def list_html(search: DealSearch | None, party_names: dict[str, str], searching: bool = True,
              limit: int = LIVE_SEARCH_CONCESSIONS, clickable: bool = True) -> str:
    """The cheapest deals by title (as numbered on the panel)."""
    if search is None:
        words = "Searching every set of concessions…" if searching else html.escape(TOO_MANY.format(limit=limit))
        return f'<div class="deals-list">{words}</div>'
    deals = numbered(search)
    if not deals:
        return ('<div class="deals-list">No set of this file\'s concessions opens a deal: some red lines stay apart, '
                "or some veto party stays below its no-deal utility, whatever is switched on.</div>")
    items = []
    first = set(deals[0].concessions)
    names = listed(deals)
    for k in names:
        deal = deals[k]
        party, cost = max(deal.costs.items(), key=lambda item: item[1])
        chance_text = "" if deal.p_package_zopa is None else f" · chance of a deal {percent(deal.p_package_zopa)}"
        titles = _what_it_holds(deal, first if k else None, search.titles)
        surest_text = " — <b>the surest deal found</b>" if k >= LIST_LENGTH else ""
        items.append(
            f'<li data-deal="{k}" value="{k + 1}"><b>Deal {k + 1}</b>{surest_text}: total cost '
            f"{100 * deal.total_cost:.1f} % of stakes, at most {100 * cost:.1f} % of "
            f"{html.escape(party_names.get(party, party))}'s{chance_text}<ul>{titles}</ul></li>")
    more = len(deals) - len(names)
    tail = f"<p>…and {more} more deal{'s' if more > 1 else ''} on the chart (hover a point).</p>" if more > 0 else ""
    how = " (click a point on the chart to switch exactly its concessions on)" if clickable else ""
    return f'<div class="deals-list"><b>The cheapest deals</b>{how}<ol>{"".join(items)}</ol>{tail}</div>'
