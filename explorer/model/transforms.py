"""Scenario → Scenario: the same scenario with some of its coding changed.

What the lessons and the analyst notebook move by hand (a party's stance, how sure the
coding is) as pure functions: the scenario given is left as it is (a scenario is
immutable) and a new one is returned.
"""

from __future__ import annotations

from typing import Any

from explorer.model.scenario import Scenario


def with_stance(scenario: Scenario, party: str, issue: str, **fields: Any) -> Scenario:
    """The scenario with one stance's fields replaced, cross-checked like a file.

    Parameters
    ----------
    scenario
        The scenario to start from; its concessions are not applied to the result.
    party, issue
        The stance's party and issue ids.
    **fields
        The stance's fields to replace (``position``, ``salience``, ``acceptable``, ...).

    Returns
    -------
    Scenario
        The baseline scenario with that stance changed (no concession on).

    Raises
    ------
    ScenarioError
        When the result breaks a cross-check of the file format (a position outside its red lines, ...).

    Examples
    --------
    >>> import explorer
    >>> case = explorer.load("data/scenarios/logrolling_textbook.yaml")
    >>> with_stance(case, "union", "wages", position=80.0).stance("union", "wages").position
    80.0
    >>> with_stance(case, "union", "wages", acceptable=(30.0, 90.0))
    Traceback (most recent call last):
    explorer.errors.ScenarioError: data/scenarios/logrolling_textbook.yaml: stances[0].position: 100 lies outside its red lines [30, 90]
    """
    stances = tuple(s.model_copy(update=fields) if (s.party, s.issue) == (party, issue) else s
                    for s in scenario.data.stances)
    return Scenario.from_data(scenario.data.model_copy(update={"stances": stances}), source=scenario.source)


def with_uncertainty(scenario: Scenario, sigma: float | None = None, scale: float | None = None) -> Scenario:
    """The scenario with every stance's uncertainty set to ``sigma`` points, or multiplied by ``scale``.

    So are the uncertainties that concessions set. Its active concessions stay on.

    Parameters
    ----------
    scenario
        The scenario to start from.
    sigma
        The standard deviation (points on each issue's 0–100 scale) every stance gets.
    scale
        What every coded standard deviation is multiplied by (capped at 100). Give ``sigma`` or ``scale``.

    Returns
    -------
    Scenario
        The scenario with the uncertainties changed, the same concessions on.

    Raises
    ------
    ValueError
        When neither or both of ``sigma`` and ``scale`` are given.

    Examples
    --------
    >>> import explorer
    >>> case = explorer.load("data/scenarios/logrolling_textbook.yaml")
    >>> {s.uncertainty for s in with_uncertainty(case, sigma=10).stances}
    {10.0}
    """
    if (sigma is None) == (scale is None):
        raise ValueError("give either sigma or scale")

    def new(value: float) -> float:
        return float(sigma) if sigma is not None else min(100.0, float(value) * scale)

    data = scenario.data
    stances = tuple(s.model_copy(update={"uncertainty": new(s.uncertainty)}) for s in data.stances)
    concessions = tuple(
        c.model_copy(update={"changes": tuple(ch if ch.uncertainty is None else
                                              ch.model_copy(update={"uncertainty": new(ch.uncertainty)})
                                              for ch in c.changes)})
        for c in data.concessions)
    changed = data.model_copy(update={"stances": stances, "concessions": concessions})
    return Scenario(changed, scenario.active, scenario.source)
