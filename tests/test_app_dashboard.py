"""The widget app in plain Python: toggles change plots and figures; reset restores; bad files show."""

import re
import shutil

import pytest

from explorer.app.dashboard import Dashboard
from tests.conftest import SCENARIOS


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def snapshot(dash: Dashboard):
    """Every trace's plotted data, comparable with ==."""
    return [tuple(map(tuple, t.z)) if t.type == "heatmap" else (tuple(t.x or ()), tuple(t.y or ()))
            for t in dash.figure.data]


@pytest.fixture
def dash():
    return Dashboard(SCENARIOS, start="russia_ukraine_talks.yaml")


def test_toggle_changes_plots_and_key_figures_and_reset_restores(dash):
    figure_before, figures_before = snapshot(dash), dash.key_figures.value
    widget_id = id(dash.figure)
    dash.set_concession("ukraine-line-freeze", True)
    assert snapshot(dash) != figure_before
    assert "from baseline" in text(dash.key_figures.value)
    assert text(dash.key_figures.value) != text(figures_before)
    assert id(dash.figure) == widget_id  # updated in place, never rebuilt
    dash.set_concession("russia-line-freeze", True)
    dash.reset()
    assert snapshot(dash) == figure_before
    assert dash.key_figures.value == figures_before
    assert not any(box.value for box in dash.checkboxes.values())


def test_blocked_concessions_are_disabled_with_reason(dash):
    assert dash.checkboxes["us-phased-relief"].disabled
    assert dash.checkboxes["us-phased-relief"].description.endswith("— requires russia-comprehensive-ceasefire")
    dash.set_concession("russia-comprehensive-ceasefire", True)
    assert not dash.checkboxes["us-phased-relief"].disabled
    dash.set_concession("us-delays-sanctions", True)
    assert dash.checkboxes["us-phased-relief"].disabled
    assert "— excluded by us-delays-sanctions" in dash.checkboxes["us-phased-relief"].description


def test_party_buttons(dash):
    dash.set_party("russia", True)
    assert all(dash.checkboxes[c.id].value for c in dash.state.baseline.concessions
               if c.party == "russia" and not c.requires)
    dash.set_party("russia", False)
    assert not any(box.value for box in dash.checkboxes.values())


def test_invalid_scenario_shows_its_message_and_the_rest_keeps_working(tmp_path):
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path)
    (tmp_path / "broken.yaml").write_text("id: x\ntitle: [unclosed\n")
    dash = Dashboard(tmp_path)
    labels = [label for label, _ in dash.picker.options]
    assert any("broken.yaml (invalid)" in label for label in labels)
    broken = next(k for label, k in dash.picker.options if "broken" in label)
    good = next(k for label, k in dash.picker.options if "broken" not in label)
    dash.picker.value = broken
    assert "broken.yaml" in dash.error.value and "invalid YAML" in dash.error.value
    assert dash.main.layout.display == "none"
    dash.picker.value = good
    assert dash.error.value == "" and dash.main.layout.display == "flex"
    dash.set_concession("union-moderates-wages", True)
    assert "union-moderates-wages" in dash.state.active


def test_switching_scenario_reuses_the_figure_widget(dash):
    widget = dash.figure
    other = next(k for label, k in dash.picker.options if "logrolling" in label)
    dash.picker.value = other
    assert dash.figure is widget
    assert "Wage increase" in widget.layout.yaxis.ticktext


def test_only_files_in_the_folder_are_listed(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path / "sub")
    shutil.copy(SCENARIOS / "logrolling_textbook.yaml", tmp_path)
    (tmp_path / "notes.txt").write_text("not a scenario")
    dash = Dashboard(tmp_path, start="../sub/logrolling_textbook.yaml")
    assert [e.path.name for e in dash.entries] == ["logrolling_textbook.yaml"]
    assert all(e.path.parent == tmp_path.resolve() for e in dash.entries)
