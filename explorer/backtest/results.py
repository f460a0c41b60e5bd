"""``backtest(path) -> Backtest``: every predictor scored on every DEU issue with an outcome.

Deterministic: the predictions have no randomness; ``seed`` fixes the bootstrap's resamples.
Rules: :mod:`.predictors` (what each predicts), :mod:`.scores` (how it is scored),
:mod:`.capabilities` and :mod:`.scenarios` (the choices a DEU file leaves open); ``docs/backtest.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from explorer.backtest.capabilities import EP_CNS, EP_COD, capabilities, period
from explorer.backtest.deu import DeuIssue, read_deu
from explorer.backtest.predictors import PREDICTORS, DeuArrays, predict
from explorer.backtest.scores import RESAMPLES, cluster_resamples, score

BASELINE = "compromise"
BREAKDOWNS = ("procedure", "rule", "period")


@dataclass(frozen=True, eq=False)
class Backtest:
    """Predictions (I,) per predictor, the outcomes, and their scores."""

    source: str
    arrays: DeuArrays
    predictions: dict[str, np.ndarray]
    seed: int
    resamples: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.predictions)

    def scores(self, rows: np.ndarray | None = None) -> dict[str, dict]:
        """Each predictor's scores on the issues ``rows`` (a boolean mask; default all)."""
        a = self.arrays
        rows = np.ones(len(a.issues), dtype=bool) if rows is None else rows
        proposals = a.column("proposal")
        counts = cluster_resamples(proposals, self.resamples, self.seed)
        keep = lambda values: np.where(rows, values, np.nan)  # noqa: E731
        return {name: score(keep(values), keep(a.outcome), proposals, keep(self.baseline), counts)
                for name, values in self.predictions.items()}

    @cached_property
    def baseline(self) -> np.ndarray:
        """(I,) the compromise, every rule's paired baseline (predicted once, if it is not scored itself)."""
        found = self.predictions.get(BASELINE)
        return found if found is not None else predict(self.arrays, (BASELINE,))[BASELINE]

    def breakdown(self, by: str) -> dict[str, dict[str, dict]]:
        """Scores per value of ``by`` (``procedure``, ``rule`` or ``period``)."""
        column = self.arrays.column(by)
        return {value: self.scores(column == value) for value in dict.fromkeys(column.tolist())}

    def capability_table(self) -> dict[str, dict[str, float]]:
        """The capability tables the issues used, one per period and membership (COD: the Parliament's
        under co-decision; its capability under consultation is in ``ep_cns``)."""
        tables: dict[str, dict[str, float]] = {}
        for issue in self.arrays.issues:
            caps = capabilities(issue.decided, "COD")
            label = f"{period(issue.decided)} (EU-{len(caps) - 2})"
            tables.setdefault(label, {k: round(v, 6) for k, v in caps.items()})
        return {**tables, "ep_cns": {"ep": EP_CNS}, "ep_cod": {"ep": EP_COD}}

    def to_dict(self) -> dict[str, Any]:
        scores = self.scores()
        a = self.arrays

        def number(v):
            return None if not np.isfinite(v) else round(float(v), 6)

        return {
            "source": self.source,
            "issues_in_file": len(a.issues),
            "issues_with_outcome": int(np.isfinite(a.outcome).sum()),
            "seed": self.seed,
            "resamples": self.resamples,
            "predictors": [{"name": name, **{k: (round(v, 6) if isinstance(v, float) else
                                                 [round(x, 6) for x in v] if isinstance(v, list) else v)
                                              for k, v in s.items()}}
                           for name, s in scores.items()],
            "breakdown": {by: {value: {name: {"issues": s["issues"], "mae": round(s["mae"], 6)}
                                       for name, s in per.items()}
                               for value, per in self.breakdown(by).items()} for by in BREAKDOWNS},
            "issues": [{"id": issue.id, "proposal": issue.proposal, "procedure": issue.procedure,
                        "rule": issue.rule, "outcome": number(a.outcome[k]),
                        "predictions": {name: number(values[k]) for name, values in self.predictions.items()}}
                       for k, issue in enumerate(a.issues)],
            "capabilities": self.capability_table(),
            "beyond": self.beyond(),
        }

    def beyond(self) -> dict[str, Any]:
        """The pre-registered attempt to beat the compromise (:mod:`.beyond`): λ, its held-out scores, verdict."""
        from explorer.backtest.beyond import attempt

        found = attempt(self.arrays, self.seed, self.resamples)
        rule = "anchored compromise: (1 − λ)·compromise + λ·reference point"
        if found is None:
            return {"rule": rule, "note": "not tried: the training or the held-out part has no issue with an outcome"}
        keys = ("issues", "mae", "mae_ci", "diff_vs_mean", "diff_ci")
        return {"rule": rule,
                "weight": found.weight, "train_issues": found.train_issues, "test_issues": found.test_issues,
                "test_proposals": found.test_proposals,
                "test": {k: found.test[k] for k in keys},
                "test_compromise": {k: found.test_compromise[k] for k in keys[:3]},
                "wins": found.wins}


def results_file(result: Backtest) -> str:
    """The package's results file (:mod:`explorer.analysis.track_record`): the scores and breakdowns of
    :meth:`Backtest.to_dict` without the per-issue predictions, the source named by its file name."""
    from pathlib import Path

    d = result.to_dict()
    d.pop("issues")
    d["source"] = Path(d["source"]).name
    return json.dumps(d, indent=1, ensure_ascii=False) + "\n"


def backtest_issues(issues: list[DeuIssue], source: str, predictors: tuple[str, ...] = PREDICTORS, seed: int = 0,
                    resamples: int = RESAMPLES) -> Backtest:
    """Score ``predictors`` on ``issues`` (read from ``source``)."""
    arrays = DeuArrays.from_issues(issues)
    return Backtest(source, arrays, predict(arrays, tuple(predictors)), seed, resamples)


def backtest(path: str, predictors: tuple[str, ...] = PREDICTORS, seed: int = 0,
             resamples: int = RESAMPLES) -> Backtest:
    """Read the DEU III file at ``path`` and score ``predictors`` on every issue with an outcome.

    Raises
    ------
    ScenarioError
        A malformed file (each problem with its line and column).
    """
    return backtest_issues(read_deu(path), str(path), predictors, seed, resamples)
