"""A :class:`~explorer.backtest.results.Backtest` as text, Markdown or JSON (``explorer backtest``)."""

from __future__ import annotations

import numpy as np

from explorer.backtest.results import BASELINE, BREAKDOWNS, Backtest
from explorer.report import Table, formats

LABELS = {"compromise": "compromise (weighted mean)", "weighted_median": "weighted median",
          "nash": "Nash bargaining", "kalai_smorodinsky": "Kalai–Smorodinsky",
          "bdm_median": "BDM challenge model, final median", "bdm_mean": "BDM challenge model, final mean",
          "exchange_median": "exchange model, final median", "exchange_mean": "exchange model, final mean"}


def _ci(values: list[float]) -> str:
    return f"{values[0]:.1f}–{values[1]:.1f}"


def headline(result: Backtest) -> list[str]:
    d = result.arrays
    scored = int(np.isfinite(d.outcome).sum())
    return [
        f"Backtest on {result.source}: {len(d.issues)} issues, {scored} with a recorded outcome",
        "Errors in points of each issue's 0–100 scale; intervals: 95 %, bootstrap over proposals "
        f"({result.resamples:,} resamples, seed {result.seed})",
        f"vs {LABELS[BASELINE]}: the paired difference in mean absolute error on the issues both predict "
        "(negative: the rule misses less)",
        "In-sample: the capabilities and rules were chosen, not fitted, but every figure here is on the file they "
        "were built with",
    ]


def tables(result: Backtest) -> list[Table]:
    scores = result.scores()
    rows = [[LABELS.get(name, name), str(s["issues"]), f"{s['mae']:.1f}", _ci(s["mae_ci"]), f"{s['rmse']:.1f}",
             f"{s['median_ae']:.1f}", f"{100 * s['within10']:.0f} %",
             "–" if name == BASELINE else f"{s['diff_vs_mean']:+.1f} ({_ci(s['diff_ci'])})"]
            for name, s in sorted(scores.items(), key=lambda item: item[1]["mae"])]
    out = [("Predictors, best first", ["predictor", "issues", "MAE", "95 % interval", "RMSE", "median AE",
                                       "within 10", f"vs {BASELINE}"], rows)]
    for by in BREAKDOWNS:
        per = result.breakdown(by)
        header = ["predictor", *(f"{value} (n = {next(iter(s.values()))['issues']})" for value, s in per.items())]
        out.append((f"Mean absolute error by {by}", header,
                    [[LABELS.get(name, name), *(f"{per[value][name]['mae']:.1f}" for value in per)]
                     for name in result.names]))
    found = result.beyond()
    if "note" in found:
        return out
    test, base = found["test"], found["test_compromise"]
    out.append((f"Going beyond (pre-registered, docs/backtest_preregistration.md): the anchored compromise, λ = "
                f"{found['weight']:g} tuned on {found['train_issues']} training issues, scored once on "
                f"{found['test_issues']} held-out issues of {found['test_proposals']} proposals — "
                + ("it wins" if found["wins"] else "it does not win (not shipped as a predictor)"),
                ["rule (held-out part)", "MAE", "95 % interval", "vs compromise"],
                [["anchored compromise", f"{test['mae']:.1f}", _ci(test["mae_ci"]),
                  f"{test['diff_vs_mean']:+.2f} ({test['diff_ci'][0]:+.2f} to {test['diff_ci'][1]:+.2f})"],
                 ["compromise", f"{base['mae']:.1f}", _ci(base["mae_ci"]), "–"]]))
    return out


FORMATS = formats(headline, tables)
