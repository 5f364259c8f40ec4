"""Train the scorecard, measure it on held-out data, and write the artifact and its model card."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from . import schema
from .errors import ConfigError, InputError
from .io import parse_melding
from .score import FEATURE_NAMES, MODEL_NAME, feature_matrix
from .scorecard import LABEL, TRUE_LOG_ODDS, PointsScorecard, save, synthetic_training_set
from .spreadsheet import read_csv, read_xlsx, row_to_melding


def read_labelled_csv(path: str, label: str, on_error) -> tuple[list[schema.Melding], np.ndarray]:
    """Labelled meldingen from a CSV (or .xlsx) read like any melding file, plus a 0/1 label column."""
    meldingen, labels = [], []
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: bestand bestaat niet") from None
    reader = read_xlsx if path.lower().endswith(".xlsx") else read_csv
    if reader is read_csv and label not in data.split(b"\n", 1)[0].decode("utf-8", "replace"):
        raise ConfigError(f"{path}: kolom '{label}' ontbreekt")
    seen_label = False
    for number, row in reader(data, path, None, (label,)):
        if isinstance(row, InputError):
            on_error(row)
            continue
        if label not in row.cells:
            raise ConfigError(f"{path}: kolom '{label}' ontbreekt")
        seen_label = True
        raw = str(row.cells.pop(label) or "").strip().lower()
        if raw not in ("0", "1", "true", "false", "ja", "nee"):
            on_error(InputError(path, number, label, f"label moet 0 of 1 zijn, niet '{raw}'"))
            continue
        item = parse_melding(row_to_melding(row, None), path, number)
        if isinstance(item, InputError):
            on_error(item)
            continue
        meldingen.append(item)
        labels.append(1 if raw in ("1", "true", "ja") else 0)
    if not seen_label:
        raise ConfigError(f"{path}: kolom '{label}' ontbreekt (of het bestand is leeg)")
    if len(set(labels)) < 2:
        raise ConfigError(f"{path}: het label '{label}' heeft beide uitkomsten (0 en 1) nodig")
    return meldingen, np.array(labels)


def evaluate(model: PointsScorecard, X_test, y_test, groups: dict[str, np.ndarray], reference_auc: float) -> dict:
    p = model.predict_proba(X_test)[:, 1]
    totals = model.points(X_test)
    bands = np.array([model.band(int(t)) for t in totals])
    per_band = {}
    for band in ("laag", "midden", "hoog"):
        mask = bands == band
        per_band[band] = {
            "n": int(mask.sum()),
            "voorspeld": float(p[mask].mean()) if mask.any() else None,
            "waargenomen": float(y_test[mask].mean()) if mask.any() else None,
        }
    subgroups = {}
    for name, values in groups.items():
        for value in sorted(set(values)):
            mask = values == value
            if mask.sum() < 200 or len(set(y_test[mask])) < 2:
                continue
            subgroups[f"{name}={value}"] = {
                "n": int(mask.sum()),
                "auc": float(roc_auc_score(y_test[mask], p[mask])),
                "voorspeld": float(p[mask].mean()),
                "waargenomen": float(y_test[mask].mean()),
            }
    return {
        "auc_scorekaart": float(roc_auc_score(y_test, p)),
        "auc_logistische_regressie": reference_auc,
        "brier": float(brier_score_loss(y_test, p)),
        "per_band": per_band,
        "subgroepen": subgroups,
        "n_test": int(len(y_test)),
        "basisratio": float(y_test.mean()),
    }


def train(meldingen: list[schema.Melding], y: np.ndarray, seed: int, data_description: str) -> tuple[PointsScorecard, dict]:
    X = feature_matrix(meldingen)
    regio = np.array([m.regio.value if m.regio else "onbekend" for m in meldingen])
    kinderen = np.array(["ja" if m.kinderen.aantal_minderjarig else "nee" for m in meldingen])
    minderjarig = np.array(["ja" if (m.verdachte and m.verdachte.minderjarig) else "nee" for m in meldingen])
    idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.3, random_state=seed, stratify=y)
    model = PointsScorecard(random_state=seed).fit(X[idx_train], y[idx_train], feature_names=FEATURE_NAMES)
    reference = LogisticRegression(C=1e6, max_iter=2000).fit(X[idx_train], y[idx_train])
    reference_auc = float(roc_auc_score(y[idx_test], reference.predict_proba(X[idx_test])[:, 1]))
    metrics = evaluate(
        model,
        X[idx_test],
        y[idx_test],
        {"regio": regio[idx_test], "kinderen_in_huis": kinderen[idx_test], "verdachte_minderjarig": minderjarig[idx_test]},
        reference_auc,
    )
    metrics.update(
        {
            "n_train": int(len(idx_train)),
            "seed": seed,
            "data": data_description,
            "getraind_op": date.today().isoformat(),
            "sklearn": sklearn.__version__,
        }
    )
    return model, metrics


def train_synthetic(seed: int = 2026, n: int = 20_000) -> tuple[PointsScorecard, dict]:
    meldingen, _, y = synthetic_training_set(n, seed)
    return train(
        meldingen,
        y,
        seed,
        f"synthetisch: {n} meldingen uit de samplegenerator (seed {seed}), label '{LABEL}' volgens het gedocumenteerde proces",
    )


def write(model: PointsScorecard, metrics: dict, directory: Path) -> Path:
    path = save(
        model,
        directory,
        {"metriek": {k: metrics[k] for k in ("auc_scorekaart", "auc_logistische_regressie", "brier")}, "data": metrics["data"]},
    )
    (directory / f"{MODEL_NAME}.md").write_text(model_card(model, metrics, path))
    return path


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def model_card(model: PointsScorecard, m: dict, path: Path) -> str:
    from .scorecard import sha256

    points = "\n".join(f"| {name} | {int(p):+d} |" for name, p in zip(model.feature_names_, model.points_))
    bands = "\n".join(f"| {b} | {v['n']} | {_pct(v['voorspeld'])} | {_pct(v['waargenomen'])} |" for b, v in m["per_band"].items())
    groups = "\n".join(
        f"| {g} | {v['n']} | {v['auc']:.3f} | {_pct(v['voorspeld'])} | {_pct(v['waargenomen'])} |" for g, v in m["subgroepen"].items()
    )
    truth = "\n".join(f"| {k} | {v:+.1f} |" for k, v in TRUE_LOG_ODDS.items())
    return f"""# Modelkaart: transparante risicoscore (scorekaart)

