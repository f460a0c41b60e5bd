"""A viewer's own file in the dashboard: read in memory, size-capped, listed for this viewer only.

The FileUpload's value is set as the page sets it (a tuple of dicts with the name and a
memoryview of the bytes); nothing may reach the server's disk.
"""

import datetime
import html as html_lib
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from explorer.app.dashboard import MAX_UPLOADS, Dashboard
from explorer.app.upload import display_name, read_upload
from explorer.io.loader import DEFAULT_MAX_FILE_BYTES, ENV_MAX_FILE_BYTES
from tests.conftest import ROOT, SCENARIOS
from tests.page_messages import page_sends

DECIDE = ROOT.parent / "shared" / "reference-data" / "cop21_decide.csv"
BDM = ROOT.parent / "shared" / "reference-data" / "emission_standards_1994_bdm.csv"
TEXTBOOK = SCENARIOS / "logrolling_textbook.yaml"


def text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def send(dash: Dashboard, name: str, content: bytes) -> None:
    """What the page's FileUpload sends."""
    dash.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                          "last_modified": datetime.datetime.now(datetime.timezone.utc)},)


def snapshot(*folders: Path) -> dict:
    return {str(p): p.stat().st_mtime_ns for folder in folders for p in folder.rglob("*")}


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "scenarios"
    path.mkdir()
    shutil.copy(SCENARIOS / "russia_ukraine_talks.yaml", path)
    return path


@pytest.fixture
def dash(folder):
    return Dashboard(folder)


