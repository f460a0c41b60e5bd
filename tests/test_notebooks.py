"""Notebooks: committed clean, with an expected output for every checked cell.

``pytest --nbval-lax`` (part of ``make test``) runs every notebook top to bottom.
Committed notebooks carry no outputs (see ../shared/STACK.md), so the outputs of
cells marked ``# NBVAL_CHECK_OUTPUT`` are kept in ``tests/notebook_outputs/`` and
``notebooks/conftest.py`` hands them to nbval, which compares them. This module
checks the committed files; ``python -m tests.test_notebooks`` records the outputs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = Path(__file__).parent / "notebook_outputs"
MARK = "# NBVAL_CHECK_OUTPUT"


def marked(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(MARK)]


def executed_outputs(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    result = {}
    for cell in marked(nb):
        text = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        result[cell.id] = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return result


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_clean(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "widget state is committed"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has outputs"


CHECKED = [p for p in NOTEBOOKS if marked(nbformat.read(p, as_version=4))]


@pytest.mark.parametrize("path", CHECKED, ids=[p.name for p in CHECKED])
def test_every_checked_cell_has_its_expected_output(path: Path):
    expected_file = EXPECTED / f"{path.stem}.json"
    assert expected_file.exists(), f"run `python -m tests.test_notebooks` to record {expected_file.name}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert set(expected) == {c.id for c in marked(nbformat.read(path, as_version=4))}
    assert all(text.strip() for text in expected.values())


def test_the_lessons_check_something():
    assert len(CHECKED) >= 2


if __name__ == "__main__":  # record the expected outputs
    EXPECTED.mkdir(exist_ok=True)
    for notebook in CHECKED:
        outputs = executed_outputs(notebook)
        (EXPECTED / f"{notebook.stem}.json").write_text(json.dumps(outputs, indent=1, ensure_ascii=False) + "\n")
        print(f"{notebook.name}: {len(outputs)} cells recorded", file=sys.stderr)
