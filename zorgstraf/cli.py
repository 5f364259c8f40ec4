"""The `zorgstraf` command line. Thin: parsing, printing and exit codes; logic lives in the core.

Exit codes: 0 success, 1 some input rejected or a test failed, 2 usage or configuration error.
Errors are one line on stderr; never a traceback.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click

from . import cli_nl, schema
from .errors import ConfigError, InputError, RuleFileErrors, ZorgstrafError
from .escape import terminal
from .io import AdviesWriter, count_lines, read_meldingen
from .perf import batch_mode
from .triage import Triage, most_urgent_first
from .variants import NATIONAL_VARIANT, Catalogue, Variant, check_regio, default_rules_dir

cli_nl.install()  # before the decorators below run: Click's own words in Dutch

FORMATS = ["table", "json", "jsonl", "csv"]
PROGRESS_MIN = 2000  # show a progress bar from this many meldingen on, on a terminal


class _Command(click.Command):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPTIES]")
        super().__init__(*args, **kwargs)


EXTRAS = {
    "uvicorn": "api",
    "fastapi": "api",
    "fastapi_offline": "api",
    "streamlit": "dashboard",
    "pandas": "dashboard",
    "sklearn": "train",
    "joblib": "train",
}


def _needs_extra(exc: ImportError) -> ConfigError:
    """A command whose app is not installed: one Dutch line naming the extra to install."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        raise exc
    return ConfigError(f"dit onderdeel is niet geïnstalleerd ({module} ontbreekt): pip install 'zorgstraf[{extra}]'")