**Illustratief.** Dit model is getraind op *synthetische* data uit een gedocumenteerd proces, niet op
echte zaken. Het laat zien hoe een scorekaart werkt en hoe hij wordt gecontroleerd; de getallen
zeggen niets over echte risico's. Een regio die het wil gebruiken traint het opnieuw op de eigen,
gelabelde geschiedenis (zie onder) en laat de afkappunten vaststellen door professionals.

## Bedoeld gebruik
Een tweede mening naast de regels: een getal dat een professional met de hand kan narekenen
(punten per aanwezige factor optellen). De regels beslissen; de score adviseert. Een regel mag de
scoreband alleen gebruiken waar een regelbestand dat expliciet zegt, mag daarmee de aandacht alleen
verhogen (nooit verlagen), en de uitleg toont het dan.

## Niet voor
Beslissingen over personen zonder professioneel oordeel; het verlagen van een advies; vergelijken
van personen of groepen; gebruik buiten de triage van meldingen huiselijk geweld/kindermishandeling.
De gepubliceerde evidentie is ontnuchterend: voorspellingen van agenten op basis van DASH bleken
weinig beter dan toeval (Turner, Medina & Brown 2019, *Br. J. Criminol.* 59(5)). Behandel de score
daarom als een tweede mening, nooit als een oordeel.

## Data
{m["data"]}. Trainingsset {m["n_train"]}, testset {m["n_test"]} (70/30, gestratificeerd, seed {m["seed"]}).
Basisratio in de test: {_pct(m["basisratio"])}. Het synthetische label volgt
`logit = {-3.0:+.1f} + som(gewicht x factor)` met deze aangenomen gewichten:

| factor | log-odds |
|---|---|
{truth}

## Factoren en punten
Logistische regressie met L1, coëfficiënten geschaald zodat de sterkste factor {model.max_points} punten
krijgt, afgerond op hele punten. Een melding zonder risicofactoren heeft 0 punten en valt altijd
in de laagste band.

| factor | punten |
|---|---|
{points}

Banden (gekozen op gekalibreerde kansen {model.band_thresholds[0]:.0%} en {model.band_thresholds[1]:.0%}):
laag onder {model.cutoffs_["midden"]} punten, midden {model.cutoffs_["midden"]} tot {model.cutoffs_["hoog"]}, hoog vanaf {model.cutoffs_["hoog"]}.
De punten en afkappunten staan ook in `{MODEL_NAME}_punten.json` om na te lopen.

**Bewust niet gebruikt:** regio, postcode, bron van de melding, nationaliteit, etniciteit of iets dat
daarvoor kan staan; de vrije tekst `toelichting`; id's en tijdstippen.

## Metriek (testset)
| | waarde |
|---|---|
| AUC scorekaart (hele punten) | {m["auc_scorekaart"]:.3f} |
| AUC logistische regressie zonder afronding | {m["auc_logistische_regressie"]:.3f} |
| Brier-score scorekaart | {m["brier"]:.4f} |

Kalibratie per band:

| band | n | voorspeld | waargenomen |
|---|---|---|---|
{bands}

## Eerlijkheidscontroles
De data bevat geen beschermde kenmerken; we controleren of de score in beschikbare subgroepen even
goed onderscheidt en gekalibreerd is (subgroepen met minstens 200 meldingen):

| subgroep | n | AUC | voorspeld | waargenomen |
|---|---|---|---|---|
{groups}

## Opnieuw trainen
`zorgstraf train --data geschiedenis.csv --label {LABEL}` (CSV in het meldingformaat met een extra
kolom 0/1). Schrijft `models/{MODEL_NAME}.joblib`, de hash (`{MODEL_NAME}.sha256`), de puntentabel en
deze kaart opnieuw. Het bestand wordt alleen geladen als de hash klopt: joblib kan bij het laden code
uitvoeren. Trainingsrijen worden nooit in het artefact bewaard.

Artefact: `{path.name}`, sha256 `{sha256(path)}`, scikit-learn {m["sklearn"]}, getraind {m["getraind_op"]}.
"""
