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


# -- what a saved file looks like ------------------------------------------------------

EXPECTED_TWO_SIDES = """\
id: two-sides
title: Two sides
as_of: 2026-01-15
sources:
- id: minutes
  title: Meeting minutes
parties:
- id: union
  name: Union
  capability: 50
  veto: true
- id: firm
  name: Firm
  capability: 62.5
  veto: true
issues:
- id: wage
  name: Wage rise
  low: none
  high: 10%
stances:
- party: union
  issue: wage
  position: 80
  salience: 50
  acceptable: [40, 100]
  source: minutes
  quote: we want 8%
- party: firm
  issue: wage
  position: 20
  salience: 50
  acceptable: [0, 60]
  source: assumption
  note: assumed
concessions:
- id: meet-halfway
  party: firm
  title: Firm meets halfway
  source: assumption
  note: a guess
  changes:
  - issue: wage
    position: 50
"""


def two_sides() -> Draft:
    """A draft as the builder leaves it, including empty optional texts (old templates had them)."""
    draft = Draft.new("two-sides", "Two sides")
    draft.set(("as_of",), "2026-01-15")
    draft.add("sources", {"id": "minutes", "title": "Meeting minutes", "note": "", "url": " "})
    for k, pid in enumerate(["union", "firm"]):
        draft.add("parties")
        draft.set(("parties", k, "id"), pid)
        draft.set(("parties", k, "name"), pid.title())
    draft.set(("parties", 1, "capability"), 62.5)
    draft.add("issues")
    for field, value in (("id", "wage"), ("name", "Wage rise"), ("low", "none"), ("high", "10%")):
        draft.set(("issues", 0, field), value)
    draft.add("stances", {"party": "union", "issue": "wage", "position": 80.0, "salience": 50.0,
                          "acceptable": [40.0, 100.0], "source": "minutes", "quote": "we want 8%", "note": ""})
    draft.add("stances", {"party": "firm", "issue": "wage", "position": 20.0, "salience": 50.0,
                          "acceptable": [0.0, 60.0], "source": "assumption", "note": "assumed", "quote": ""})
    draft.add("concessions")
    for field, value in (("id", "meet-halfway"), ("party", "firm"), ("title", "Firm meets halfway"),
                         ("note", "a guess"), ("description", "")):
        draft.set(("concessions", 0, field), value)
    draft.set(("concessions", 0, "changes", 0, "issue"), "wage")
    draft.data["concessions"][0]["requires"] = []
    return draft


def test_saved_yaml_is_what_a_person_would_write(store):
    """No empty optional fields (note: ''), whole numbers as integers (50, not 50.0)."""
    path = store.save(two_sides())
    assert path.read_text(encoding="utf-8") == EXPECTED_TWO_SIDES
    assert load(path).stance("union", "wage").position == 80.0


# -- problems by tab ---------------------------------------------------------------------

def test_problem_counts_and_first_problem_follow_the_tabs():
    draft = minimal(Draft.new())
    assert draft.problem_counts() == {"scenario": 0, "sources": 0, "parties": 0, "issues": 0, "stances": 0,
                                      "concessions": 0}
    draft.set(("stances", 1, "position"), 120.0)
    draft.set(("issues", 0, "name"), "")
    counts = draft.problem_counts()
    assert counts["issues"] == 1 and counts["stances"] == 1 and sum(counts.values()) == 2
    assert draft.first_problem().path == ("issues", 0, "name")  # the Issues tab comes before Stances
    draft.set(("title",), "")
    assert draft.first_problem().path == ("title",) and draft.problem_counts()["scenario"] == 1


# -- references ------------------------------------------------------------------------------

def test_choices_are_the_ids_that_exist():
    draft = minimal(Draft.new())
    draft.add("sources", {"id": "paper", "title": "A paper"})
    draft.add("concessions", {"id": "c1", "party": "a", "title": "C1", "changes": []})
    draft.add("concessions", {"id": "c2", "party": "b", "title": "C2", "changes": []})
    assert draft.choices("stances", "party") == ["a", "b"]
    assert draft.choices("concessions", "changes.issue") == ["x"]
    assert draft.choices("stances", "source") == ["assumption", "paper"]
    assert draft.choices("concessions", "requires", 0) == ["c2"]  # never itself
    draft.add("parties")  # a new party without an id is not offered yet
    assert draft.choices("stances", "party") == ["a", "b"]


