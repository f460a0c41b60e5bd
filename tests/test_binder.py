"""Binder's environment is the project's: same pins, a postBuild that fails loudly."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = {"nbval", "playwright", "pytest", "pytest-benchmark", "hypothesis", "py-cpuinfo", "pyee",
              "greenlet", "iniconfig", "pluggy", "sortedcontainers", "coverage", "kubernetes-validate",
              "importlib-resources", "pypdf", "pytest-xdist", "execnet"}
#: The class hub's packages (the ``hub`` extra): not for Binder, whose own hub has its own version.
HUB_TOOLS = {"aiodns", "aiohappyeyeballs", "aiohttp", "aiosignal", "alembic", "certipy", "cryptography",
             "frozenlist", "jupyterhub", "jupyterhub-idle-culler", "jupyterhub-tmpauthenticator", "mako",
             "multidict", "oauthlib", "pamela", "propcache", "pycares", "sqlalchemy", "yarl"}


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[name.lower().replace("_", "-")] = version
    return out


def test_binder_pins_are_the_project_pins():
    project = pins(ROOT / "constraints.txt")
    binder = pins(ROOT / "binder" / "requirements.txt")
    assert binder == {k: v for k, v in project.items() if k not in TEST_TOOLS | HUB_TOOLS}
    for needed in ("voila", "jupyterlab", "ipywidgets", "plotly", "anywidget", "highspy", "pandas"):
        assert needed in binder


def test_post_build_starts_with_set_e_and_installs_the_package():
    lines = [l for l in (ROOT / "binder" / "postBuild").read_text().splitlines() if l and not l.startswith("#")]
    assert lines[0] == "set -e"
    assert any("pip install" in l and "-e ." in l for l in lines)


def test_readme_has_both_badges():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/badge_logo.svg" in readme
    assert "urlpath=lab%2Ftree%2Fnotebooks" in readme
    assert "urlpath=voila%2Frender%2Fnotebooks%2Fdashboard.ipynb" in readme
