"""Bad and huge input: the size limit (refused unread) and the bound on problems per file."""

from __future__ import annotations

import builtins
import subprocess
import sys
from pathlib import Path

import pytest

import explorer.io.loader as loader
from explorer.builder.draft import Draft
from explorer.cli import main
from explorer.errors import MAX_PROBLEMS, MoreProblems, Problem, ScenarioError, bounded
from explorer.io.loader import DEFAULT_MAX_FILE_BYTES, ENV_MAX_FILE_BYTES, load, max_file_bytes, read_text

from .conftest import ROOT, TEXTBOOK

# A stance with three problems: salience missing, position above 100, unknown field 'salince'.
BAD_STANCE = (
    "  - party: union\n    issue: wages\n    position: 120\n    salince: 10\n"
    "    acceptable: [0, 100]\n    source: assumption\n    note: Padding stance with a typo.\n"
)
PROBLEMS_PER_BAD_STANCE = 3


def with_bad_stances(count: int) -> tuple[str, int]:
    """The textbook scenario with ``count`` bad stances after its own: (text, line of the first)."""
    text = TEXTBOOK.read_text(encoding="utf-8")
    cut = text.index("\nconcessions:") + 1
    return text[:cut] + BAD_STANCE * count + text[cut:], text[:cut].count("\n") + 1


def write_bad(path: Path, count: int) -> tuple[Path, int]:
    text, first = with_bad_stances(count)
    path.write_text(text, encoding="utf-8")
    return path, first


def write_huge(path: Path, size: int = 50_000_000) -> Path:
    """A ``size``-byte scenario file of valid-looking YAML (bad stances repeated)."""
    head, _ = with_bad_stances(0)
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        out.write(BAD_STANCE * ((size - len(head)) // len(BAD_STANCE)))
        out.write("#" * (size - out.tell() - 1) + "\n")
    assert path.stat().st_size == size
    return path


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        out.truncate(size)
    return path


def refuse_reading(monkeypatch: pytest.MonkeyPatch, *forbidden: Path) -> None:
    """Make any attempt to open or read one of the ``forbidden`` files fail the test."""
    real_open = builtins.open
    names = {path.resolve() for path in forbidden}

    def guarded(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and Path(file).resolve() in names:
            pytest.fail(f"{Path(file).name} was opened")
        return real_open(file, *args, **kwargs)

    def refused(method):
        real = getattr(Path, method)

        def read(self, *args, **kwargs):
            if self.resolve() in names:
                pytest.fail(f"{method}({self.name})")
            return real(self, *args, **kwargs)

        return read

    monkeypatch.setattr(builtins, "open", guarded)
    for method in ("read_text", "read_bytes"):  # the forbidden files only: others may be read
        monkeypatch.setattr(Path, method, refused(method))


# -- the size limit ------------------------------------------------------------


def test_default_limit_is_2_mb(monkeypatch):
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    assert max_file_bytes() == DEFAULT_MAX_FILE_BYTES == 2_000_000


def test_file_one_byte_over_the_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    path = sparse(tmp_path / "over.yaml", DEFAULT_MAX_FILE_BYTES + 1)
    refuse_reading(monkeypatch, path)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: (file): the file is 2,000,001 bytes, over the 2,000,000 bytes limit for a scenario"
        " (set EXPLORER_MAX_FILE_BYTES to raise it)"
    ]


def test_50_mb_file_is_refused_with_its_size(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    path = write_huge(tmp_path / "huge.yaml")
    refuse_reading(monkeypatch, path)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    (problem,) = caught.value.problems
    assert str(problem) == (f"{path}: (file): the file is 50.0 MB, over the 2.0 MB limit for a scenario"
                            " (set EXPLORER_MAX_FILE_BYTES to raise it)")


def test_a_file_at_the_limit_is_read_and_one_byte_less_refuses_it(tmp_path, monkeypatch):
    path = tmp_path / "textbook.yaml"
    path.write_bytes(TEXTBOOK.read_bytes())
    size = path.stat().st_size
    assert load(path, max_bytes=size).title.startswith("Logrolling")
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, str(size))
    assert load(path).title.startswith("Logrolling")
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, str(size - 1))
    with pytest.raises(ScenarioError, match=f"the file is {size:,} bytes, over the {size - 1:,} bytes limit"):
        load(path)
    with pytest.raises(ScenarioError, match="over the 1.0 kB limit"):
        load(path, max_bytes=1000)  # the argument wins over the environment


@pytest.mark.parametrize("value", ["lots", "0", "-5", "1.5"])
def test_a_bad_limit_in_the_environment_is_a_problem_not_a_crash(value, monkeypatch):
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, value)
    with pytest.raises(ScenarioError) as caught:
        load(TEXTBOOK)
    assert [str(p) for p in caught.value.problems] == [
        f"{TEXTBOOK}: EXPLORER_MAX_FILE_BYTES: must be a positive whole number of bytes, got {value!r}"
    ]


