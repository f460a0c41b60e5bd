"""Importers: DECIDE and BDM inputs become scenarios that predict what the originals predict.

Every expected number here is computed from the raw input, parsed independently with
``csv`` and exact fractions, never from the importer's own output.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from explorer.cli import read_any
from explorer.errors import ScenarioError
from explorer.io.importers import read_bdm, read_decide
from explorer.io.loader import scenario_from_mapping
from explorer.io.writer import dumps, write_atomic
from explorer.model.scenario import Scenario

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference-data"
COP21 = "cop21_decide.csv"
EMISSIONS = "emission_standards_1994_bdm.csv"


def reference_file(name: str) -> Path:
    path = REFERENCE / name
    if not path.is_file():
        message = f"reference file {path} is missing (see /work/shared/reference-data/README.md)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# -- independent readers of the raw formats -------------------------------------------


@dataclass
class RawStance:
    actor: str  # the actor's name as written in its #A row (or CSV Actor column)
    issue: str
    position: Fraction
    salience: Fraction
    power: Fraction
    line: str  # the raw row, as in the file


@dataclass
class RawInput:
    actors: dict[str, str] = field(default_factory=dict)  # key -> name
    issues: dict[str, str] = field(default_factory=dict)  # key -> name
    ends: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)  # issue name -> (low, high)
    marks: dict[str, list[Fraction]] = field(default_factory=dict)  # issue name -> its #M positions
    stances: list[RawStance] = field(default_factory=list)
    kind: str = "decide"

    def capability(self, s: RawStance) -> float:
        """What the importer must make of a stance's power: DECIDE 100·p when every power is at
        most 1 (else p, a 0–100 file); BDM 100·c / the largest capability."""
        largest = max(r.power for r in self.stances)
        if self.kind == "bdm":
            return float(100 * s.power / largest)
        return float(100 * s.power if largest <= 1 else s.power)

    def salience(self, s: RawStance) -> float:
        largest = max(r.salience for r in self.stances)
        return float(100 * s.salience if largest <= 1 else s.salience)


def parse_decide_raw(text: str) -> RawInput:
    raw = RawInput()
    marks: dict[str, list[Fraction]] = defaultdict(list)
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = next(csv.reader([line], delimiter="\t", quotechar="'"))
        kind = fields[0]
        if kind in ("#A", "#P"):
            name = fields[2] if len(fields) > 2 and fields[2] else fields[1]
            (raw.actors if kind == "#A" else raw.issues)[fields[1]] = name
        elif kind == "#M":
            marks[fields[1]].append(Fraction(fields[2]))
        elif kind == "#D":
            rows.append((fields, line))
        else:
            assert kind in ("#O", "#/"), f"unexpected record {kind!r} in a reference file"
    for key, name in raw.issues.items():
        points = marks.get(key) or [Fraction(0), Fraction(100)]
        raw.ends[name] = (min(points), max(points))
        raw.marks[name] = marks.get(key, [])
    for fields, line in rows:
        raw.stances.append(RawStance(raw.actors[fields[1]], raw.issues[fields[2]], Fraction(fields[3]),
                                     Fraction(fields[4]), Fraction(fields[5]), line))
    return raw


def parse_bdm_raw(text: str, issue: str = "issue", scale=None) -> RawInput:
    raw = RawInput(kind="bdm")
    reader = csv.DictReader(io.StringIO(text))
    lines = [line for line in text.splitlines()[1:] if line.strip()]
    for row, line in zip(reader, lines, strict=True):
        raw.actors[row["Actor"]] = row["Actor"]
        raw.stances.append(RawStance(row["Actor"], issue, Fraction(row["Position"]), Fraction(row["Salience"]),
                                     Fraction(row["Capability"]), line))
    positions = [s.position for s in raw.stances]
    raw.issues[issue] = issue
    raw.ends[issue] = tuple(map(Fraction, scale)) if scale else (min(positions), max(positions))
    return raw


def raw_compromise(stances: list[RawStance]) -> Fraction:
    """Σ c·s·x / Σ c·s on the original scale, exactly."""
    total = sum(s.power * s.salience for s in stances)
    return sum(s.power * s.salience * s.position for s in stances) / total


def raw_weighted_median(stances: list[RawStance]) -> Fraction:
    """The smallest original position at which the cumulative weight reaches half, exactly."""
    ordered = sorted(stances, key=lambda s: s.position)
    total = sum(s.power * s.salience for s in ordered)
    cumulative = Fraction(0)
    for s in ordered:
        cumulative += s.power * s.salience
        if 2 * cumulative >= total:
            return s.position
    raise AssertionError("unreachable")


def by_issue(raw: RawInput) -> dict[str, list[RawStance]]:
    grouped: dict[str, list[RawStance]] = defaultdict(list)
    for s in raw.stances:
        grouped[s.issue].append(s)
    return grouped


def original(value: float, ends: tuple[Fraction, Fraction]) -> float:
    """A 0–100 value back on the original scale: low + v·(high − low)/100."""
    low, high = map(float, ends)
    return low + value * (high - low) / 100


def expected_position(s: RawStance, ends) -> float:
    low, high = ends
    return float(100 * (s.position - low) / (high - low))


class Lookup:
    """Converted data, addressed by the names used in the raw file (not by generated ids)."""

    def __init__(self, data):
        self.data = data
        self.party = {p.name: p for p in data.parties}
        self.issue = {i.name: i for i in data.issues}
        assert len(self.party) == len(data.parties), "party names are not unique"
        assert len(self.issue) == len(data.issues), "issue names are not unique"
        self.stance = {(s.party, s.issue): s for s in data.stances}

    def stance_of(self, raw: RawStance):
        return self.stance[(self.party[raw.actor].id, self.issue[raw.issue].id)]

    def capability_of(self, raw: RawStance) -> float:
        stance = self.stance_of(raw)
        return stance.capability if stance.capability is not None else self.party[raw.actor].capability


# -- DECIDE: the COP21 reference file ---------------------------------------------------------


@pytest.fixture(scope="module")
def cop21():
    path = reference_file(COP21)
    text = path.read_text(encoding="utf-8")
    return path, text, parse_decide_raw(text)


def test_cop21_counts(cop21):
    path, text, raw = cop21
    data = read_any(str(path))
    n_actors = sum(1 for line in text.splitlines() if line.startswith("'#A'\t"))
    n_issues = sum(1 for line in text.splitlines() if line.startswith("'#P'\t"))
    n_data = sum(1 for line in text.splitlines() if line.startswith("'#D'\t"))
    assert n_actors == 15  # as the reference README says
    assert (len(data.parties), len(data.issues), len(data.stances)) == (n_actors, n_issues, n_data)
    assert [p.name for p in data.parties] == list(raw.actors.values())
    assert [i.name for i in data.issues] == list(raw.issues.values())


def test_cop21_stances_match_raw_rows(cop21):
    path, _, raw = cop21
    data = read_any(str(path))
    find = Lookup(data)
    assert len(raw.stances) == len(data.stances)
    for s in raw.stances:
        stance = find.stance_of(s)
        assert stance.position == pytest.approx(expected_position(s, raw.ends[s.issue]), rel=1e-9, abs=1e-9)
        assert stance.salience == pytest.approx(raw.salience(s), rel=1e-12)
        assert find.capability_of(s) == pytest.approx(raw.capability(s), rel=1e-12)
        assert find.party[s.actor].capability == pytest.approx(raw.capability(s), rel=1e-12)
        # The quote is the #D row itself (its tabs shown as spaces).
        assert stance.quote == " ".join(s.line.strip().split("\t"))
        assert stance.quote.split(" ") == s.line.strip().split("\t")
        assert stance.source in {src.id for src in data.sources}


def test_cop21_keeps_original_scale(cop21):
    path, _, raw = cop21
    data = read_any(str(path))
    for issue in data.issues:
        assert (issue.scale.low, issue.scale.high) == tuple(map(float, raw.ends[issue.name]))


def test_cop21_all_parties_veto_by_default(cop21):
    path, _, _ = cop21
    data = read_any(str(path))
    assert all(p.veto for p in data.parties)


def test_cop21_veto_list_makes_only_those_veto(cop21):
    path, _, raw = cop21
    chosen = ["China", "USA", "EU28"]
    data = read_any(str(path), veto=chosen)
    assert {p.name for p in data.parties if p.veto} == set(chosen)
    assert sum(not p.veto for p in data.parties) == len(raw.actors) - len(chosen)


def test_veto_list_naming_an_unknown_party_is_refused(cop21):
    path, _, _ = cop21
    with pytest.raises(ScenarioError, match="atlantis"):
        read_any(str(path), veto=["China", "Atlantis"])


def test_veto_list_of_one_party_is_refused(cop21):
    path, _, _ = cop21
    with pytest.raises(ScenarioError, match="veto"):
        read_any(str(path), veto=["China"])


# -- the key requirement: same compromise as the original numbers ---------------------------


def convert(path: Path, fmt: str, tmp_path: Path, **options) -> Scenario:
    """What `explorer convert` does: read, validate, write; then load the written file."""
    out = tmp_path / f"converted.{fmt}"
    write_atomic(out, dumps(read_any(str(path), **options), fmt))
    return explorer.load(out)


REFERENCES = [
    pytest.param(COP21, parse_decide_raw, {}, id="cop21-decide"),
    pytest.param(EMISSIONS, parse_bdm_raw, {}, id="emissions-bdm"),
    pytest.param(EMISSIONS, lambda text: parse_bdm_raw(text, scale=(0, 20)), {"scale": (0.0, 20.0)},
                 id="emissions-bdm-scale-0-20"),
]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize(("name", "parse", "options"), REFERENCES)
def test_reference_outcomes_equal_outcomes_of_original_numbers(name, parse, options, fmt, tmp_path):
    path = reference_file(name)
    raw = parse(path.read_text(encoding="utf-8"))
    scenario = convert(path, fmt, tmp_path, **options)
    analysis = explorer.analyze(scenario)
    issue_ids = [i.id for i in scenario.issues]
    names = {i.id: i.name for i in scenario.issues}
    grouped = by_issue(raw)
    assert sorted(names.values()) == sorted(grouped)
    for k, iid in enumerate(issue_ids):
        stances, ends = grouped[names[iid]], raw.ends[names[iid]]
        assert original(analysis.compromise[k], ends) == pytest.approx(float(raw_compromise(stances)), rel=1e-9)
        assert original(analysis.weighted_median[k], ends) == pytest.approx(
            float(raw_weighted_median(stances)), rel=1e-9)


def test_emissions_reference_values(tmp_path):
    """The BDM case by hand: the compromise and median in years, from the README's table."""
    path = reference_file(EMISSIONS)
    raw = parse_bdm_raw(path.read_text(encoding="utf-8"))
    assert raw.ends["issue"] == (4, 10)
    analysis = explorer.analyze(convert(path, "yaml", tmp_path))
    # Σ c·s·x / Σ c·s over the ten rows of the file.
    weights = {4: Fraction("0.064") + Fraction("0.006") + Fraction("0.128") + Fraction("0.05"),
               7: Fraction("0.032") + Fraction("0.005") + Fraction("0.056"),
               10: Fraction("0.096") + Fraction("0.096") + Fraction("0.144")}
    by_hand = sum(x * w for x, w in weights.items()) / sum(weights.values())
    assert original(analysis.compromise[0], (4, 10)) == pytest.approx(float(by_hand), rel=1e-12)
    assert original(analysis.weighted_median[0], (4, 10)) == pytest.approx(7.0)


