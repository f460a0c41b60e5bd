import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
SEED = SCENARIOS / "russia_ukraine_talks.yaml"
TEXTBOOK = SCENARIOS / "logrolling_textbook.yaml"
#: The seed's concessions that, all on, open a deal (the tests' standard "deal" set).
DEAL = ["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
        "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda", "russia-drops-preconditions"]
# run with the DECIDE oracle's own venv, never by pytest (it imports `decide`, no dependency of ours)
collect_ignore = ["fixtures/make_decide_cop21.py"]

settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    """Tests and doctests use paths relative to the project root."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (tests/browser_support.py). Without it a test skips
    locally and FAILS when ``$CI`` is set, so CI never skips browser tests silently."""
    from tests.browser_support import find_chromium, launch_chromium

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright Python package is not installed"
    else:
        missing = None if find_chromium() else "no Chromium found (install Debian's chromium or set $CHROMIUM)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + ": browser tests must run in CI", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def case():
    """The textbook scenario (tests/test_model_transforms.py, tests/test_app_teaching.py)."""
    import explorer

    return explorer.load(TEXTBOOK)


@pytest.fixture(scope="module")
def seed():
    """The seed scenario; a module may define its own ``seed`` instead."""
    import explorer

    return explorer.load(SEED)
