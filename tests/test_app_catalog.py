"""The dashboard's list of scenario files: oversize files unread, bounded problem text, the cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import explorer.app.catalog as catalog
from explorer.app.catalog import Entry, list_scenarios, problems_text
from explorer.errors import MAX_PROBLEMS
from explorer.io.loader import ENV_MAX_FILE_BYTES

from .conftest import TEXTBOOK
from .test_loader_limits import PROBLEMS_PER_BAD_STANCE, refuse_reading, sparse, write_bad, write_huge


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv(ENV_MAX_FILE_BYTES, raising=False)
    catalog.clear_cache()
    yield
    catalog.clear_cache()


def copy_textbook(folder: Path, name: str = "textbook.yaml") -> Path:
    path = folder / name
    path.write_bytes(TEXTBOOK.read_bytes())
    return path


def test_catalog_imports_no_widget_or_plotting_library():
    code = ("import sys, explorer.app.catalog; "
            "print([m for m in ('ipywidgets', 'plotly', 'anywidget') if m in sys.modules])")
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_lists_valid_and_invalid_files_by_name(tmp_path):
    copy_textbook(tmp_path)
    write_bad(tmp_path / "bad.yaml", 2)
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    copy_textbook(tmp_path / "sub")
    entries = list_scenarios(tmp_path)
    assert [e.path.name for e in entries] == ["bad.yaml", "textbook.yaml"]
    assert entries[0].scenario is None and entries[0].label == "⚠ bad.yaml (invalid)"
    assert len(entries[0].problems) == 2 * PROBLEMS_PER_BAD_STANCE and entries[0].more == 0
    assert entries[1].scenario is not None and entries[1].label.endswith("(textbook.yaml)")


def test_an_oversize_file_is_listed_invalid_without_being_read(tmp_path, monkeypatch):
    huge = write_huge(tmp_path / "huge.yaml")
    over = sparse(tmp_path / "over.yaml", 2_000_001)
    copy_textbook(tmp_path)
    refuse_reading(monkeypatch, huge, over)
    real_load = catalog.load
    monkeypatch.setattr(catalog, "load", lambda path, *a: (
        pytest.fail(f"loaded {path.name}") if path.name != "textbook.yaml" else real_load(path, *a)))
    entries = {e.path.name: e for e in list_scenarios(tmp_path)}
    assert entries["textbook.yaml"].scenario is not None  # the others are still read
    assert entries["huge.yaml"].label == "⚠ huge.yaml (invalid)"
    assert entries["huge.yaml"].problems == (
        f"{huge}: (file): the file is 50.0 MB, over the 2.0 MB limit for a scenario"
        " (set EXPLORER_MAX_FILE_BYTES to raise it)",)
    assert problems_text(entries["huge.yaml"]) == (
        "huge.yaml: (file): the file is 50.0 MB, over the 2.0 MB limit for a scenario"
        " (set EXPLORER_MAX_FILE_BYTES to raise it)")
    assert "2,000,001 bytes, over the 2,000,000 bytes limit" in problems_text(entries["over.yaml"])


def test_the_limit_comes_from_the_environment(tmp_path, monkeypatch):
    path = copy_textbook(tmp_path)
    assert list_scenarios(tmp_path)[0].scenario is not None
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, "1000")
    (entry,) = list_scenarios(tmp_path)  # the cache knows the limit changed
    assert entry.scenario is None and "over the 1.0 kB limit" in entry.problems[0]
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, "nonsense")
    (entry,) = list_scenarios(tmp_path)
    assert problems_text(entry) == (f"{path.name}: EXPLORER_MAX_FILE_BYTES: must be a positive whole number"
                                    " of bytes, got 'nonsense'")


def test_problems_text_is_bounded_and_names_the_file_only(tmp_path):
    stances = 2000
    path, first = write_bad(tmp_path / "many.yaml", stances)
    (entry,) = list_scenarios(tmp_path)
    total = PROBLEMS_PER_BAD_STANCE * stances
    assert len(entry.problems) == MAX_PROBLEMS and entry.more == total - MAX_PROBLEMS
    text = problems_text(entry)
    lines = text.splitlines()
    assert str(tmp_path) not in text and "many.yaml" in text
    assert len(lines) == 21 and len(text) <= 4000
    assert lines[0] == f"many.yaml:{first}: stances[6].salience: required field is missing"
    assert lines[-1] == f"… and {total - 20} more problems"
    short = problems_text(entry, max_chars=500)
    assert len(short) <= 500
    shown = len(short.splitlines()) - 1
    assert 1 <= shown < 20 and short.splitlines()[-1] == f"… and {total - shown} more problems"
    assert problems_text(entry, max_problems=3).splitlines()[-1] == f"… and {total - 3} more problems"


def test_problems_text_cuts_long_lines_and_says_when_the_count_is_unknown(tmp_path):
    path = tmp_path / "x.yaml"
    entry = Entry(path, None, (f"{path}:3: stances[0]." + "k" * 10_000 + ": unknown field",) * 30, more=None)
    text = problems_text(entry)
    lines = text.splitlines()
    assert all(len(line) <= catalog.MAX_LINE_CHARS for line in lines)
    assert lines[0].startswith("x.yaml:3: stances[0].kkk") and lines[0].endswith("…")
    assert len(text) <= 4000 and lines[-1] == "… and more problems"
    assert problems_text(Entry(path, None, ("x.yaml: (file): bad",))) == "x.yaml: (file): bad"
    assert problems_text(Entry(path, None, (), more=3)) == "… and 3 more problems"


def test_listing_again_reuses_unchanged_files_and_rereads_changed_ones(tmp_path, monkeypatch):
    good = copy_textbook(tmp_path)
    bad, _ = write_bad(tmp_path / "bad.yaml", 1)
    loads = []
    real_load = catalog.load
    monkeypatch.setattr(catalog, "load", lambda path, *a: loads.append(Path(path).name) or real_load(path, *a))

    first = list_scenarios(tmp_path)
    second = list_scenarios(tmp_path)
    assert sorted(loads) == ["bad.yaml", "textbook.yaml"]  # each parsed once
    assert [a is b for a, b in zip(first, second)] == [True, True]

    text = good.read_text(encoding="utf-8").replace("Logrolling:", "Logrolling (edited):", 1)
    good.write_text(text, encoding="utf-8")
    third = list_scenarios(tmp_path)
    assert loads[2:] == ["textbook.yaml"]
    assert third[0] is first[0] and third[1] is not first[1]
    assert third[1].scenario.title.startswith("Logrolling (edited):")

    stat = bad.stat()  # same size, new modification time: read again
    os.utime(bad, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    fourth = list_scenarios(tmp_path)
    assert loads[3:] == ["bad.yaml"] and fourth[0] is not first[0] and fourth[1] is third[1]


def test_the_cache_is_bounded_and_keeps_one_version_per_file(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_CACHED", 3)
    for k in range(5):
        copy_textbook(tmp_path, f"s{k}.yaml")
    list_scenarios(tmp_path)
    assert len(catalog._cache) == 3
    path = tmp_path / "s4.yaml"
    for k in range(3):
        path.write_text(TEXTBOOK.read_text(encoding="utf-8") + "#" * (k + 1) + "\n", encoding="utf-8")
        catalog.entry(path)
    assert [key[0] for key in catalog._cache].count(str(path)) == 1
