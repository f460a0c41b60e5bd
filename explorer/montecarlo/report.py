"""An :class:`~explorer.Uncertainty` as text, Markdown or JSON (``explorer uncertainty``)."""

from __future__ import annotations

from explorer.analysis.vocabulary import OUTCOME_SHORT, OUTCOMES

from explorer.montecarlo.results import Uncertainty
from explorer.report import Table, fmt, formats


def percent(p: float | None, digits: int = 1) -> str:
    return "–" if p is None else f"{100 * p:.{digits}f} %"


def _range(spread: dict, digits: int = 1) -> str:
    if spread["p50"] is None:
        return "–"
    return f"{fmt(spread['p50'], digits)} ({fmt(spread['p10'], digits)}–{fmt(spread['p90'], digits)})"


def _headline(result: Uncertainty) -> list[str]:
    s = result.scenario
    o = result.to_dict()["overall"]
    zopa_low, zopa_high = o["p_package_zopa_ci95"]
    return [
        f"{s.title} (as of {s.data.as_of.isoformat()}): {result.draws:,} draws of the coding uncertainty, "
        f"seed {result.seed}",
        f"Active concessions: {', '.join(s.active) or 'none'}",
        f"Chance of a package ZOPA: {percent(o['p_package_zopa'])} ± {percent(o['p_package_zopa_se'], 2)} "
        f"(standard error; 95 % interval {percent(zopa_low, 2)}–{percent(zopa_high, 2)})",
        f"Chance that no issue is deadlocked: {percent(o['p_no_deadlock'])} ± {percent(o['p_no_deadlock_se'], 2)}",
        f"Agreement gap, points: mean {fmt(o['agreement_gap']['mean'])}, median (10th–90th percentile) "
        f"{_range(o['agreement_gap'])}",
        f"Package surplus where no issue is deadlocked: {_range(o['package_surplus'], 3)}",
    ]


def _tables(result: Uncertainty) -> list[Table]:
    packages = result.nash is not None
    outcomes = OUTCOMES if packages else tuple(n for n in OUTCOMES if n not in ("nash", "kalai_smorodinsky"))
    rows = [
        [i["id"], percent(i["p_zone"]), fmt(i["redline_gap"]["mean"]), *(_range(i[n]) for n in outcomes)]
        for i in result.to_dict()["issues"]
    ]
    header = ["issue", "chance of a zone", "mean red-line gap", *(OUTCOME_SHORT[n] for n in outcomes)]
    title = "Issues (positions on the 0–100 scale; median with 10th–90th percentile"
    if packages:
        title += "; Nash and K–S over the draws with a package ZOPA"
    return [(title + ")", header, rows)]


FORMATS = formats(_headline, _tables)
