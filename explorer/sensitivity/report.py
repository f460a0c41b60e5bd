"""A :class:`~explorer.sensitivity.results.Sensitivity` as text, Markdown or JSON (``explorer sensitivity``).

Text and Markdown list each target's most important factors (``top``, default 5); JSON has every
factor of every target.
"""

from __future__ import annotations

from explorer.report import Table, fmt, json_document, markdown_document, text_document
from explorer.sensitivity.results import Sensitivity
from explorer.sensitivity.tornado import LEVELS

TOP = 5
KIND_WORDS = {"quoted": "quoted", "assumption": "assumption", "mixed": "quoted and assumed"}


def _value(value: float, unit: str) -> str:
    return f"{100 * value:.1f} %" if unit == "chance" else fmt(value)


def headline(result: Sensitivity) -> list[str]:
    s = result.scenario
    kinds = [f.kind for f in result.factors]
    methods = " and ".join(m for m, has in (("Sobol' indices", result.indices), ("tornado", result.bars))
                           if has is not None)
    lines = [
        f"{s.title} (as of {s.data.as_of.isoformat()}): what each figure hangs on ({methods})",
        f"Active concessions: {', '.join(s.active) or 'none'}",
        f"Factors: {len(result.factors)} (one per {result.group}; {kinds.count('quoted')} quoted, "
        f"{kinds.count('assumption')} assumptions" + (f", {kinds.count('mixed')} mixed" if 'mixed' in kinds else "")
        + "): a factor moves its stances' positions and red lines by z·σ, as the Monte Carlo does",
        f"Base samples N = {result.draws:,}, seed {result.seed}: {result.model_runs:,} scenarios evaluated",
    ]
    if result.indices is not None:
        lines.append("first: the share of the figure's variance the factor explains alone; total: the share it has "
                     "a hand in, with interactions (± 95 % bootstrap half-width)")
    if result.bars is not None:
        lines.append("tornado: the figure with the factor at −2, −1, +1, +2 σ and every other stance as coded "
                     "(chances: the others drawn as in the Monte Carlo)")
    if not result.uncertain:
        lines.append("Note: " + result.to_dict()["note"])
    return lines


def tables(result: Sensitivity, top: int = TOP) -> list[Table]:
    out = []
    for column, target in enumerate(result.targets):
        note = result.note(column)
        unit = {"chance": "chance, %", "points": "points", "position": "position, 0–100"}[target.unit]
        title = f"{target.label} ({unit})"
        if result.bars is not None:
            title += f"; as coded {_value(result.bars.base[column], target.unit)}"
            if target.indicator:
                title = title.replace("as coded", "Monte Carlo")
        if note and result.uncertain:
            out.append((f"{title}: {note}", ["note"], [[note]]))
            if result.bars is None:
                continue
        header = ["factor", "source", "σ"]
        if result.indices is not None:
            header += ["first", "total"]
        if result.bars is not None:
            header += [f"{level:+g} σ" for level in LEVELS]
        rows = []
        for k in result.ranking(column)[:top]:
            f = result.factors[k]
            row = [f.label, KIND_WORDS[f.kind], fmt(max(f.sigma), 0)]
            if result.indices is not None:
                i = result.indices
                row += [f"{i.first[k, column]:.2f} ± {i.first_conf[k, column]:.2f}",
                        f"{i.total[k, column]:.2f} ± {i.total_conf[k, column]:.2f}"]
            if result.bars is not None:
                row += [_value(v, target.unit) for v in result.bars.values[k, :, column]]
            rows.append(row)
        out.append((title, header, rows))
    return out


def formats(top: int = TOP) -> dict:
    """The ``--format`` choices, listing ``top`` factors per target."""
    return {"text": lambda r: text_document(headline(r), tables(r, top)),
            "markdown": lambda r: markdown_document(headline(r), tables(r, top)),
            "json": json_document}


FORMATS = formats()
