"""An :class:`~explorer.Analysis` as text, Markdown or JSON (what ``explorer report`` prints)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from explorer.analysis.analysis import Analysis
from explorer.analysis.packages import ZOPA_TOLERANCE
from explorer.analysis.track_record import mae
from explorer.analysis.vocabulary import OUTCOME_SHORT, OUTCOMES

PARTY_OUTCOMES = ("compromise", "nash", "kalai_smorodinsky")  # the parties' table: utility at these


def fmt(value: Any, digits: int = 1) -> str:
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
        [i["id"], fmt(i["position_gap"]), _zone(i), fmt(i["redline_gap"]), fmt(i["weight"], 3)]
        + [fmt(i["outcomes"][n]) for n in OUTCOMES]
        for i in data["issues"]
    ]
    parties = [
        [p["id"], fmt(p["veto"]), fmt(p["reservation"], 3), fmt(p["ideal_utility"], 3),
         *(fmt(p[f"utility_at_{n}"], 3) for n in PARTY_OUTCOMES), fmt(p["concession_cost"], 3)]
        for p in data["parties"]
    ]
    concessions = [
        [c["id"], c["party"], fmt(c["cost"], 3), fmt(c["active"]), c["blocked"] or ""]
        for c in data["concessions"]
    ]
    return [
        ("Issues (positions on the 0–100 scale)",
         ["issue", "position gap", "zone", "red-line gap", "weight", *(OUTCOME_SHORT[n] for n in OUTCOMES)],
         issues),
        ("Parties (utilities in [0, 1])",
         ["party", "veto", "reservation", "best in zones", *(f"at {OUTCOME_SHORT[n]}" for n in PARTY_OUTCOMES),
          "conceded"],
         parties),
        ("Concessions (cost to the conceding party, on baseline)",
         ["concession", "party", "cost", "active", "blocked"], concessions),
        ("How good are these predictions? Each rule's mean absolute error on real EU decisions (DEU III backtest, "
         "docs/backtest.md)", ["outcome", "missed by (points, mean)", "decisions scored"],
         [[OUTCOME_SHORT[n], fmt(mae(n)[0]), str(mae(n)[1])] for n in OUTCOMES]),
    ]


def _headline(result: Analysis) -> list[str]:
    s = result.scenario
    surplus = result.package_surplus
    if surplus is None:
        deal = "none: an issue is deadlocked"
    elif abs(surplus) <= ZOPA_TOLERANCE:
        deal = "0.000 (the best package leaves a veto party exactly at its no-deal utility)"
    else:
        deal = f"{surplus:.3f}"
    return [
        f"{s.title} (as of {s.data.as_of.isoformat()})",
        f"Active concessions: {', '.join(s.active) or 'none'}",
        f"Agreement gap: {result.agreement_gap:.1f} points   "
        f"Deadlocked issues: {result.deadlocked_issues} of {len(s.issues)}   "
        f"Package surplus: {deal}   Package ZOPA: {'yes' if result.package_zopa else 'no'}",
    ]


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns aligned: the first and a last column of words left, numbers right."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    last_left = len(header) > 2 and any(ch.isalpha() for row in rows for ch in str(row[-1]))

    def line(cells: list[str]) -> str:
        out = []
        for k, (cell, width) in enumerate(zip(cells, widths)):
            left = k == 0 or (last_left and k == len(cells) - 1)
            out.append(str(cell).ljust(width) if left else str(cell).rjust(width))
        return "  ".join(out).rstrip()

    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


Table = tuple[str, list[str], list[list[str]]]  # (title, header, rows)


def text_document(headline: list[str], tables: list[Table]) -> str:
    """Headline lines, then each non-empty table aligned in columns."""
    out = list(headline)
    for title, header, rows in tables:
        if rows:
            out += ["", title] + _text_table(header, rows)
    return "\n".join(out) + "\n"


def markdown_document(headline: list[str], tables: list[Table]) -> str:
    """The first headline line as the title, the rest as a list, tables as Markdown tables."""
    title, *rest = headline
    out = [f"# {title}", ""] + [f"- {line}" for line in rest]
    for name, header, rows in tables:
        if rows:
            out += ["", f"## {name}", "", "| " + " | ".join(header) + " |",
                    "|" + "|".join("---" for _ in header) + "|"]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def json_document(result: Any) -> str:
    """A results object's ``to_dict()`` as indented JSON."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def formats(headline: Callable[[Any], list[str]], tables: Callable[[Any], list[Table]],
            markdown_only: Callable[[Any], list[Table]] = lambda result: []) -> dict[str, Callable[[Any], str]]:
    """The ``--format`` choices of a results object, from its headline and tables."""
    return {
        "text": lambda result: text_document(headline(result), tables(result)),
        "markdown": lambda result: markdown_document(headline(result), tables(result) + markdown_only(result)),
        "json": json_document,
    }


FORMATS = formats(_headline, _tables)
