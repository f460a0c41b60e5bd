"""A briefing: one self-contained HTML file of a scenario's state that opens anywhere, offline,
and prints.

``briefing_html(scenario, ...)`` computes the states (:mod:`.states`: the start, the concessions
switched on when it was made, each deal the dashboard lists) with the dashboard's own engine and
figure modules, writes the bottom line (:mod:`.summary`) and the tables (:mod:`.tables`), and
assembles the file (:mod:`.document`). ``explorer briefing`` (the CLI) and the dashboard's
"Download briefing" button both call it. No widget library is imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex

from explorer.analysis.vocabulary import DEFAULT_OUTCOME, OUTCOME_LABELS
from explorer.app.figures.forecast import MODEL_LABELS
from explorer.app.state import DASHBOARD_DRAWS, FORECAST_DRAWS, FORECAST_ROUNDS, SEED, Exploration
from explorer.app.briefing.document import page_html
from explorer.app.briefing.states import compute_states
from explorer.model.scenario import Scenario

__all__ = ["briefing_html", "provenance"]


def provenance(scenario: Scenario, made: tuple[str, ...], draws: int, seed: int, model: str, outcome: str,
               source_name: str | None, source_digest: str | None, when: dt.datetime) -> dict[str, str]:
    """What anyone needs to make the same briefing again, as label → plain text."""
    from explorer import __version__

    name = source_name or f"{scenario.data.id}.yaml"
    digest = source_digest or "– (made from a scenario in memory, not a file)"
    command = ["explorer", "briefing", name, *[arg for cid in made for arg in ("--concede", cid)],
               "--draws", str(draws), "--seed", str(seed), "--model", model, "--outcome", outcome, "-o", "briefing.html"]
    return {
        "Scenario file": name,
        "SHA-256 of the file": digest,
        "Explorer version": __version__,
        "Made": when.strftime("%Y-%m-%d %H:%M UTC"),
        "Concessions switched on": ", ".join(made) or "none",
        "Package in the utility figure": f"{OUTCOME_LABELS[outcome]} (when it exists, else the compromise)",
        "Chances": f"{draws:,} draws of the coding uncertainty, seed {seed} (the same draws for every state)",
        "Forecast": (f"{MODEL_LABELS[model]}, {FORECAST_ROUNDS} rounds; spread over {FORECAST_DRAWS[model]:,} "
                     f"draws, seed {seed}"),
        "Make it again": shlex.join(command),
    }


def briefing_html(scenario: Scenario, made: tuple[str, ...] = (), draws: int = DASHBOARD_DRAWS, seed: int = SEED,
                  model: str = "bdm", outcome: str = DEFAULT_OUTCOME, source_name: str | None = None,
                  source_bytes: bytes | None = None, source_digest: str | None = None,
                  exploration: Exploration | None = None, when: dt.datetime | None = None) -> str:
    """The briefing file's text for ``scenario`` with the concessions ``made`` switched on.

    ``exploration`` reuses a dashboard's engine (its caches: what the viewer already computed);
    it must be of the same scenario, draws and seed. ``source_bytes`` are the file's bytes (or
    ``source_digest`` their SHA-256), for the provenance. ``outcome``: the package the utility
    figure shows when it exists (the dashboard's picker).
    """
    if model not in MODEL_LABELS:
        raise ValueError(f"unknown model {model!r}; choose from {', '.join(MODEL_LABELS)}")
    if outcome not in OUTCOME_LABELS:
        raise ValueError(f"unknown outcome {outcome!r}; choose from {', '.join(OUTCOME_LABELS)}")
    if source_bytes is not None:
        source_digest = hashlib.sha256(source_bytes).hexdigest()
    exploration = exploration or Exploration(scenario, draws=draws, seed=seed)
    made = exploration.baseline.with_concessions(made).active  # file order; refuses a set the rules forbid
    states = compute_states(exploration, made, model, outcome)
    initial = "made" if made else "start"
    when = when or dt.datetime.now(dt.timezone.utc)
    facts = provenance(exploration.baseline, made, exploration.draws, exploration.seed, model, outcome, source_name,
                       source_digest, when)
    return page_html(exploration.baseline, states, initial, facts, MODEL_LABELS[model], exploration.draws)