# -- BDM: the emission-standards reference file ------------------------------------------------


def test_emissions_stances_match_raw_rows():
    path = reference_file(EMISSIONS)
    raw = parse_bdm_raw(path.read_text(encoding="utf-8"))
    data = read_any(str(path))
    find = Lookup(data)
    assert len(data.parties) == len(raw.actors) == len(data.stances)
    assert len(data.issues) == 1
    assert (data.issues[0].scale.low, data.issues[0].scale.high) == tuple(map(float, raw.ends["issue"]))
    for s in raw.stances:
        stance = find.stance_of(s)
        assert stance.position == pytest.approx(expected_position(s, raw.ends["issue"]), rel=1e-9, abs=1e-9)
        assert stance.salience == pytest.approx(raw.salience(s), rel=1e-12)
        assert find.capability_of(s) == pytest.approx(raw.capability(s), rel=1e-12)
        assert stance.quote == s.line.strip()
    assert all(p.veto for p in data.parties)


def test_bdm_scale_rescales_with_that_scale():
    path = reference_file(EMISSIONS)
    text = path.read_text(encoding="utf-8")
    raw = parse_bdm_raw(text, scale=(0, 20))
    data = read_any(str(path), scale=(0.0, 20.0))
    assert (data.issues[0].scale.low, data.issues[0].scale.high) == (0.0, 20.0)
    find = Lookup(data)
    for s in raw.stances:
        assert find.stance_of(s).position == pytest.approx(float(s.position * 5), rel=1e-12)  # 100·p/20


