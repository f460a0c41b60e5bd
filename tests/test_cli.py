"""``explorer`` command line on the real scenario files and reference data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.cli import main

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
SEED = SCENARIOS / "russia_ukraine_talks.yaml"
LOGROLL = SCENARIOS / "logrolling_textbook.yaml"
SCHEMA_FILE = ROOT / "data" / "schema" / "scenario.schema.json"
REFERENCE = Path(__file__).parents[1].parent / "shared" / "reference-data"

# One concession from each side on each deadlocked issue of the seed scenario
# (see the comment at the top of russia_ukraine_talks.yaml).
SEED_PACKAGE = [
    "ukraine-nato-deferral", "russia-nato-deferral",
    "ukraine-line-freeze", "russia-line-freeze",
    "ukraine-minority-rights", "russia-minority-standards",
    "ukraine-open-agenda", "russia-drops-preconditions",
]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def report_json(capsys: pytest.CaptureFixture, path: Path, *concede: str) -> dict:
    argv = ["report", path, "--format", "json"]
    for cid in concede:
        argv += ["--concede", cid]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"reference data {path} is missing (CI is set, so this is an error)")
        pytest.skip(f"reference data {path} is absent (a checkout without ../shared/reference-data)")
    return path


def bad_copy(tmp_path: Path) -> Path:
    """The seed scenario with one stance's salience set to 0 (must be > 0)."""
    text = SEED.read_text(encoding="utf-8")
    assert "    salience: 30\n" in text
    bad = tmp_path / "bad_seed.yaml"
    bad.write_text(text.replace("    salience: 30\n", "    salience: 0\n", 1), encoding="utf-8")
    return bad


# -- validate --------------------------------------------------------------------

@pytest.mark.parametrize("path", [SEED, LOGROLL], ids=lambda p: p.name)
def test_validate_real_file(path: Path, capsys):
    code, out, err = run(capsys, "validate", path)
    assert code == 0
    assert err == ""
    assert out.startswith(f"{path}: valid (")
    assert out.count("\n") == 1


def test_validate_quiet_prints_nothing_for_good_file(capsys):
    assert run(capsys, "validate", "--quiet", SEED, LOGROLL) == (0, "", "")


def test_validate_several_files_one_bad(tmp_path, capsys):
    bad = bad_copy(tmp_path)
    code, out, err = run(capsys, "validate", SEED, bad, LOGROLL)
    assert code == 2
    assert f"{SEED}: valid (" in out
    assert f"{LOGROLL}: valid (" in out
    assert str(bad) not in out
    lines = err.splitlines()
    assert lines, "the bad file's problem must be reported"
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert any("salience" in line and "greater than 0" in line for line in lines)


# -- report ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [SEED, LOGROLL], ids=lambda p: p.name)
def test_report_text_has_headline(path: Path, capsys):
    code, out, err = run(capsys, "report", path)
    assert code == 0
    assert err == ""
    assert "Agreement gap" in out


def test_report_json_shape_seed_baseline(capsys):
    data = report_json(capsys, SEED)
    overall = data["overall"]
    assert isinstance(overall["agreement_gap"], float) and overall["agreement_gap"] > 0
    assert overall["deadlocked_issues"] == 4
    assert overall["package_surplus"] is None  # deadlocked: no package exists
    assert overall["package_zopa"] is False

    issues = data["issues"]
    assert [i["id"] for i in issues] == [
        "nato", "territory", "russian-speakers", "ceasefire-scope", "preconditions", "sanctions",
        "military-support",
    ]
    for issue in issues:
        assert isinstance(issue["position_gap"], float)
        assert isinstance(issue["redline_gap"], float)
        # no zone exactly where the red lines of the veto parties fail to meet
        if issue["redline_gap"] > 0:
            assert issue["zone"] is None
        else:
            lo, hi = issue["zone"]
            assert 0 <= lo <= hi <= 100
        outcomes = issue["outcomes"]
        assert set(outcomes) >= {"compromise", "weighted_median", "nash", "kalai_smorodinsky"}
        assert isinstance(outcomes["compromise"], float)
        assert isinstance(outcomes["weighted_median"], float)
        assert outcomes["nash"] is None
        assert outcomes["kalai_smorodinsky"] is None
    assert sum(i["zone"] is None for i in issues) == overall["deadlocked_issues"]

    assert [p["id"] for p in data["parties"]] == ["russia", "ukraine", "us", "europe"]
    assert all(p["utility_at_nash"] is None for p in data["parties"])

    concessions = data["concessions"]
    assert len(concessions) == 14
    for c in concessions:
        assert isinstance(c["id"], str) and isinstance(c["party"], str)
        assert isinstance(c["cost"], float) and c["cost"] >= 0
        assert c["active"] is False


