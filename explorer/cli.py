"""The ``explorer`` command line: validate, report, uncertainty, sensitivity, search, forecast, backtest,
briefing, convert, dashboard, schema.

Input problems print one line each on stderr (file:line: field: problem) and
exit with status 2; there is never a traceback for a bad file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from explorer.analysis.analysis import analyze
from explorer.analysis.vocabulary import DEFAULT_OUTCOME, OUTCOMES
from explorer.app.state import DASHBOARD_DRAWS, SEED
from explorer.dynamics.forecast import MODELS
from explorer.errors import Problem, ScenarioError
from explorer.io.formats import scenario_from_text
from explorer.io.loader import SCENARIO_SUFFIXES, load, read_text
from explorer.io.writer import dumps, write_atomic
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData
from explorer.backtest.predictors import PREDICTORS
from explorer.sensitivity.factors import GROUPINGS
from explorer.sensitivity.results import BASE_SAMPLES, METHODS
from explorer.sensitivity.targets import DEFAULT_SETS, TARGET_SETS
from explorer.report import FORMATS

EXIT_INPUT = 2


def _fail(problems: Sequence[Problem]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    return EXIT_INPUT


def _byte_count(text: str) -> int:
    """``--max-bytes``: a positive whole number of bytes."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number of bytes, got {text!r}")
    return count


def cmd_validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []  # at most MAX_PROBLEMS per file (then a line counting the rest)
    for path in args.paths:
        try:
            scenario = load(path, args.max_bytes)
        except ScenarioError as error:
            problems += error.problems
        else:
            if not args.quiet:
                print(f"{path}: valid ({len(scenario.parties)} parties, {len(scenario.issues)} issues, "
                      f"{len(scenario.stances)} stances, {len(scenario.concessions)} concessions)")
    return _fail(problems) if problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    scenario = load(args.path).with_concessions(args.concede)
    sys.stdout.write(FORMATS[args.format](analyze(scenario)))
    return 0


def _count(what: str, most: int):
    """An argparse type: a whole number of ``what`` from 1 to ``most``."""
    def parse(text: str) -> int:
        try:
            count = int(text)
        except ValueError:
            count = 0
        if not 0 < count <= most:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what} from 1 to {most:,}, got {text!r}")
        return count

    return parse


def _draws(text: str) -> int:
    """``--draws``: a whole number from 1 to MAX_DRAWS."""
    from explorer.montecarlo.draws import MAX_DRAWS

    return _count("draws", MAX_DRAWS)(text)


