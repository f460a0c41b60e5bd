"""The package's layers, read from every module's imports with ``ast`` (nothing is imported).

* (a) nothing outside ``explorer.app`` imports it, except ``explorer.cli``; the briefing
  (``explorer.app.briefing``, which the CLI and the dashboard both use) takes from the rest of the app
  only :data:`BRIEFING_MAY_IMPORT` (and, through them, no widget library);
* (b) the core (every package below the app in :data:`LAYERS`) never imports a widget or
  server library (:data:`WIDGET_AND_SERVER_LIBRARIES`);
* (c) a package imports only packages of lower layers (:data:`LAYERS`, read from the code);
* (d) no module imports another's ``_private`` name.

A package reference that imports it at run time without an ``import`` statement
(``importlib.resources.files("explorer.app.panels")``, ``import_module(...)``) counts as an import.
The last tests check that each rule catches an import that breaks it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"

#: The packages of ``explorer`` from the bottom up ("explorer" is the package's own ``__init__``, its
#: public facade). A package may import only packages of lower layers, never one of its own layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("model",),
    ("analysis", "io"),
    ("report", "builder"),  # report: the text reports' shared helpers (the Monte Carlo's, deals', dynamics')
    ("montecarlo",),
    ("deals", "dynamics"),
    ("sensitivity", "backtest"),  # both run the dynamic models (the BDM forecast as a target; every predictor)
    ("explorer",),
    ("app",),
    ("cli",),
    ("__main__",),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
CORE = frozenset(package for package, rank in RANK.items() if rank < RANK["app"])
WIDGET_AND_SERVER_LIBRARIES = ("ipywidgets", "anywidget", "plotly", "voila", "tornado", "IPython")
MAY_IMPORT_THE_APP = ("cli",)
BRIEFING = "explorer.app.briefing"
#: What the briefing may take from the app: the panels' figures, the texts and the engine, not a widget.
BRIEFING_MAY_IMPORT = ("explorer.app.figures", "explorer.app.palette", "explorer.app.text",
                       "explorer.app.state")  # state: the dashboard's engine (Exploration), widget-free
BRIEFING_NEVER_REACHES = ("ipywidgets", "anywidget", "plotly", "explorer.app.dashboard", "explorer.app.widgets",
                          "explorer.app.panels")
#: Imports of the app by the briefing that break rule (a) today, each with why: reported, not allowed.
#: Remove an entry when its import is gone (test_the_known_exceptions_are_what_breaks_rule_a_today says when).
KNOWN_BRIEFING_EXCEPTIONS: dict[str, str] = {}
RESOURCE_CALLS = ("files", "import_module", "as_file", "read_text", "read_binary", "open_text", "open_binary")


@dataclass(frozen=True)
class Import:
    """One import of one module: ``module`` imports ``target`` (taking ``names`` from it), at ``line``."""

    module: str
    target: str
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        taken = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.module}:{self.line} imports {self.target}{taken}"


def module_name(path: Path) -> str:
    """``explorer/app/dashboard/__init__.py`` → ``explorer.app.dashboard``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """The top package of ``explorer`` a module belongs to ("explorer" for the package's own ``__init__``).

    >>> package_of("explorer.app.dashboard.facade"), package_of("explorer.cli"), package_of("explorer")
    ('app', 'cli', 'explorer')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def within(module: str, prefixes: Iterable[str]) -> bool:
    """Whether ``module`` is one of ``prefixes`` or inside one."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def imports_of(module: str, source: str, is_package: bool, known: frozenset[str]) -> Iterator[Import]:
    """Every import in ``source`` (at any depth: a function's own imports count), resolved against
    the ``known`` modules: ``from explorer.app import figures`` imports ``explorer.app.figures``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(module, sub, (), node.lineno) if sub in known else Import(
                    module, base, (alias.name,), node.lineno)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            anchor = node.args[0].value
            if called in RESOURCE_CALLS and isinstance(anchor, str) and within(anchor, ["explorer"]):
                yield Import(module, anchor, (), node.lineno)


def read_imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of every module of ``package``."""
    files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
    known = frozenset(module_name(p) for p in files)
    return [found for path in files
            for found in imports_of(module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py",
                                    known)]


# -- the rules: each returns what breaks it ----------------------------------------------
def unlayered(imports: list[Import]) -> list[str]:
    """Packages that :data:`LAYERS` does not place."""
    return sorted({package_of(i.module) for i in imports} - set(RANK))


def upward(imports: list[Import]) -> list[Import]:
    """(c) Imports of a package of the same or a higher layer."""
    return [i for i in imports if within(i.target, ["explorer"]) and package_of(i.module) in RANK
            and package_of(i.target) != package_of(i.module)
            and RANK.get(package_of(i.target), len(LAYERS)) >= RANK[package_of(i.module)]]


def core_importing_widgets(imports: list[Import]) -> list[Import]:
    """(b) Imports of a widget or server library by the core."""
    return [i for i in imports if package_of(i.module) in CORE and within(i.target, WIDGET_AND_SERVER_LIBRARIES)]


def app_import_allowed(i: Import, known: Iterable[str]) -> bool:
    """Whether ``i`` keeps rule (a): the app's own, the CLI's, or the briefing's of its figures and texts."""
    package = package_of(i.module)
    if within(i.module, [BRIEFING]):
        if within(i.target, BRIEFING_NEVER_REACHES):
            return within(i.target, known)
        return (not within(i.target, ["explorer.app"]) or i.target == "explorer.app"  # the bare package: empty
                or within(i.target, [BRIEFING, *BRIEFING_MAY_IMPORT, *known]))
    return package in ("app", *MAY_IMPORT_THE_APP) or not within(i.target, ["explorer.app"])