@pytest.fixture
def tmp_watch(tmp_path, monkeypatch):
    """A temporary directory of its own for the test: any temp file created would appear in it."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def labels(dash: Dashboard) -> list[str]:
    return [label for label, _ in dash.picker.options]


def test_a_yaml_file_opens_for_this_viewer_only_and_nothing_is_written(dash, folder, tmp_watch):
    before = snapshot(folder, tmp_watch)
    send(dash, "my talks.yaml", TEXTBOOK.read_bytes())
    assert labels(dash)[-1] == (
        "Your file: Logrolling: union and management trade wages for job security (my talks.yaml)")
    assert dash.picker.value == len(dash.entries) - 1
    assert dash.state.baseline.id == "logrolling-textbook" and dash.body.layout.display == "flex"
    assert "open in this page only" in text(dash.upload_message.value)
    assert dash.upload.value == ()  # the bytes are not kept in the widget
    dash.set_concession("union-moderates-wages", True)
    assert snapshot(folder, tmp_watch) == before
    assert [p.name for p in folder.iterdir()] == ["russia_ukraine_talks.yaml"]
    other = Dashboard(folder)  # a second viewer
    assert not any("Your file" in label for label in labels(other))
    assert [e.path.name for e in other.entries] == ["russia_ukraine_talks.yaml"]


def test_a_decide_file_opens_as_an_imported_scenario(dash):
    send(dash, DECIDE.name, DECIDE.read_bytes())
    entry = dash.entries[dash.picker.value]
    assert entry.uploaded and entry.scenario is not None
    assert labels(dash)[-1] == f"Your file: {entry.scenario.title} ({DECIDE.name})"
    assert len(dash.state.baseline.parties) > 10 and dash.error.value == ""


def test_a_bdm_file_opens_too():
    entry = read_upload(BDM.name, BDM.read_bytes())
    assert entry.scenario is not None and entry.uploaded


def test_a_malformed_file_says_why_and_leaves_the_scenario_on_screen(dash):
    dash.set_concession("ukraine-line-freeze", True)
    shown, options, active = dash.picker.value, dash.picker.options, dash.state.active
    state = dash.state
    send(dash, "broken.yaml", b"id: x\ntitle: [unclosed\n")
    message = text(dash.upload_message.value)
    assert "scenario-error" in dash.upload_message.value
    assert "Your file broken.yaml cannot be shown:" in message and "invalid YAML" in message
    assert "The scenario on screen is unchanged" in message
    assert dash.picker.value == shown and dash.picker.options == options  # not listed
    assert dash.state is state and dash.state.active == active == ("ukraine-line-freeze",)
    assert dash.concessions.active == ["ukraine-line-freeze"] and dash.body.layout.display == "flex"
    dash.set_concession("ukraine-line-freeze", False)  # the rest keeps working
    assert dash.state.active == ()


def test_a_file_with_many_problems_is_shown_bounded(dash):
    raw = "id: many\ntitle: t\nparties:\n" + "".join(f"  - {{id: 'P {k}', name: ''}}\n" for k in range(400))
    send(dash, "many.yaml", raw.encode())
    message = text(dash.upload_message.value)
    assert "more problems" in message and len(message) < 4_500


def test_an_oversize_file_is_refused_unread(dash, monkeypatch):
    import explorer.app.upload as upload

    def never(*args, **kwargs):
        raise AssertionError("an oversize file was read")

    monkeypatch.setattr(upload, "text_of_bytes", never)
    shown = dash.picker.value
    send(dash, "huge.yaml", b"id: huge\n" + b" " * (DEFAULT_MAX_FILE_BYTES + 500_000))
    message = text(dash.upload_message.value)
    assert "Your file huge.yaml cannot be shown" in message and "the file is 2.5 MB, over the 2.0 MB limit" in message
    assert dash.picker.value == shown and not any("huge" in label for label in labels(dash))


def test_the_limit_follows_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_MAX_FILE_BYTES, "1000")
    entry = read_upload("t.yaml", TEXTBOOK.read_bytes())
    assert entry.scenario is None and "over the 1.0 kB limit" in entry.problems[0]


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xfe\x00junk", "not UTF-8 text"),
    (b"hello, world", "cannot tell the format"),
    (b"[1, 2", "invalid JSON"),
])
def test_unreadable_content_is_a_problem_not_a_crash(dash, content, expected):
    name = "x.json" if content.startswith(b"[") else "x.bin"
    send(dash, name, content)
    assert expected in text(dash.upload_message.value)


def test_the_name_is_only_a_label(dash, folder, tmp_path):
    target = tmp_path / "escape.yaml"
    send(dash, f"../../{target}", TEXTBOOK.read_bytes())
    assert not target.exists() and labels(dash)[-1].endswith("(escape.yaml)")
    assert display_name("..") == "uploaded file" and display_name("<b>x</b>.yaml") == "b>.yaml"
    send(dash, "<img src=x onerror=alert(1)>.yaml", b"id: [")
    assert "<img" not in dash.upload_message.value and "&lt;img src=x" in dash.upload_message.value
    send(dash, "<script>.yaml", b"id: [")
    assert "<script>" not in dash.upload_message.value and "&lt;script&gt;.yaml" in dash.upload_message.value


def test_a_malformed_message_from_the_page_changes_nothing(dash):
    shown = dash.picker.value
    dash.upload.value = ({"name": 5, "type": "", "size": 0, "content": memoryview(b""),
                          "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert dash.picker.value == shown and "cannot be shown" in text(dash.upload_message.value)


def test_a_rescan_keeps_the_viewers_file_on_screen(dash, folder):
    send(dash, "mine.yaml", TEXTBOOK.read_bytes())
    dash.set_concession("union-moderates-wages", True)
    shutil.copy(TEXTBOOK, folder / "a_new_one.yaml")
    page_sends(dash.board, {"event": "shown"})  # a page shows the dashboard: the folder is read again
    assert any("a_new_one.yaml" in label for label in labels(dash))
    assert labels(dash)[dash.picker.value].startswith("Your file:") and "(mine.yaml)" in labels(dash)[dash.picker.value]
    assert dash.state.active == ("union-moderates-wages",)
    dash.rescan()
    assert labels(dash)[-1].startswith("Your file:") and dash.state.active == ("union-moderates-wages",)


def test_opening_again_replaces_a_file_of_the_same_name_and_few_are_kept(dash):
    send(dash, "mine.yaml", TEXTBOOK.read_bytes())
    send(dash, "mine.yaml", (SCENARIOS / "russia_ukraine_talks.yaml").read_bytes())
    mine = [label for label in labels(dash) if label.startswith("Your file")]
    assert len(mine) == 1 and dash.state.baseline.id == "russia-ukraine-talks"
    for k in range(MAX_UPLOADS + 2):
        send(dash, f"f{k}.yaml", TEXTBOOK.read_bytes())
    mine = [label for label in labels(dash) if label.startswith("Your file")]
    assert len(mine) == MAX_UPLOADS and mine[-1].endswith(f"(f{MAX_UPLOADS + 1}.yaml)")
    assert dash.picker.value == len(dash.entries) - 1


def test_picking_a_folder_file_clears_the_note(dash, folder):
    send(dash, "mine.yaml", TEXTBOOK.read_bytes())
    dash.picker.value = 0
    assert dash.upload_message.value == "" and dash.state.baseline.id == "russia-ukraine-talks"
    assert os.listdir(folder) == ["russia_ukraine_talks.yaml"]


def test_an_empty_folder_still_opens_a_viewers_file(tmp_path):
    dash = Dashboard(tmp_path)
    assert "No scenario files" in dash.error.value
    send(dash, "mine.yaml", TEXTBOOK.read_bytes())
    assert dash.error.value == "" and dash.body.layout.display == "flex"
    assert dash.state.baseline.id == "logrolling-textbook" and labels(dash) == [dash.entries[0].label]
