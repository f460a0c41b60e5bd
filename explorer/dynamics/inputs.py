"""A scenario as the dynamic models' arrays, on each issue's own (original) scale.

The models run on the scale the stances were measured on: an imported issue keeps its
``scale`` (DECIDE's ``#M`` ends, BDM's lowest and highest position) and its positions are
mapped back to it,

    x_orig = low + x / 100 · (high − low),

while an issue of our own has the 0–100 scale (low = 0, high = 100). Saliences are
divided by 100 (the models want s ∈ (0, 1]); capabilities are kept as they are (each
model only uses their ratios). A party with no stance on an issue is absent from it:
``present`` is False, its position NaN and its salience and capability 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.model.scenario import Scenario


@dataclass(frozen=True, eq=False)
class ModelInputs:
    party_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    present: np.ndarray  # (A, I) bool: the party has a stance on the issue
    position: np.ndarray  # (A, I) on the issue's own scale; NaN where absent
    salience: np.ndarray  # (A, I) in (0, 1]; 0 where absent
    capability: np.ndarray  # (A, I) > 0 (the stance's own capability, else the party's); 0 where absent
    low: np.ndarray  # (I,) the scale's low end (position 0 of the scenario)
    high: np.ndarray  # (I,) the scale's high end (position 100 of the scenario)

    def to_own_scale(self, values: np.ndarray) -> np.ndarray:
        """Map 0–100 values (last axis = issues) to the issues' own scales."""
        return self.low + np.asarray(values, dtype=float) / 100.0 * (self.high - self.low)


def model_inputs(scenario: Scenario) -> ModelInputs:
    """The scenario's stances in force (concessions applied) as the models' arrays.

    >>> import explorer
    >>> inputs = model_inputs(explorer.load("data/scenarios/logrolling_textbook.yaml"))
    >>> inputs.position.shape == inputs.salience.shape == (len(inputs.party_ids), len(inputs.issue_ids))
    True
    """
    arrays = ScenarioArrays.from_scenario(scenario)
    low = np.array([i.scale.low if i.scale is not None else 0.0 for i in scenario.issues], dtype=float)
    high = np.array([i.scale.high if i.scale is not None else 100.0 for i in scenario.issues], dtype=float)
    present = arrays.has
    position = np.where(present, low + arrays.position / 100.0 * (high - low), np.nan)
    salience = np.where(present, arrays.salience / 100.0, 0.0)
    capability = np.divide(arrays.weight, arrays.salience, where=present & (arrays.salience > 0),
                           out=np.zeros_like(arrays.weight))  # c = (c·s)/s: the stance's own or the party's
    return ModelInputs(arrays.party_ids, arrays.issue_ids, present, position, salience, capability, low, high)
