"""The figures a sensitivity analysis explains, computed for a stack of perturbed scenarios.

Every target is a number per scenario of the stack, from the same stacked functions as the
Monte Carlo (:func:`explorer.analysis.stacked.stack_figures`, the BDM forecast's batch run):

========================  ======================================================  ===========
key                       what                                                    unit
========================  ======================================================  ===========
``deal``                  a package ZOPA exists (1) or not (0)                    0/1
``no_deadlock``           no issue is deadlocked (1) or some is (0)               0/1
``agreement_gap``         the agreement gap                                       points
``redline_gap/<issue>``   that issue's red-line gap                               points
``compromise/<issue>``    the compromise (weighted mean) on that issue            position
``weighted_median/<i>``   the weighted median on that issue                       position
``forecast/<issue>``      the BDM forecast's final weighted median (opt-in)       position
========================  ======================================================  ===========

The two 0/1 targets average to the Monte Carlo's chances over draws. The Nash and
Kalai–Smorodinsky packages are not targets: they exist only where a package ZOPA does
(a Sobol design needs a value in every row) and each is an iterative programme per row.

Target sets (``--target``): :data:`TARGET_SETS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.analysis.stacked import stack_figures
from explorer.analysis.vocabulary import OUTCOME_LABELS
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import perturb

#: what ``--target`` accepts, each naming some targets; ``DEFAULT_SETS`` when none is given
TARGET_SETS = ("deal", "no-deadlock", "agreement-gap", "redline-gap", "outcomes", "forecast")
DEFAULT_SETS = ("deal", "no-deadlock", "agreement-gap", "redline-gap", "outcomes")
INDICATORS = ("deal", "no_deadlock")
FORECAST_ROUNDS = 10
OUTCOME_TARGETS = ("compromise", "weighted_median")


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    unit: str  # "chance" (a 0/1 target), "points" (a gap) or "position" (on the issue's 0–100 scale)
    issue: str | None = None

    @property
    def indicator(self) -> bool:
        return self.unit == "chance"

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "unit": self.unit, "issue": self.issue}


def scenario_targets(scenario: Scenario, sets: tuple[str, ...] = DEFAULT_SETS) -> list[Target]:
    """The targets of ``sets`` (names of :data:`TARGET_SETS`), in a fixed order.

    >>> import explorer
    >>> case = explorer.load("data/scenarios/logrolling_textbook.yaml")
    >>> [t.key for t in scenario_targets(case, ("deal", "redline-gap"))]
    ['deal', 'redline_gap/wages', 'redline_gap/job-security', 'redline_gap/hours']
    """
    unknown = [s for s in sets if s not in TARGET_SETS]
    if unknown or not sets:
        raise ValueError(f"targets must be some of {', '.join(TARGET_SETS)}, got {', '.join(unknown) or 'none'}")
    issues = scenario.issues
    targets = []
    if "deal" in sets:
        targets.append(Target("deal", "Chance of a deal (package ZOPA)", "chance"))
    if "no-deadlock" in sets:
        targets.append(Target("no_deadlock", "Chance that no issue is deadlocked", "chance"))
    if "agreement-gap" in sets:
        targets.append(Target("agreement_gap", "Agreement gap", "points"))
    if "redline-gap" in sets:
        targets += [Target(f"redline_gap/{i.id}", f"Red-line gap on {i.name}", "points", i.id) for i in issues]
    if "outcomes" in sets:
        targets += [Target(f"{o}/{i.id}", f"{OUTCOME_LABELS[o].split(' (')[0]} on {i.name}", "position", i.id)
                    for o in OUTCOME_TARGETS for i in issues]
    if "forecast" in sets:
        targets += [Target(f"forecast/{i.id}", f"BDM forecast ({FORECAST_ROUNDS} rounds) on {i.name}", "position",
                           i.id) for i in issues]
    return targets


def evaluate(scenario: Scenario, arrays: ScenarioArrays, z: np.ndarray, targets: list[Target]) -> np.ndarray:
    """(B, T): every target for each of B perturbations z (B, P, I) of the coded stances.

    The stances move as in the Monte Carlo: :func:`explorer.montecarlo.draws.perturb`.
    """
    drawn = perturb(arrays.position, arrays.lo, arrays.hi, arrays.uncertainty, z)
    keys = [t.key for t in targets]
    figures = stack_figures(drawn.position, drawn.lo, drawn.hi, arrays.share, arrays.weight, arrays.reservation,
                            arrays.veto, surplus="deal" in keys)
    issue_index = {issue_id: k for k, issue_id in enumerate(arrays.issue_ids)}
    columns = {"deal": figures.package_zopa, "no_deadlock": figures.deadlocked_issues == 0,
               "agreement_gap": figures.agreement_gap}
    per_issue = {"redline_gap": figures.redline_gap, "compromise": figures.compromise,
                 "weighted_median": figures.weighted_median}
    if any(k.startswith("forecast/") for k in keys):
        per_issue["forecast"] = forecast_medians(scenario, drawn.position)
    out = np.empty((len(z), len(targets)))
    for column, key in enumerate(keys):
        if key in columns:
            out[:, column] = columns[key]
        else:
            figure, issue = key.split("/", 1)
            out[:, column] = per_issue[figure][:, issue_index[issue]]
    return out


def forecast_medians(scenario: Scenario, position: np.ndarray) -> np.ndarray:
    """(B, I): the BDM forecast's final weighted median after :data:`FORECAST_ROUNDS` rounds, from
    positions (B, P, I) on the 0–100 scale, as :func:`explorer.dynamics.forecast.final_medians`
    (in chunks: the batch's memory grows with B)."""
    from explorer.dynamics.forecast import run_bdm
    from explorer.dynamics.inputs import model_inputs
    from explorer.dynamics.summary import weighted_median

    inputs = model_inputs(scenario)
    weight = (inputs.capability * inputs.salience).T
    own = inputs.to_own_scale(position)
    finals = [run_bdm(own[start:start + 2048], inputs, FORECAST_ROUNDS)[0][..., -1, :, :]
              for start in range(0, len(own), 2048)]
    final = np.concatenate(finals) if finals else np.empty((0, *position.shape[1:]))
    # back to the 0–100 scale: the forecast reports positions on each issue's own scale
    median = weighted_median(np.swapaxes(final, -1, -2), weight, inputs.present.T)
    span = np.where(inputs.high != inputs.low, inputs.high - inputs.low, 1.0)
    return (median - inputs.low) / span * 100.0
