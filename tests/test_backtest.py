"""explorer.backtest: the DEU III reader, capabilities by period, predictors and scores, by hand."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest

from explorer.backtest import capabilities as caps
from explorer.backtest.deu import ACTORS, parse_deu
from explorer.backtest.predictors import DeuArrays, predict, weighted_rules
from explorer.backtest.results import backtest_issues
from explorer.backtest.scenarios import issue_scenario
from explorer.backtest.scores import bootstrap_mean, cluster_resamples, metrics, score
from explorer.cli import main
from explorer.errors import ScenarioError

COLUMNS = ["prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc", "counvte", "proccde", "issues",
           "intro", "finact", *(f"p{a}" for a in ACTORS), *(f"s{a}" for a in ACTORS), "rp", "out"]


def line(values: dict) -> str:
    return "\t".join(f'"{values[c]}"' if c in values else "" for c in COLUMNS)


def deu_text(*rows: dict, gdp: bool = True) -> str:
    lines = ["\t".join(f'"{c}"' for c in COLUMNS)]
    if gdp:  # the shared file's second line: GDP in the p… columns of the states
        lines.append(line({f"p{a}": "1.5" for a in ACTORS[2:]}))
    return "\n".join([*lines, *(line(r) for r in rows)]) + "\n"


def row(issue="x1", proposal="x", intro="26-01-00", finact="30-05-01", proc="COD", rule="QMV", out="40", rp="",
        **stances) -> dict:
    values = {"prnr": proposal, "prname": "test", "isnr": issue, "proc": proc, "counvte": rule, "intro": intro,
              "finact": finact, "out": out, "rp": rp}
    for actor, (position, salience) in stances.items():
        values[f"p{actor}"] = position
        if salience is not None:
            values[f"s{actor}"] = salience
    return values


def test_hand_made_rows_blanks_a_state_not_yet_a_member_and_a_missing_outcome():
    text = deu_text(
        row("a1", com=("100", "80"), ep=("0", "50"), de=("50", "100"), pl=("0", "100")),  # Poland: not a member in 2001
        row("a2", out="", com=("10", "80"), ep=("20", None), fr=("30", "0")),  # no outcome; EP's salience blank
    )
    first, second = parse_deu(text, "hand.tsv")
    assert first.id == "a1" and first.line == 3 and first.decided == datetime.date(2001, 5, 30)
    assert first.positions == {"com": 100.0, "ep": 0.0, "de": 50.0, "pl": 0.0} and first.outcome == 40.0
    assert second.outcome is None and second.saliences["ep"] == 50.0 and second.defaulted_salience == ("ep",)
    arrays = DeuArrays.from_issues([first, second])
    pl, de = ACTORS.index("pl"), ACTORS.index("de")
    assert not arrays.present[0, pl] and arrays.present[0, de] and np.isnan(arrays.position[0, pl])
    scenario = issue_scenario(first)
    assert [p.id for p in scenario.parties] == ["com", "ep", "de"]  # Poland left out: no seat in 2001
    assert {p.id for p in scenario.parties if p.veto} == {"com", "ep"}  # QMV: no single state has a veto
    assert scenario.stances[0].quote == "line 3: pcom = 100, scom = 80"


def test_the_compromise_is_the_capability_times_salience_weighted_mean_by_hand():
    text = deu_text(row("a1", intro="26-01-00", finact="999", com=("100", "80"), ep=("0", "50"), de=("50", "100"),
                        fr=("20", "40")))
    (issue,) = parse_deu(text)
    assert issue.adopted is None and issue.decided == datetime.date(2000, 1, 26)  # "999": the introduction's date
    # pre-Nice: Germany and France 10 of 87 votes each; Commission 0.5, Parliament 1 (co-decision)
    weight = {"com": 0.5 * 80, "ep": 1.0 * 50, "de": 10 / 87 * 100, "fr": 10 / 87 * 40}
    position = {"com": 100, "ep": 0, "de": 50, "fr": 20}
    expected = sum(weight[a] * position[a] for a in weight) / sum(weight.values())
    got = weighted_rules(DeuArrays.from_issues([issue]))
    assert got["compromise"][0] == pytest.approx(expected, abs=1e-12)
    # the weighted median: sorted 0 (50), 20 (4.6), 50 (11.5), 100 (40) of 106.1: half (53.05) first reached at 20
    assert got["weighted_median"][0] == 20.0


def test_unanimity_gives_every_state_a_veto():
    (issue,) = parse_deu(deu_text(row("u1", rule="Unan", proc="CNS", com=("0", "50"), de=("10", "50"),
                                      fr=("90", "50"))))
    assert all(p.veto for p in issue_scenario(issue).parties)
    (qmv,) = parse_deu(deu_text(row("q1", proc="CNS", de=("10", "50"), fr=("90", "50"), it=("50", "50"))))
    scenario = issue_scenario(qmv)  # no institution has a position: fewer than two veto parties by the rules
    assert all(p.veto for p in scenario.parties) and "Every party is a veto party" in scenario.data.description


@pytest.mark.parametrize("date, state, share", [
    (datetime.date(2000, 1, 1), "de", 10 / 87), (datetime.date(2000, 1, 1), "lu", 2 / 87),
    (datetime.date(2005, 1, 1), "de", 29 / 321), (datetime.date(2005, 1, 1), "mt", 3 / 321),  # EU-25
    (datetime.date(2008, 1, 1), "ro", 14 / 345),  # EU-27
    (datetime.date(2014, 1, 1), "cr", 7 / 352),  # EU-28 under Nice
])
def test_council_votes_by_hand(date, state, share):
    assert caps.council_weights(date)[state] == pytest.approx(share, rel=1e-12)
    assert sum(caps.council_weights(date).values()) == pytest.approx(1.0)


def test_lisbon_uses_population_shares_and_the_institutions_follow_the_procedure():
    date = datetime.date(2016, 9, 14)
    weights = caps.council_weights(date)
    assert len(weights) == 28 and weights["de"] == pytest.approx(81.2 / sum(caps.POPULATION_2015.values()))
    assert caps.capabilities(date, "COD")["ep"] == 1.0 and caps.capabilities(date, "CNS")["ep"] == 0.1
    assert "uk" not in caps.council_weights(datetime.date(2020, 6, 1))


def test_scores_by_hand():
    assert metrics(np.array([5.0, -15.0, 0.0, 40.0])) == {
        "mae": 15.0, "rmse": pytest.approx(np.sqrt((25 + 225 + 0 + 1600) / 4)), "median_ae": 10.0, "within10": 0.5}
    # two proposals: p (issues 0, 1) and q (issue 2); resample 1 draws p twice, resample 2 q twice
    counts = np.array([[2.0, 0.0], [0.0, 2.0]])
    assert bootstrap_mean(np.array([10.0, 20.0, 40.0]), np.array([0, 0, 1]), counts).tolist() == [15.0, 40.0]
    outcome = np.array([50.0, 50.0, 50.0])
    predictor, baseline = np.array([60.0, 30.0, 90.0]), np.array([55.0, 45.0, 50.0])
    found = score(predictor, outcome, np.array(["p", "p", "q"]), baseline, counts)
    assert found["mae"] == pytest.approx((10 + 20 + 40) / 3)
    # paired differences |e| − |e_baseline|: 10 − 5, 20 − 5, 40 − 0 → resample 1: (5 + 15)/2, resample 2: 40
    assert found["diff_vs_mean"] == pytest.approx((5 + 15 + 40) / 3)
    assert found["diff_ci"] == pytest.approx([10 + 0.025 * 30, 40 - 0.025 * 30])
    assert found["mae_ci"] == pytest.approx([15 + 0.025 * 25, 40 - 0.025 * 25])


def test_cluster_resamples_draw_whole_proposals():
    counts = cluster_resamples(np.array(["p", "p", "q", "r"]), 500, seed=1)
    assert counts.shape == (500, 3) and (counts.sum(axis=1) == 3).all()
    assert (counts == cluster_resamples(np.array(["p", "p", "q", "r"]), 500, seed=1)).all()


def test_every_predictor_on_hand_made_issues_and_json_fields():
    text = deu_text(row("a1", com=("100", "80"), ep=("0", "50"), de=("50", "100"), fr=("20", "40"), rp="0"),
                    row("a2", com=("10", "80"), ep=("20", "60"), de=("30", "70"), fr=("80", "40"), out="25"),
                    row("b1", proposal="y", rule="Unan", proc="CNS", com=("60", "50"), de=("40", "90"),
                        fr=("0", "30"), out="45"))
    result = backtest_issues(parse_deu(text), "hand.tsv", seed=3, resamples=200)
    d = result.to_dict()
    assert {p["name"] for p in d["predictors"]} == set(predict.__globals__["PREDICTORS"])
    for p in d["predictors"]:
        assert {"name", "mae", "mae_ci", "rmse", "median_ae", "within10", "diff_vs_mean", "diff_ci"} <= set(p)
    assert [i["id"] for i in d["issues"]] == ["a1", "a2", "b1"]
    assert set(d["issues"][0]["predictions"]) == set(result.names)
    assert "pre-Nice (EU-15)" in d["capabilities"]
    assert d == backtest_issues(parse_deu(text), "hand.tsv", seed=3, resamples=200).to_dict()  # deterministic


def test_a_malformed_file_names_line_and_column_and_the_cli_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text(deu_text(row("a1", com=("120", "80"), ep=("0", "50")), row("a2", rule="majority", com=("1", "1"),
                                                                               ep=("x", "1"))))
    with pytest.raises(ScenarioError) as error:
        parse_deu(bad.read_text(), str(bad))
    lines = str(error.value).splitlines()
    assert lines[0].endswith(":3: pcom: 120 is outside 0–100")
    assert any(":4: counvte: 'majority' is not a voting rule" in l for l in lines)
    assert any(":4: pep: 'x' is not a number" in l for l in lines)
    assert main(["backtest", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.tsv:3: pcom" in err and "Traceback" not in err
    (tmp_path / "other.tsv").write_text("a\tb\n1\t2\n")
    assert main(["backtest", str(tmp_path / "other.tsv")]) == 2
    assert "not a DEU III file" in capsys.readouterr().err


def test_the_cli_writes_json_and_scenarios(tmp_path, capsys):
    path = tmp_path / "hand.tsv"
    path.write_text(deu_text(row("a1", com=("100", "80"), ep=("0", "50"), de=("50", "100"))))
    assert main(["backtest", str(path), "--format", "json", "--resamples", "50", "--predictor", "compromise",
                 "--scenarios", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in result["predictors"]] == ["compromise"]
    assert main(["validate", str(tmp_path / "out" / "a1.yaml")]) == 0


def test_the_pre_registered_split_and_rule_by_hand():
    import hashlib

    from explorer.backtest.beyond import GRID, anchored, attempt, held_out

    for proposal in ("d00032", "a", "x1", "prop-7"):
        assert held_out(proposal) == (hashlib.sha256(proposal.encode()).digest()[0] % 3 == 0)
    assert anchored(np.array([50.0, 80.0]), np.array([10.0, np.nan]), 0.5).tolist() == [30.0, 80.0]
    assert GRID[0] == 0.0 and GRID[-1] == 1.0 and len(GRID) == 21
    # outcomes at the reference point on every training proposal: λ = 1 fits them exactly
    train = [p for p in (f"t{k}" for k in range(40)) if not held_out(p)][:4]
    test = [p for p in (f"h{k}" for k in range(40)) if held_out(p)][:2]
    rows = [row(f"{p}i", proposal=p, rp="0", out="0", com=("100", "50"), ep=("60", "50")) for p in train + test]
    found = attempt(DeuArrays.from_issues(parse_deu(deu_text(*rows))), resamples=100)
    assert found.weight == 1.0 and found.train_mae[1.0] == 0.0 and found.train_issues == 4
    assert found.test_issues == 2 and found.test["mae"] == 0.0 and found.test_compromise["mae"] > 0
    assert found.test["diff_vs_mean"] < 0 and found.wins
