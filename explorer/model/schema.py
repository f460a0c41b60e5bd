"""The scenario format: pydantic models that validate a scenario file.

The same models export the JSON Schema in ``data/schema/scenario.schema.json``
(``explorer schema``). Field-level rules live here; rules that relate several
parts of the file (references, red lines, concession chains) live in
:mod:`explorer.model.checks`, which reports them with the same field paths.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64),
    Field(description="Lower-case id: letters, digits, '-' and '_'."),
]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
ScalePoint = Annotated[
    float, Field(strict=True, ge=0, le=100, description="A point of the issue's 0–100 scale.")
]
Salience = Annotated[
    float, Field(strict=True, gt=0, le=100, description="Importance, 0 < s ≤ 100.")
]
Capability = Annotated[float, Field(strict=True, gt=0, description="Relative clout, > 0.")]
Uncertainty = Annotated[
    float, Field(strict=True, ge=0, le=100, description="Std. dev. of the position, in scale points.")
]
Range = Annotated[
    tuple[ScalePoint, ScalePoint],
    Field(description="Red lines [lo, hi]: the positions the party can accept."),
]

ASSUMPTION = "assumption"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    id: Identifier
    title: Text
    note: str | None = None
    url: str | None = None


class Party(_Strict):
    id: Identifier
    name: Text
    capability: Capability
    veto: bool = Field(False, description="Must consent to any agreement.")
    reservation: float = Field(
        0.0, strict=True, ge=0, lt=1, description="Utility of no deal, in [0, 1)."
    )
    note: str | None = None


class LabelledPoint(_Strict):
    at: ScalePoint
    label: Text


class OriginalScale(_Strict):
    """The scale an imported issue was measured on; positions are rescaled to 0–100."""

    low: float = Field(strict=True)
    high: float = Field(strict=True)
    unit: str | None = None


class Issue(_Strict):
    id: Identifier
    name: Text
    low: Text = Field(description="Meaning of position 0.")
    high: Text = Field(description="Meaning of position 100.")
    description: str | None = None
    points: tuple[LabelledPoint, ...] = ()
    scale: OriginalScale | None = None


class Stance(_Strict):
    party: Identifier
    issue: Identifier
    position: ScalePoint = Field(description="Ideal point, 0–100.")
    salience: Salience
    acceptable: Range = (0.0, 100.0)
    uncertainty: Uncertainty = 0.0
    capability: Capability | None = Field(
        None, description="This party's clout on this issue only; the party's when absent."
    )
    source: Identifier = Field(description="A source id, or the word `assumption`.")
    quote: str | None = Field(None, description="Required when source is a source id.")
    note: str | None = Field(None, description="Required when source is `assumption`.")


class StanceChange(_Strict):
    """Replaces fields of the conceding party's stance on one issue."""

    issue: Identifier
    position: ScalePoint | None = None
    salience: Salience | None = None
    acceptable: Range | None = None
    uncertainty: Uncertainty | None = None
    capability: Capability | None = None


class Concession(_Strict):
    id: Identifier
    party: Identifier
    title: Text
    description: str | None = None
    source: Identifier
    quote: str | None = None
    note: str | None = None
    changes: tuple[StanceChange, ...] = Field(min_length=1)
    requires: tuple[Identifier, ...] = ()
    excludes: tuple[Identifier, ...] = ()


class ScenarioData(_Strict):
    """One scenario file, as written (no concessions applied)."""

    id: Identifier
    title: Text
    as_of: datetime.date
    description: str | None = None
    sources: tuple[Source, ...] = ()
    parties: tuple[Party, ...] = Field(min_length=2)
    issues: tuple[Issue, ...] = Field(min_length=1)
    stances: tuple[Stance, ...] = Field(min_length=1)
    concessions: tuple[Concession, ...] = ()
    format: Literal[1] = Field(1, description="Version of this file format.")
