"""Shared hypothesis strategies: valid scenarios of any small size."""

from __future__ import annotations

from hypothesis import strategies as st

from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData

points = st.integers(0, 100).map(float)


@st.composite
def stance_values(draw, wide: bool = False):
    """(position, salience, [lo, hi]) with lo ≤ position ≤ hi."""
    position = draw(points)
    if wide:
        lo, hi = 0.0, 100.0
    else:
        lo = draw(st.integers(0, int(position)).map(float))
        hi = draw(st.integers(int(position), 100).map(float))
    salience = draw(st.integers(1, 100).map(float))
    return position, salience, [lo, hi]


@st.composite
def scenario_mappings(draw, min_parties=2, max_parties=5, max_issues=5, wide=False, zero_reservation=False,
                      all_stances=False):
    """A raw scenario mapping that validates: ≥ 2 veto parties, every party with a stance."""
    n_parties = draw(st.integers(min_parties, max_parties))
    n_issues = draw(st.integers(1, max_issues))
    n_veto = draw(st.integers(2, n_parties))
    parties = [
        {
            "id": f"p{k}",
            "name": f"Party {k}",
            "capability": float(draw(st.integers(1, 100))),
            "veto": k < n_veto,
            "reservation": 0.0 if zero_reservation else draw(st.integers(0, 90)) / 100,
        }
        for k in range(n_parties)
    ]
    issues = [{"id": f"i{k}", "name": f"Issue {k}", "low": "low", "high": "high"} for k in range(n_issues)]
    stances = []
    for k in range(n_parties):
        if all_stances:
            chosen = list(range(n_issues))
        else:
            chosen = sorted(draw(st.sets(st.integers(0, n_issues - 1), min_size=1, max_size=n_issues)))
        for i in chosen:
            position, salience, acceptable = draw(stance_values(wide=wide))
            stances.append({
                "party": f"p{k}", "issue": f"i{i}", "position": position, "salience": salience,
                "acceptable": acceptable, "source": "assumption", "note": "generated",
            })
    return {"id": "generated", "title": "Generated", "as_of": "2025-01-01",
            "parties": parties, "issues": issues, "stances": stances}


def scenarios(**kwargs):
    """Valid baseline :class:`Scenario` objects."""
    return scenario_mappings(**kwargs).map(
        lambda raw: Scenario.from_data(ScenarioData.model_validate(raw))
    )


# -- scenarios with coding uncertainty and concessions (Monte Carlo, deal search) --------------

sigmas = st.sampled_from([0.0, 0.0, 0.0, 3.0, 10.0, 25.0])


CHANGE_KINDS = ("position", "position", "position+redlines", "position+redlines", "position+redlines",
                "redlines", "other")


@st.composite
def stance_change(draw, stance: dict, kinds=CHANGE_KINDS) -> dict:
    """A change to ``stance`` that keeps its position inside its red lines on its own: a new
    position (mostly), sometimes new red lines, salience, uncertainty or capability."""
    x, (lo, hi) = stance["position"], stance["acceptable"]
    change: dict = {"issue": stance["issue"]}
    kind = draw(st.sampled_from(kinds))
    if kind == "position":
        change["position"] = float(draw(st.integers(int(lo), int(hi))))
    elif kind == "position+redlines":
        new = draw(st.integers(0, 100))
        change["position"] = float(new)
        change["acceptable"] = [float(draw(st.integers(0, new))), float(draw(st.integers(new, 100)))]
    elif kind == "redlines":
        change["acceptable"] = [float(draw(st.integers(0, int(x)))), float(draw(st.integers(int(x), 100)))]
    if kind == "other" or draw(st.booleans()) and draw(st.booleans()):
        extra = draw(st.sampled_from(["salience", "uncertainty", "capability"]))
        change[extra] = draw(sigmas) if extra == "uncertainty" else float(draw(st.integers(1, 100)))
    return change


@st.composite
def concession_mappings(draw, min_parties=2, max_parties=3, max_issues=3, min_concessions=2,
                        max_concessions=6, max_reservation=80, reaches=(None, 10, 10, 20, 30),
                        kinds=CHANGE_KINDS):
    """A raw scenario mapping as :func:`scenario_mappings`, plus an uncertainty on every stance
    (often 0) and 2–6 concessions, each changing one or two of its party's stances, with
    ``requires``/``excludes`` among them now and then (never a concession naming itself, never
    one both required and excluded). Red lines are sometimes narrowed to 10, 20 or 30 points around
    the position (``reaches``), so that baselines are often deadlocked; ``kinds`` weighs the kinds
    of change (see :func:`stance_change`). Small, so every set of concessions can be tried by
    brute force."""
    raw = draw(scenario_mappings(min_parties=min_parties, max_parties=max_parties, max_issues=max_issues))
    for party in raw["parties"]:
        party["reservation"] = draw(st.integers(0, max_reservation)) / 100
    reach = draw(st.sampled_from(reaches))  # red lines at most this far from the position
    for stance in raw["stances"]:
        stance["uncertainty"] = draw(sigmas)
        if reach is not None:
            x, (lo, hi) = stance["position"], stance["acceptable"]
            stance["acceptable"] = [max(lo, x - reach), min(hi, x + reach)]
    by_party: dict[str, list[dict]] = {}
    for stance in raw["stances"]:
        by_party.setdefault(stance["party"], []).append(stance)
    count = draw(st.integers(min_concessions, max_concessions))
    concessions = []
    for k in range(count):
        party = draw(st.sampled_from(sorted(by_party)))
        own = by_party[party]
        chosen = draw(st.lists(st.sampled_from(range(len(own))), min_size=1, max_size=min(2, len(own)),
                               unique=True))
        concessions.append({
            "id": f"c{k}", "party": party, "title": f"Concession {k}", "source": "assumption",
            "note": "generated", "changes": [draw(stance_change(own[j], kinds)) for j in chosen],
        })
    ids = [c["id"] for c in concessions]
    for concession in concessions:
        others = [i for i in ids if i != concession["id"]]
        if draw(st.integers(0, 3)) == 0:
            concession["requires"] = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
        if draw(st.integers(0, 3)) == 0:
            free = [i for i in others if i not in concession.get("requires", [])]
            if free:
                concession["excludes"] = draw(st.lists(st.sampled_from(free), min_size=1, max_size=2, unique=True))
    raw["concessions"] = concessions
    return raw


def scenarios_with_concessions(**kwargs):
    """Valid baseline :class:`Scenario` objects from :func:`concession_mappings`."""
    return concession_mappings(**kwargs).map(
        lambda raw: Scenario.from_data(ScenarioData.model_validate(raw))
    )
