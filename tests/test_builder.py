"""The scenario builder's logic: drafts, autosave, atomic save, overwrite confirmation."""

import os
import shutil

import pytest

from explorer import load
from explorer.builder.draft import Draft
from explorer.builder.store import BuilderStore, OverwriteNeeded
from explorer.errors import ScenarioError
from tests.conftest import SCENARIOS, TEXTBOOK


@pytest.fixture
def store(tmp_path):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(TEXTBOOK, tmp_path / "scenarios")
    return BuilderStore(tmp_path / "scenarios", tmp_path / "drafts")


def minimal(draft: Draft) -> Draft:
    """Edit a new draft, step by step, into the smallest valid scenario."""
    for k, pid in enumerate(["a", "b"]):
        draft.add("parties")
        draft.set(("parties", k, "id"), pid)
        draft.set(("parties", k, "name"), pid.upper())
    draft.add("issues")
    for field, value in (("id", "x"), ("name", "X"), ("low", "none"), ("high", "all")):
        draft.set(("issues", 0, field), value)
    for k, pid in enumerate(["a", "b"]):
        draft.add("stances")
        draft.set(("stances", k, "party"), pid)
        draft.set(("stances", k, "issue"), "x")
        draft.set(("stances", k, "note"), "constructed")
    return draft


def test_edit_sequence_reaches_a_valid_scenario():
    draft = Draft.new("my-case", "My case")
    assert not draft.is_valid and draft.messages(("parties",))
    minimal(draft)
    assert draft.is_valid, draft.problems
    draft.set(("stances", 1, "position"), 120.0)
    assert draft.messages(("stances", 1, "position")) == ["Input should be less than or equal to 100, got 120.0"]
    draft.set(("stances", 1, "position"), "12a")  # half-typed input is kept, and reported
    assert draft.get(("stances", 1, "position")) == "12a" and draft.messages(("stances", 1, "position"))
    draft.set(("stances", 1, "position"), 80.0)
    assert draft.is_valid
    assert draft.scenario().stance("b", "x").position == 80


def test_rename_updates_references():
    draft = minimal(Draft.new())
    draft.rename("parties", 0, "alpha")
    assert draft.data["stances"][0]["party"] == "alpha" and draft.is_valid


def test_invalid_draft_is_kept_and_restored(store):
    draft = Draft.new("wip", "Work in progress")
    draft.add("parties")
    draft.set(("parties", 0, "name"), "Half done")
    with pytest.raises(ScenarioError):
        store.save(draft)
    assert not (store.scenarios / "wip.yaml").exists()
    saved = store.saved_drafts()
    assert [d.key for d in saved] == [draft.key]
    again = store.restore(draft.key)
    assert again.data == draft.data and again.key == draft.key


def test_save_writes_yaml_and_discards_the_draft(store):
    draft = minimal(Draft.new("fresh", "Fresh"))
    path = store.save(draft)
    assert path == store.scenarios / "fresh.yaml"
    assert load(path).data == draft.scenario().data
    assert store.saved_drafts() == []


def test_no_overwrite_without_confirmation(store):
    draft = store.open("logrolling_textbook.yaml")
    before = (store.scenarios / "logrolling_textbook.yaml").read_text()
    draft.set(("parties", 0, "name"), "Renamed union")
    with pytest.raises(OverwriteNeeded):
        store.save(draft)
    assert (store.scenarios / "logrolling_textbook.yaml").read_text() == before
    store.save(draft, overwrite=True)
    assert load(store.scenarios / "logrolling_textbook.yaml").parties[0].name == "Renamed union"


def test_failure_mid_save_leaves_the_old_file_intact(store, monkeypatch):
    draft = store.open("logrolling_textbook.yaml")
    draft.set(("parties", 0, "name"), "Changed")
    store.autosave(draft)  # as the builder does after every edit
    target = store.scenarios / "logrolling_textbook.yaml"
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(draft, overwrite=True)
    assert target.read_bytes() == before
    assert sorted(p.name for p in store.scenarios.iterdir()) == ["logrolling_textbook.yaml"]  # no temp left
    assert [d.key for d in store.saved_drafts()] == [draft.key]  # the work is still there


@pytest.mark.parametrize("name", [p.name for p in sorted(SCENARIOS.glob("*.yaml"))])
def test_load_save_load_gives_the_same_scenario(tmp_path, name):
    (tmp_path / "s").mkdir()
    shutil.copy(SCENARIOS / name, tmp_path / "s")
    store = BuilderStore(tmp_path / "s", tmp_path / "d")
    draft = store.open(name)
    store.save(draft, overwrite=True)
    assert load(tmp_path / "s" / name).data == load(SCENARIOS / name).data


def test_a_saved_scenario_appears_in_the_dashboard_picker(store):
    from explorer.app.dashboard import Dashboard
    store.save(minimal(Draft.new("brand-new", "Brand new")))
    labels = [label for label, _ in Dashboard(store.scenarios).picker.options]
    assert any("brand_new" in label or "brand-new" in label for label in labels)


def test_unreadable_draft_files_are_skipped_not_deleted(store):
    store.drafts.mkdir()
    junk = store.drafts / "junk.json"
    junk.write_text("{not json")
    assert store.saved_drafts() == []
    assert junk.exists()
