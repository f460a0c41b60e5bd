"""Negotiation scenario explorer: sourced scenarios, agreement gaps, package deals.

>>> import explorer
>>> scenario = explorer.load("data/scenarios/logrolling_textbook.yaml")
>>> result = explorer.analyze(scenario)
>>> result.package_zopa
True
"""

from explorer.analysis.analysis import OUTCOMES, Analysis, analyze
from explorer.deals.search import DealSearch, search
from explorer.dynamics.forecast import Forecast, forecast
from explorer.errors import Problem, ScenarioError
from explorer.io.loader import load, validate_file
from explorer.model.scenario import Scenario
from explorer.montecarlo.results import Uncertainty, uncertainty
from explorer.sensitivity.results import Sensitivity, sensitivity  # the function takes the subpackage's name here

__all__ = ["OUTCOMES", "Analysis", "DealSearch", "Forecast", "Problem", "Scenario", "ScenarioError", "Sensitivity",
           "Uncertainty", "analyze", "forecast", "load", "search", "sensitivity", "uncertainty", "validate_file"]
__version__ = "0.1.0"
