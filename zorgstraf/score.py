"""The optional transparent risk score: integer points per factor, a second opinion, never the decision.

- `PointsScorecard` is a scikit-learn estimator: an L1 logistic regression whose coefficients are
  scaled and rounded to small integer points; bands are cut on calibrated probabilities.
- `synthetic_training_set` is the documented generating process the committed model is trained on
  (there is no real data here: the model is illustrative).
- Scoring reads only the JSON points table (`scorecard_punten.json`, validated by pydantic). Training
  also writes a joblib of the estimator for analysts; triage, API and dashboard never unpickle it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from . import schema
from .errors import ZorgstrafError

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
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


# --- the estimator -------------------------------------------------------------------------------


class PointsScorecard(ClassifierMixin, BaseEstimator):
    """L1 logistic regression rounded to integer points; probabilities calibrated on the points."""

    def __init__(self, C: float = 0.5, max_points: int = 5, band_thresholds: tuple[float, float] = (0.15, 0.35), random_state: int = 0):
        self.C = C
        self.max_points = max_points
        self.band_thresholds = band_thresholds
        self.random_state = random_state

    def fit(self, X, y, feature_names: list[str] | None = None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        lr = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=self.C, random_state=self.random_state)
        lr.fit(X, y)
        coef = lr.coef_.ravel()
        scale = self.max_points / max(np.abs(coef).max(), 1e-9)
        self.points_ = np.rint(coef * scale).astype(int)
        self.scale_ = float(scale)
        self.feature_names_ = list(feature_names or [f"x{i}" for i in range(X.shape[1])])
        self.classes_ = np.array([0, 1])
        totals = X @ self.points_
        self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(totals, y)
        self.points_range_ = (int(min(0, self.points_[self.points_ < 0].sum())), int(self.points_[self.points_ > 0].sum()))
        # A band starts at the first total whose calibrated probability reaches the threshold, but
        # never at or below 0: a melding without risk factors is always in the lowest band.
        grid = np.arange(self.points_range_[0], self.points_range_[1] + 1)
        probs = self.calibrator_.predict(grid)
        cuts = []
        for threshold in self.band_thresholds:
            reached = grid[(probs >= threshold) & (grid > 0)]
            cuts.append(int(reached.min()) if reached.size else self.points_range_[1] + 1)
        cuts[1] = max(cuts[1], cuts[0] + 1)
        self.cutoffs_ = {"midden": cuts[0], "hoog": cuts[1]}
        return self

    def points(self, X) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.points_

    def predict_proba(self, X) -> np.ndarray:
        p = self.calibrator_.predict(self.points(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def band(self, total: int) -> str:
        return "hoog" if total >= self.cutoffs_["hoog"] else "midden" if total >= self.cutoffs_["midden"] else "laag"

    def explain(self, x: np.ndarray) -> schema.Score:
        contributions = {name: int(p) for name, p, present in zip(self.feature_names_, self.points_, x) if present and p != 0}
        total = int(sum(contributions.values()))
        return schema.Score(punten=total, band=self.band(total), bijdragen=contributions)


# --- the synthetic training set -------------------------------------------------------------------

# True log-odds of the illustrative outcome "serious repeat violence within 12 months". The sizes
# follow the direction and rough order the sources give (strangulation, threats to kill, weapons,
# escalation and separation/stalking as strong signals; addiction and avoidance of care as weaker
# ones). They are assumptions for a demonstration, not estimates from data.
TRUE_LOG_ODDS = {
    "wapen_dreiging": 0.6, "wapen_gebruikt": 1.2, "doodsbedreiging": 1.1, "verwurging": 1.3, "letsel": 0.5,
    "eerdere_incidenten_1_2": 0.5, "eerdere_incidenten_3_plus": 1.2, "schending_afspraken": 0.9,
    "scheiding_stalking": 0.7, "kinderen_in_huis": 0.2, "middelengebruik": 0.5, "psychische_problematiek": 0.3,
    "zorgmijdend": 0.6, "slachtoffer_angst_ernstig": 0.7, "slachtoffer_zwanger": 0.4, "eerdere_vt_meldingen_2_plus": 0.3,
}
BASE_LOG_ODDS = -3.0
LABEL = "herhaling_ernstig_12m"


def synthetic_training_set(n: int = 20_000, seed: int = 2026):
    """Meldingen from the sample generator, labelled by the documented process above."""
    from .samples import generate

    meldingen = [schema.Melding.model_validate(m) for m in generate(n, seed=seed, prefix="T")]
    X = feature_matrix(meldingen)
    weights = np.array([TRUE_LOG_ODDS[f] for f in FEATURE_NAMES])
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(BASE_LOG_ODDS + X @ weights)))
    y = (rng.random(n) < p).astype(int)
    return meldingen, X, y


# --- artifacts -----------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save(model: PointsScorecard, directory: Path, metadata: dict[str, Any]) -> Path:
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{MODEL_NAME}.joblib"
    joblib.dump(model, path)
    (directory / f"{MODEL_NAME}.sha256").write_text(f"{sha256(path)}  {path.name}\n")
    table = {
        "model": MODEL_NAME, "sha256": sha256(path),
        "punten": {name: int(p) for name, p in zip(model.feature_names_, model.points_)},
        "banden": {"laag": f"minder dan {model.cutoffs_['midden']} punten", "midden": f"{model.cutoffs_['midden']} tot {model.cutoffs_['hoog']} punten", "hoog": f"{model.cutoffs_['hoog']} punten of meer"},
        "afkappunten": model.cutoffs_,
        **metadata,
    }
    (directory / f"{MODEL_NAME}_punten.json").write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    return path


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
            raise ValueError(f"de factoren kloppen niet met deze versie (ontbreekt: {sorted(missing) or '-'}, onbekend: {sorted(extra) or '-'}, of een andere volgorde); train opnieuw")
        if set(self.afkappunten) != {"midden", "hoog"} or self.afkappunten["midden"] >= self.afkappunten["hoog"]:
            raise ValueError("afkappunten: verwacht midden en hoog, met midden kleiner dan hoog")
        return self


@dataclass
class Scorer:
    """Scores with the points table: a sum of integer points and two cut-offs, nothing learned at run time."""

    table: PointsTable
    digest: str  # SHA-256 of the points table file: the model hash in the audit trail

    def __post_init__(self) -> None:
        self.points_ = np.array([self.table.punten[name] for name in FEATURE_NAMES], dtype=int)

    def band(self, total: int) -> str:
        cut = self.table.afkappunten
        return "hoog" if total >= cut["hoog"] else "midden" if total >= cut["midden"] else "laag"

    def explain(self, x: np.ndarray) -> schema.Score:
        contributions = {name: int(p) for name, p, present in zip(FEATURE_NAMES, self.points_, x) if present and p != 0}
        total = int(sum(contributions.values()))
        return schema.Score(punten=total, band=self.band(total), bijdragen=contributions)

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
        raise ModelError(f"{path}: geen bruikbare puntentabel ({where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')})") from None
    return Scorer(table, hashlib.sha256(data).hexdigest())
