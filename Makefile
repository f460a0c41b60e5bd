# Two commands matter: `make run` (set up, then run the main job) and `make test`
# (set up, then run every test). Both create .venv from pinned constraints.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
STAMP := $(VENV)/.installed

.PHONY: run test bench schema clean setup screenshot binder-check

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[ui,lab,test]'
	touch $@

run: $(STAMP)
	$(BIN)/explorer dashboard

test: $(STAMP)
	$(BIN)/python -m pytest -q --nbval-lax
	bash tests/binder_check.sh

binder-check:
	bash tests/binder_check.sh

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q --benchmark-only --benchmark-columns=min,median,max,rounds -o addopts=""
	$(BIN)/python benchmarks/bench_dashboard.py

screenshot: $(STAMP)
	$(BIN)/python benchmarks/screenshot.py

schema: $(STAMP)
	$(BIN)/explorer schema > data/schema/scenario.schema.json

clean:
	rm -rf $(VENV)
