"""Compare two analyses of the same scenario: what a set of concessions changed.

>>> import explorer
>>> seed = explorer.load("data/scenarios/russia_ukraine_talks.yaml")
>>> table = compare(explorer.analyze(seed),
...                 explorer.analyze(seed.with_concessions(["ukraine-line-freeze"])))
>>> table.loc["territory", ["redline_gap_a", "redline_gap_b", "redline_gap_change"]].tolist()
[40.0, 25.0, -15.0]
"""

from __future__ import annotations

import pandas as pd

from explorer.analysis.analysis import Analysis

ISSUE_COLUMNS = ("position_gap", "redline_gap", "compromise", "weighted_median", "nash")


def compare(a: Analysis, b: Analysis) -> pd.DataFrame:
    """Per issue: each figure under A and B and its change (B − A)."""
    if a.arrays.issue_ids != b.arrays.issue_ids:
        raise ValueError("compare analyses of the same scenario (the issues differ)")
    left, right = a.issues, b.issues
    columns = {}
    for name in ISSUE_COLUMNS:
        columns[f"{name}_a"] = left[name]
        columns[f"{name}_b"] = right[name]
        columns[f"{name}_change"] = right[name] - left[name]
    table = pd.DataFrame(columns)
    table.insert(0, "name", left["name"])
    return table


def compare_overall(a: Analysis, b: Analysis) -> pd.DataFrame:
    """The overall figures of A and B side by side."""
    rows = {}
    for key in ("agreement_gap", "deadlocked_issues", "package_surplus", "package_zopa"):
        rows[key] = {"A": a.overall()[key], "B": b.overall()[key]}
    return pd.DataFrame(rows).T
