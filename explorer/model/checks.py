"""Rules that relate several parts of a scenario: references, red lines, sources.

Each rule yields :class:`~explorer.errors.Problem` objects with the field path of
the offending value, so the loader can add file names and line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from explorer.errors import Path, Problem
from explorer.model.schema import ASSUMPTION, Concession, ScenarioData, Stance, StanceChange


def check_scenario(data: ScenarioData) -> list[Problem]:
    """Every cross-reference problem of a field-valid scenario, in file order."""
    problems: list[Problem] = []
    for section in ("sources", "parties", "issues", "concessions"):
        problems += _duplicates(getattr(data, section), section)
    problems += [
        Problem(("sources", k, "id"), f"'{ASSUMPTION}' is reserved, choose another source id")
        for k, source in enumerate(data.sources)
        if source.id == ASSUMPTION
    ]
    problems += _check_issues(data)
    problems += _check_stances(data)
    problems += _check_parties(data)
    problems += _check_concessions(data)
    return problems


def _duplicates(items: Iterable, section: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for k, item in enumerate(items):
        if item.id in first:
            yield Problem(
                (section, k, "id"), f"duplicate id '{item.id}' (first at {section}[{first[item.id]}])"
            )
        else:
            first[item.id] = k


def _check_issues(data: ScenarioData) -> Iterator[Problem]:
    for k, issue in enumerate(data.issues):
        if issue.scale is not None and issue.scale.low == issue.scale.high:
            yield Problem(("issues", k, "scale"), "low and high must differ")


def _check_source(item: Stance | Concession, path: Path, source_ids: set[str]) -> Iterator[Problem]:
    if item.source == ASSUMPTION:
        if not (item.note and item.note.strip()):
            yield Problem(path + ("note",), "an assumption needs a note giving its reasoning")
    elif item.source not in source_ids:
        yield Problem(
            path + ("source",), f"unknown source '{item.source}' (use a source id or 'assumption')"
        )
    elif not (item.quote and item.quote.strip()):
        yield Problem(path + ("quote",), f"a stance coded from source '{item.source}' needs its quote")


def _check_range(position: float, acceptable: tuple[float, float], path: Path) -> Iterator[Problem]:
    lo, hi = acceptable
    if lo > hi:
        yield Problem(path + ("acceptable",), f"red lines [{lo:g}, {hi:g}] have lo > hi")
    elif not lo <= position <= hi:
        yield Problem(
            path + ("position",), f"{position:g} lies outside its red lines [{lo:g}, {hi:g}]"
        )


def _check_stances(data: ScenarioData) -> Iterator[Problem]:
    party_ids = {p.id for p in data.parties}
    issue_ids = {i.id for i in data.issues}
    source_ids = {s.id for s in data.sources}
    seen: dict[tuple[str, str], int] = {}
    for k, stance in enumerate(data.stances):
        path: Path = ("stances", k)
        if stance.party not in party_ids:
            yield Problem(path + ("party",), f"unknown party '{stance.party}'")
        if stance.issue not in issue_ids:
            yield Problem(path + ("issue",), f"unknown issue '{stance.issue}'")
        key = (stance.party, stance.issue)
        if key in seen:
            yield Problem(
                path, f"second stance of '{stance.party}' on '{stance.issue}' (first at stances[{seen[key]}])"
            )
        seen.setdefault(key, k)
        yield from _check_range(stance.position, stance.acceptable, path)
        yield from _check_source(stance, path, source_ids)


def _check_parties(data: ScenarioData) -> Iterator[Problem]:
    with_stance = {s.party for s in data.stances}
    for k, party in enumerate(data.parties):
        if party.id not in with_stance:
            yield Problem(("parties", k, "id"), f"party '{party.id}' has no stance on any issue")
    veto = [p.id for p in data.parties if p.veto]
    if len(veto) < 2:
        found = ", ".join(veto) or "none"
        yield Problem(("parties",), f"at least two veto parties are needed, found {len(veto)} ({found})")


def _applied(stance: Stance, change: StanceChange) -> tuple[float, tuple[float, float]]:
    position = stance.position if change.position is None else change.position
    acceptable = stance.acceptable if change.acceptable is None else change.acceptable
    return position, acceptable


def _check_concessions(data: ScenarioData) -> Iterator[Problem]:
    party_ids = {p.id for p in data.parties}
    source_ids = {s.id for s in data.sources}
    concession_ids = {c.id for c in data.concessions}
    stances = {(s.party, s.issue): s for s in data.stances}
    for k, concession in enumerate(data.concessions):
        path: Path = ("concessions", k)
        if concession.party not in party_ids:
            yield Problem(path + ("party",), f"unknown party '{concession.party}'")
        yield from _check_source(concession, path, source_ids)
        issues_changed: set[str] = set()
        for j, change in enumerate(concession.changes):
            change_path = path + ("changes", j)
            if change.issue in issues_changed:
                yield Problem(change_path + ("issue",), f"issue '{change.issue}' is changed twice")
            issues_changed.add(change.issue)
            if not change.model_dump(exclude={"issue"}, exclude_none=True):  # null sets nothing
                yield Problem(change_path, "a change must set at least one stance field")
            stance = stances.get((concession.party, change.issue))
            if stance is None:
                if concession.party in party_ids:
                    yield Problem(
                        change_path + ("issue",),
                        f"party '{concession.party}' has no stance on issue '{change.issue}'",
                    )
                continue
            yield from _check_range(*_applied(stance, change), change_path)
        for field in ("requires", "excludes"):
            for j, other in enumerate(getattr(concession, field)):
                if other == concession.id:
                    yield Problem(path + (field, j), f"a concession cannot name itself in {field}")
                elif other not in concession_ids:
                    yield Problem(path + (field, j), f"unknown concession '{other}'")
        for j, other in enumerate(concession.excludes):
            if other in concession.requires:
                yield Problem(path + ("excludes", j), f"'{other}' is both required and excluded")