BDM_EQUAL = "Actor,Capability,Position,Salience\nA,0.5,3,0.5\nB,0.4,3,0.9\n"


def test_bdm_equal_positions_without_scale_is_refused():
    with pytest.raises(ScenarioError, match="scale"):
        read_bdm(BDM_EQUAL, "equal.csv")


def test_bdm_equal_positions_with_scale_is_accepted():
    data = scenario_from_mapping(read_bdm(BDM_EQUAL, "equal.csv", scale=(0, 6))).data
    assert [s.position for s in data.stances] == [50.0, 50.0]


def test_bdm_position_outside_given_scale_is_refused():
    with pytest.raises(ScenarioError, match="outside"):
        read_bdm(BDM_EQUAL, "equal.csv", scale=(0, 2))


# -- DECIDE: per-stance power, missing scales ----------------------------------------------------

SMALL_DECIDE = "\n".join([
    "'#O'\t'A small test case'",
    "'#A'\t'north'\t'North'\t''",
    "'#A'\t'south'\t'South'\t''",
    "'#A'\t'east'\t'East'\t''",
    "'#P'\t'tax'\t'Tax rate'\t'percent'",
    "'#M'\t'tax'\t40\t'high tax'",
    "'#M'\t'tax'\t10\t'low tax'",
    "'#M'\t'tax'\t25\t'middle'",
    "'#P'\t'aid'\t'Aid'\t''",
    "'#/'\t'no #M rows for aid: its scale is 0-100'",
    "'#D'\t'north'\t'tax'\t12.5\t0.8\t0.2",
    "'#D'\t'north'\t'aid'\t90\t0.3\t0.9",
    "'#D'\t'south'\t'tax'\t40\t0.5\t0.5",
    "'#D'\t'south'\t'aid'\t20\t1\t0.5",
    "'#D'\t'east'\t'tax'\t31\t0.25\t1",
]) + "\n"


