import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
SEED = SCENARIOS / "russia_ukraine_talks.yaml"
TEXTBOOK = SCENARIOS / "logrolling_textbook.yaml"

settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    """Tests and doctests use paths relative to the project root."""
    monkeypatch.chdir(ROOT)