def test_rename_leaves_references_alone_when_the_old_id_said_nothing():
    draft = minimal(Draft.new())
    draft.add("parties")  # id "" : the stance being written for it has party "" too
    draft.add("stances")
    draft.rename("parties", 2, "c")  # from "": nothing follows (other blanks are not this party's)
    assert draft.data["stances"][2]["party"] == ""
    draft.rename("parties", 0, "")  # cleared to be retyped: the references keep the old id
    assert draft.data["stances"][0]["party"] == "a"
    draft.rename("parties", 0, "a")
    draft.rename("parties", 1, "a")  # "b" → "a": its stance follows, and now two parties are "a"
    assert [s["party"] for s in draft.data["stances"][:2]] == ["a", "a"]
    draft.rename("parties", 1, "bee")  # a duplicate said nothing: party 0's stances stay its own
    assert [s["party"] for s in draft.data["stances"][:2]] == ["a", "a"]


# -- concessions with several changes -------------------------------------------------------

def test_a_concession_carries_several_changes_each_on_its_own_issue():
    draft = minimal(Draft.new())
    draft.add("issues", {"id": "y", "name": "Y", "low": "l", "high": "h"})
    for pid in ("a", "b"):
        draft.add("stances", {"party": pid, "issue": "y", "position": 50.0, "salience": 50.0,
                              "source": "assumption", "note": "n"})
    draft.add("concessions", {"id": "swap", "party": "a", "title": "Swap", "source": "assumption",
                              "note": "n", "changes": []})
    assert draft.add_change(0) == 0 and draft.add_change(0) == 1
    assert [c["issue"] for c in draft.data["concessions"][0]["changes"]] == ["x", "y"]
    draft.set(("concessions", 0, "changes", 1, "position"), 30.0)
    assert draft.is_valid, draft.problems
    assert [c.issue for c in draft.scenario().concessions[0].changes] == ["x", "y"]
    draft.add_change(0)  # no issue left: the new change names none, and says so
    assert draft.data["concessions"][0]["changes"][2]["issue"] == "" and not draft.is_valid
    draft.remove_change(0, 2)
    assert draft.is_valid
    draft.set(("concessions", 0, "changes", 1, "issue"), "x")  # the same issue twice is a problem
    assert draft.messages(("concessions", 0, "changes"))


# -- imports -----------------------------------------------------------------------------------

BDM = b"Actor,Capability,Position,Salience\nUnion,0.6,80,0.9\nFirm,0.4,20,0.7\n"
DECIDE = ("'#A'\t'UN'\t'Union'\n'#A'\t'FI'\t'Firm'\n'#P'\t'W'\t'Wage'\n"
          "'#D'\t'UN'\t'W'\t80\t0.9\t0.6\n'#D'\t'FI'\t'W'\t20\t0.7\t0.4\n").encode()


def test_import_a_bdm_file_as_a_draft(store):
    from explorer.builder.importing import draft_from_upload
    draft = draft_from_upload("wages.csv", BDM)
    assert draft.is_valid, draft.problems
    assert [p["id"] for p in draft.data["parties"]] == ["union", "firm"]
    assert draft.data["concessions"] == [] and draft.target is None
    draft.remove("parties", 1)  # incomplete now: still a draft, problems beside their fields
    assert not draft.is_valid
    store.autosave(draft)
    assert store.restore(draft.key).data == draft.data


def test_import_a_decide_file_as_a_draft():
    from explorer.builder.importing import draft_from_upload
    draft = draft_from_upload("wages.txt", DECIDE)
    assert draft.is_valid, draft.problems
    assert len(draft.data["stances"]) == 2


def test_import_refuses_large_or_unknown_files(monkeypatch):
    from explorer.builder.importing import draft_from_upload
    with pytest.raises(ScenarioError, match="over the 0.1 kB limit|limit"):
        draft_from_upload("big.csv", BDM * 10, limit=100)
    monkeypatch.setenv("EXPLORER_MAX_FILE_BYTES", "50")
    with pytest.raises(ScenarioError, match="limit"):
        draft_from_upload("big.csv", BDM)
    monkeypatch.delenv("EXPLORER_MAX_FILE_BYTES")
    with pytest.raises(ScenarioError, match="cannot tell the format"):
        draft_from_upload("notes.txt", b"hello\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        draft_from_upload("bin.csv", b"\xff\xfe\x00")
    draft = draft_from_upload("case.yaml", TEXTBOOK.read_bytes())
    assert draft.is_valid and isinstance(draft.data["as_of"], str)
