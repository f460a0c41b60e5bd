"""The builder's widgets: messages beside fields, autosave, confirm before replacing."""

import datetime
import shutil

import ipywidgets as w
import pytest

from explorer.app.builder import Builder
from explorer.builder.draft import SECTIONS
from tests.conftest import TEXTBOOK


@pytest.fixture
def app(tmp_path):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(TEXTBOOK, tmp_path / "scenarios")
    return Builder(tmp_path / "scenarios", tmp_path / "drafts")


def field(app, path):
    """The (input widget, message widget) pair of a field."""
    for message_path, message, exact in app.messages:
        if message_path == path and not exact:
            for box in _walk(app.widget):
                if hasattr(box, "children") and message in box.children:
                    return box.children[0], message
    raise KeyError(path)


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_typing_shows_the_message_beside_the_field_and_autosaves(app):
    app.add("parties")
    box, message = field(app, ("parties", 0, "id"))
    box.value = "Not An Id"
    assert "lower-case" in message.value
    box.value = "ok-id"
    assert message.value == ""
    assert app.store.saved_drafts()[0].key == app.draft.key
    assert app.store.restore(app.draft.key).data["parties"][0]["id"] == "ok-id"


def test_reopening_restores_the_draft(app, tmp_path):
    app.add("issues")
    field(app, ("issues", 0, "name"))[0].value = "Unfinished issue"
    again = Builder(tmp_path / "scenarios", tmp_path / "drafts")
    assert again.draft.data["issues"][0]["name"] == "Unfinished issue"
    assert "Restored" in again.status.value


def test_save_asks_before_replacing(app):
    app.open("logrolling_textbook.yaml")
    field(app, ("parties", 0, "name"))[0].value = "Union (edited)"
    assert app.save() is None
    assert any("Replace" in getattr(c, "description", "") for c in app.confirm.children)
    replace = next(c for c in app.confirm.children if "Replace" in getattr(c, "description", ""))
    replace.click()
    assert "Saved" in app.status.value
    assert "Union (edited)" in (app.store.scenarios / "logrolling_textbook.yaml").read_text()


def test_invalid_save_keeps_the_draft(app):
    app.add("parties")
    assert app.save() is None
    assert "Not saved" in app.status.value and "to fix" in app.save_button.description
    assert app.store.saved_drafts()


def buttons(app):
    return [b for b in _walk(app.widget) if isinstance(b, w.Button)]


def click(app, description):
    next(b for b in buttons(app) if b.description == description).click()


def test_adding_keeps_the_tab_being_edited_open(app):
    for section, label in (("parties", "Add party"), ("issues", "Add issue"), ("stances", "Add stance"),
                           ("concessions", "Add concession"), ("sources", "Add source")):
        click(app, label)
        assert app.tabs.selected_index == SECTIONS.index(section)
        field(app, (section, 0, "note" if section != "issues" else "name"))[0].value = "typed"
        assert app.tabs.selected_index == SECTIONS.index(section)
    app.tabs.selected_index = SECTIONS.index("issues")
    app.remove("issues", 0)
    assert app.tabs.selected_index == SECTIONS.index("issues")


def test_tab_titles_count_their_problems(app):
    app.add("parties")
    titles = dict(zip(SECTIONS, app.tabs.titles))
    assert titles["sources"] == "Sources"
    assert titles["parties"] == f"Parties ({app.draft.problem_counts()['parties']})"
    assert app.draft.problem_counts()["parties"] > 0


def test_save_with_problems_opens_the_first_tab_with_one_and_focuses_the_field(app, monkeypatch):
    focused = []
    monkeypatch.setattr(w.Text, "focus", lambda self: focused.append(self), raising=False)
    monkeypatch.setattr(w.Dropdown, "focus", lambda self: focused.append(self), raising=False)
    app.add("parties")
    app.add("parties")
    app.add("stances")  # leaves the Stances tab open
    assert app.tabs.selected_index == SECTIONS.index("stances")
    focused.clear()
    assert app.save() is None
    first = app.draft.first_problem()
    assert first.path[0] == "parties"
    assert app.tabs.selected_index == SECTIONS.index("parties")
    assert focused and focused[-1] is app.inputs[app.focused] and app.focused == first.path[: len(app.focused)]
    assert "Not saved" in app.status.value and "parties" in app.status.value


