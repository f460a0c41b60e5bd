"""For nbval: the outputs expected from cells marked ``# NBVAL_CHECK_OUTPUT``.

Committed notebooks carry no outputs, and nbval compares a marked cell only with
outputs stored in the notebook. The expected outputs live in
``tests/notebook_outputs/<notebook>.json`` and are put in place here, before nbval
runs each cell, so that ``pytest --nbval-lax`` really checks them.
"""

import json
from pathlib import Path

import nbformat

EXPECTED = Path(__file__).resolve().parents[1] / "tests" / "notebook_outputs"
MARK = "# NBVAL_CHECK_OUTPUT"


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None or not str(cell.get("source", "")).startswith(MARK):
            continue
        expected = json.loads((EXPECTED / f"{Path(str(item.fspath)).stem}.json").read_text(encoding="utf-8"))
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected[cell.id])]
        cell.execution_count = 1  # nbval skips the comparison for cells never run
