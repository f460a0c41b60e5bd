"""DECIDE's own exchange model on a DECIDE input file, timed: run with DECIDE's venv, never by pytest.

    /tmp/decide-venv/bin/python benchmarks/decide_timing.py FILE.csv [--rounds 10] [--repeat 5]

Prints JSON: the median and every time (seconds) of reading the file, building the model and running
``rounds`` rounds of DECIDE's equal-gain model (deterministic ties, as tests/fixtures/make_decide_cop21.py
runs it, with an event handler that records nothing). ``benchmarks/bench_backtest.py`` calls it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model import equalgain
from decide.model.observers.observer import Observable
from decide.model.utils import ModelLoop


def run_once(path: str, rounds: int) -> float:
    start = time.perf_counter()
    data_file = InputDataFile.open(path)
    if not data_file.is_valid:
        raise SystemExit(f"invalid input: {data_file.errors}")
    model = ModelFactory(data_file)(model_klass=equalgain.EqualGainModel, randomized_value=None)
    with tempfile.TemporaryDirectory() as tmp:
        loop = ModelLoop(model, Observable(model_ref=model, output_directory=tmp), 0)
        for _ in range(rounds):
            loop.loop()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    equalgain.EqualGainModel.ALLOW_RANDOM = False
    times = [run_once(args.path, args.rounds) for _ in range(args.repeat)]
    print(json.dumps({"median": statistics.median(times), "times": times}))


if __name__ == "__main__":
    main()