def test_references_are_dropdowns_of_existing_ids_that_follow_renames(app):
    app.add("parties")
    field(app, ("parties", 0, "id"))[0].value = "union"
    app.add("issues")
    field(app, ("issues", 0, "id"))[0].value = "wage"
    app.add("stances")
    party, _ = field(app, ("stances", 0, "party"))
    assert isinstance(party, w.Dropdown) and [v for _, v in party.options] == ["", "union"]
    party.value = "union"
    issue, _ = field(app, ("stances", 0, "issue"))
    issue.value = "wage"
    assert app.draft.data["stances"][0] == app.draft.data["stances"][0] | {"party": "union", "issue": "wage"}
    source, _ = field(app, ("stances", 0, "source"))
    assert [v for _, v in source.options] == ["", "assumption"]
    app.tabs.selected_index = SECTIONS.index("parties")
    field(app, ("parties", 0, "id"))[0].value = "labour"  # renamed: the stance follows, the list too
    assert app.draft.data["stances"][0]["party"] == "labour"
    assert party.value == "labour" and [v for _, v in party.options] == ["", "labour"]
    app.add("parties")
    field(app, ("parties", 1, "id"))[0].value = "firm"  # added: offered at once
    party, _ = field(app, ("stances", 0, "party"))
    assert [v for _, v in party.options] == ["", "labour", "firm"]
    app.add("concessions")
    app.add("concessions")
    field(app, ("concessions", 0, "id"))[0].value = "c1"
    field(app, ("concessions", 1, "id"))[0].value = "c2"
    requires, _ = field(app, ("concessions", 0, "requires"))
    assert isinstance(requires, w.SelectMultiple) and [v for _, v in requires.options] == ["c2"]
    requires.value = ("c2",)
    assert app.draft.data["concessions"][0]["requires"] == ["c2"]


def test_a_concession_gets_any_number_of_changes(app):
    app.open("logrolling_textbook.yaml")
    index = len(app.draft.data["concessions"])
    app.add("concessions")
    before = len(app.draft.data["concessions"][index]["changes"])
    app.add_change(index)
    app.add_change(index)
    assert len(app.draft.data["concessions"][index]["changes"]) == before + 2
    assert isinstance(field(app, ("concessions", index, "changes", before + 1, "issue"))[0], w.Dropdown)
    app.remove_change(index, 0)
    assert len(app.draft.data["concessions"][index]["changes"]) == before + 1
    assert app.tabs.selected_index == SECTIONS.index("concessions")


def test_every_button_is_as_wide_as_its_label(app):
    app.open("logrolling_textbook.yaml")
    app.save()  # the "Replace logrolling_textbook.yaml" confirmation
    assert any("Replace" in b.description for b in buttons(app))
    for b in buttons(app):
        assert b.layout.width == "auto", b.description


def test_import_brings_a_file_in_as_a_draft_and_a_bad_one_changes_nothing(app):
    before = app.draft
    app.upload.value = ({"name": "notes.txt", "type": "text/plain", "size": 6, "content": memoryview(b"hello\n"),
                         "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)
    assert app.draft is before and "Cannot import" in app.status.value and app.upload.value == ()
    csv = b"Actor,Capability,Position,Salience\nUnion,0.6,80,0.9\nFirm,0.4,20,0.7\n"
    app.upload.value = ({"name": "wages.csv", "type": "text/csv", "size": len(csv), "content": memoryview(csv),
                         "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)
    assert app.draft is not before and "Imported wages.csv" in app.status.value
    assert [p["id"] for p in app.draft.data["parties"]] == ["union", "firm"]
    assert app.store.restore(app.draft.key).data == app.draft.data  # autosaved at once
    assert app.save() == app.store.scenarios / "wages.yaml"
