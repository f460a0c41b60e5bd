"""An :class:`~explorer.Analysis` as text, Markdown or JSON (what ``explorer report`` prints)."""

from __future__ import annotations

import json
import math
from typing import Any

from explorer.analysis.analysis import Analysis


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _zone(issue: dict) -> str:
    return "none" if issue["zone"] is None else f"{issue['zone'][0]:.0f}–{issue['zone'][1]:.0f}"


def _tables(result: Analysis) -> list[tuple[str, list[str], list[list[str]]]]:
    data = result.to_dict()
    issues = [
        [i["id"], _fmt(i["position_gap"]), _zone(i), _fmt(i["redline_gap"]), _fmt(i["weight"], 3)]
        + [_fmt(i["outcomes"][n]) for n in ("compromise", "weighted_median", "nash", "kalai_smorodinsky")]
        for i in data["issues"]
    ]
    parties = [
        [p["id"], _fmt(p["veto"]), _fmt(p["reservation"], 3), _fmt(p["ideal_utility"], 3),
         _fmt(p["utility_at_compromise"], 3), _fmt(p["utility_at_nash"], 3),
         _fmt(p["utility_at_kalai_smorodinsky"], 3), _fmt(p["concession_cost"], 3)]
        for p in data["parties"]
    ]
    concessions = [
        [c["id"], c["party"], _fmt(c["cost"], 3), _fmt(c["active"]), c["blocked"] or ""]
        for c in data["concessions"]
    ]
    return [
        ("Issues (positions on the 0–100 scale)",
         ["issue", "position gap", "zone", "red-line gap", "weight", "compromise", "w. median", "Nash", "K–S"],
         issues),
        ("Parties (utilities in [0, 1])",
         ["party", "veto", "reservation", "best in zones", "at compromise", "at Nash", "at K–S", "conceded"],
         parties),
        ("Concessions (cost to the conceding party, on baseline)",
         ["concession", "party", "cost", "active", "blocked"], concessions),
    ]


def _headline(result: Analysis) -> list[str]:
    s = result.scenario
    surplus = result.package_surplus
    deal = "none: an issue is deadlocked" if surplus is None else f"{surplus:.3f}"
    return [
        f"{s.title} (as of {s.data.as_of.isoformat()})",
        f"Active concessions: {', '.join(s.active) or 'none'}",
        f"Agreement gap: {result.agreement_gap:.1f} points   "
        f"Deadlocked issues: {result.deadlocked_issues} of {len(s.issues)}   "
        f"Package surplus: {deal}   Package ZOPA: {'yes' if result.package_zopa else 'no'}",
    ]


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join([str(first).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(rest, widths[1:])])
    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def as_text(result: Analysis) -> str:
    out = _headline(result)
    for title, header, rows in _tables(result):
        if rows:
            out += ["", title] + _text_table(header, rows)
    return "\n".join(out) + "\n"


def as_markdown(result: Analysis) -> str:
    title, *rest = _headline(result)
    out = [f"# {title}", ""] + [f"- {line}" for line in rest]
    for name, header, rows in _tables(result):
        if rows:
            out += ["", f"## {name}", "", "| " + " | ".join(header) + " |",
                    "|" + "|".join("---" for _ in header) + "|"]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def as_json(result: Analysis) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": as_text, "markdown": as_markdown, "json": as_json}
