"""The builder's widgets: messages beside fields, autosave, confirm before replacing."""

import shutil

import pytest

from explorer.app.builder import Builder
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
