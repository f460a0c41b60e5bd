# Two commands matter: `make run` (set up, then run the main job) and `make test`
# (set up, then run every test). Both create .venv from pinned constraints.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv installs the pinned environment in seconds (pip took ~3.5 minutes on 2 cores); pip stays in the
# venv, and the tests of a user's install (tests/test_install.py) and the Binder check use pip.
UV_VERSION := 0.13.8
PIP_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt
STAMP := $(VENV)/.installed
# What only the tests need beyond the dashboard: the class hub's packages and its proxy (npm).
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench soak server-room schema clean setup screenshot binder-check bench-briefing bench-sensitivity backtest bench-backtest

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(PIP_INSTALL) -e '.[ui,lab,test]'
	touch $@

run: $(STAMP)
	$(BIN)/explorer dashboard

$(TEST_STAMP): $(STAMP)
	$(PIP_INSTALL) -e '.[ui,lab,test,hub]'
	npm install --prefix $(VENV)/chp --no-audit --no-fund --silent configurable-http-proxy@5.3.0
	touch $@

# Two workers (pytest-xdist, a test file per worker at a time), then the tests marked `alone` (they
# bound load, memory or timing) with the machine to themselves, then the Binder check.
test: $(STAMP) $(TEST_STAMP)
	$(BIN)/python -m pytest -q --nbval-lax -n 2 --dist loadfile -m "not alone" --durations=15
	$(BIN)/python -m pytest -q -m alone --durations=5
	bash tests/binder_check.sh

binder-check:
	bash tests/binder_check.sh

# Core, Monte Carlo and deal-search speed (pytest-benchmark; summary.py prints each median
# against its goal and floor), then the browser benchmarks (Voila + Debian's Chromium):
# single viewer vs the floor, per-kernel cost, and a room of 10 then 20 viewers (~25 min
# in all on 2 cores). JSON results go to artifacts/bench/ (not committed).
bench: $(STAMP)
	mkdir -p artifacts/bench
	$(BIN)/python -m pytest benchmarks -q --benchmark-only --benchmark-columns=min,median,max,rounds -o addopts="" \
		--benchmark-json=artifacts/bench/core.json
	$(BIN)/python benchmarks/summary.py artifacts/bench/core.json
	$(BIN)/python benchmarks/bench_dashboard.py --json artifacts/bench/dashboard.json
	$(BIN)/python benchmarks/bench_outlook.py --json artifacts/bench/outlook.json
	$(BIN)/python benchmarks/kernel_cost.py --json artifacts/bench/kernel_cost.json
	$(BIN)/python benchmarks/bench_room.py --n 10 20 --json artifacts/bench/room.json
	$(BIN)/python benchmarks/bench_room.py --n 10 --targets dashboard-main --click-when-drawn --json artifacts/bench/room_clicks.json
	$(BIN)/python benchmarks/bench_server_room.py --json artifacts/bench/server_room.json
	$(BIN)/python benchmarks/bench_soak.py --json artifacts/bench/soak.json
	$(BIN)/python benchmarks/bench_briefing.py --json artifacts/bench/briefing.json

# The DEU III backtest (docs/backtest.md): scores every predictor on the shared file and writes the package's
# results file, which the dashboard, the reports and the notebooks quote (tests/test_backtest_results.py checks it).
DEU3 ?= ../shared/reference-data/deu3/deu3_dev.tsv
backtest: $(STAMP)
	$(BIN)/explorer backtest $(DEU3) --results explorer/analysis/deu3_results.json

# The backtest's speed (goal ≤ 10 s) and the exchange model against DECIDE's own program on the same inputs
# (decide-exchange-model, GPL, in a venv of its own: never a dependency of the project) (~2 min).
DECIDE_VENV ?= .decide-venv
bench-backtest: $(STAMP)
	test -x $(DECIDE_VENV)/bin/python || ($(PYTHON) -m venv $(DECIDE_VENV) && \
		$(DECIDE_VENV)/bin/pip install --quiet decide-exchange-model==2022.1.28)
	$(BIN)/python benchmarks/bench_backtest.py --deu $(DEU3) --decide-python $(DECIDE_VENV)/bin/python \
		--json artifacts/bench/backtest.json

# Sensitivity (issue #18): the Sobol' indices and the tornado of the seed against its 10,000-draw Monte Carlo
# measured in the same run (~1 min), then the click → "what to check first" panel time in Chromium (~3 min).
bench-sensitivity: $(STAMP)
	mkdir -p artifacts/bench
	$(BIN)/python -m pytest benchmarks/test_bench_sensitivity.py benchmarks/test_bench_montecarlo.py -k "sobol or tornado or dashboard_design or 10k" \
		-q --benchmark-only --benchmark-columns=min,median,max,rounds -o addopts="" --benchmark-json=artifacts/bench/sensitivity.json
	$(BIN)/python benchmarks/summary.py artifacts/bench/sensitivity.json
	$(BIN)/python benchmarks/bench_outlook.py --rounds 1 --json artifacts/bench/outlook.json

# The briefing file: size, time to make, open → drawn against a floor page (~1 min).
bench-briefing: $(STAMP)
	mkdir -p artifacts/bench
	$(BIN)/python benchmarks/bench_briefing.py --json artifacts/bench/briefing.json

# A room of 20 pages kept busy for 10 minutes: RSS growth, answered actions, page errors, back to
# idle after the close (~15 min; benchmarks/bench_soak.py says what is measured and the goals).
soak: $(STAMP)
	mkdir -p artifacts/bench
	$(BIN)/python benchmarks/bench_soak.py --json artifacts/bench/soak.json

# N = 10/20/30/40 viewers with no browser (GET, websocket, one click), then 30 through HAProxy
# and 3 replicas (~6 min; benchmarks/bench_server_room.py).
server-room: $(STAMP)
	mkdir -p artifacts/bench
	$(BIN)/python benchmarks/bench_server_room.py --json artifacts/bench/server_room.json --logs artifacts/bench/server_room_logs

screenshot: $(STAMP)
	$(BIN)/python benchmarks/screenshot.py

schema: $(STAMP)
	$(BIN)/explorer schema > data/schema/scenario.schema.json

clean:
	rm -rf $(VENV)
