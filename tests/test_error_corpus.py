"""The malformed-input corpus: every bad file gives exit 2 and exactly its expected lines.

``tests/error_corpus/<case>.<yaml|json|csv|txt>`` is one malformed input and
``<case>.expected`` the lines ``explorer`` prints on stderr, with the input's
path written as ``{file}``. Scenario files (.yaml/.json) go through
``explorer validate``; DECIDE/BDM files (.csv/.txt) through ``explorer convert``
(an optional ``<case>.args`` adds convert options, one per line).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from explorer.cli import main

CORPUS = Path(__file__).parent / "error_corpus"
SCENARIO_SUFFIXES = {".yaml", ".yml", ".json"}
IMPORT_SUFFIXES = {".csv", ".txt"}
INPUT_SUFFIXES = SCENARIO_SUFFIXES | IMPORT_SUFFIXES
SIDE_SUFFIXES = {".expected", ".args"}
MIN_CASES = 29


def _inputs(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in INPUT_SUFFIXES)


CASES = _inputs(CORPUS)


def run_cli(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> tuple[int, str, str, Path | None]:
    """Run the CLI in-process on one corpus input: (exit code, stdout, stderr, convert output)."""
    if path.suffix in IMPORT_SUFFIXES:
        args_file = path.with_suffix(".args")
        extra = args_file.read_text(encoding="utf-8").split() if args_file.exists() else []
        output = tmp_path / "converted.yaml"
        argv = ["convert", *extra, str(path), str(output)]
    else:
        output = None
        argv = ["validate", str(path)]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err, output


def test_corpus_has_enough_cases():
    assert len(CASES) >= MIN_CASES, f"only {len(CASES)} corpus cases in {CORPUS}"


def test_every_input_has_expected_and_every_expected_has_input():
    files = [p for p in CORPUS.iterdir() if p.is_file()]
    stems = [p.stem for p in CASES]
    assert len(stems) == len(set(stems)), "two inputs share a case name"
    expected = {p.stem for p in files if p.suffix == ".expected"}
    assert set(stems) - expected == set(), "inputs without .expected"
    assert expected - set(stems) == set(), ".expected without an input"
    args = {p.stem for p in files if p.suffix == ".args"}
    imports = {p.stem for p in CASES if p.suffix in IMPORT_SUFFIXES}
    assert args - imports == set(), ".args beside no DECIDE/BDM input"
    stray = [p.name for p in files if p.suffix not in INPUT_SUFFIXES | SIDE_SUFFIXES]
    assert stray == [], "files the corpus test does not read"


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_error_case(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")
    expected_lines = expected.replace("{file}", str(path)).splitlines()
    assert expected_lines, f"{path.with_suffix('.expected').name} is empty"

    code, out, err, output = run_cli(path, tmp_path, capsys)

    assert "Traceback" not in out + err
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    if "invalid YAML:" in expected and not hasattr(yaml, "CSafeLoader"):
        # The wording of a YAML syntax error comes from libyaml; PyYAML's pure-Python
        # parser words it differently. The location must still match.
        cut = lambda text: text[: text.index("invalid YAML:") + len("invalid YAML:")]  # noqa: E731
        assert [cut(line) for line in lines] == [cut(line) for line in expected_lines]
    else:
        assert lines == expected_lines
    if output is not None:
        assert not output.exists(), "a failed convert must not write its output"
