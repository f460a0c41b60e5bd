"""Exporters: our scenarios as DECIDE input files and BDM CSVs, read back by our importers.

The round trip ours → DECIDE → ours keeps every number DECIDE holds: positions (on the
issue's original scale), saliences, each stance's capability (DECIDE's power), the labelled
scale points, and the actors' and issues' ids, names and comments.
"""

from __future__ import annotations

import csv
import io
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.errors import ScenarioError
from explorer.io.exporters import number, on_scale, position_text, write_bdm, write_decide
from explorer.io.importers import read_bdm, read_decide, slug
from explorer.io.loader import scenario_from_mapping
from explorer.model.schema import ScenarioData

ROOT = Path(__file__).parents[1]
LOGROLL = ROOT / "data" / "scenarios" / "logrolling_textbook.yaml"
SEED = ROOT / "data" / "scenarios" / "russia_ukraine_talks.yaml"
PEER = Path(__file__).parent / "peer_files"


def load(path) -> ScenarioData:
    from explorer.io.loader import load as load_file

    return load_file(str(path)).data


def capability(data: ScenarioData, stance) -> float:
    party = next(p for p in data.parties if p.id == stance.party)
    return stance.capability if stance.capability is not None else party.capability


# -- generated scenarios ------------------------------------------------------------------------

NAME = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
               max_size=12).filter(lambda t: t.strip() and "'" not in t)
IDENT = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
POSITION = st.floats(0, 100)
SALIENCE = st.floats(0.01, 100)
CAPABILITY = st.floats(0.01, 1e4)
SCALE_END = st.floats(-1e6, 1e6)


@st.composite
def scenarios(draw) -> ScenarioData:
    party_ids = draw(st.lists(IDENT, min_size=2, max_size=5, unique=True))
    issue_ids = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    parties = [{"id": p, "name": draw(NAME), "capability": draw(CAPABILITY), "veto": True,
                **({"note": draw(NAME)} if draw(st.booleans()) else {})} for p in party_ids]
    issues = []
    for i in issue_ids:
        issue = {"id": i, "name": draw(NAME), "low": draw(NAME), "high": draw(NAME)}
        if draw(st.booleans()):
            low, high = sorted(draw(st.tuples(SCALE_END, SCALE_END).filter(lambda t: abs(t[0] - t[1]) > 1e-3)))
            issue["scale"] = {"low": low, "high": high}
        if draw(st.booleans()):
            issue["description"] = draw(NAME)
        ats = draw(st.lists(st.floats(1, 99), max_size=3, unique=True))
        issue["points"] = [{"at": a, "label": draw(NAME)} for a in sorted(ats)]
        issues.append(issue)
    stances = []
    for p in party_ids:
        for i in draw(st.lists(st.sampled_from(issue_ids), min_size=1, max_size=len(issue_ids), unique=True)):
            stances.append({"party": p, "issue": i, "position": draw(POSITION), "salience": draw(SALIENCE),
                            **({"capability": draw(CAPABILITY)} if draw(st.booleans()) else {}),
                            "source": "assumption", "note": "generated"})
    return scenario_from_mapping({
        "id": "generated", "title": draw(NAME), "as_of": "2025-01-01",
        **({"description": draw(NAME)} if draw(st.booleans()) else {}),
        "parties": parties, "issues": issues, "stances": stances}).data


def points_tolerance(issue) -> float:
    """0–100 points that a few ulps of the original scale's numbers amount to (a narrow scale far
    from 0: [-999674, -999672.75] has ulps of 1e-10 on a width of 1.25), plus 1e-9."""
    low, high = (issue.scale.low, issue.scale.high) if issue.scale else (0.0, 100.0)
    return 1e-9 + 8 * math.ulp(max(abs(low), abs(high))) / (high - low) * 100


def one_line(text: str) -> str:
    return " ".join(text.split())


def check_decide_round_trip(data: ScenarioData, back: ScenarioData):
    assert back.title == one_line(data.title)
    if data.description:
        assert back.description == one_line(data.description)
    assert [(p.id, p.name, p.note) for p in back.parties] == [
        (p.id, one_line(p.name), one_line(p.note) if p.note and one_line(p.note) != one_line(p.name) else None)
        for p in data.parties]
    for old, new in zip(data.issues, back.issues, strict=True):
        assert (new.id, new.name, new.low, new.high) == (old.id, one_line(old.name), one_line(old.low),
                                                           one_line(old.high))
        low, high = (old.scale.low, old.scale.high) if old.scale else (0.0, 100.0)
        assert (new.scale.low, new.scale.high) == (low, high)
        inner = [p for p in old.points if 0 < p.at < 100]  # points at the ends: DECIDE's ends carry low/high
        written = {position_text(p.at, old): p for p in inner}  # points within 2 ulps are one point (last wins)
        inner = [written[text] for text in sorted(written, key=float)] if len(written) < len(inner) else inner
        assert [p.label for p in new.points] == [one_line(p.label) for p in inner]
        assert [p.at for p in new.points] == pytest.approx([p.at for p in inner], abs=points_tolerance(old))
        if old.description and one_line(old.description) != one_line(old.name):
            assert new.description == one_line(old.description)
    # DECIDE holds a power per stance: each stance's capability, relative to the others
    largest = max(capability(data, s) for s in data.stances)
    factor = 1.0 if largest <= 100 else 100 / largest
    assert len(back.stances) == len(data.stances)
    for old, new in zip(data.stances, back.stances, strict=True):
        issue = next(i for i in data.issues if i.id == old.issue)
        assert (new.party, new.issue) == (old.party, old.issue)
        assert new.position == pytest.approx(old.position, abs=points_tolerance(issue))
        assert new.salience == pytest.approx(old.salience, rel=1e-12)
        assert capability(back, new) == pytest.approx(capability(data, old) * factor, rel=1e-12)
        assert float(new.quote.split()[3]) == pytest.approx(on_scale(old.position, issue), rel=1e-12, abs=1e-9)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_ours_to_decide_to_ours_keeps_every_number_decide_holds(data):
    text = write_decide(data)
    back = scenario_from_mapping(read_decide(text, "generated.txt"), "generated.txt").data
    check_decide_round_trip(data, back)
    # and once more gives the same file
    assert write_decide(back) == text or check_decide_round_trip(back, scenario_from_mapping(
        read_decide(write_decide(back), "again.txt")).data) is None