def test_decide_power_that_differs_between_issues_is_kept_per_stance():
    raw = parse_decide_raw(SMALL_DECIDE)
    data = scenario_from_mapping(read_decide(SMALL_DECIDE, "small.txt")).data
    find = Lookup(data)
    for s in raw.stances:
        assert find.capability_of(s) == pytest.approx(raw.capability(s), rel=1e-12)
    north = [find.stance_of(s) for s in raw.stances if s.actor == "North"]
    assert sorted(s.capability for s in north) == pytest.approx([20.0, 90.0])


def test_decide_per_stance_power_gives_the_original_compromise():
    raw = parse_decide_raw(SMALL_DECIDE)
    scenario = scenario_from_mapping(read_decide(SMALL_DECIDE, "small.txt"))
    analysis = explorer.analyze(scenario)
    grouped = by_issue(raw)
    for k, issue in enumerate(scenario.issues):
        ends = raw.ends[issue.name]
        assert original(analysis.compromise[k], ends) == pytest.approx(
            float(raw_compromise(grouped[issue.name])), rel=1e-9)
        assert original(analysis.weighted_median[k], ends) == pytest.approx(
            float(raw_weighted_median(grouped[issue.name])), rel=1e-9)


def test_decide_scales_labels_and_defaults():
    data = scenario_from_mapping(read_decide(SMALL_DECIDE, "small.txt", as_of=datetime.date(2020, 5, 1))).data
    find = Lookup(data)
    tax, aid = find.issue["Tax rate"], find.issue["Aid"]
    assert (tax.scale.low, tax.scale.high) == (10.0, 40.0)
    assert (aid.scale.low, aid.scale.high) == (0.0, 100.0)
    assert (tax.low, tax.high) == ("low tax", "high tax")
    assert [(p.at, p.label) for p in tax.points] == [(50.0, "middle")]  # 25 on [10, 40]
    assert data.as_of == datetime.date(2020, 5, 1)


def test_decide_single_mark_is_a_zero_width_scale():
    text = SMALL_DECIDE.replace("'#M'\t'tax'\t40\t'high tax'\n", "").replace("'#M'\t'tax'\t25\t'middle'\n", "")
    text = text.replace("12.5", "10").replace("\t40\t", "\t10\t").replace("\t31\t", "\t10\t")
    with pytest.raises(ScenarioError, match="zero width"):
        read_decide(text, "one-mark.txt")


def test_decide_position_off_the_scale_is_refused():
    with pytest.raises(ScenarioError, match="outside the scale"):
        read_decide(SMALL_DECIDE.replace("\t31\t", "\t41\t"), "off.txt")


# -- generated inputs: round trip to the raw numbers ----------------------------------------------

WIDE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
UNIT = st.floats(0, 1, exclude_min=True, allow_nan=False)
DECIMAL_UNIT = st.integers(1, 100).map(lambda k: Fraction(k, 100))
words = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=8)


def number(value) -> str:
    """A number as a file would hold it: repr for floats (exact), a decimal for fractions."""
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{float(value)!r}"
    return repr(value)


@st.composite
def decide_inputs(draw, unit=UNIT):
    """(text, RawInput) for a small valid DECIDE file, with random scales and comment rows."""
    n_actors, n_issues = draw(st.integers(2, 5)), draw(st.integers(1, 4))
    actor_keys = [f"{draw(words)}_{k}" for k in range(n_actors)]
    actor_names = [f"{draw(words)} {k}" for k in range(n_actors)]
    issue_keys = [f"{draw(words)}_{k}" for k in range(n_issues)]
    lines = [f"'#A'\t'{key}'\t'{name}'\t''" for key, name in zip(actor_keys, actor_names)]
    ends = {}
    for k, key in enumerate(issue_keys):
        low, high = sorted(draw(st.tuples(WIDE, WIDE).filter(lambda t: t[0] != t[1])))
        ends[key] = (low, high)
        lines.append(f"'#P'\t'{key}'\t'{key}'\t'issue {k}'")
        marks = [f"'#M'\t'{key}'\t{low!r}\t'lowest'", f"'#M'\t'{key}'\t{high!r}"]
        if draw(st.booleans()):
            marks.append(f"'#M'\t'{key}'\t{draw(st.floats(low, high))!r}\t'somewhere'")
        lines += draw(st.permutations(marks))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "'#/'\t'a comment row'")
    for key in actor_keys:
        same_power = draw(st.booleans())
        power = draw(unit)
        for issue in draw(st.lists(st.sampled_from(issue_keys), min_size=1, max_size=n_issues, unique=True)):
            position = draw(st.floats(*ends[issue]))
            salience = draw(unit)
            p = power if same_power else draw(unit)
            lines.append(f"'#D'\t'{key}'\t'{issue}'\t{position!r}\t{number(salience)}\t{number(p)}")
    if draw(st.booleans()):
        lines.append("'#/'\t'end'")
    text = "\n".join(lines) + "\n"
    return text, parse_decide_raw(text)


