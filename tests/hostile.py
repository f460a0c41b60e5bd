"""A scenario whose every free text is hostile markup: for the escaping tests (briefing, pages).

Each hostile text sets ``window.__xss`` if it ever runs and carries a ``"`` quote, so a test can
check that nothing ran and that the text reads as written.
"""

from __future__ import annotations

from pathlib import Path

import explorer
from explorer.io.writer import dumps
from explorer.model.scenario import Scenario
from tests.conftest import SEED

PARTY = '<script>window.__xss=1</script>Russia "the Federation"'
ISSUE = '<img src=x onerror="window.__xss=2">NATO path'
LOW = "</script><script>window.__xss=3</script> joins"
QUOTE = 'He said "<b onmouseover=\'window.__xss=4\'>never</b>" & left'
TITLE = '<svg onload="window.__xss=5">Freeze</svg>'
DESCRIPTION = '<iframe src="javascript:window.__xss=6"></iframe> a "freeze"'
SOURCE = '<a href="javascript:window.__xss=7">Article</a>'
SCENARIO = '</title><script>window.__xss=8</script>Talks'
POINT = '<style>body{display:none}</style>halfway'
HIGH = '<object data="x">Neutral</object> "forever"'
ABOUT = '<marquee onstart="window.__xss=10">About</marquee>'
NOTE = '<details open ontoggle="window.__xss=11">note</details>'
TEXTS = (PARTY, ISSUE, LOW, QUOTE, TITLE, DESCRIPTION, SOURCE, SCENARIO, POINT, HIGH, ABOUT, NOTE)
MARKS = ("<script>window.__xss", "<img src=x", "<b onmouseover", "<svg onload", "<iframe", '<a href="javascript',
         "</title><script>", "<style>body", "<object data", "<marquee", "<details open ontoggle")


def hostile_scenario(folder: Path) -> tuple[Scenario, tuple[str, ...]]:
    """The seed with hostile texts in its names, scale, quotes, concessions and sources; written to
    ``folder/hostile.yaml`` (so it also loads as a file). Returns the scenario and the markup marks
    that must never appear unescaped."""
    data = explorer.load(SEED).data
    parties = (data.parties[0].model_copy(update={"name": PARTY, "note": NOTE}), *data.parties[1:])
    first = data.issues[0]
    points = (first.points[0].model_copy(update={"label": POINT}), *first.points[1:]) if first.points else ()
    issues = (first.model_copy(update={"name": ISSUE, "low": LOW, "high": HIGH, "points": points,
                                       "description": NOTE}), *data.issues[1:])
    stances = list(data.stances)
    for k, stance in enumerate(stances):
        if stance.party == data.parties[0].id and stance.issue == first.id:
            field = "quote" if stance.quote else "note"
            stances[k] = stance.model_copy(update={field: QUOTE})
    stances[-1] = stances[-1].model_copy(update={"quote": QUOTE} if stances[-1].quote else {"note": QUOTE})
    evidence = {"quote": QUOTE} if data.concessions[0].quote else {"note": NOTE}
    concessions = (data.concessions[0].model_copy(update={"title": TITLE, "description": DESCRIPTION, **evidence}),
                   *data.concessions[1:])
    sources = (data.sources[0].model_copy(update={"title": SOURCE, "url": "javascript:window.__xss=9", "note": NOTE}),
               *data.sources[1:])
    hostile = data.model_copy(update={"title": SCENARIO, "description": ABOUT, "parties": parties, "issues": issues,
                                      "stances": tuple(stances), "concessions": concessions, "sources": sources})
    path = folder / "hostile.yaml"
    path.write_text(dumps(hostile), encoding="utf-8")
    return explorer.load(path), MARKS