def _seed(text: str) -> int:
    """``--seed``: a whole number from 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0, got {text!r}")
    return value


def cmd_uncertainty(args: argparse.Namespace) -> int:
    from explorer.montecarlo.report import FORMATS as UNCERTAINTY_FORMATS
    from explorer.montecarlo.results import uncertainty

    scenario = load(args.path).with_concessions(args.concede)
    result = uncertainty(scenario, args.draws, args.seed, packages=args.packages)
    sys.stdout.write(UNCERTAINTY_FORMATS[args.format](result))
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from explorer.sensitivity.report import formats as sensitivity_formats
    from explorer.sensitivity.results import sensitivity

    scenario = load(args.path).with_concessions(args.concede)
    try:
        result = sensitivity(scenario, args.method, tuple(args.target or DEFAULT_SETS), args.group, args.draws,
                             args.seed)
    except ValueError as error:  # a design too large for this scenario's factors
        return _fail([Problem(("--draws",), str(error), file=args.path)])
    sys.stdout.write(sensitivity_formats(args.top)[args.format](result))
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from explorer.backtest.deu import read_deu
    from explorer.backtest.report import FORMATS as BACKTEST_FORMATS
    from explorer.backtest.results import backtest_issues
    from explorer.backtest.scenarios import issue_scenario

    issues = read_deu(args.path)
    if args.scenarios:
        folder = Path(args.scenarios)
        folder.mkdir(parents=True, exist_ok=True)
        for issue in issues:
            scenario = issue_scenario(issue)
            write_atomic(folder / f"{scenario.id}.yaml", dumps(scenario.data))
        print(f"{len(issues)} scenario files written to {folder}", file=sys.stderr)
    result = backtest_issues(issues, args.path, tuple(args.predictor or PREDICTORS), args.seed, args.resamples)
    if args.results:
        from explorer.backtest.results import results_file

        write_atomic(args.results, results_file(result))
    sys.stdout.write(BACKTEST_FORMATS[args.format](result))
    return 0


def _base_samples(text: str) -> int:
    """``--draws`` of ``explorer sensitivity``: a power of two from 4."""
    from explorer.sensitivity.sobol import check_base_samples

    try:
        count = int(text)
        check_base_samples(count)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a power of two from 4 (256, 1024, ...), got {text!r}") from error
    return count


def cmd_search(args: argparse.Namespace) -> int:
    from explorer.deals.report import FORMATS as SEARCH_FORMATS
    from explorer.deals.search import search
    from explorer.deals.sets import MAX_CONCESSIONS

    scenario = load(args.path)
    if len(scenario.concessions) > MAX_CONCESSIONS:
        return _fail([Problem(("concessions",), f"{len(scenario.concessions)} concessions: the search enumerates "
                              f"every set and takes at most {MAX_CONCESSIONS}", file=args.path)])
    result = search(scenario, draws=args.draws or 0, seed=args.seed, alternatives=args.alternatives)
    sys.stdout.write(SEARCH_FORMATS[args.format](result))
    return 0


def _rounds(text: str) -> int:
    """``--rounds``: a whole number from 1 to MAX_ROUNDS."""
    from explorer.dynamics.forecast import MAX_ROUNDS

    return _count("rounds", MAX_ROUNDS)(text)


def cmd_forecast(args: argparse.Namespace) -> int:
    from explorer.dynamics.forecast import MAX_FORECAST_DRAWS, forecast
    from explorer.dynamics.report import FORMATS as FORECAST_FORMATS

    if args.draws and args.draws > MAX_FORECAST_DRAWS[args.model]:
        return _fail([Problem(("--draws",), f"the {args.model} forecast takes at most "
                              f"{MAX_FORECAST_DRAWS[args.model]:,} draws, got {args.draws:,}", file=args.path)])
    warnings: list[Problem] = []
    scenario = Scenario.from_data(read_any(args.path, warnings=warnings), source=args.path)
    for warning in warnings:
        print(warning, file=sys.stderr)
    result = forecast(scenario.with_concessions(args.concede), args.model, args.rounds,
                      draws=args.draws or 0, seed=args.seed)
    sys.stdout.write(FORECAST_FORMATS[args.format](result))
    return 0


def read_any(path: str, kind: str = "auto", warnings: list[Problem] | None = None, **options) -> ScenarioData:
    """Read our YAML/JSON, a DECIDE file or a BDM CSV, validated, as ScenarioData.

    An import's warnings (ignored columns, zero weights, …) are appended to ``warnings``.
    """
    return scenario_from_text(read_text(path), path, kind, hint="; use --from", warnings=warnings, **options).data


def _target_format(args: argparse.Namespace) -> str | Problem:
    """``--to``, or the format OUT's suffix implies ('yaml'/'json' for our format)."""
    out_suffix = Path(args.output).suffix.lower()
    if args.target_format != "auto":
        return args.target_format
    if args.output == "-":
        return "yaml"
    if out_suffix not in SCENARIO_SUFFIXES:
        return Problem(("OUT",), f"write .yaml, .yml or .json, not '{out_suffix or args.output}' "
                       "(or give --to decide or --to bdm)", file=args.output)
    return "json" if out_suffix == ".json" else "yaml"