@st.composite
def bdm_inputs(draw, unit=UNIT):
    """(text, scale or None, RawInput) for a small valid BDM CSV."""
    n = draw(st.integers(2, 5))
    names = [f"{draw(words)} {k}" for k in range(n)]
    positions = draw(st.lists(WIDE, min_size=n, max_size=n).filter(lambda xs: min(xs) < max(xs)))
    scale = None
    if draw(st.booleans()):
        below = draw(st.floats(0, 1e3))
        above = draw(st.floats(0, 1e3))
        scale = (min(positions) - below, max(positions) + above)
    rows = [f"{name},{number(draw(unit))},{x!r},{number(draw(unit))}" for name, x in zip(names, positions)]
    text = "Actor,Capability,Position,Salience\n" + "\n".join(rows) + "\n"
    raw_scale = tuple(Fraction(v) for v in scale) if scale else None
    return text, scale, parse_bdm_raw(text, scale=raw_scale)


def check_round_trip(data, raw: RawInput):
    find = Lookup(data)
    assert len(data.stances) == len(raw.stances)
    for s in raw.stances:
        stance = find.stance_of(s)
        ends = raw.ends[s.issue]
        assert 0 <= stance.position <= 100
        assert original(stance.position, ends) == pytest.approx(float(s.position), rel=1e-9, abs=1e-9)
        assert stance.salience == pytest.approx(raw.salience(s), rel=1e-12)
        assert find.capability_of(s) == pytest.approx(raw.capability(s), rel=1e-12)
    for name, issue in find.issue.items():
        assert (issue.scale.low, issue.scale.high) == tuple(map(float, raw.ends[name]))


GENERATED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@GENERATED
@given(decide_inputs())
def test_generated_decide_round_trips_to_raw_numbers(case):
    text, raw = case
    data = scenario_from_mapping(read_decide(text, "generated.txt"), "generated.txt").data
    check_round_trip(data, raw)
    assert all(p.veto for p in data.parties)


@GENERATED
@given(bdm_inputs())
def test_generated_bdm_round_trips_to_raw_numbers(case):
    text, scale, raw = case
    data = scenario_from_mapping(read_bdm(text, "generated.csv", scale=scale), "generated.csv").data
    check_round_trip(data, raw)
    assert [s.quote for s in data.stances] == [s.line for s in raw.stances]


def check_outcomes(scenario, raw: RawInput):
    analysis = explorer.analyze(scenario)
    predicted_compromise, predicted_median = analysis.compromise, analysis.weighted_median
    grouped = by_issue(raw)
    for k, issue in enumerate(scenario.issues):
        ends = raw.ends[issue.name]
        if not grouped[issue.name]:  # nobody takes a stance on it: no outcome
            assert math.isnan(predicted_compromise[k]) and math.isnan(predicted_median[k])
            continue
        low, high = map(float, ends)
        # Relative to the scale's width, plus the few ulps that mapping back (low + v·w/100) costs
        # on scales so narrow that a ulp is most of the width.
        tolerance = dict(rel=1e-9, abs=1e-9 * (high - low) + 4 * math.ulp(max(abs(low), abs(high))))
        assert original(predicted_compromise[k], ends) == pytest.approx(
            float(raw_compromise(grouped[issue.name])), **tolerance)
        assert original(predicted_median[k], ends) == pytest.approx(
            float(raw_weighted_median(grouped[issue.name])), **tolerance)


@GENERATED
@given(decide_inputs(unit=DECIMAL_UNIT))
def test_generated_decide_outcomes_equal_outcomes_of_original_numbers(case):
    text, raw = case
    check_outcomes(scenario_from_mapping(read_decide(text, "generated.txt")), raw)


@GENERATED
@given(bdm_inputs(unit=DECIMAL_UNIT))
def test_generated_bdm_outcomes_equal_outcomes_of_original_numbers(case):
    text, scale, raw = case
    check_outcomes(scenario_from_mapping(read_bdm(text, "generated.csv", scale=scale)), raw)


# -- regressions ------------------------------------------------------------------------------
#
# rescale computed 100·(p − low) before dividing by (high − low), so a value at (or a ulp below)
# the top of its scale could come out as 100.00000000000001, which the format refuses: positions
# 2 and 4.9 did not import. And explorer.analyze raised TypeError in the Nash package search on a
# five-party imported BDM case.

TOP_BDM = "Actor,Capability,Position,Salience\nA,0.5,2,0.5\nB,0.5,4.9,0.5\n"
TOP_DECIDE = "\n".join([
    "'#A'\t'a'\t'A'\t''", "'#A'\t'b'\t'B'\t''", "'#P'\t'x'\t'X'\t''",
    "'#M'\t'x'\t2", "'#M'\t'x'\t4.9",
    "'#D'\t'a'\t'x'\t4.9\t0.5\t0.5", "'#D'\t'b'\t'x'\t2\t0.5\t0.5",
]) + "\n"


