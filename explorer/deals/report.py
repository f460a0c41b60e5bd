"""A :class:`~explorer.DealSearch` as text, Markdown or JSON (``explorer search``)."""

from __future__ import annotations

from explorer.deals.search import Deal, DealSearch
from explorer.montecarlo.report import percent
from explorer.report import Table, fmt, formats


def _headline(result: DealSearch) -> list[str]:
    s = result.scenario
    lines = [
        f"{s.title} (as of {s.data.as_of.isoformat()}): what it would take, from the baseline",
        f"Sets of concessions searched: {result.feasible_sets:,} (every set the requires/excludes rules and red "
        f"lines allow); package programmes solved: {result.programmes:,}",
        "Costs are utility given up by the conceding party (0–1 scale), as in `explorer report`.",
    ]
    if result.draws:
        lines.append(f"Chance of a ZOPA over {result.draws:,} draws of the coding uncertainty (seed {result.seed})")
    if not result.deals:
        lines.append("No set of concessions opens a package ZOPA.")
    return lines


def _deal_rows(result: DealSearch, deals: tuple[Deal, ...]) -> list[list[str]]:
    return [
        [fmt(d.total_cost, 3), fmt(d.max_party_cost, 3), fmt(d.package_surplus, 3),
         percent(d.p_package_zopa) if d.p_package_zopa is not None else "–",
         ", ".join(d.concessions) or "(none needed)"]
        for d in deals
    ]


def _tables(result: DealSearch) -> list[Table]:
    header = ["total cost", "largest party's cost", "package surplus", "chance of a ZOPA", "concessions"]
    return [
        ("Deals: the cheapest sets that open a package ZOPA (no other is cheaper in total and for the "
         "party that gives most)", header, _deal_rows(result, result.deals)),
        ("Other sets that open a ZOPA, cheapest first", header, _deal_rows(result, result.alternatives)),
        ("Progress: how far each budget closes the agreement gap (points)",
         ["total cost", "agreement gap", "concessions"],
         [[fmt(p.total_cost, 3), fmt(p.agreement_gap), ", ".join(p.concessions) or "(none)"]
          for p in result.progress]),
    ]


def _concession_titles(result: DealSearch) -> list[Table]:
    return [("Concessions", ["id", "party", "title"], [[c.id, c.party, c.title] for c in result.scenario.concessions])]


FORMATS = formats(_headline, _tables, _concession_titles)