def test_read_text_reads_no_more_than_the_limit_from_a_growing_file(tmp_path, monkeypatch):
    """The size is checked first; a file longer than its stat said is still cut at the limit."""
    path = tmp_path / "grows.yaml"
    path.write_text("x" * 100, encoding="utf-8")
    monkeypatch.setattr(loader.os, "stat", lambda p: type("Stat", (), {"st_size": 10})())
    with pytest.raises(ScenarioError, match="the file is over the 50 bytes limit"):
        read_text(path, max_bytes=50)


def test_read_text_keeps_its_old_behaviour_under_the_limit(tmp_path):
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n")
    assert read_text(path) == "a: 1\nb: 2\n"  # no byte-order mark, newlines as Path.read_text gives them
    with pytest.raises(ScenarioError, match="cannot read file: No such file or directory"):
        read_text(tmp_path / "missing.yaml")


# -- at most MAX_PROBLEMS problems per file ------------------------------------------


def test_bounded_keeps_the_first_and_counts_the_rest():
    found = [Problem(("x", k), "bad", k + 1, "f.yaml") for k in range(MAX_PROBLEMS + 7)]
    cut = bounded(found)
    assert cut[:MAX_PROBLEMS] == found[:MAX_PROBLEMS]
    assert isinstance(cut[-1], MoreProblems) and cut[-1].count == 7
    assert str(cut[-1]) == "f.yaml: ... and 7 more problems"
    assert bounded(found[:MAX_PROBLEMS]) == found[:MAX_PROBLEMS]
    again = bounded(cut, limit=10)  # a cut list cut again adds up
    assert len(again) == 11 and again[-1].count == MAX_PROBLEMS + 7 - 10
    assert str(bounded([*found[:3], MoreProblems.after(None, "f.yaml")], limit=2)[-1]) == "f.yaml: ... and more problems"


@pytest.mark.parametrize("stances", [16, 17])
def test_problems_of_one_file_stop_at_the_limit(stances, tmp_path):
    path, first = write_bad(tmp_path / "bad.yaml", stances)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    problems = caught.value.problems
    total = PROBLEMS_PER_BAD_STANCE * stances  # 48: all listed; 51: 50 and "1 more problem"
    if total <= MAX_PROBLEMS:
        assert len(problems) == total and not any(isinstance(p, MoreProblems) for p in problems)
    else:
        assert len(problems) == MAX_PROBLEMS + 1
        assert str(problems[-1]) == f"{path}: ... and {total - MAX_PROBLEMS} more problem"
    listed = [p for p in problems if not isinstance(p, MoreProblems)]
    assert listed[0].line == first  # the first in file order: salience missing, on the stance's first line
    assert [p.line for p in listed] == sorted(p.line for p in listed)