def _top_texts(low: str, high: str) -> dict:
    return {
        "bdm": f"Actor,Capability,Position,Salience\nA,0.5,{low},0.5\nB,0.5,{high},0.5\n",
        "decide": "\n".join([
            "'#A'\t'a'\t'A'\t''", "'#A'\t'b'\t'B'\t''", "'#P'\t'x'\t'X'\t''",
            f"'#M'\t'x'\t{low}", f"'#M'\t'x'\t{high}",
            f"'#D'\t'a'\t'x'\t{high}\t0.5\t0.5", f"'#D'\t'b'\t'x'\t{low}\t0.5\t0.5",
        ]) + "\n",
    }


# All but (2, 5) gave 100.00000000000001 with the old formula.
@pytest.mark.parametrize(("low", "high"), [("2", "4.9"), ("3", "5.9"), ("3", "8.3"), ("-7", "-4.1"),
                                           ("-92.3", "-6.9"), ("2", "5")])
@pytest.mark.parametrize("kind", ["bdm", "decide"])
def test_position_at_top_of_scale_imports_as_100(kind, low, high):
    read = read_bdm if kind == "bdm" else read_decide
    data = scenario_from_mapping(read(_top_texts(low, high)[kind], "top.txt")).data
    assert sorted(s.position for s in data.stances) == [0.0, 100.0]


def test_position_at_top_of_given_bdm_scale_imports_as_100():
    data = scenario_from_mapping(read_bdm(TOP_BDM.replace(",2,", ",3,"), "top.csv", scale=(2, 4.9))).data
    assert max(s.position for s in data.stances) == 100.0
    assert min(s.position for s in data.stances) == pytest.approx(100 / 2.9)


def test_labelled_point_just_below_top_of_scale_imports():
    """22.299999999999997 on [-77.6, 22.3] once became 100.00000000000001."""
    text = TOP_DECIDE.replace("'#M'\t'x'\t2\n'#M'\t'x'\t4.9\n",
                              "'#M'\t'x'\t-77.6\n'#M'\t'x'\t22.3\n'#M'\t'x'\t22.299999999999997\t'almost all'\n")
    text = text.replace("\t4.9\t", "\t0\t")
    assert "22.299999999999997" in text and "4.9" not in text
    data = scenario_from_mapping(read_decide(text, "point.txt")).data
    (point,) = data.issues[0].points
    assert point.label == "almost all"
    assert original(point.at, (-77.6, 22.3)) == pytest.approx(22.299999999999997, abs=1e-9)


def test_convert_bdm_with_top_position(tmp_path):
    source = tmp_path / "lag.csv"
    source.write_text(TOP_BDM, encoding="utf-8")
    data = read_any(str(source))
    assert [s.position for s in data.stances] == [0.0, 100.0]


FIVE_BDM = "Actor,Capability,Position,Salience\nA,0.01,0,0.01\nB,0.01,0,0.01\nC,0.01,0,0.01\nD,0.01,0,0.01\nE,0.01,1,0.02\n"


@pytest.mark.parametrize("drop", [None, "D,0.01,0,0.01\n"], ids=["five", "four"])
def test_analyze_of_imported_small_bdm(drop):
    text = FIVE_BDM.replace(drop, "") if drop else FIVE_BDM
    raw = parse_bdm_raw(text)
    analysis = explorer.analyze(scenario_from_mapping(read_bdm(text, "five.csv")))
    assert original(analysis.compromise[0], raw.ends["issue"]) == pytest.approx(float(raw_compromise(raw.stances)))
    assert original(analysis.weighted_median[0], raw.ends["issue"]) == float(raw_weighted_median(raw.stances))


# -- real files from the peers' repositories (tests/peer_files/README.md) --------------------------

PEER = Path(__file__).resolve().parent / "peer_files"
PEER_DECIDE = ["decide_copenhagen.csv", "decide_sample_data.txt"]


def check_compromise_of_raw(scenario, raw: RawInput, rel=1e-9):
    """The imported scenario's compromise, mapped back, is Σ c·s·x / Σ c·s of the file's numbers."""
    analysis = explorer.analyze(scenario)
    grouped = by_issue(raw)
    for k, issue in enumerate(scenario.issues):
        if not grouped[issue.name]:
            continue
        assert original(analysis.compromise[k], raw.ends[issue.name]) == pytest.approx(
            float(raw_compromise(grouped[issue.name])), rel=rel)


@pytest.mark.parametrize("name", PEER_DECIDE)
def test_peer_decide_file_gives_the_compromise_of_its_numbers(name):
    path = PEER / name
    raw = parse_decide_raw(path.read_text(encoding="utf-8"))
    warnings = []
    scenario = scenario_from_mapping(read_decide(path.read_text(encoding="utf-8"), str(path), warnings=warnings))
    assert warnings == []
    assert len(scenario.data.stances) == len(raw.stances)
    check_compromise_of_raw(scenario, raw)


def test_peer_decide_file_with_errors_names_line_field_and_problem():
    """The DECIDE repository's own file with deliberate errors: a position off the scale, a negative power."""
    path = PEER / "decide_copenhagen_with_errors.csv"
    with pytest.raises(ScenarioError) as caught:
        read_decide(path.read_text(encoding="utf-8"), str(path))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:86: #D.position: 160 lies outside the scale [0, 100]",
        f"{path}:87: #D.power: -0.247 must lie in [0, 100]",
    ]