def importing_the_app(imports: list[Import], known: Iterable[str] = KNOWN_BRIEFING_EXCEPTIONS) -> list[Import]:
    """(a) Imports of the app from outside it, other than the CLI's and the briefing's allowed ones."""
    return [i for i in imports if not app_import_allowed(i, known)]


def reached_from(imports: list[Import], start: str, skip: Iterable[str] = KNOWN_BRIEFING_EXCEPTIONS) -> set[str]:
    """Every module importing ``start``'s modules loads (packages above a module included), but for ``skip``."""
    by_module: dict[str, set[str]] = {}
    for i in imports:
        by_module.setdefault(i.module, set()).add(i.target)
    reached, stack = set(), [m for m in by_module if within(m, [start])]
    while stack:
        module = stack.pop()
        parts = module.split(".")
        for loaded in (".".join(parts[:k]) for k in range(1, len(parts) + 1)):
            if loaded not in reached and not (within(loaded, skip) and not within(loaded, [start])):
                reached.add(loaded)
                stack.extend(by_module.get(loaded, ()))
    return reached


def briefing_reaching_widgets(imports: list[Import]) -> list[str]:
    """(a) What the briefing loads, directly or not, of the widgets, the dashboard or plotly."""
    return sorted(m for m in reached_from(imports, BRIEFING) if within(m, BRIEFING_NEVER_REACHES))


def private_names(imports: list[Import]) -> list[Import]:
    """(d) Imports of another module's ``_private`` names (or of a ``_private`` module of ours)."""
    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    return [i for i in imports if any(map(private, i.names))
            or within(i.target, ["explorer"]) and any(map(private, i.target.split(".")))]


# -- the package as it is --------------------------------------------------------------
@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return read_imports()


def test_every_package_has_a_layer(imports):
    assert unlayered(imports) == [], "place each new package in LAYERS"


def test_no_package_imports_one_of_its_own_or_a_higher_layer(imports):
    assert [str(i) for i in upward(imports)] == []


def test_the_core_imports_no_widget_or_server_library(imports):
    assert [str(i) for i in core_importing_widgets(imports)] == []


def test_only_the_cli_and_the_briefing_import_the_app_and_the_briefing_only_its_figures_and_texts(imports):
    assert [str(i) for i in importing_the_app(imports)] == []


def test_the_briefing_loads_no_widget_no_dashboard_and_no_plotly(imports):
    assert briefing_reaching_widgets(imports) == []


def test_no_module_imports_a_private_name_of_another(imports):
    assert [str(i) for i in private_names(imports)] == []


# -- each rule catches an import that breaks it -------------------------------------------
def added(imports: list[Import], module: str, source: str) -> list[Import]:
    """``imports`` with those of ``source`` as if it were in ``module``."""
    known = frozenset({i.module for i in imports} | {i.target for i in imports})
    return [*imports, *imports_of(module, source, False, known)]


@pytest.mark.parametrize("module, source, rule", [
    ("explorer.model.extra", "from explorer.analysis.analysis import analyze", upward),
    ("explorer.deals.extra", "import explorer.dynamics.forecast", upward),
    ("explorer.errors", "def f():\n    from explorer.cli import main", upward),
    ("explorer.analysis.extra", "import plotly.graph_objects as go", core_importing_widgets),
    ("explorer.io.extra", "def show():\n    from IPython.display import display", core_importing_widgets),
    ("explorer.report", "from ipywidgets import HTML", core_importing_widgets),
    ("explorer.deals.extra", "from explorer.app.figures import deals", importing_the_app),
    ("explorer.app.briefing.extra", "from explorer.app.dashboard import Dashboard", importing_the_app),
    ("explorer.app.briefing.extra", "from explorer.app import widgets", importing_the_app),
    ("explorer.app.briefing.extra", "import ipywidgets", importing_the_app),
    ("explorer.app.briefing.extra", "files = resources.files('explorer.app.dashboard')", importing_the_app),
    ("explorer.app.upload", "from explorer.io.loader import _describe", private_names),
    ("explorer.cli", "from explorer.app.dashboard.facade import Section as _Section, _x", private_names),
])
def test_a_violating_import_is_caught(imports, module, source, rule):
    assert rule(imports) == []
    assert [str(i) for i in rule(added(imports, module, source))] != []


def test_a_new_package_must_be_placed(imports):
    assert unlayered(added(imports, "explorer.newpart.x", "import numpy")) == ["newpart"]


def test_the_briefing_may_not_reach_a_widget_through_a_module_it_may_import(imports):
    assert briefing_reaching_widgets(imports) == []
    through_the_texts = added(imports, "explorer.app.text", "def f():\n    import plotly.graph_objects")
    assert briefing_reaching_widgets(through_the_texts) == ["plotly", "plotly.graph_objects"]


def test_the_known_exceptions_are_what_breaks_rule_a_today(imports):
    """An entry of KNOWN_BRIEFING_EXCEPTIONS goes when the briefing no longer needs it."""
    assert {i.target for i in importing_the_app(imports, known=())} == set(KNOWN_BRIEFING_EXCEPTIONS)
