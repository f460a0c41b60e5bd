"""The briefing file, read as text: its states, its numbers, its escaping, its provenance, its CLI.

What a browser makes of it (no request, panels drawn, hover, the selector, print) is in
tests/test_briefing_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

import explorer
from explorer import analyze
from explorer.app.figures import deals, panel_specs
from explorer.app.figures.layout import plain
from explorer.app.state import Exploration
from explorer.app.briefing import briefing_html
from explorer.app.briefing.document import CSP, plotly_bundle, script_json
from explorer.app.briefing.states import shown_outcome, state_specs
from explorer.cli import main
from tests.conftest import SEED, TEXTBOOK
from tests.hostile import hostile_scenario

DRAWS = 400  # the tests' Monte Carlo: small, the numbers are checked against the same draws
MADE = ("ukraine-nato-deferral", "russia-nato-deferral")


def page_json(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="briefing-data">(.*?)</script>', text, re.S)
    assert found, "no data block"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def seed_file() -> str:
    scenario = explorer.load(SEED)
    return briefing_html(scenario, MADE, draws=DRAWS, seed=1, source_name=SEED.name, source_bytes=SEED.read_bytes())


def test_the_states_are_the_start_the_made_set_and_each_listed_deal():
    exploration = Exploration(explorer.load(SEED), draws=DRAWS, seed=1)
    specs = state_specs(exploration, MADE)
    numbered = deals.numbered(exploration.deals)
    expected = [(), MADE] + [numbered[k].concessions for k in deals.listed(numbered)]
    assert [s[3] for s in specs] == list(dict.fromkeys(expected))
    assert [s[0] for s in specs][:3] == ["start", "made", "deal-1"]
    assert len(specs) >= 3


def test_no_made_state_when_nothing_is_switched_on():
    keys = [s[0] for s in state_specs(Exploration(explorer.load(SEED), draws=DRAWS, seed=1), ())]
    assert "made" not in keys and keys[0] == "start"


def test_every_state_carries_the_dashboards_figures_for_its_concessions(seed_file):
    data = page_json(seed_file)
    baseline = analyze(explorer.load(SEED))
    assert data["initial"] == "made"
    for state in data["states"]:
        analysis = analyze(explorer.load(SEED).with_concessions(state["active"]))
        expected = plain(panel_specs(analysis, baseline, shown_outcome(analysis, "nash")))
        for key, figure in expected.items():
            assert data["figures"][state["figures"][key]] == figure, (state["key"], key)
        gap = f"{analysis.agreement_gap:.1f} points"
        assert f'<div class="kf-value">{gap}</div>' in state["html"]["key_figures"], state["key"]
        assert len(state["forecast"]) == len(analysis.scenario.issues)


def test_figures_shared_by_states_are_stored_once(seed_file):
    data = page_json(seed_file)
    used = {fid for s in data["states"] for fid in [*s["figures"].values(), *s["forecast"]]}
    assert used == set(data["figures"])
    references = sum(len(s["figures"]) + len(s["forecast"]) for s in data["states"])
    assert len(data["figures"]) < references  # e.g. the forecast of an issue no concession moves
    blobs = [json.dumps(f, sort_keys=True) for f in data["figures"].values()]
    assert len(blobs) == len(set(blobs))


def test_the_plotly_bundle_is_embedded_once_and_nothing_is_loaded_from_elsewhere(seed_file):
    bundle = plotly_bundle()
    assert seed_file.count(bundle[:300]) == 1 and seed_file.count(bundle[-300:]) == 1
    assert len(re.findall(r"<script[ >]", seed_file)) == 3  # the data, plotly.js, the page's script
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", seed_file)
    assert f'content="{CSP}"' in seed_file and "default-src 'none'" in CSP


def test_every_stance_is_in_the_table_with_its_quote_or_its_assumption(seed_file):
    scenario = explorer.load(SEED)
    table = re.search(r'<table class="stances">(.*?)</table>', seed_file, re.S).group(1)
    rows = re.findall(r'<tr data-party="([^"]+)" data-issue="([^"]+)">(.*?)</tr>', table, re.S)
    assert len(rows) == len(scenario.data.stances)
    for stance, (party, issue, cells) in zip(scenario.data.stances, rows):
        assert (party, issue) == (stance.party, stance.issue)
        if stance.quote:
            assert "Quoted" in cells and html_text(stance.quote) in cells
        else:
            assert "Assumption" in cells and html_text(stance.note) in cells
    for concession in scenario.concessions:
        assert f'data-concession="{concession.id}"' in seed_file
        assert html_text(concession.title) in seed_file


def html_text(value: str) -> str:
    import html

    return html.escape(value)


def test_the_provenance_lets_anyone_make_it_again(seed_file):
    digest = hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert digest in seed_file
    assert f"Explorer version</dt><dd>{explorer.__version__}" in seed_file
    assert ("explorer briefing russia_ukraine_talks.yaml --concede ukraine-nato-deferral --concede "
            "russia-nato-deferral --draws 400 --seed 1 --model bdm --outcome nash -o briefing.html") in seed_file


def test_the_same_inputs_give_the_same_file_but_for_the_time_made():
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    scenario = explorer.load(SEED)
    first = briefing_html(scenario, draws=200, seed=2, when=when)
    assert first == briefing_html(explorer.load(SEED), draws=200, seed=2, when=when)
    other = page_json(briefing_html(scenario, draws=200, seed=3, when=when))  # other draws, other chances
    assert [s["html"]["key_figures"] for s in page_json(first)["states"]] != [
        s["html"]["key_figures"] for s in other["states"]]


def test_script_json_cannot_close_its_script_element():
    text = script_json({"name": "</script><script>alert(1)</script>", "amp": "a & b", "line": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_hostile_texts_are_escaped_everywhere(tmp_path):
    scenario, marks = hostile_scenario(tmp_path)
    text = briefing_html(scenario, draws=DRAWS, seed=0)
    outside_data = re.sub(r'<script type="application/json" id="briefing-data">.*?</script>', "", text, flags=re.S)
    for mark in marks:
        assert mark not in outside_data, mark  # every markup character escaped in the page
    assert "<img" not in outside_data.split("<script>", 1)[0]
    data = page_json(text)
    blob = json.dumps(data["figures"])  # legends' labels are plain text, set with textContent (browser test)
    for state in data["states"]:
        for markup in state["html"].values():
            for mark in marks:
                assert mark not in markup
    assert "<script>window.__xss" not in blob  # in the figures too: plotly gets &lt; for <


def test_cli_writes_the_file(tmp_path, capsys):
    out = tmp_path / "b.html"
    assert main(["briefing", str(TEXTBOOK), "--draws", "200", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and hashlib.sha256(TEXTBOOK.read_bytes()).hexdigest() in text
    assert "briefing of logrolling_textbook.yaml" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--concede", "no-such-concession"], "unknown concession 'no-such-concession'"),
    (["-o", "{tmp}/briefing.txt"], "give a name ending in .html"),
    (["-o", "{tmp}/missing/briefing.html"], "no folder"),
])
def test_cli_bad_arguments_exit_2_with_a_clear_message(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "b.html")]
    assert main(["briefing", str(SEED), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.rglob("*.html"))


def test_cli_bad_draws_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["briefing", str(SEED), "--draws", "0", "-o", str(tmp_path / "b.html")])
    assert exited.value.code == 2 and "--draws" in capsys.readouterr().err


def test_cli_bad_file_names_the_file_and_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nas_of: 2025-01-01\nparties: []\nissues: []\nstances: []\n", encoding="utf-8")
    assert main(["briefing", str(bad), "-o", str(tmp_path / "b.html")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "parties" in err and "Traceback" not in err
    assert not (tmp_path / "b.html").exists()