def test_report_json_values_exist_when_not_deadlocked(capsys):
    data = report_json(capsys, LOGROLL)
    assert data["overall"]["deadlocked_issues"] == 0
    assert data["overall"]["package_surplus"] == pytest.approx(0.2)
    assert data["overall"]["package_zopa"] is True
    nash = {i["id"]: i["outcomes"]["nash"] for i in data["issues"]}
    assert nash == pytest.approx({"wages": 0.0, "job-security": 100.0, "hours": 50.0})
    assert all(isinstance(p["utility_at_nash"], float) for p in data["parties"])
    costs = {c["id"]: (c["party"], c["cost"]) for c in data["concessions"]}
    assert costs == {
        "union-moderates-wages": ("union", pytest.approx(0.04)),
        "management-hours-pilot": ("management", pytest.approx(0.08)),
        "union-flexible-hours": ("union", pytest.approx(0.08)),
    }


def test_report_concede_marks_active(capsys):
    data = report_json(capsys, LOGROLL, "union-moderates-wages")
    active = {c["id"]: c["active"] for c in data["concessions"]}
    assert active == {
        "union-moderates-wages": True, "management-hours-pilot": False, "union-flexible-hours": False,
    }
    assert data["scenario"]["active_concessions"] == ["union-moderates-wages"]


def test_report_concede_package_opens_seed(capsys):
    data = report_json(capsys, SEED, *SEED_PACKAGE)
    assert {c["id"] for c in data["concessions"] if c["active"]} == set(SEED_PACKAGE)
    assert data["overall"]["deadlocked_issues"] == 0
    assert isinstance(data["overall"]["package_surplus"], float)
    assert all(i["zone"] is not None for i in data["issues"])


def test_report_concede_unknown_id(capsys):
    code, out, err = run(capsys, "report", SEED, "--concede", "no-such-concession")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [f"{SEED}: concede: unknown concession 'no-such-concession'"]


def test_report_concede_without_its_requirement(capsys):
    code, out, err = run(capsys, "report", LOGROLL, "--concede", "management-hours-pilot")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{LOGROLL}: concede: concession 'management-hours-pilot' requires union-moderates-wages"
    ]
    # with its requirement it is accepted
    code, out, err = run(capsys, "report", LOGROLL, "--concede", "management-hours-pilot",
                         "--concede", "union-moderates-wages")
    assert (code, err) == (0, "")


def test_report_concede_two_excluding(capsys):
    code, out, err = run(capsys, "report", SEED, "--concede", "europe-security-guarantees",
                         "--concede", "ukraine-nato-deferral", "--concede", "ukraine-neutrality-guarantees")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines
    assert all(line.startswith(f"{SEED}: concede: ") for line in lines)
    assert any("'ukraine-nato-deferral' excluded by ukraine-neutrality-guarantees" in line for line in lines)


def test_report_markdown_table(capsys):
    code, out, err = run(capsys, "report", SEED, "--format", "markdown")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    header = lines.index("| issue | position gap | zone | red-line gap | weight | compromise | w. median | Nash | K–S |")
    assert lines[header + 1] == "|" + "---|" * 9
    assert lines[header + 2].startswith("| nato | 95.0 | none | 40.0 |")
    assert "Agreement gap" in out


# -- convert ---------------------------------------------------------------------

@pytest.mark.parametrize("name, parties, issues", [
    ("cop21_decide.csv", 15, 13),  # 13 #P rows (its README says 12)
    ("emission_standards_1994_bdm.csv", 10, 1),
])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_convert_reference_data(name, parties, issues, suffix, tmp_path, capsys):
    source = reference(name)
    output = tmp_path / f"converted{suffix}"
    code, out, err = run(capsys, "convert", source, output, "--as-of", "2024-01-01")
    assert code == 0, err
    assert out == ""
    assert err.startswith(f"wrote {output} ({parties} parties, {issues} issues, ")
    assert output.exists()
    if suffix == ".json":
        assert json.loads(output.read_text(encoding="utf-8"))["as_of"] == "2024-01-01"
    code, out, err = run(capsys, "validate", output)
    assert (code, err) == (0, "")
    assert out.startswith(f"{output}: valid ({parties} parties, {issues} issues, ")


