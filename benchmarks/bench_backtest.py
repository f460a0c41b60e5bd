"""The DEU III backtest's speed (issue #19), and the exchange model against DECIDE's own program.

    python benchmarks/bench_backtest.py [--deu FILE] [--repeat 3] [--decide-python PATH] [--json out.json]

Goal: the whole backtest of every predictor on the shared file ≤ 10 s (median of ``--repeat`` runs,
reading the file, every prediction and the scores with their 2,000 bootstrap resamples); each family of
predictors is timed beside. Then the exchange model (10 rounds) on the same inputs as DECIDE's own run
(decide-exchange-model 2022.1.28 in a venv of its own, ``benchmarks/decide_timing.py``), measured in
the same run: COP21 (``../shared/reference-data/cop21_decide.csv``) and the DEU proposal with the most
issue × actor cells, written as a DECIDE file by ``explorer convert --to decide``. Without DECIDE's
venv that comparison is skipped (said in the output). ``make bench-backtest`` sets the venv up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from explorer.backtest.deu import read_deu  # noqa: E402
from explorer.backtest.predictors import DeuArrays, predict  # noqa: E402
from explorer.backtest.results import backtest  # noqa: E402
from explorer.backtest.scenarios import proposal_scenario  # noqa: E402
from explorer.dynamics import exchange  # noqa: E402
from explorer.dynamics.inputs import model_inputs  # noqa: E402
from explorer.io.exporters import write_decide  # noqa: E402
from explorer.cli import read_any  # noqa: E402
from explorer.model.scenario import Scenario  # noqa: E402

GOAL_S = 10.0
DEU3 = ROOT.parent / "shared" / "reference-data" / "deu3" / "deu3_dev.tsv"
COP21 = ROOT.parent / "shared" / "reference-data" / "cop21_decide.csv"
FAMILIES = {"weighted rules": ("compromise", "weighted_median"), "Nash and K–S": ("nash", "kalai_smorodinsky"),
            "BDM": ("bdm_median", "bdm_mean"), "exchange": ("exchange_median", "exchange_mean")}


def timed(function, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def ours_on(path: Path, repeat: int) -> float:
    """Our exchange model, 10 rounds, on a DECIDE file: read, convert, run (median seconds)."""
    def run():
        scenario = Scenario.from_data(read_any(str(path)), source=str(path))
        inputs = model_inputs(scenario)
        exchange.equal_gain(inputs.position, inputs.salience, inputs.capability, 10, present=inputs.present,
                            low=inputs.low, high=inputs.high)
    return timed(run, repeat)[0]


def decide_on(python: str, path: Path, repeat: int) -> float:
    out = subprocess.run([python, str(ROOT / "benchmarks" / "decide_timing.py"), str(path), "--repeat", str(repeat)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["median"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deu", type=Path, default=DEU3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--decide-python", default=str(ROOT / ".decide-venv" / "bin" / "python"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    whole, times = timed(lambda: backtest(str(args.deu)).scores(), args.repeat)
    arrays = DeuArrays.from_issues(read_deu(str(args.deu)))
    families = {name: timed(lambda names=names: predict(arrays, names), args.repeat)[0]
                for name, names in FAMILIES.items()}
    result = {"backtest_s": whole, "backtest_times": times, "goal_s": GOAL_S, "met": whole <= GOAL_S,
              "families_s": families}
    issues = read_deu(str(args.deu))
    by_proposal: dict[str, list] = {}
    for issue in issues:
        by_proposal.setdefault(issue.proposal, []).append(issue)
    biggest = max(by_proposal.values(), key=lambda group: len(group) * len({a for i in group for a in i.positions}))
    with tempfile.TemporaryDirectory() as tmp:
        deu_file = Path(tmp) / f"deu_{biggest[0].proposal}.csv"
        deu_file.write_text(write_decide(proposal_scenario(biggest).data))
        inputs = {"cop21": COP21, f"DEU proposal {biggest[0].proposal} ({len(biggest)} issues)": deu_file}
        comparison = {}
        for name, path in inputs.items():
            row = {"ours_s": ours_on(path, 5)}
            if Path(args.decide_python).exists():
                row["decide_s"] = decide_on(args.decide_python, path, args.repeat)
                row["decide_over_ours"] = row["decide_s"] / row["ours_s"]
            else:
                row["decide_s"] = None
            comparison[name] = row
    result["exchange_vs_decide"] = comparison
    if not Path(args.decide_python).exists():
        result["note"] = f"DECIDE's venv not found at {args.decide_python}: run `make bench-backtest`"
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