def test_peer_decide_title_comments_and_unquoted_fields():
    """'#O' is the title of the data set and '#/' a comment (extra fields joined), as DECIDE reads them."""
    path = PEER / "decide_copenhagen_with_errors.csv"
    text = path.read_text(encoding="utf-8").replace("\t160\t", "\t60\t").replace("\t-0.247\n", "\t0.247\n")
    raw = parse_decide_raw(text)
    scenario = scenario_from_mapping(read_decide(text, str(path)))
    data = scenario.data
    assert data.title == "Copenhagen negotiations"
    assert data.description.splitlines()[:3] == [
        "Data collected on 27 and 28 Oct 2009. Clarisse Siebert and Richard Klein (SEI)", "ID Full name",
        "issue input"]
    find = Lookup(data)
    assert find.issue["Copenhagen new treaty vs extension of Kyoto"].id == "newtreaty"
    assert find.party["EU (incl Norway)"].id == "eu-incl-norway"
    check_compromise_of_raw(scenario, raw)


# BDM replications' inputs. Their repositories carry no licence, so they are not copied here:
# set EXPLORER_PEER_FILES to a folder holding them (names: <owner>-<file>, see the README).
PEER_BDM = {
    "minimalgeek-WW1_BDM.csv": 7,  # capabilities 2–158
    "minimalgeek-Litigation Case Study.csv": 46,  # capabilities to 27.03; repeated actor names
    "minimalgeek-Iranian_Election.csv": 8,
    "minimalgeek-oil_price.csv": 17,
    "jmckib-Sultan.csv": 17,  # capability 1.05
}


def parse_any_bdm_raw(text: str) -> RawInput:
    """Actor or Name, any column order, capabilities as they are."""
    raw = RawInput(kind="bdm")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(f.strip() for f in r)]
    header = [h.strip().lower().replace("name", "actor") for h in rows[0]]
    for k, row in enumerate(rows[1:]):
        cell = dict(zip(header, row))
        raw.stances.append(RawStance(f"{cell['actor']}#{k}", "issue", Fraction(cell["position"]),
                                     Fraction(cell["salience"]), Fraction(cell["capability"]), ",".join(row)))
    positions = [s.position for s in raw.stances]
    raw.issues["issue"] = "issue"
    raw.ends["issue"] = (min(positions), max(positions))
    return raw


@pytest.mark.parametrize("name, actors", PEER_BDM.items())
def test_peer_bdm_file_gives_the_compromise_of_its_numbers(name, actors):
    folder = os.environ.get("EXPLORER_PEER_FILES")
    if not folder or not (Path(folder) / name).is_file():
        pytest.skip(f"{name}: set EXPLORER_PEER_FILES to a folder holding it (tests/peer_files/README.md)")
    path = Path(folder) / name
    text = path.read_text(encoding="utf-8")
    raw = parse_any_bdm_raw(text)
    scenario = scenario_from_mapping(read_bdm(text, str(path)))
    assert len(scenario.data.parties) == len(raw.stances) == actors
    largest = max(s.power for s in raw.stances)
    for s, party, stance in zip(raw.stances, scenario.data.parties, scenario.data.stances):
        assert party.capability == pytest.approx(float(100 * s.power / largest), rel=1e-12)
        assert stance.note.startswith("Capability ")
    check_compromise_of_raw(scenario, raw)


# -- what real files contain: BDM ----------------------------------------------------------------

def test_bdm_capabilities_any_positive_number_rescaled_against_the_largest():
    text = "Actor,Capability,Position,Salience\nA,68,1,0.95\nB,158,0.4,0.75\nC,2,0,0.95\n"
    data = scenario_from_mapping(read_bdm(text, "ww1.csv")).data
    assert [p.capability for p in data.parties] == pytest.approx([100 * 68 / 158, 100.0, 100 * 2 / 158])
    assert data.stances[0].note == "Capability 68 in the input, rescaled against the largest (158) to 100."
    check_compromise_of_raw(scenario_from_mapping(read_bdm(text, "ww1.csv")), parse_any_bdm_raw(text))


def test_bdm_name_column_any_order_and_extra_columns_warn():
    text = "salience,Name,position,capability,Notes,\n0.5,A,1,0.2,first,\n1,B,3,0.4,,\n"
    warnings = []
    data = scenario_from_mapping(read_bdm(text, "odd.csv", warnings=warnings)).data
    assert [str(w) for w in warnings] == ["odd.csv:1: header: warning: column 'Notes' ignored"]
    assert [(p.name, p.capability) for p in data.parties] == [("A", 50.0), ("B", 100.0)]
    assert [(s.position, s.salience) for s in data.stances] == [(0.0, 50.0), (100.0, 100.0)]