class _Group(click.Group):
    """Turns every expected error into one stderr line and the right exit code."""

    command_class = _Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPTIES]")
        kwargs.setdefault("subcommand_metavar", "OPDRACHT [ARGUMENTEN]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ImportError as exc:
            click.echo(terminal(f"fout: {_needs_extra(exc)}"), err=True)
            ctx.exit(2)
        except RuleFileErrors as exc:
            for err in exc.errors:
                click.echo(terminal(str(err)), err=True)
            ctx.exit(2)
        except ZorgstrafError as exc:
            click.echo(terminal(f"fout: {exc}"), err=True)
            ctx.exit(2)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo(terminal("afgebroken"), err=True)
            ctx.exit(130)


@click.group(cls=_Group)
@click.version_option(package_name="zorgstraf")
def main():
    """zorgstraf: triage van meldingen bij de samenloop van zorg en straf. Adviseert; een professional beslist."""


@contextmanager
def _output(path: str | None):
    if path in (None, "-"):
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            yield stream
    except OSError as exc:
        raise ConfigError(f"{path}: kan niet schrijven ({exc.strerror})") from None


def _progress(total: int | None, enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # Only ever on stderr: rich by default also captures stdout while a bar runs, which emptied a
    # redirected `triage big.jsonl > uit.jsonl` and printed the advies on the screen instead.
    return Progress(
        TextColumn("voortgang"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--regio", help="Regiovariant voor de hele batch (overschrijft regio in de melding).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Uitvoer; standaard table op een terminal, anders jsonl.")
@click.option("--output", "-o", "output", metavar="BESTAND", help="Schrijf naar dit bestand in plaats van stdout.")
@click.option("--score", is_flag=True, help="Vul ook de transparante risicoscore (second opinion, nooit het besluit).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Map met regelbestanden (standaard: rules/).")
@click.option(
    "--opslaan", is_flag=True, help="Bewaar elk advies in de database (ZORGSTRAF_DATABASE_URL), zoals de API: voor inbox en agenda."
)
@click.option(
    "--kolommen",
    help="Kolommenlijst (YAML) die de kolomkoppen van een politie-export aan meldingvelden koppelt; "
    "of de naam van een meegeleverde lijst, bv. bvh_querylijst.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processen voor grote bestanden (jsonl-uitvoer, zonder --opslaan); de volgorde blijft gelijk.",
)
def triage(input_path, regio, fmt, output, score, rules_dir, opslaan, kolommen, workers):
    """Advies voor elke melding in INPUT (.csv met komma of puntkomma, .xlsx, .json, .jsonl, of - voor JSONL op stdin)."""
    to_terminal = output in (None, "-") and sys.stdout.isatty()
    fmt = fmt or ("table" if to_terminal else "jsonl")
    if workers > 1 and (fmt != "jsonl" or opslaan):
        raise ConfigError("--workers: alleen met --format jsonl en zonder --opslaan (een casus wordt in volgorde opgeslagen)")
    runner = Triage(rules_dir=Path(rules_dir) if rules_dir else default_rules_dir(), regio=regio, score=score)
    runner.engine_for(runner.regio)  # fail early on rule errors, before reading input
    batch_mode()
    rejected = 0
    if workers > 1:
        from .io import read_raw
        from .triage import parallel_jsonl

        source = "stdin" if input_path == "-" else input_path
        with _output(output) as stream:
            for text, errors, _ in parallel_jsonl(runner, source, read_raw(input_path, _kolommen(kolommen)), workers):
                for error in errors:
                    click.echo(terminal(f"afgewezen: {error}"), err=True)
                rejected += len(errors)
                stream.write(text)
        if rejected:
            click.echo(terminal(f"{rejected} melding(en) afgewezen"), err=True)
            sys.exit(1)
        return

    def on_error(err: InputError) -> None:
        nonlocal rejected
        rejected += 1
        click.echo(terminal(f"afgewezen: {err}"), err=True)

    total = count_lines(input_path) if sys.stderr.isatty() else None
    show = sys.stderr.isatty() and (total is None or total >= PROGRESS_MIN)
    with _progress(total, show) as bar, _output(output) as stream:
        task = bar.add_task("triage", total=total) if bar else None
        advance = (lambda n: bar.advance(task, n)) if bar else (lambda n: None)
        items = read_meldingen(input_path, _kolommen(kolommen))
        pairs = _stored(runner, items, on_error, advance) if opslaan else runner.stream(items, on_error, advance)
        if fmt == "table":
            collected = list(pairs)
            if bar:
                bar.stop()
            from .table import print_table

            print_table(most_urgent_first(collected), stream, rejected)
        else:
            writer = AdviesWriter(stream, fmt)
            for _, advies in pairs:
                writer.write([advies])
            writer.close()
    if rejected:
        click.echo(terminal(f"{rejected} melding(en) afgewezen"), err=True)
        sys.exit(1)


def _kolommen(name: str | None):
    from .spreadsheet import load_kolommen

    return load_kolommen(name) if name else None


@contextmanager
def _database():
    """The configured Store (migrated); a database failure becomes one line without credentials."""
    from sqlalchemy.exc import SQLAlchemyError

    from .settings import get_settings
    from .storage import open_store

    settings = get_settings()
    scheme = settings.database_url.split(":", 1)[0]
    try:
        yield open_store(settings.database_url, settings.store_toelichting)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(f"database ({scheme}) niet bruikbaar: {reason}") from None


def _stored(runner, items, on_error, advance):
    """Triage and store each melding (one transaction each, key id `cli`); meldingen with casus keys
    with what the store knows of their casus. One that cannot be stored is named and counted as not
    accepted; the others go on."""
    from .errors import Conflict
    from .usecases import triage_and_record_stream

    with _database() as store:
        already = 0

        def evaluate(chunk):
            nonlocal already
            for melding, advies, failure, bestaand in triage_and_record_stream(runner, chunk, store, "cli"):
                if isinstance(failure, Conflict):
                    on_error(InputError(melding.melding_id, None, "melding_id", str(failure)))
                    continue
                if failure is not None or advies is None:
                    on_error(
                        InputError(melding.melding_id, None, None, f"advies niet opgeslagen ({type(failure).__name__}); opnieuw aanbieden")
                    )
                    continue
                already += bestaand
                yield melding, advies

        yield from runner.stream(items, on_error, advance, evaluate=evaluate)
        if already:  # a rerun stores only what is missing, and says so
            click.echo(
                terminal(f"{already} melding(en) waren al opgeslagen met dezelfde inhoud; hun opgeslagen advies is getoond"), err=True
            )


@main.group(cls=_Group)
def rules():
    """Regelbestanden controleren, testen en tonen."""


def _selected_variants(path: str | None, regio: str | None) -> tuple[Catalogue, list[Variant]]:
    catalogue = Catalogue.of(path)
    return catalogue, [Variant.parse(regio)] if regio else catalogue.all()


@rules.command("check")
@click.argument("path", required=False)
@click.option("--regio", help="Alleen deze variant (landelijk, een regio of een overlaybestand).")
def rules_check(path, regio):
    """Valideer regelbestanden (landelijk en elke regio); bij een fout: bestand:regel: melding, exit 2."""
    from .ruletest import check
    from .samples import generate

    catalogue, chosen = _selected_variants(path, regio)
    probe = [schema.Melding.model_validate(m) for m in generate(3000, seed=7)]
    failed = False
    for variant in chosen:
        ruleset = catalogue.ruleset(variant)
        problems = check(ruleset, probe + [ex.melding for r in ruleset.rules for ex in r.examples])
        for line in problems:
            click.echo(terminal(line), err=True)
        failed |= bool(problems)
        if not problems:
            click.echo(
                f"ok: {ruleset.name} {ruleset.version}, {len(ruleset.rules)} regels in {len(ruleset.strata)} lagen, hash {ruleset.digest[:12]}"
            )
    if failed:
        sys.exit(2)


@rules.command("test")
@click.argument("path", required=False)
@click.option("--regio", help="Alleen deze variant (landelijk, een regio of een overlaybestand).")
def rules_test(path, regio):
    """Draai de voorbeelden naast de regels (landelijk en per regio); exit 1 bij een fout."""
    from .ruletest import run_examples

    catalogue, chosen = _selected_variants(path, regio)
    passed = failed = 0
    for variant in chosen:
        ruleset = catalogue.ruleset(variant)
        report = run_examples(ruleset)
        for line in report.failures:
            click.echo(terminal(f"FAIL [{ruleset.name}] {line}"), err=True)
        click.echo(f"{ruleset.name}: {report.passed} voorbeelden goed, {report.failed} fout (hash {ruleset.digest[:12]})")
        passed, failed = passed + report.passed, failed + report.failed
    click.echo(f"regels: {passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


@rules.command("show")
@click.argument("path", required=False)
@click.option("--regio", default="landelijk", show_default=True, help="Variant: landelijk, een regio of een overlaybestand.")
@click.option("--diff", "as_diff", is_flag=True, help="Toon alleen wat de variant verandert ten opzichte van landelijk.")
def rules_show(path, regio, as_diff):
    """Toon de geldende regels van een variant (Markdown), of het verschil met landelijk."""
    from .overview import diff, show

    catalogue = Catalogue.of(path)
    ruleset = catalogue.ruleset(Variant.parse(regio))
    click.echo(diff(catalogue.ruleset(NATIONAL_VARIANT), ruleset) if as_diff else show(ruleset), nl=False)


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--variant", "variants", multiple=True, required=True, help="Regio of pad naar een (bewerkt) overlaybestand; mag vaker.")
@click.option("--base", default="landelijk", show_default=True, help="De basis waartegen vergeleken wordt.")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "json", "csv"]), help="Standaard table op een terminal, anders json.")
@click.option("--output", "-o", "output", metavar="BESTAND", help="Schrijf naar dit bestand.")
@click.option("--workers", type=click.IntRange(min=1), help="Aantal processen (standaard: 2).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Map met regelbestanden (standaard: rules/).")
def compare(input_path, variants, base, fmt, output, workers, rules_dir):
    """Vergelijk varianten op dezelfde meldingen: verschuivingen, gewijzigde meldingen, werklast."""
    from .compare import compare as run_compare
    from .compare_report import print_table, to_csv, to_json, to_markdown

    fmt = fmt or ("table" if output in (None, "-") and sys.stdout.isatty() else "json")
    total = count_lines(input_path) if sys.stderr.isatty() else None
    batch_mode()
    with _progress(total, sys.stderr.isatty()) as bar:
        task = bar.add_task("vergelijken", total=total) if bar else None
        report = run_compare(
            input_path,
            list(variants),
            base=base,
            workers=workers,
            rules_dir=Path(rules_dir) if rules_dir else None,
            on_progress=(lambda n: bar.advance(task, n)) if bar else (lambda n: None),
        )
    for err in report.errors:
        click.echo(terminal(f"afgewezen: {err}"), err=True)
    with _output(output) as stream:
        if fmt == "table":
            print_table(report, stream)
        elif fmt == "md":
            stream.write(to_markdown(report))
        elif fmt == "json":
            stream.write(to_json(report) + "\n")
        else:
            to_csv(report, stream)
    if report.errors:
        sys.exit(1)


@main.command()
@click.option("-n", "count", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", "output", metavar="BESTAND", help="Bestand (standaard stdout).")
def samples(count, seed, fmt, output):
    """Genereer synthetische meldingen (geen echte personen)."""
    from .samples import generate, to_csv

    data = generate(count, seed=seed)
    with _output(output) as stream:
        if fmt == "jsonl":
            for m in data:
                stream.write(json.dumps(m, ensure_ascii=False) + "\n")
        else:
            to_csv(data, stream)


@main.command()
@click.option(
    "--data", "data_path", help="CSV met gelabelde meldingen (meldingformaat plus een labelkolom 0/1). Zonder: synthetische data."
)
@click.option("--label", default="herhaling_ernstig_12m", show_default=True, help="De labelkolom.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--output", "output_dir", type=click.Path(file_okay=False), help="Map voor het model (standaard: models/).")
def train(data_path, label, seed, output_dir):
    """Train de transparante scorekaart en schrijf artefact, hash, puntentabel en modelkaart."""
    from .score import MODEL_DIR
    from .train import read_labelled_csv, train_synthetic, write
    from .train import train as fit

    if data_path:
        rejected = []
        meldingen, y = read_labelled_csv(
            data_path, label, lambda e: (rejected.append(e), click.echo(terminal(f"afgewezen: {e}"), err=True))
        )
        model, metrics = fit(meldingen, y, seed, f"{data_path}: {len(meldingen)} gelabelde meldingen, label '{label}'")
    else:
        model, metrics = train_synthetic(seed)
    path = write(model, metrics, Path(output_dir) if output_dir else MODEL_DIR)
    click.echo(
        f"model: {path} | AUC scorekaart {metrics['auc_scorekaart']:.3f}, logistische regressie {metrics['auc_logistische_regressie']:.3f}, Brier {metrics['brier']:.4f}"
    )


@main.command()
@click.argument("input_path", metavar="[INPUT]", required=False)
@click.option("--regio", required=True, help="De regio van het Actie-overleg.")
@click.option("--week", help="ISO-week JJJJ-Www (standaard: de komende week).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "pdf"]), default="md", show_default=True)
@click.option("--output", "-o", "output", metavar="BESTAND", help="Schrijf naar dit bestand (nodig voor pdf op een terminal).")
def agenda(input_path, regio, week, fmt, output):
    """De agenda van het Actie-overleg voor een regio en week. Zonder INPUT uit de opgeslagen adviezen
    (ZORGSTRAF_DATABASE_URL), met de casusgeschiedenis en de afspraken; met INPUT uit die meldingen
    (afspraken dan uit de database, als die er is). --format pdf geeft het vergaderstuk op A4."""
    from datetime import date

    from . import agenda as agenda_mod
    from . import usecases

    regio = check_regio(regio)
    if regio in (None, "landelijk"):
        raise ConfigError("--regio: kies een regio; het Actie-overleg is regionaal")
    if fmt == "pdf" and output in (None, "-") and sys.stdout.isatty():
        raise ConfigError("--format pdf: geef een bestand met --output, bijvoorbeeld -o agenda.pdf")
    runner = Triage(regio=regio)
    ruleset = runner.engine_for(regio).ruleset
    week = week or agenda_mod.default_week(ruleset, usecases.today())
    start, end = agenda_mod.week_bounds(week)
    rejected = 0

    def on_error(err: InputError) -> None:
        nonlocal rejected
        rejected += 1
        click.echo(terminal(f"afgewezen: {err}"), err=True)

    if input_path is None:
        with _database() as store:
            result = agenda_mod.build_from_store(store, regio, week, ruleset)
    else:
        cases = [
            (m, a)
            for m, a in runner.stream(read_meldingen(input_path), on_error)
            if a.actie_overleg.agenderen
            and a.termijnen.volgend_actie_overleg
            and start <= date.fromisoformat(a.termijnen.volgend_actie_overleg) <= end
        ]
        result = agenda_mod.build(regio, week, cases, _agenda_afspraken(regio, start, end), ruleset)
    if fmt == "pdf":
        from .agenda_pdf import to_pdf

        data = to_pdf(result)
        if output in (None, "-"):
            sys.stdout.buffer.write(data)
        else:
            Path(output).write_bytes(data)
    else:
        with _output(output) as stream:
            stream.write(agenda_mod.RENDER[fmt](result))
    if rejected:
        sys.exit(1)


def _agenda_afspraken(regio: str, start, end):
    """This week's and still-open agreements from the configured database; none when there is no database yet."""
    import os

    from .agenda import agenda_item
    from .settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///") :]):
        return []
    with _database() as store:
        return [agenda_item(a, reden) for a, reden in store.agenda_afspraken(regio, start, end)]


def _dutch_day(text: str, option: str):
    from datetime import date, datetime

    for form in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ConfigError(f"{option} '{text[:20]}': gebruik een datum als 2026-01-31 of 31-01-2026")
    return date.today()  # pragma: no cover


@main.command()
@click.option("--regio", required=True, help="De regio, of 'alle' voor alle tien naast elkaar (met hun regelset-hash).")
@click.option("--van", "van", required=True, help="Eerste dag (2026-01-01 of 01-01-2026).")
@click.option("--tot", "tot", required=True, help="Laatste dag, inbegrepen.")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "csv", "json"]), default="md", show_default=True)
@click.option("--output", "-o", "output", metavar="BESTAND", help="Schrijf naar dit bestand.")
def indicators(regio, van, tot, fmt, output):
    """De Werkset Indicatoren uit de opslag: per afstemmingsmoment uitvoerings- en waardecijfers,
    elk met zijn definitie en het kopje van de Werkset."""
    from . import werkset

    start, end = _dutch_day(van, "--van"), _dutch_day(tot, "--tot")
    if end < start:
        raise ConfigError(f"periode omgekeerd: --tot ({end:%d-%m-%Y}) ligt vóór --van ({start:%d-%m-%Y})")
    if regio != "alle":
        regio = check_regio(regio)
        if regio in (None, "landelijk"):
            raise ConfigError("--regio: kies een regio, of 'alle' voor de vergelijking")
    with _database() as store:
        if regio == "alle":
            reports, hashes = werkset.comparison(store, start, end)
            if fmt == "json":
                text = json.dumps(
                    {"regelsets": hashes, "regios": [json.loads(werkset.to_json(r)) for r in reports]}, ensure_ascii=False, indent=2
                )
            elif fmt == "csv":
                text = "".join(werkset.to_csv(r) if i == 0 else werkset.to_csv(r).split("\n", 1)[1] for i, r in enumerate(reports))
            else:
                text = werkset.comparison_markdown(reports, hashes)
                if fmt == "html":
                    import html as _html

                    text = f"<!doctype html><html lang='nl'><meta charset='utf-8'><pre>{_html.escape(text)}</pre></html>\n"
        else:
            result = werkset.report(store, regio, start, end)
            if result.leeg:
                click.echo(terminal(result.opmerking), err=True)
            text = werkset.RENDER[fmt](result)
    with _output(output) as stream:
        stream.write(text)


@main.command()
@click.argument("melding_id")
@click.option("--format", "fmt", type=click.Choice(["tekst", "json"]), default="tekst", show_default=True)
def replay(melding_id, fmt):
    """Bereken het opgeslagen advies van MELDING_ID opnieuw, met de regelset en het scoremodel waarmee
    het gegeven is (uit het archief in de database), en zeg of het byte voor byte gelijk is.
    Exit 0 bij gelijk, 1 bij een verschil, 2 als het niet kan."""
    import json as _json

    from .replay import ReplayError
    from .replay import replay as run_replay

    with _database() as store:
        try:
            result = run_replay(store, melding_id)
        except ReplayError as exc:
            raise ConfigError(str(exc)) from None
    if fmt == "json":
        click.echo(_json.dumps({k: v for k, v in vars(result).items()}, ensure_ascii=False, indent=2))
    elif result.gelijk:
        click.echo(
            f"{melding_id}: byte voor byte gelijk (regelset {result.regelset_hash[:12]}"
            + (f", model {result.model_hash[:12]})" if result.model_hash else ")")
        )
    else:
        click.echo(f"{melding_id}: NIET gelijk; verschillende velden: {', '.join(result.verschillen)}")
    sys.exit(0 if result.gelijk else 1)


@main.command()
@click.argument("casus_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--peildatum", metavar="DATUM", help="Fase en signalen op deze dag (JJJJ-MM-DD of DD-MM-JJJJ; standaard vandaag).")
@click.option(
    "--plan", "plan_file", metavar="BESTAND", help="Leg het hele veiligheidsplan vast uit dit YAML- of JSON-bestand (een nieuwe versie)."
)
@click.option(
    "--beoordeling", metavar="DATUM:SCHAAL:PARTNER", help="Leg een beoordeling op de veiligheidsschaal vast, bv. 2026-03-10:5:veilig_thuis."
)
@click.option("--gebeurtenis", metavar="SOORT:DATUM", help="Leg een gebeurtenis vast, bv. thv_opgelegd:2026-03-10.")
def casus(casus_id, fmt, peildatum, plan_file, beoordeling, gebeurtenis):
    """De tijdlijn van een casus (bv. C000012), nieuwste eerst: meldingen en advies met wat er
    veranderde, Actie-overleggen, afspraken met hun geschiedenis en besluiten; het veiligheidsplan,
    de beoordelingen, de fase en de signalen. Met --plan, --beoordeling of --gebeurtenis legt u die
    eerst vast (seed 004: het plan 'in alle dossiers')."""
    from pydantic import ValidationError

    from . import usecases, veiligheid, yamlfile
    from .casusview import CasusNotFound, to_text, view
    from .io import validation_error

    day = _dutch_day(peildatum, "--peildatum") if peildatum else None
    try:
        steps = []
        if plan_file:
            data = yamlfile.load(Path(plan_file), plan_file).data
            steps.append((veiligheid.put_plan, veiligheid.PlanIn.model_validate(data or {}), "--plan"))
        if beoordeling:
            parts = beoordeling.split(":")
            if len(parts) != 3:
                raise ConfigError("--beoordeling: gebruik DATUM:SCHAAL:PARTNER, bv. 2026-03-10:5:veilig_thuis")
            when = _dutch_day(parts[0], "--beoordeling")
            steps.append(
                (veiligheid.add_beoordeling, veiligheid.BeoordelingIn(datum=when, schaal=parts[1], door=parts[2]), "--beoordeling")
            )
        if gebeurtenis:
            parts = gebeurtenis.split(":")
            if len(parts) != 2:
                raise ConfigError("--gebeurtenis: gebruik SOORT:DATUM, bv. thv_opgelegd:2026-03-10")
            steps.append(
                (
                    veiligheid.add_gebeurtenis,
                    veiligheid.GebeurtenisIn(soort=parts[0], datum=_dutch_day(parts[1], "--gebeurtenis")),
                    "--gebeurtenis",
                )
            )
    except ValidationError as exc:
        raise ConfigError(
            str(validation_error(plan_file if plan_file and not beoordeling and not gebeurtenis else "casus", None, exc))
        ) from None
    with _database() as store:
        try:
            for call, given, _option in steps:
                call(store, casus_id, given, None, usecases.today())
            result = view(store, casus_id, via="cli", peildatum=day)
        except CasusNotFound as exc:
            click.echo(terminal(f"fout: {exc}"), err=True)
            sys.exit(1)
    click.echo(result.model_dump_json(indent=2) if fmt == "json" else to_text(result), nl=False)


@main.command()
@click.argument("melding_id")
@click.option("--volgt/--wijkt-af", "volgt", required=True, help="Volgt het besluit het advies, of wijkt het af?")
@click.option("--wat", required=True, help="Wat er besloten is.")
@click.option("--waarom", default="", help="Waarom (verplicht bij afwijken).")
@click.option("--urgentie", type=click.Choice([u.value for u in schema.Urgentie]), help="De urgentie die is besloten, bij afwijken.")
def besluit(melding_id, volgt, wat, waarom, urgentie):
    """Leg het besluit van de professional vast naast het opgeslagen advies (dat blijft zoals het was)."""
    from pydantic import ValidationError

    from .io import validation_error
    from .labels import label

    try:
        given = schema.BesluitIn(volgt_advies=volgt, wat=wat, waarom=waarom, urgentie=urgentie)
    except ValidationError as exc:
        raise ConfigError(str(validation_error("besluit", None, exc)).removeprefix("besluit: ")) from None
    with _database() as store:
        recorded = store.add_besluit(melding_id, given, "cli")
    if recorded is None:
        raise ConfigError(f"geen opgeslagen advies voor melding {melding_id} (eerst: zorgstraf triage ... --opslaan)")
    wijze = (
        "volgt het advies"
        if recorded.volgt_advies
        else f"wijkt af van het advies ({label('urgentie', recorded.advies_urgentie)} → {label('urgentie', recorded.urgentie)})"
        if recorded.urgentie
        else "wijkt af van het advies"
    )
    click.echo(f"besluit {recorded.id} vastgelegd voor {melding_id}: {wijze}")


@main.command()
@click.option("--dagen", type=click.IntRange(min=1), help="Bewaartermijn in dagen (standaard ZORGSTRAF_RETENTION_DAYS).")
@click.option("--ja", is_flag=True, help="Bevestig het verwijderen als het meer dan 10% van de opgeslagen adviezen is.")
def retentie(dagen, ja):
    """Verwijder opgeslagen adviezen ouder dan de bewaartermijn (voor cron; de API doet dit ook zelf).
    Zegt eerst hoeveel; meer dan 10% van de opslag verwijderen vraagt om --ja
    (ZORGSTRAF_RETENTION_MAX_SHARE). Elke ronde staat met het aantal in het auditspoor."""
    from . import usecases
    from .settings import get_settings

    settings = get_settings()
    dagen = dagen or settings.retention_days
    if not dagen:
        raise ConfigError("--dagen: geef een bewaartermijn, of zet ZORGSTRAF_RETENTION_DAYS")
    with _database() as store:
        total, due = store.count_advies(), store.count_advies(older_than_days=dagen)
        click.echo(terminal(f"{due} van {total} opgeslagen advies(en) zijn ouder dan {dagen} dagen"), err=True)
        removed = usecases.apply_retention(store, dagen, settings.retention_max_share, ja or settings.retention_confirm, "cli")
    click.echo(f"{removed} advies(en) ouder dan {dagen} dagen verwijderd")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Uvicorn-workers, elk met een eigen motor.")
def serve(host, port, workers):
    """Start de API (FastAPI) op localhost. Sleutels en database uit de omgeving."""
    import uvicorn

    from zorgstraf_api.app import preflight

    from .settings import get_settings

    settings = get_settings()  # fail early on bad configuration, before workers start
    if not settings.api_keys:
        click.echo(terminal("let op: ZORGSTRAF_API_KEYS is leeg; alleen /health is bereikbaar"), err=True)
    with _database():  # migrates; a database that is down is one line and exit 2
        pass
    preflight(settings)  # rules, model and retention: one line and exit 2, before a worker starts
    # X-Forwarded-For is believed only from the proxies named in ZORGSTRAF_FORWARDED_ALLOW_IPS:
    # otherwise any client could pick the address the sign-in throttle counts against.
    proxies = settings.forwarded_allow_ips
    uvicorn.run(
        "zorgstraf_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or "",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8501, show_default=True)
def dashboard(host, port):
    """Start het dashboard (Streamlit) op localhost. Aanmelden met de sleutels van ZORGSTRAF_API_KEYS."""
    import subprocess

    import zorgstraf_dashboard

    from . import usecases

    usecases.check_rules_and_model()  # a missing rules or model folder: one line, before the browser opens
    app = Path(zorgstraf_dashboard.__file__).resolve().parent / "app.py"
    if not app.is_file():
        raise ConfigError(f"{app}: dashboard niet gevonden")
    sys.exit(
        subprocess.call(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(app),
                "--server.address",
                host,
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--client.toolbarMode",
                "minimal",
                "--server.maxUploadSize",
                "50",
            ]
        )
    )  # minimal: no "Record screen" or other developer menu


@main.command("schema")
@click.argument("which", type=click.Choice(["melding", "advies"]))
def export_schema(which):
    """Druk het JSON Schema van Melding of Advies af."""
    model = schema.Melding if which == "melding" else schema.Advies
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


cli_nl.dutch_metavars(main)

if __name__ == "__main__":  # pragma: no cover
    main()
