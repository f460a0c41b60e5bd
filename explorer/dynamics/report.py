"""A :class:`~explorer.dynamics.forecast.Forecast` as text, Markdown, JSON or CSV (``explorer forecast``).

CSV is the tidy positions table (round, party, issue, position) with the round's weighted
median and mean of that issue beside each row, so one file holds both.
"""

from __future__ import annotations

import io

from explorer.analysis.track_record import track_record
from explorer.dynamics.forecast import MODELS, Forecast
from explorer.report import Table, fmt, formats


def _scale(forecast: Forecast, k: int) -> str:
    low, high = forecast.inputs.low[k], forecast.inputs.high[k]
    return "0–100 scale" if (low, high) == (0.0, 100.0) else f"scale {fmt(float(low), 2)}–{fmt(float(high), 2)}"


def _headline(forecast: Forecast) -> list[str]:
    s = forecast.scenario
    lines = [
        f"{s.title} (as of {s.data.as_of.isoformat()}): {MODELS[forecast.model]}, {forecast.rounds} rounds",
        f"Active concessions: {', '.join(s.active) or 'none'}",
        "Median and mean: capability×salience weighted, of the positions held after each round (round 0 = the "
        "starting positions), on each issue's own scale",
    ]
    if forecast.exchanges is not None:
        lines.append("Exchanges per round: " + ", ".join(str(int(n)) for n in forecast.exchanges))
    lines.append("Its final median as a prediction: " + track_record(forecast.model) + " (docs/backtest.md)")
    if forecast.final_median is not None:
        lines.append(f"Uncertainty: {forecast.draws:,} draws of the coding uncertainty, seed {forecast.seed}")
    return lines


def _tables(forecast: Forecast) -> list[Table]:
    names = {p.id: p.name for p in forecast.scenario.parties}
    digits = 2
    tables: list[Table] = []
    for k, issue in enumerate(forecast.inputs.issue_ids):
        present = forecast.inputs.present[:, k]
        header = ["round", "median", "mean"] + [names[p] for p, here in zip(forecast.inputs.party_ids, present)
                                                if here]
        rows = [[str(r), fmt(float(forecast.median[r, k]), digits), fmt(float(forecast.mean[r, k]), digits)]
                + [fmt(float(x), digits) for x in forecast.position[r, present, k]]
                for r in range(forecast.rounds + 1)]
        title = next(i.name for i in forecast.scenario.issues if i.id == issue)
        tables.append((f"{title} ({issue}; {_scale(forecast, k)})", header, rows))
    spread = forecast.spread()
    if spread:
        tables.append(("Final median over the draws (10th, 50th and 90th percentile)", ["issue", "p10", "p50", "p90"],
                       [[row["issue"], fmt(row["p10"], digits), fmt(row["p50"], digits), fmt(row["p90"], digits)]
                        for row in spread]))
    return tables


def csv_document(forecast: Forecast) -> str:
    table = forecast.positions_table().merge(forecast.summary_table(), on=["round", "issue"], how="left")
    out = io.StringIO()
    table.to_csv(out, index=False, float_format="%.10g", lineterminator="\n")
    return out.getvalue()


FORMATS = {**formats(_headline, _tables), "csv": csv_document}
