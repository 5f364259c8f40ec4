"""The optional transparent risk score: integer points per factor, a second opinion, never the decision.

- Training (zorgstraf.scorecard, the `train` extra: scikit-learn) fits an L1 logistic regression
  whose coefficients are rounded to small integer points, and publishes the points table.
- Scoring reads only the JSON points table (`scorecard_punten.json`, validated by pydantic). Training
  also writes a joblib of the estimator for analysts; triage, API and dashboard never unpickle it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Callable, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import schema
from .errors import ZorgstrafError

# The published points table ships inside the package; ZORGSTRAF_MODEL_DIR points elsewhere.
MODEL_DIR = Path(os.environ.get("ZORGSTRAF_MODEL_DIR") or Path(__file__).resolve().parent / "models")
MODEL_NAME = "scorecard"


class ModelError(ZorgstrafError):
    """The score model is missing, tampered with, or unusable."""


# --- features ----------------------------------------------------------------------------------
# Risk factors named by the sources and public instruments (DASH/MARAC critical items, ODARA,
# RiHG). Deliberately excluded: region, postcode, source of the report, nationality, ethnicity or
# anything that could stand in for them; the free text; identifiers and timestamps.


def _v(m: schema.Melding):
    return m.verdachte or schema.Verdachte()


FEATURES: dict[str, Callable[[schema.Melding], bool]] = {
    "wapen_dreiging": lambda m: _v(m).wapen == "dreiging",
    "wapen_gebruikt": lambda m: _v(m).wapen == "gebruikt",
    "doodsbedreiging": lambda m: _v(m).doodsbedreiging,
    "verwurging": lambda m: _v(m).verwurging,
    "letsel": lambda m: _v(m).letsel != "geen",
    "eerdere_incidenten_1_2": lambda m: 1 <= _v(m).eerdere_incidenten_12m <= 2,
    "eerdere_incidenten_3_plus": lambda m: _v(m).eerdere_incidenten_12m >= 3,
    "schending_afspraken": lambda m: _v(m).schending_afspraken,
    "scheiding_stalking": lambda m: "ex_partnerstalking" in m.incidentsoort,
    "kinderen_in_huis": lambda m: m.kinderen.aantal_minderjarig > 0,
    "middelengebruik": lambda m: _v(m).middelengebruik,
    "psychische_problematiek": lambda m: _v(m).psychische_problematiek,
    "zorgmijdend": lambda m: _v(m).zorgmijdend,
    "slachtoffer_angst_ernstig": lambda m: m.slachtoffer.angst_ernstig,
    "slachtoffer_zwanger": lambda m: m.slachtoffer.zwanger,
    "eerdere_vt_meldingen_2_plus": lambda m: m.eerdere_vt_meldingen >= 2,
}
FEATURE_NAMES = list(FEATURES)


def feature_matrix(meldingen: list[schema.Melding]) -> np.ndarray:
    return np.array([[float(f(m)) for f in FEATURES.values()] for m in meldingen], dtype=float).reshape(len(meldingen), len(FEATURES))


class PointsTable(BaseModel):
    """The published points table: all that scoring needs. JSON, validated; never unpickled."""

    model_config = ConfigDict(extra="allow", frozen=True)  # metrics, bands in words, data description

    model: str
    punten: dict[str, Annotated[int, Field(ge=-100, le=100)]]
    afkappunten: dict[Literal["midden", "hoog"], Annotated[int, Field(ge=-10_000, le=10_000)]]

    @model_validator(mode="after")
    def _complete(self) -> "PointsTable":
        if list(self.punten) != FEATURE_NAMES:
            missing, extra = set(FEATURE_NAMES) - set(self.punten), set(self.punten) - set(FEATURE_NAMES)
            raise ValueError(
                f"de factoren kloppen niet met deze versie (ontbreekt: {sorted(missing) or '-'}, onbekend: {sorted(extra) or '-'}, of een andere volgorde); train opnieuw"
            )
        if set(self.afkappunten) != {"midden", "hoog"} or self.afkappunten["midden"] >= self.afkappunten["hoog"]:
            raise ValueError("afkappunten: verwacht midden en hoog, met midden kleiner dan hoog")
        return self


@dataclass
class Scorer:
    """Scores with the points table: a sum of integer points and two cut-offs, nothing learned at run time."""

    table: PointsTable
    digest: str  # SHA-256 of the points table file: the model hash in the audit trail
    text: str = ""  # the points table file as read (archived with the advies for replay)

    def __post_init__(self) -> None:
        self.points_ = np.array([self.table.punten[name] for name in FEATURE_NAMES], dtype=int)

    def band(self, total: int) -> str:
        cut = self.table.afkappunten
        return "hoog" if total >= cut["hoog"] else "midden" if total >= cut["midden"] else "laag"

    def explain(self, x: np.ndarray) -> schema.Score:
        contributions = {name: int(p) for name, p, present in zip(FEATURE_NAMES, self.points_, x) if present and p != 0}
        total = int(sum(contributions.values()))
        return schema.Score(punten=total, band=schema.ScoreBand(self.band(total)), bijdragen=contributions)

    def score(self, meldingen: list[schema.Melding]) -> list[schema.Score]:
        return [self.explain(row) for row in feature_matrix(meldingen)]


def load(directory: Path | None = None) -> Scorer:
    """Load the scorecard's points table (JSON, validated by pydantic). Reading it can never run code,
    unlike unpickling the joblib artifact, which is left to analysts and never opened here."""
    directory = Path(directory or MODEL_DIR)
    path = directory / f"{MODEL_NAME}_punten.json"
    try:
        data = path.read_bytes()
    except OSError:
        raise ModelError(f"{path}: puntentabel ontbreekt; train het model met: zorgstraf train") from None
    try:
        table = PointsTable.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ModelError(
            f"{path}: geen bruikbare puntentabel ({where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')})"
        ) from None
    return Scorer(table, hashlib.sha256(data).hexdigest(), data.decode("utf-8"))


def from_text(text: str, digest: str) -> Scorer:
    """A scorer from an archived points table; its SHA-256 must be the model hash it was archived under."""
    data = text.encode("utf-8")
    if hashlib.sha256(data).hexdigest() != digest:
        raise ModelError("bewaarde puntentabel past niet bij haar hash")
    return Scorer(PointsTable.model_validate_json(data), digest, text)