@pytest.mark.parametrize("path", [LOGROLL, SEED])
def test_real_scenarios_round_trip_through_decide(path):
    data = load(path)
    back = scenario_from_mapping(read_decide(write_decide(data), "x.txt")).data
    check_decide_round_trip(data, back)


# -- DECIDE: the peers' files come back as they were ------------------------------------------

def decide_records(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        fields = [f.strip("'") for f in line.rstrip("\t").split("\t")]
        if fields[0] == "#D":
            fields[3:6] = [str(Fraction(f)) for f in fields[3:6]]
        elif fields[0] == "#M":
            fields[2] = str(Fraction(fields[2]))
        rows.append(fields)
    return rows


@pytest.mark.parametrize("name", ["decide_copenhagen.csv", "decide_sample_data.txt"])
def test_peer_decide_file_exports_its_own_numbers(name):
    """DECIDE → ours → DECIDE: the same #D numbers (positions on the original scale, 0–1 fractions)."""
    text = (PEER / name).read_text(encoding="utf-8")
    data = scenario_from_mapping(read_decide(text, name)).data
    again = decide_records(write_decide(data))
    original = decide_records(text)
    assert [r[3:6] for r in again if r[0] == "#D"] == [r[3:6] for r in original if r[0] == "#D"]
    # every scale end comes back (an issue without #M rows gets its 0-100 ends written)
    assert {(slug(r[1]), r[2]) for r in original if r[0] == "#M"} <= {(r[1], r[2]) for r in again if r[0] == "#M"}


# -- BDM -----------------------------------------------------------------------------------------

def bdm_rows(text: str) -> list[tuple[str, Fraction, Fraction, Fraction]]:
    reader = csv.DictReader(io.StringIO(text))
    return [(r["Actor"], Fraction(r["Capability"]), Fraction(r["Position"]), Fraction(r["Salience"]))
            for r in reader]


EMISSIONS = ("Actor,Capability,Position,Salience\nNetherlands,0.08,4,0.8\nBelgium,0.08,7,0.4\n"
             "Luxembourg,0.03,4,0.2\nGermany,0.16,4,0.8\nFrance,0.16,10,0.6\n")


def test_bdm_round_trip_keeps_positions_saliences_and_relative_capabilities():
    data = scenario_from_mapping(read_bdm(EMISSIONS, "e.csv")).data
    rows = bdm_rows(write_bdm(data))
    original = bdm_rows(EMISSIONS)
    assert [(r[0], r[2], r[3]) for r in rows] == [(r[0], r[2], r[3]) for r in original]
    # capabilities come back relative to the largest (BDM's capabilities are relative)
    assert [r[1] / rows[3][1] for r in rows] == [r[1] / original[3][1] for r in original]


def test_bdm_needs_issue_for_a_multi_issue_scenario():
    with pytest.raises(ScenarioError, match=r"pick one with --issue ID \(wages, job-security, hours\)"):
        write_bdm(load(LOGROLL))


def test_bdm_issue_by_id_or_name_and_unknown_issue():
    data = load(LOGROLL)
    assert write_bdm(data, "hours") == write_bdm(data, "Working week")
    assert write_bdm(data, "hours").splitlines()[1:] == ["Union,0.5,100,0.2", "Management,0.5,0,0.2"]
    with pytest.raises(ScenarioError, match="no issue 'pay': the issues are wages, job-security, hours"):
        write_bdm(data, "pay")


def test_capabilities_over_100_are_written_relative_to_the_largest():
    text = "Actor,Capability,Position,Salience\nA,1,0,0.5\nB,1,10,0.5\n"
    raw = read_bdm(text, "a.csv")
    raw["parties"][0]["capability"] = 400.0
    data = scenario_from_mapping(raw).data
    assert [r[1] for r in bdm_rows(write_bdm(data))] == [1, Fraction(1, 4)]
    assert [line.split("\t")[-1] for line in write_decide(data).splitlines() if line.startswith("#D")] == [
        "1", "0.25"]


def test_number_is_short_and_exact_enough():
    for value in [0.1, 1 / 3, 123456.789, -0.0001, 5e-300, 1e300, 7.0]:
        assert float(number(value)) == pytest.approx(value, rel=1e-15)