def test_convert_to_txt_is_refused(tmp_path, capsys):
    output = tmp_path / "out.txt"
    code, out, err = run(capsys, "convert", LOGROLL, output)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{output}: OUT: write .yaml, .yml or .json, not '.txt' (or give --to decide or --to bdm)"]
    assert not output.exists()


def test_convert_scenario_round_trip(tmp_path, capsys):
    output = tmp_path / "logroll.json"
    code, _, err = run(capsys, "convert", LOGROLL, output)
    assert code == 0, err
    assert report_json(capsys, output) == report_json(capsys, LOGROLL)


# -- schema ----------------------------------------------------------------------

def test_schema_is_json_of_the_format(capsys):
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert schema["title"] == "Negotiation scenario"
    assert {"id", "parties", "issues", "stances", "concessions"} <= set(schema["properties"])


def test_schema_matches_committed_file(capsys):
    if not SCHEMA_FILE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMA_FILE} is missing: run `make schema` and commit it")
        pytest.skip(f"{SCHEMA_FILE} not generated yet (`make schema`)")
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out) == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


# -- installed entry point -------------------------------------------------------

def _console_script() -> list[str]:
    beside = Path(sys.executable).parent / "explorer"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("explorer")
    return [found] if found else [sys.executable, "-m", "explorer"]