def test_cli_validate_50_mb_file_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    path = write_huge(tmp_path / "huge.yaml")
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == [f"{path}: (file): the file is 50.0 MB, over the 2.0 MB limit for a scenario"
                                " (set EXPLORER_MAX_FILE_BYTES to raise it)"]


def test_cli_validate_50_mb_file_in_a_subprocess(tmp_path):
    """The real command on the 50 MB file (timings are in the issue, not asserted here)."""
    path = write_huge(tmp_path / "huge.yaml")
    env = {k: v for k, v in __import__("os").environ.items() if k != ENV_MAX_FILE_BYTES}
    done = subprocess.run([sys.executable, "-m", "explorer", "validate", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{path}: (file): the file is 50.0 MB, over the 2.0 MB limit for a scenario"
                                        " (set EXPLORER_MAX_FILE_BYTES to raise it)"]


def test_cli_validate_with_raised_limit_prints_at_most_51_lines(tmp_path, capsys):
    stances = 3_000_000 // len(BAD_STANCE)
    path, _ = write_bad(tmp_path / "many.yaml", stances)
    assert path.stat().st_size > DEFAULT_MAX_FILE_BYTES
    assert main(["validate", str(path)]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1  # over the default limit

    code = main(["validate", "--max-bytes", "4000000", str(path)])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(lines) == MAX_PROBLEMS + 1
    total = PROBLEMS_PER_BAD_STANCE * stances
    assert lines[-1] == f"{path}: ... and {total - MAX_PROBLEMS} more problems"


def test_cli_validate_bounds_each_file_on_its_own(tmp_path, capsys):
    first, _ = write_bad(tmp_path / "a.yaml", 20)
    second, _ = write_bad(tmp_path / "b.yaml", 2)
    assert main(["validate", str(first), str(second), str(TEXTBOOK)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == MAX_PROBLEMS + 1 + 2 * PROBLEMS_PER_BAD_STANCE
    assert lines[MAX_PROBLEMS] == f"{first}: ... and 10 more problems"
    assert all(line.startswith(str(second)) for line in lines[MAX_PROBLEMS + 1:])
    assert "logrolling_textbook.yaml: valid" in captured.out


def test_cli_max_bytes_option_is_checked(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--max-bytes", "many", str(TEXTBOOK)])
    assert caught.value.code == 2
    assert "--max-bytes: expected a positive whole number of bytes, got 'many'" in capsys.readouterr().err
    assert main(["validate", "--max-bytes", "1000", str(TEXTBOOK)]) == 2
    assert "over the 1.0 kB limit" in capsys.readouterr().err


def test_convert_refuses_an_oversize_input_unread(tmp_path, capsys, monkeypatch):
    path = sparse(tmp_path / "huge.csv", 60_000_000)
    output = tmp_path / "out.yaml"
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    assert main(["convert", str(path), str(output)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: (file): the file is 60.0 MB, over the 2.0 MB limit for a scenario (set EXPLORER_MAX_FILE_BYTES"
        " to raise it)"]
    assert not output.exists()


def test_convert_bounds_the_problems_of_an_import(tmp_path, capsys):
    rows = "".join(f"'#D'\t'a'\t'x'\t20\thigh{k}\t0.5\n" for k in range(200))
    path = tmp_path / "bad.txt"
    path.write_text("'#A'\t'a'\t'Actor A'\t''\n'#P'\t'x'\t'Issue X'\t''\n" + rows, encoding="utf-8")
    assert main(["convert", str(path), str(tmp_path / "out.yaml")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0] == f"{path}:3: #D.salience: 'high0' is not a number"
    assert lines[-1] == f"{path}: ... and 150 more problems"


def test_the_builder_still_sees_every_problem_of_a_draft():
    text, _ = with_bad_stances(20)
    import yaml

    draft = Draft(yaml.safe_load(text))
    assert len(draft.problems) == PROBLEMS_PER_BAD_STANCE * 20
    assert not any(isinstance(p, MoreProblems) for p in draft.problems)
