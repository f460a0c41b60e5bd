"""Negotiation scenario explorer: sourced scenarios, agreement gaps, package deals.

>>> import explorer
>>> scenario = explorer.load("data/scenarios/logrolling_textbook.yaml")
>>> result = explorer.analyze(scenario)
>>> result.package_zopa
True
"""

from explorer.analysis.analysis import OUTCOMES, Analysis, analyze
from explorer.errors import Problem, ScenarioError
from explorer.io.loader import load, validate_file
from explorer.model.scenario import Scenario

__all__ = ["OUTCOMES", "Analysis", "Problem", "Scenario", "ScenarioError", "analyze", "load", "validate_file"]
__version__ = "0.1.0"