def test_console_script(tmp_path):
    command = _console_script()
    good = subprocess.run([*command, "validate", str(LOGROLL)], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"{LOGROLL}: valid (")

    bad = bad_copy(tmp_path)
    result = subprocess.run([*command, "validate", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)


# -- uncertainty -------------------------------------------------------------------

def cli_json(capsys: pytest.CaptureFixture, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def concede_args(ids) -> list[str]:
    return [arg for cid in ids for arg in ("--concede", cid)]


def test_uncertainty_json_keys(capsys):
    data = cli_json(capsys, "uncertainty", SEED, *concede_args(SEED_PACKAGE), "--draws", "300", "--seed", "4")
    assert data["draws"] == 300 and data["seed"] == 4
    assert set(data["scenario"]["active_concessions"]) == set(SEED_PACKAGE)
    overall = data["overall"]
    for name in ("p_no_deadlock", "p_package_zopa"):
        assert 0.0 <= overall[name] <= 1.0
        assert overall[f"{name}_se"] == pytest.approx((overall[name] * (1 - overall[name]) / 300) ** 0.5)
        low, high = overall[f"{name}_ci95"]
        assert low <= overall[name] <= high
    assert set(overall["agreement_gap"]) == {"mean", "p10", "p50", "p90"}
    assert {"p10", "p50", "p90"} <= set(overall["package_surplus"])
    assert [i["id"] for i in data["issues"]] == [
        "nato", "territory", "russian-speakers", "ceasefire-scope", "preconditions", "sanctions",
        "military-support",
    ]
    for issue in data["issues"]:
        assert 0.0 <= issue["p_zone"] <= 1.0 and isinstance(issue["p_zone_se"], float)
        assert isinstance(issue["redline_gap"]["mean"], float)
        assert {"p10", "p50", "p90"} <= set(issue["compromise"])
    # the same seed gives the same numbers, another seed others
    assert cli_json(capsys, "uncertainty", SEED, *concede_args(SEED_PACKAGE), "--draws", "300", "--seed", "4") == data
    assert cli_json(capsys, "uncertainty", SEED, *concede_args(SEED_PACKAGE), "--draws", "300", "--seed", "5") != data


def test_uncertainty_baseline_surplus_is_null(capsys):
    data = cli_json(capsys, "uncertainty", SEED, "--draws", "100")
    assert data["draws"] == 100 and data["seed"] == 0  # the default seed
    assert data["overall"]["p_package_zopa"] == 0.0
    assert data["overall"]["package_surplus"] == {"p10": None, "p50": None, "p90": None}


def test_uncertainty_packages_spread_the_nash_and_ks_packages(capsys):
    data = cli_json(capsys, "uncertainty", SEED, *concede_args(SEED_PACKAGE), "--draws", "200", "--packages")
    assert data["packages_drawn"] is True
    for issue in data["issues"]:
        for name in ("nash", "kalai_smorodinsky"):
            assert set(issue[name]) == {"mean", "p10", "p50", "p90"}
            assert issue[name]["p10"] <= issue[name]["p50"] <= issue[name]["p90"]
    plain = cli_json(capsys, "uncertainty", SEED, "--draws", "50")
    assert plain["packages_drawn"] is False and "nash" not in plain["issues"][0]
    code, out, _ = run(capsys, "uncertainty", SEED, *concede_args(SEED_PACKAGE), "--draws", "200", "--packages")
    assert code == 0 and "Nash and K–S over the draws with a package ZOPA" in out


@pytest.mark.parametrize("fmt, marker", [("text", "Chance of a package ZOPA"), ("markdown", "# ")])
def test_uncertainty_text_and_markdown(fmt, marker, capsys):
    code, out, err = run(capsys, "uncertainty", LOGROLL, "--draws", "50", "--format", fmt)
    assert (code, err) == (0, "")
    assert marker in out and "50 draws" in out


@pytest.mark.parametrize("command", ["uncertainty", "search"])
@pytest.mark.parametrize("draws", ["0", "-3", "abc", "2.5", "200001"])
def test_bad_draws_exit_2_with_a_message(command, draws, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, str(LOGROLL), "--draws", draws])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"argument --draws: expected a whole number of draws from 1 to 200,000, got '{draws}'" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("command", ["uncertainty", "search"])
def test_malformed_file_exits_2_without_traceback(command, tmp_path, capsys):
    bad = bad_copy(tmp_path)
    code, out, err = run(capsys, command, bad, "--draws", "10")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    assert any("salience" in line for line in lines)


@pytest.mark.parametrize("command", ["uncertainty", "search"])
def test_missing_file_exits_2(command, tmp_path, capsys):
    missing = tmp_path / "missing.yaml"
    code, out, err = run(capsys, command, missing)
    assert code == 2 and out == ""
    assert err.startswith(f"{missing}:")


def test_uncertainty_unknown_concession(capsys):
    code, out, err = run(capsys, "uncertainty", SEED, "--concede", "no-such-concession", "--draws", "10")
    assert code == 2 and out == ""
    assert err.splitlines() == [f"{SEED}: concede: unknown concession 'no-such-concession'"]


# -- search ------------------------------------------------------------------------

def test_search_json_textbook(capsys):
    data = cli_json(capsys, "search", LOGROLL)
    assert {"scenario", "feasible_sets", "draws", "seed", "deals", "alternatives", "progress"} <= set(data)
    # the baseline already has a ZOPA: the empty set is the only deal
    assert data["feasible_sets"] == 6
    assert [d["concessions"] for d in data["deals"]] == [[]]
    deal = data["deals"][0]
    assert deal["total_cost"] == 0.0 and deal["max_party_cost"] == 0.0
    assert deal["package_surplus"] == pytest.approx(0.2)
    assert deal["p_package_zopa"] is None and data["alternatives"] == []
    assert data["progress"] == [{"concessions": [], "total_cost": 0.0, "agreement_gap": 0.0}]


def test_search_seed_with_draws_agrees_with_uncertainty(capsys):
    data = cli_json(capsys, "search", SEED, "--draws", "100", "--seed", "7", "--alternatives", "2")
    assert data["draws"] == 100 and data["seed"] == 7
    assert set(data["deals"][0]["concessions"]) == set(SEED_PACKAGE)
    assert len(data["alternatives"]) == 2
    for deal in data["deals"] + data["alternatives"]:
        chance = cli_json(capsys, "uncertainty", SEED, *concede_args(deal["concessions"]), "--draws", "100",
                          "--seed", "7")["overall"]["p_package_zopa"]
        assert deal["p_package_zopa"] == chance  # the same draws (common random numbers)
        assert 0.0 <= chance <= 1.0


@pytest.mark.parametrize("fmt, marker", [("text", "(none needed)"), ("markdown", "## Deals")])
def test_search_text_and_markdown(fmt, marker, capsys):
    code, out, err = run(capsys, "search", LOGROLL, "--format", fmt)
    assert (code, err) == (0, "")
    assert marker in out and "Sets of concessions searched: 6" in out


def test_search_refuses_too_many_concessions(tmp_path, capsys):
    import yaml

    raw = yaml.safe_load(LOGROLL.read_text(encoding="utf-8"))
    raw["concessions"] = [
        {"id": f"c{k}", "party": "union", "title": f"Wage step {k}", "source": "assumption", "note": "generated",
         "changes": [{"issue": "wages", "position": float(k)}]}
        for k in range(25)
    ]
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    code, out, err = run(capsys, "search", path)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{path}: concessions: 25 concessions: the search enumerates every set and takes at most 24"]


# -- convert --to decide|bdm -------------------------------------------------------------------

PEER = Path(__file__).parent / "peer_files"


def test_convert_to_decide_and_back_gives_the_same_report(tmp_path, capsys):
    decide = tmp_path / "logroll.txt"
    code, out, err = run(capsys, "convert", LOGROLL, decide, "--to", "decide")
    assert code == 0, err
    assert err.splitlines() == [
        f"{LOGROLL}: note: DECIDE cannot hold reservations, concessions: left out",
        f"wrote {decide} (2 parties, 3 issues, 6 stances)"]
    assert decide.read_text(encoding="utf-8").startswith("#O\t'Logrolling: union and management")
    back = tmp_path / "back.yaml"
    code, _, err = run(capsys, "convert", decide, back)
    assert code == 0, err
    def compromise(path):
        return [(i["id"], round(i["outcomes"]["compromise"], 9)) for i in report_json(capsys, path)["issues"]]

    assert compromise(back) == compromise(LOGROLL)


def test_convert_to_bdm_of_a_multi_issue_scenario_names_the_issue_option(tmp_path, capsys):
    output = tmp_path / "out.csv"
    code, out, err = run(capsys, "convert", LOGROLL, output, "--to", "bdm")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (f"{LOGROLL}: issues: a BDM file holds one issue and this scenario has 3: "
                                    "pick one with --issue ID (wages, job-security, hours)")
    assert not output.exists()
    code, out, err = run(capsys, "convert", LOGROLL, output, "--to", "bdm", "--issue", "nope")
    assert code == 2 and "--issue: no issue 'nope'" in err
    code, out, err = run(capsys, "convert", LOGROLL, output, "--to", "bdm", "--issue", "hours")
    assert code == 0, err
    assert err.splitlines()[-1] == f"wrote {output} (2 actors on one issue)"
    assert output.read_text(encoding="utf-8") == (
        "Actor,Capability,Position,Salience\nUnion,0.5,100,0.2\nManagement,0.5,0,0.2\n")


def test_convert_bdm_to_bdm_keeps_the_original_numbers(tmp_path, capsys):
    source = tmp_path / "emu.csv"
    source.write_text("Actor,Capability,Position,Salience,Notes\nLabour,1.0,8,0.4,x\nBank,0.1,5,0.6,\n"
                      "Tories,0.3,1,0.95,\n", encoding="utf-8")
    code, out, err = run(capsys, "convert", source, "-", "--to", "bdm", "--scale", "0", "10")
    assert code == 0, err
    assert err.splitlines() == [f"{source}:1: header: warning: column 'Notes' ignored",
                                f"{source}: note: BDM cannot hold vetoes: left out"]
    assert out == "Actor,Capability,Position,Salience\nLabour,1,8,0.4\nBank,0.1,5,0.6\nTories,0.3,1,0.95\n"


def test_convert_decide_to_stdout(capsys):
    code, out, err = run(capsys, "convert", PEER / "decide_sample_data.txt", "-", "--to", "decide")
    assert code == 0, err
    assert out.splitlines()[0] == "#O\t'Imported from decide_sample_data.txt'"
    assert "#M\t'tol-hoogte'\t0.5\t'0.5 on the original scale'" in out.splitlines()


def test_convert_peer_file_with_errors_exits_2_naming_line_and_field(tmp_path, capsys):
    path = PEER / "decide_copenhagen_with_errors.csv"
    code, out, err = run(capsys, "convert", path, tmp_path / "x.yaml")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"{path}:86: #D.position: 160 lies outside the scale [0, 100]",
                                f"{path}:87: #D.power: -0.247 must lie in [0, 100]"]