def cmd_briefing(args: argparse.Namespace) -> int:
    from explorer.app.briefing import briefing_html

    path = Path(args.path)
    scenario = load(path)
    made = scenario.with_concessions(args.concede).active  # an unknown or forbidden set: exit 2, named
    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".htm"):
        return _fail([Problem(("-o",), f"the briefing is an HTML file: give a name ending in .html, got {out.name!r}",
                              file=str(out))])
    if not out.parent.is_dir():
        return _fail([Problem(("-o",), f"no folder {str(out.parent)!r} to write the briefing in", file=str(out))])
    text = briefing_html(scenario, made, draws=args.draws, seed=args.seed, model=args.model, outcome=args.outcome,
                         source_name=path.name, source_bytes=path.read_bytes())
    try:
        write_atomic(out, text)
    except OSError as error:
        return _fail([Problem(("-o",), f"cannot write the briefing: {error.strerror or error}", file=str(out))])
    print(f"{out}: briefing of {path.name}, {len(text.encode()) / 1e6:.1f} MB; open it in any browser (no network "
          "needed), print it from there", file=sys.stderr)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from explorer.io.exporters import left_out, write_bdm, write_decide

    target = _target_format(args)
    if isinstance(target, Problem):
        return _fail([target])
    warnings: list[Problem] = []
    # --issue names a BDM input's issue, and picks the issue of a BDM output
    data = read_any(args.input, args.source_format, warnings, veto=args.veto, scale=args.scale,
                    issue=args.issue, as_of=args.as_of)
    for warning in warnings:
        print(warning, file=sys.stderr)
    if target == "decide":
        text = write_decide(data)
    elif target == "bdm":
        text = write_bdm(data, args.issue, file=args.input)
    else:
        text = dumps(data, target)
    if target in ("decide", "bdm") and (lost := left_out(data, target)):
        print(f"{args.input}: note: {target.upper()} cannot hold {', '.join(lost)}: left out", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            write_atomic(args.output, text)
        except OSError as error:
            return _fail([Problem(("OUT",), f"cannot write: {error.strerror}", file=args.output)])
        if target == "bdm":
            print(f"wrote {args.output} ({len(text.splitlines()) - 1} actors on one issue)", file=sys.stderr)
        else:
            print(f"wrote {args.output} ({len(data.parties)} parties, {len(data.issues)} issues, "
                  f"{len(data.stances)} stances)", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    schema = ScenarioData.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Negotiation scenario"
    sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard (the package's ``app/site/dashboard.ipynb``) with Voila over a scenarios folder.

    Settings: the package's ``app/site/voila.json`` (the repository's ``voila.json`` links to it),
    with the address, port, base URL and kernel cap given here. Kernels are capped
    (``explorer.app.serving``); SIGTERM, SIGINT (Ctrl-C) or SIGHUP stop Voila and every kernel.
    """
    import os

    from explorer.app import serving
    from explorer.app.paths import ENV_DIR, checkout_scenarios
    from explorer.app.serving.launch import SITE, ServeOptions, base_url, listen_address, voila_command, voila_environment

    problems = []
    given = args.scenarios or os.environ.get(ENV_DIR) or checkout_scenarios()
    folder = Path(given).resolve() if given else None
    if folder is None:
        problems.append(Problem(("--scenarios",), "no scenarios folder: give --scenarios DIR (a folder of "
                                                  ".yaml/.yml/.json scenario files)", file="explorer dashboard"))
    elif not folder.is_dir():
        problems.append(Problem(("--scenarios",), "is not a folder", file=str(given)))
    for option, check, text in (("--ip", listen_address, args.ip), ("--base-url", base_url, args.base_url)):
        try:
            check(text)
        except ValueError as error:
            problems.append(Problem((option,), str(error), file="explorer dashboard"))
    if not 1 <= args.port <= 65535:
        problems.append(Problem(("--port",), f"{args.port} is not a port (1-65535)", file="explorer dashboard"))
    if args.max_kernels is not None and args.max_kernels < 0:
        problems.append(Problem(("--max-kernels",), f"{args.max_kernels} is below 0 (0 = no cap)",
                                file="explorer dashboard"))
    start = None
    if args.path and folder is not None and folder.is_dir():
        path = Path(args.path).resolve()
        if path.parent != folder or not path.is_file():
            problems.append(Problem(("PATH",), f"the dashboard opens files in {folder} only", file=args.path))
        start = path.name
    if problems:
        return _fail(problems)
    options = ServeOptions(scenarios=folder, ip=listen_address(args.ip), port=args.port,
                           base_url=base_url(args.base_url), max_kernels=args.max_kernels, start=start)
    print(f"Dashboard: {options.url()}  over {folder}  (health: {options.health_url()}; Ctrl-C stops it)",
          flush=True)
    return serving.supervise(voila_command(options), cwd=SITE, env=voila_environment(options, dict(os.environ)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="explorer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check scenario files; exit 2 with one line per problem")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.add_argument("--max-bytes", type=_byte_count, default=None, metavar="N",
                   help="refuse files over N bytes (default: $EXPLORER_MAX_FILE_BYTES, else 2000000)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="gaps, zones and predicted outcomes of a scenario")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--concede", action="append", default=[], metavar="ID",
                   help="apply a concession (repeatable)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("uncertainty", help="Monte Carlo over the coding uncertainty: chances and spreads")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--concede", action="append", default=[], metavar="ID",
                   help="apply a concession (repeatable)")
    p.add_argument("--draws", type=_draws, default=10_000, metavar="N", help="number of draws (default 10000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0): same seed, same numbers")
    p.add_argument("--packages", action="store_true",
                   help="also solve the Nash and K-S packages on every draw with a ZOPA (1-2 ms a draw)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.set_defaults(func=cmd_uncertainty)

    p = sub.add_parser("sensitivity", help="which coded stance each figure hangs on: tornado and Sobol' indices")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--concede", action="append", default=[], metavar="ID",
                   help="apply a concession (repeatable)")
    p.add_argument("--method", choices=list(METHODS), default="both",
                   help="sobol: first and total indices; tornado: one factor at a time at ±1 and ±2 σ (default both)")
    p.add_argument("--target", action="append", choices=list(TARGET_SETS), default=None,
                   help=f"figures to explain (repeatable; default {', '.join(DEFAULT_SETS)}; forecast: the BDM "
                        "forecast's final median, ~0.4 ms a model run)")
    p.add_argument("--group", choices=list(GROUPINGS), default="stance",
                   help="one factor per stance (its position and red lines), party or issue (default stance)")
    p.add_argument("--draws", type=_base_samples, default=BASE_SAMPLES, metavar="N",
                   help=f"base samples of the Sobol' design, a power of two: N × (factors + 2) model runs; also the "
                        f"draws behind the tornado's chances (default {BASE_SAMPLES})")
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default 0): same seed, same numbers")
    p.add_argument("--top", type=_count("factors", 10_000), default=5, metavar="K",
                   help="text and markdown: the K most important factors per figure (default 5; json has all)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("backtest", help="score every predictor on real EU decisions with known outcomes (a DEU III file)")
    p.add_argument("path", metavar="FILE", help="a DEU III file (tab-separated), e.g. ../shared/reference-data/deu3/deu3_dev.tsv")
    p.add_argument("--predictor", action="append", choices=list(PREDICTORS), default=None,
                   help="score only these (repeatable; default every one)")
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="the bootstrap's seed (default 0)")
    p.add_argument("--resamples", type=_count("resamples", 100_000), default=2000, metavar="N",
                   help="bootstrap resamples of the proposals (default 2000)")
    p.add_argument("--scenarios", metavar="DIR", default=None,
                   help="also write every issue as a scenario file (YAML) into DIR")
    p.add_argument("--results", metavar="FILE.json", default=None,
                   help="also write the scores without the per-issue predictions (what `make backtest` writes into "
                        "the package: explorer/analysis/deu3_results.json)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.set_defaults(func=cmd_backtest)

    p = sub.add_parser("search", help="what it would take: the cheapest sets of concessions that open a deal")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--draws", type=_draws, default=None, metavar="N",
                   help="also give each deal its chance of a ZOPA over N draws of the coding uncertainty")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed for --draws (default 0)")
    p.add_argument("--alternatives", type=int, default=0, metavar="K",
                   help="also list the K cheapest other sets that open a ZOPA (default 0)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("forecast", help="how positions might move: the BDM challenge or the exchange model, "
                                         "round by round")
    p.add_argument("path", metavar="PATH", help="a scenario (YAML/JSON), a DECIDE file or a BDM CSV")
    p.add_argument("--model", choices=["bdm", "exchange"], default="bdm",
                   help="bdm: expected-utility challenge model; exchange: equal-gain exchange model (default bdm)")
    p.add_argument("--rounds", type=_rounds, default=10, metavar="N", help="number of rounds (default 10)")
    p.add_argument("--concede", action="append", default=[], metavar="ID",
                   help="apply a concession first (repeatable)")
    p.add_argument("--draws", type=_draws, default=None, metavar="N",
                   help="also run on N draws of the coding uncertainty: spread of the final median")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed for --draws (default 0)")
    p.add_argument("--format", choices=["text", "markdown", "json", "csv"], default="text")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("briefing", help="one self-contained HTML file of the scenario's state: opens offline, prints")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--concede", action="append", default=[], metavar="ID",
                   help="switch a concession on in the state shown first (repeatable)")
    p.add_argument("--draws", type=_draws, default=DASHBOARD_DRAWS, metavar="N",
                   help=f"draws of the coding uncertainty behind the chances (default {DASHBOARD_DRAWS}, as the dashboard)")
    p.add_argument("--seed", type=_seed, default=SEED, metavar="S",
                   help=f"random seed (default {SEED}): same seed, same file")
    p.add_argument("--model", choices=list(MODELS), default="bdm",
                   help="the forecast's model: bdm (expected-utility challenges) or exchange (default bdm)")
    p.add_argument("--outcome", choices=OUTCOMES, default=DEFAULT_OUTCOME,
                   help=f"the package the utility figure shows when it exists (default {DEFAULT_OUTCOME})")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the file to write")
    p.set_defaults(func=cmd_briefing)

    p = sub.add_parser("convert", help="convert between our YAML/JSON, DECIDE and BDM files")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT", help=".yaml/.yml/.json (or any name with --to), or - for stdout")
    p.add_argument("--from", dest="source_format", choices=["auto", "scenario", "decide", "bdm"], default="auto")
    p.add_argument("--to", dest="target_format", choices=["auto", "yaml", "json", "decide", "bdm"], default="auto",
                   help="write a DECIDE input file or a BDM CSV (default: our format, YAML or JSON by OUT's suffix)")
    p.add_argument("--veto", type=lambda s: [v for v in s.split(",") if v], default=None, metavar="A,B",
                   help="the veto parties (default: every imported party)")
    p.add_argument("--scale", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                   help="BDM: the issue's scale ends (default: smallest and largest position)")
    p.add_argument("--issue", default=None, metavar="ID",
                   help="BDM input: the issue's name; --to bdm: the issue to write (id or name), "
                        "needed when the scenario has several")
    p.add_argument("--as-of", type=datetime.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="date the coding reflects (default: today)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("dashboard", help="serve the dashboard with Voila (127.0.0.1:8866 unless told)")
    p.add_argument("path", nargs="?", metavar="PATH", help="scenario to open first (a file of the scenarios folder)")
    p.add_argument("--scenarios", metavar="DIR", default=None,
                   help="the folder of scenario files the dashboard lists (default: $EXPLORER_SCENARIOS_DIR, "
                        "else the checkout's data/scenarios)")
    p.add_argument("--ip", default="127.0.0.1", metavar="ADDR",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8866, metavar="N", help="port (default 8866)")
    p.add_argument("--base-url", default="/", metavar="/PREFIX/",
                   help="serve under this path, e.g. /explorer/ behind a reverse proxy that passes the path "
                        "through (default /)")
    p.add_argument("--max-kernels", type=int, default=None, metavar="N",
                   help="refuse new viewers (HTTP 503, 'try again in a minute') while N kernels run, the "
                        "preheated pool included; 0 = no cap (default: voila.json, CapacityKernelManager.max_kernels)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as error:
        return _fail(error.problems)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