def test_bdm_saliences_on_a_0_100_scale_are_kept():
    text = "Actor,Capability,Position,Salience\n\nLabour,1.0,8,40\n\nBank,0.1,5,60\n\nTories,0.3,1,95\n"
    warnings = []
    data = scenario_from_mapping(read_bdm(text, "emu.csv", warnings=warnings)).data
    assert [s.salience for s in data.stances] == [40.0, 60.0, 95.0]
    assert any("0–100 scale" in str(w) for w in warnings)


def test_bdm_repeated_names_get_distinct_ids_with_a_warning():
    text = "Actor,Capability,Position,Salience\nAttorney,11,1,0.8\nAttorney,9,0,0.7\n"
    warnings = []
    data = scenario_from_mapping(read_bdm(text, "lit.csv", warnings=warnings)).data
    assert [p.id for p in data.parties] == ["attorney", "attorney-2"]
    assert [str(w) for w in warnings] == [
        "lit.csv:3: Actor: warning: 'Attorney' gets id 'attorney-2': 'attorney' is taken by 'Attorney'"]


def test_bdm_zero_salience_is_left_out_with_a_warning():
    text = "Actor,Capability,Position,Salience\nA,1,0,0.5\nB,1,10,0.5\nC,1,5,0\n"
    warnings = []
    data = scenario_from_mapping(read_bdm(text, "z.csv", warnings=warnings)).data
    assert [p.id for p in data.parties] == ["a", "b"]
    assert [str(w) for w in warnings] == ["z.csv:4: Salience: warning: 0 gives this actor no weight: left out"]


@pytest.mark.parametrize("row, message", [
    ("A,-1,0,0.5", "z.csv:2: Capability: must be a positive number, not -1"),
    ("A,1,0,101", "z.csv:2: Salience: 101 must lie in [0, 100]"),
    ("A,1,0", "z.csv:2: row: needs 4 comma-separated fields, found 3"),
    ("A,1,0,0.5,extra", "z.csv:2: row: needs 4 comma-separated fields, found 5"),
])
def test_bdm_bad_rows_name_line_field_and_problem(row, message):
    with pytest.raises(ScenarioError) as caught:
        read_bdm(f"Actor,Capability,Position,Salience\n{row}\nB,1,10,0.5\n", "z.csv")
    assert [str(p) for p in caught.value.problems] == [message]


# -- what real files contain: DECIDE -------------------------------------------------------------

def test_decide_0_100_saliences_and_powers():
    text = SMALL_DECIDE.replace("\t0.8\t0.2", "\t80\t20")
    warnings = []
    data = scenario_from_mapping(read_decide(text, "pct.txt", warnings=warnings)).data
    north_tax = next(s for s in data.stances if (s.party, s.issue) == ("north", "tax"))
    assert (north_tax.salience, north_tax.capability) == (80.0, 20.0)
    assert sorted(str(w) for w in warnings) == [
        "pct.txt: #D.power: warning: values up to 20: read on a 0–100 scale, not as fractions",
        "pct.txt: #D.salience: warning: values up to 80: read on a 0–100 scale, not as fractions"]


def test_decide_zero_salience_left_out_with_a_warning():
    text = SMALL_DECIDE.replace("'#D'\t'east'\t'tax'\t31\t0.25\t1", "'#D'\t'east'\t'tax'\t31\t0\t1")
    warnings = []
    data = scenario_from_mapping(read_decide(text, "z.txt", warnings=warnings)).data
    assert "east" not in [p.id for p in data.parties]
    assert [str(w) for w in warnings] == [
        "z.txt:15: #D.salience: warning: 0 gives this stance no weight: left out",
        "z.txt:4: #A: warning: actor 'east' has no stance with weight: left out"]


def test_decide_zero_is_not_a_record():
    with pytest.raises(ScenarioError, match=r"did you mean '#O', the title\?"):
        read_decide("'#0'\t'x'\n" + SMALL_DECIDE, "zero.txt")


def test_decide_title_comment_trailing_tabs_semicolons():
    editor = "".join(line.replace("\t", ";") + ";\n" for line in SMALL_DECIDE.splitlines())
    data = scenario_from_mapping(read_decide(editor, "semi.csv")).data
    reference = scenario_from_mapping(read_decide(SMALL_DECIDE, "semi.csv")).data
    assert data.title == reference.title == "A small test case"
    assert data.description == "no #M rows for aid: its scale is 0-100"
    assert data.model_dump(exclude={"stances"}) == reference.model_dump(exclude={"stances"})
    assert [s.position for s in data.stances] == [s.position for s in reference.stances]


def test_decide_actor_comment_is_the_party_note_and_stance_comment_its_note():
    text = SMALL_DECIDE.replace("'#A'\t'north'\t'North'\t''", "'#A'\t'north'\t'North'\t'the north'").replace(
        "'#D'\t'north'\t'tax'\t12.5\t0.8\t0.2", "'#D'\t'north'\t'tax'\t12.5\t0.8\t0.2\t'coded'\t'by hand'")
    data = scenario_from_mapping(read_decide(text, "n.txt")).data
    assert data.parties[0].note == "the north"
    assert data.stances[0].note == "coded by hand"
