"""zorgstraf dashboard (Streamlit), in Dutch. Thin: every decision comes from the zorgstraf core.

Start with `zorgstraf dashboard --port P`. Sign in with the same keys and roles as the API
(ZORGSTRAF_API_KEYS); a page the role may not see is not shown.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from zorgstraf import agenda as agenda_mod
from zorgstraf import inbox as inbox_mod
from zorgstraf import schema, usecases
from zorgstraf.auth import SignInGuard, SignInThrottled
from zorgstraf.errors import ZorgstrafError
from zorgstraf.escape import md
from zorgstraf.io import read_meldingen, validation_error
from zorgstraf.labels import catalogue, dutch_date, label, labels, reader_source
from zorgstraf.overview import diff, rule_text, show
from zorgstraf.samenvatting import without_head_and_deadline
from zorgstraf.settings import get_settings
from zorgstraf.spreadsheet import PACKAGED as KOLOMMEN_DIR
from zorgstraf.spreadsheet import SPREADSHEET_DATE_HINT, dutch_datetime, load_kolommen
from zorgstraf.storage import Store, open_store
from zorgstraf.triage import Triage
from zorgstraf.variants import NATIONAL_VARIANT, Catalogue, Variant

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")  # "ontvangen vanaf" means midnight where the readers work
SAMPLES = Path(inbox_mod.__file__).resolve().parent / "voorbeelden" / "meldingen.jsonl"  # shipped with the package
URGENTIE_KLEUR = {"acuut": "red", "hoog": "orange", "midden": "blue", "laag": "green"}
PAGES = {  # page -> role that may see it
    "Triage": "lezer",
    "Inbox": "lezer",
    "Casus": "lezer",
    "Actie-overleg": "voorzitter",
    "Beleid": "beleid",
    "Indicatoren": "beleid",
    "Regels": "beleid",
}

st.set_page_config(
    page_title="zorgstraf",
    page_icon="⚖️",
    layout="wide",
    menu_items={
        "About": "zorgstraf: beslisondersteuning bij de samenloop van zorg en straf. "
        "Adviseert; een professional beslist. Alle gegevens hier zijn synthetisch."
    },
)


# --- shared resources ----------------------------------------------------------------------------


@st.cache_resource
def runner(regio: str | None, score: bool) -> Triage:
    return Triage(regio=regio, score=score)


@dataclass(frozen=True)
class Inbox:
    """Rows most urgent first (for the table) and their entries (for the explanation), same order."""

    entries: list[inbox_mod.Entry]
    table: pd.DataFrame
    errors: list[str]
    complete: bool = True  # False when the store's row limit cut the inbox short
    besluiten: dict = field(default_factory=dict)  # melding id -> its recorded decisions (stored advies only)

    @classmethod
    def of(cls, entries: list[inbox_mod.Entry], errors: list[str], complete: bool = True, besluiten: dict | None = None) -> Inbox:
        besluiten = besluiten or {}
        table = pd.DataFrame(
            {
                "melding": [e.melding_id for e in entries],
                "ontvangen": [schema.dutch_time(e.ontvangen_op).strftime("%d-%m-%Y %H:%M") for e in entries],
                "urgentie": [label("urgentie", e.urgentie) for e in entries],
                "advies": [without_head_and_deadline(e.samenvatting, e.eerste_termijn) for e in entries],
                "eerste termijn": [e.eerste_termijn for e in entries],
                "regio": [label("regio", e.regio) for e in entries],
                "casus": [(f"⚠ {e.signalen} · " if e.signalen else "") + e.casus for e in entries],
                "afgehandeld": [e.melding_id in besluiten for e in entries],
                "kinderen": [e.kinderen for e in entries],
                "_urgentie": [e.urgentie for e in entries],
                "_afstemming": [e.afstemming for e in entries],
            }
        )
        return cls(entries, table, errors, complete, besluiten)


# Resources, not data: a 5,000-row inbox is built once and shared read-only, never copied per rerun.
# Uploads are read from memory: no melding touches the disk unless the reader stores its advies.
@st.cache_resource(max_entries=4, show_spinner="Meldingen beoordelen…")
def triage_file(
    content: bytes, name: str, regio: str | None, kolommen: str | None = None
) -> tuple[list[tuple[schema.Melding, schema.Advies]], list[str]]:
    """Triage an uploaded or sample file; bad lines are reported (by the user's file name), never fatal."""
    errors: list[str] = []
    try:
        mapping = load_kolommen(kolommen) if kolommen else None
        pairs = list(runner(regio, False).stream(read_meldingen(name, mapping, data=content, name=name), lambda e: errors.append(str(e))))
    except ZorgstrafError as exc:
        return [], [str(exc)]
    return pairs, errors


@st.cache_resource(max_entries=4)
def file_inbox(content: bytes, name: str, kolommen: str | None = None) -> Inbox:
    pairs, errors = triage_file(content, name, None, kolommen)
    return Inbox.of(inbox_mod.from_triage(pairs), errors)


def client_address() -> str | None:
    """The reader's address as Streamlit saw it; None on localhost (and under AppTest, which has none)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


@st.cache_resource
def sign_in_guard(rate: str) -> SignInGuard:
    """One count of wrong keys per dashboard process, shared by all sessions."""
    return SignInGuard(rate)


@st.cache_resource
def store_for(database_url: str) -> Store:
    """One Store (connection pool) per database, migrated once per process."""
    return open_store(database_url, get_settings().store_toelichting)


@st.cache_resource(max_entries=4, ttl=30, show_spinner="Opgeslagen adviezen lezen…")
def stored_inbox(database_url: str, since: date, max_rows: int, regions: tuple[str, ...] | None = None) -> Inbox:
    """The newest stored advies per melding received since `since` (as the API stored it), with
    which of them have a recorded decision (handled); of `regions` only for a scoped reader."""
    store = store_for(database_url)
    scope = frozenset(regions) if regions is not None else None
    received = store.received_since(datetime.combine(since, time.min, DUTCH_TIME), limit=max_rows, regions=scope)
    from zorgstraf import veiligheid

    signals = veiligheid.signals_for(store, {r.casus for r in received.records if r.casus}, usecases.today())
    entries = inbox_mod.from_records(received.records, signals)
    return Inbox.of(entries, [], received.complete, store.besluiten([e.melding_id for e in entries]))


def plain(value) -> str:
    """A value as a reader writes it: lists comma-separated, nothing as a dash."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "—"
    return "—" if value is None else str(value)


def selected_row(event, rows: int) -> int | None:
    """The position of the row chosen in a selectable st.dataframe, if it is still on screen."""
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return picked[0] if picked and picked[0] < rows else None


def badges(values: list[str], color: str = "gray") -> None:
    if not values:
        st.caption("—")
        return
    st.markdown(" ".join(f":{color}-badge[{v.replace('_', ' ')}]" for v in values))


# --- sign-in -------------------------------------------------------------------------------------


def sign_in() -> set[str]:
    if "rollen" in st.session_state:
        return st.session_state["rollen"]
    st.title("zorgstraf")
    st.write("Triage bij de samenloop van zorg en straf. Meld je aan met je sleutel.")
    try:
        settings = get_settings()
    except ZorgstrafError as exc:
        st.error(str(exc))
        st.stop()
    keys = settings.api_keys
    if not keys:
        st.warning("Er zijn geen sleutels ingesteld (ZORGSTRAF_API_KEYS).")
        st.stop()
    with st.form("aanmelden"):
        token = st.text_input("Sleutel", type="password")
        if st.form_submit_button("Aanmelden"):
            try:
                match = sign_in_guard(settings.signin_limit).sign_in(keys, token, client_address())
            except SignInThrottled as exc:
                st.error(f"Aanmelden geweigerd: {exc}.")
                st.stop()
            if match is None:
                st.error("Onbekende sleutel.")
            else:
                st.session_state["rollen"] = set(match.roles)
                # a chair limited to some regions sees and changes only their agendas and afspraken
                st.session_state["voorzitter_regios"] = sorted(match.regions) if match.regions else None
                st.session_state["sleutel_id"] = match.key_id  # for the audit trail; never the key itself
                st.session_state["sleutel"] = match  # the ApiKey (its roles and regions), kept server side only
                st.rerun()
    st.stop()


# --- explanation of one advies -----------------------------------------------------------------


def show_advies(advies: dict) -> None:
    """The advies as a reader takes it in: the one line first, then who and what in words, the
    deadlines in Dutch time, and per rule its reason with the facts that made it fire. No codes."""
    urgentie = advies["urgentie"]
    st.markdown(f"### :{URGENTIE_KLEUR[urgentie]}[{advies.get('samenvatting') or label('urgentie', urgentie)}]")
    cols = st.columns(3)
    cols[0].markdown(f"**Urgentie**  \n:{URGENTIE_KLEUR[urgentie]}-badge[{label('urgentie', urgentie)}]")
    cols[1].markdown(f"**Route**  \n:violet-badge[{label('route', advies['route'])}]")
    cols[2].markdown(f"**Tijdelijk huisverbod**  \n:gray-badge[{label('thv', advies['thv']['beoordeling'])}]")
    casus = advies.get("casus")
    if casus:
        ao = f"; eerder in het Actie-overleg ({dutch_date(casus['laatste_actie_overleg'])})" if casus.get("laatste_actie_overleg") else ""
        st.info(
            f"Casus {casus['casus_id']}: melding {casus['meldingen']} van deze casus{ao}; {casus['open_afspraken']} open afspraak/afspraken. "
            "De hele tijdlijn staat op de pagina Casus."
        )
    termijnen = {k: v for k, v in (advies.get("termijnen") or {}).items() if v}
    if termijnen:
        st.markdown(
            "**Termijnen** (Nederlandse tijd)  \n"
            + "  \n".join(f"- {catalogue().termijnen.get(k, k)}: {deadline_text(v)}" for k, v in termijnen.items())
        )
    st.markdown("**Afstemming**")
    badges(labels("afstemming", advies["afstemming"]), "blue")
    st.markdown("**Partners**")
    badges(labels("partners", advies["partners"]), "green")
    st.markdown("**Interventies om te overwegen**")
    badges(labels("interventies", advies["interventies"]), "orange")
    if advies["actie_overleg"]["agenderen"]:
        st.info(f"Op de agenda van het Actie-overleg, prioriteit {advies['actie_overleg']['prioriteit']}.")
    if advies["thv"]["redenen"]:
        st.markdown("**Tijdelijk huisverbod: waarom**  \n" + "  \n".join(f"- {r}" for r in advies["thv"]["redenen"]))
    if advies.get("score"):
        score = advies["score"]
        st.markdown(
            f"**Risicoscore (tweede mening, nooit het besluit):** {score['punten']} punten, band *{label('score_band', score['band'])}*"
        )
        if score["bijdragen"]:
            st.bar_chart(pd.Series({label("score_factor", k): v for k, v in score["bijdragen"].items()}, name="punten"), horizontal=True)
        st.caption("Punten per factor, bij elkaar opgeteld. Een illustratief model op synthetische gegevens.")
    st.markdown(f"**Waarom: {len(advies['uitleg'])} regels**")
    for u in advies["uitleg"]:
        with st.container(border=True):
            st.markdown(f"**{u['titel']}**  \n{u['reden']}")
            if u.get("waarom"):
                st.markdown("  \n".join(f"- {w}" for w in u["waarom"]))
            st.caption(f"Bron: {u['bron']}  ·  regel {u['regel']}")
    fase = advies["fase"]
    with st.expander(f"Fase: {label('fase', fase)} — helpende vragen"):
        for q in agenda_mod.guidance()["fasen"][fase]:
            st.write(f"- {q}")
    st.caption(
        f"Regelset {advies['regelset']['naam']} {advies['regelset']['versie']} · {advies['regelset']['hash'][:10]}. "
        "Dit is een advies; een professional beslist."
    )


def deadline_text(value: str) -> str:
    """An ISO deadline in words: `woensdag 25 november 2026 18:00` (Dutch time)."""
    if "T" in value:
        moment = schema.dutch_time(datetime.fromisoformat(value))
        return f"{dutch_date(moment.date())} {moment:%H:%M}"
    return dutch_date(value)


def besluit_form(melding_id: str, advies: dict) -> None:
    """The reader's own decision, stored beside the advies (which stays as it was given)."""
    store = store_for(get_settings().database_url)
    earlier = store.besluiten([melding_id]).get(melding_id, [])
    st.markdown("#### Uw besluit")
    for b in earlier:
        st.success(f"{b.genomen_op:%d-%m-%Y %H:%M}: {inbox_mod.besluit_text(b)}" + (f" — {b.waarom}" if b.waarom else ""))
    with st.form(f"besluit_{melding_id}", clear_on_submit=True):
        keuze = st.radio("Het besluit", ["volgt het advies", "wijkt af van het advies"], horizontal=True)
        urgentie = st.selectbox(
            "Besloten urgentie (bij afwijken)",
            ["—", *[u.value for u in schema.Urgentie]],
            format_func=lambda u: u if u == "—" else label("urgentie", u),
        )
        wat = st.text_input("Wat is er besloten")
        waarom = st.text_area("Waarom (verplicht bij afwijken)", height=80)
        if st.form_submit_button("Besluit vastleggen"):
            try:
                given = schema.BesluitIn(
                    volgt_advies=keuze == "volgt het advies", wat=wat, waarom=waarom, urgentie=None if urgentie == "—" else urgentie
                )
            except ValidationError as exc:
                st.error(f"Niet vastgelegd: {str(validation_error('besluit', None, exc)).removeprefix('besluit: ')}")
                return
            if store.add_besluit(melding_id, given, st.session_state["sleutel_id"]) is None:
                st.error("Niet vastgelegd: dit advies is niet opgeslagen. Bewaar eerst het advies (Triage of --opslaan).")
                return
            stored_inbox.clear()
            st.rerun()


# --- pages ---------------------------------------------------------------------------------------


def seed_default(key: str, value: object) -> None:
    """Give a clock-dependent default once per session: Streamlit gives a widget whose default
    changes a new identity, which would drop what the user typed as soon as the clock ticks."""
    st.session_state.setdefault(key, value)


def page_triage() -> None:
    st.header("Triage van één melding")
    left, right = st.columns([5, 6], gap="large")
    with left, st.form("melding"):
        st.subheader("Incident")
        c1, c2 = st.columns(2)
        melding_id = c1.text_input("Melding-id", "M-001")
        seed_default("triage_ontvangen", f"{datetime.now(schema.AMSTERDAM):%d-%m-%Y %H:%M}")  # Dutch time, not the server's
        ontvangen = c2.text_input("Ontvangen op (dd-mm-jjjj uu:mm)", key="triage_ontvangen")
        regio = c1.selectbox("Regio", ["landelijk"] + [r.value for r in schema.Regio], format_func=lambda r: label("regio", r))
        incidentsoort = c2.multiselect(
            "Incidentsoort",
            [i.value for i in schema.Incidentsoort],
            default=["partnergeweld"],
            format_func=lambda i: label("incidentsoort", i),
            placeholder="Kies…",
        )
        acuut = c1.checkbox("Acuut gevaar")
        hg_label = c2.checkbox("HG-label")
        sash = c1.selectbox("SASH", ["onbekend", "laag", "midden", "hoog"])
        schaal = c2.selectbox("Veiligheidsschaal", ["onbekend", *range(8)])
        km = c1.checkbox("Vermoeden strafbare kindermishandeling")
        eerder_ao = c2.checkbox("Eerder besproken in het Actie-overleg")
        hulp = c1.checkbox("Lopende hulpverlening")
        bron = c1.selectbox("Bron van de melding", [b.value for b in schema.Bron], format_func=lambda b: label("bron", b))
        eerdere_vt = c2.number_input("Eerdere VT-meldingen", 0, 50, 0)
        st.subheader("Verdachte")
        c1, c2 = st.columns(2)
        bekend = c1.checkbox("Verdachte bekend", value=True)
        v = {
            "aangehouden": c2.checkbox("Aangehouden"),
            "minderjarig": c1.checkbox("Minderjarig"),
            # unknown is an answer: it decides whether a huisverbod can be judged at all
            "woont_met_slachtoffer": {"onbekend": None, "ja": True, "nee": False}[
                c2.selectbox("Woont bij slachtoffer", ["onbekend", "ja", "nee"])
            ],
            "wapen": c1.selectbox("Wapen", ["geen", "dreiging", "gebruikt"], format_func=lambda w: label("wapen", w)),
            "letsel": c2.selectbox("Letsel", ["geen", "licht", "ernstig"]),
            "doodsbedreiging": c1.checkbox("Doodsbedreiging"),
            "verwurging": c2.checkbox("Verwurging"),
            "eerdere_incidenten_12m": c1.number_input("Eerdere incidenten (12 mnd)", 0, 50, 0),
            "schending_afspraken": c2.checkbox("Afspraken geschonden"),
            "middelengebruik": c2.checkbox("Middelengebruik"),
            "psychische_problematiek": c1.checkbox("Psychische problematiek"),
            "lvb": c2.checkbox("LVB"),
            "zorgmijdend": c1.checkbox("Zorgmijdend"),
        }
        c1, c2 = st.columns(2)
        with c1:
            st.subheader("Slachtoffer")
            s = {"in_opvang": st.checkbox("In opvang"), "zwanger": st.checkbox("Zwanger"), "angst_ernstig": st.checkbox("Zeer angstig")}
        with c2:
            st.subheader("Kinderen")
            k = {
                "aantal_minderjarig": st.number_input("Minderjarigen in huis", 0, 15, 0),
                "getuige": st.checkbox("Getuige"),
                "slachtoffer": st.checkbox("Kind slachtoffer"),
                "verblijfplaats_onbekend": st.checkbox("Verblijfplaats onbekend"),
            }
        score = st.toggle("Risicoscore tonen (tweede mening)")
        bewaren = st.checkbox("Advies bewaren (auditspoor; daarna in inbox en agenda)", value=True)
        submitted = st.form_submit_button("Advies", type="primary")
    with right:
        if not submitted:
            last = st.session_state.get("laatste_advies")
            if last is None:
                st.info("Vul de melding in en kies **Advies**.")
                return
            st.subheader(f"Advies voor {last['melding_id']}")
            show_advies(last)
            if st.session_state.get("laatste_bewaard"):
                besluit_form(last["melding_id"], last)
            return
        data = {
            "melding_id": melding_id,
            "ontvangen_op": dutch_datetime(ontvangen),
            "bron": bron,
            "eerdere_vt_meldingen": int(eerdere_vt),
            "incidentsoort": incidentsoort,
            "acuut_gevaar": acuut,
            "hg_label": hg_label,
            "sash": None if sash == "onbekend" else sash,
            "veiligheidsschaal": None if schaal == "onbekend" else int(schaal),
            "vermoeden_strafbare_km": km,
            "eerder_besproken_actie_overleg": eerder_ao,
            "lopende_hulpverlening": hulp,
            "verdachte": {**v, "eerdere_incidenten_12m": int(v["eerdere_incidenten_12m"])} if bekend else None,
            "slachtoffer": s,
            "kinderen": {**k, "aantal_minderjarig": int(k["aantal_minderjarig"])},
        }
        try:
            melding = schema.Melding.model_validate(data)
            triage = runner(None if regio == "landelijk" else regio, score)
            (advies,) = triage.evaluate([melding])
        except ValidationError as exc:
            err = validation_error("formulier", None, exc)
            reason = SPREADSHEET_DATE_HINT if err.field == "ontvangen_op" else err.reason
            st.error(f"De melding past niet: veld '{err.field}': {reason}" if err.field else f"De melding past niet: {reason}")
            return
        except ZorgstrafError as exc:
            st.error(f"De melding past niet: {exc}")
            return
        st.subheader(f"Advies voor {melding.melding_id}")
        if bewaren:
            store = store_for(get_settings().database_url)
            # the same use case as the API: with casus keys, the store's knowledge of the casus counts too
            ((_, recorded, failure, _bestaand),) = usecases.triage_and_record(triage, [melding], store, st.session_state["sleutel_id"])
            advies = recorded or advies
            stored_inbox.clear()
            if isinstance(failure, usecases.Conflict):
                st.error(f"Niet bewaard: {failure}")
            elif failure is None and _bestaand:
                st.caption("Deze melding was al bewaard; dit is het advies zoals het toen is gegeven.")
            elif failure is None:
                st.caption("Bewaard in het auditspoor, met de hash van regelset en invoer.")
            else:
                st.error("Niet bewaard: de database gaf een fout. Probeer het opnieuw.")
        shown = advies.model_dump(mode="json")
        st.session_state["laatste_advies"], st.session_state["laatste_bewaard"] = shown, bewaren
        show_advies(shown)
        if bewaren:
            besluit_form(melding.melding_id, shown)


def page_inbox() -> None:
    st.header("Inbox: meest urgent eerst")
    source = st.radio("Meldingen uit", ["opgeslagen adviezen", "querylijst of bestand"], horizontal=True, key="inbox_bron")
    if source == "querylijst of bestand":
        c1, c2 = st.columns([3, 2])
        upload = c1.file_uploader(
            "Querylijst van de politie (Excel of CSV), of meldingen (JSON/JSONL)", type=["xlsx", "csv", "jsonl", "json"], key="inbox_upload"
        )
        shipped = sorted(p.stem for p in KOLOMMEN_DIR.glob("*.yaml"))
        kolommen = c2.selectbox(
            "Kolommen",
            ["eigen formaat (veldnamen)", *shipped],
            index=1 if shipped else 0,
            help="Welke kolomkoppen de export gebruikt. Een eigen lijst: zorgstraf triage --kolommen.",
        )
        mapping = None if kolommen.startswith("eigen") else kolommen
        if upload:
            suffix = Path(upload.name).suffix.lower()
            used_mapping = mapping if suffix in (".csv", ".xlsx") else None
            inbox = file_inbox(upload.getvalue(), upload.name, used_mapping)
            if inbox.entries and st.button("Adviezen bewaren (auditspoor)", help="Daarna kunt u per melding uw besluit vastleggen."):
                pairs, _ = triage_file(upload.getvalue(), upload.name, None, used_mapping)
                store_meldingen(pairs)
                st.success(f"{len(pairs)} adviezen bewaard in het auditspoor.")
        else:
            st.caption(f"Nog geen bestand: voorbeeld {SAMPLES.name} (synthetisch).")
            inbox = file_inbox(SAMPLES.read_bytes(), SAMPLES.name)
    else:
        seed_default("inbox_vanaf", datetime.now(DUTCH_TIME).date())  # vandaag, in Nederland
        since = st.date_input("Ontvangen vanaf", key="inbox_vanaf", format="DD-MM-YYYY")
        settings = get_settings()
        own = st.session_state["sleutel"].regions_for("lezer")
        inbox = stored_inbox(settings.database_url, since, settings.inbox_max_rows, tuple(sorted(own)) if own is not None else None)
        if not inbox.complete:
            st.warning(
                f"Alleen de nieuwste {settings.inbox_max_rows:,} opgeslagen adviezen zijn gelezen".replace(",", ".")
                + "; kies een latere datum bij 'Ontvangen vanaf' om alles te zien."
            )
    for e in inbox.errors[:20]:
        st.warning(f"Afgewezen: {e}")
    if len(inbox.errors) > 20:
        st.warning(f"… en nog {len(inbox.errors) - 20} afgewezen regels.")
    table = inbox.table
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 2])
    urgentie = c1.multiselect(
        "Urgentie", [u.value for u in reversed(schema.Urgentie)], format_func=lambda u: label("urgentie", u), placeholder="alle"
    )
    afstemming = c2.multiselect(
        "Afstemming", [a.value for a in schema.Afstemming], format_func=lambda a: label("afstemming", a), placeholder="alle"
    )
    status = c3.selectbox("Status", ["nog te doen", "afgehandeld", "alle"])
    kinderen = c4.selectbox("Kinderen", ["alle", "met kinderen", "zonder kinderen"])
    zoek = c5.text_input("Melding-id bevat")
    mask = pd.Series(True, index=table.index)
    if urgentie:
        mask &= table["_urgentie"].isin(urgentie)
    if afstemming:
        mask &= table["_afstemming"].map(lambda xs: not set(xs).isdisjoint(afstemming))
    if status != "alle":
        mask &= table["afgehandeld"] == (status == "afgehandeld")
    if kinderen != "alle":
        mask &= table["kinderen"] == (kinderen == "met kinderen")
    if zoek.strip():
        mask &= table["melding"].str.contains(zoek.strip(), case=False, regex=False)
    view = table[mask]
    left, right = st.columns([4, 1])
    left.caption(f"{len(view)} van {len(table)} meldingen. Kies een rij voor de uitleg en uw besluit.")
    shown = [inbox.entries[i] for i in view.index]
    # The workbook is made when the button is clicked (in a thread without Streamlit): everything it
    # needs is gathered here, the decisions included.
    decided = inbox.besluiten  # read with the inbox (cached), not again on every rerun
    right.download_button(
        "Exporteren naar Excel",
        lambda: inbox_mod.to_xlsx(shown, decided),
        file_name=f"inbox-{datetime.now(DUTCH_TIME):%Y-%m-%d}.xlsx",
        key="inbox_export",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        disabled=not shown,
        on_click="ignore",
    )  # no rerun: the download is not interrupted
    event = st.dataframe(
        view.drop(columns=["_urgentie", "_afstemming"]),
        hide_index=True,
        width="stretch",
        height=360,
        on_select="rerun",
        selection_mode="single-row",
        key="inbox_tabel",
        column_config={
            "melding": st.column_config.TextColumn("Melding", width=max(90, 8 * max((len(m) for m in view["melding"]), default=8))),
            "ontvangen": st.column_config.TextColumn("Ontvangen", width=120),
            "urgentie": st.column_config.TextColumn("Urgentie", width=70),
            "advies": st.column_config.TextColumn("Advies", width="large"),
            "eerste termijn": st.column_config.TextColumn("Eerste termijn", width="medium"),
            "regio": st.column_config.TextColumn("Regio", width="small"),
            "casus": st.column_config.TextColumn(
                "Casus",
                width="medium",
                help="Eerdere meldingen van dezelfde casus (zie pagina Casus); ⚠: de casus vraagt nu om actie (veiligheidsplan)",
            ),
            "afgehandeld": st.column_config.CheckboxColumn("Afgehandeld", width="small"),
            "kinderen": st.column_config.CheckboxColumn("Kinderen", width="small"),
        },
    )
    if not len(view):
        return
    picked = selected_row(event, len(view))
    position = view.index[picked] if picked is not None else view.index[0]
    advies = inbox.entries[position].advies()
    st.subheader(f"Uitleg bij {advies['melding_id']}")
    show_advies(advies)
    if source == "opgeslagen adviezen" or store_for(get_settings().database_url).latest(advies["melding_id"]) is not None:
        besluit_form(advies["melding_id"], advies)
    else:
        st.caption("Een besluit leggen we vast bij een bewaard advies: kies 'Adviezen bewaren (auditspoor)' hierboven.")


def store_meldingen(pairs: list) -> None:
    """Triage and record: each advies into the audit trail with the reader's key id (one transaction
    each); meldingen with casus keys with what the store knows of their casus."""
    store = store_for(get_settings().database_url)
    recorded = usecases.triage_and_record(runner(None, False), [m for m, _ in pairs], store, st.session_state["sleutel_id"])
    failed = [r.melding.melding_id for r in recorded if r.failure and not isinstance(r.failure, usecases.Conflict)]
    conflicts = [r.melding.melding_id for r in recorded if isinstance(r.failure, usecases.Conflict)]
    already = sum(r.bestaand for r in recorded)
    if already:
        st.info(f"{already} melding(en) waren al bewaard; die blijven zoals ze zijn (met hun casus).")
    if conflicts:
        st.error(
            f"{len(conflicts)} melding(en) al bewaard met een andere inhoud ({', '.join(conflicts[:5])}); een correctie krijgt een nieuw melding-id."
        )
    if failed:
        st.error(f"{len(failed)} advies(en) niet opgeslagen ({', '.join(failed[:5])}); probeer het opnieuw.")
    stored_inbox.clear()


def page_actie_overleg() -> None:
    st.header("Actie-overleg: het overleg voeren")
    c1, c2 = st.columns(2)
    own = st.session_state.get("voorzitter_regios")
    regio = c1.selectbox("Regio", own or [r.value for r in schema.Regio], format_func=lambda r: label("regio", r))
    source = st.radio("Zaken uit", ["opgeslagen adviezen", "voorbeeldbestand"], horizontal=True)
    store = store_for(get_settings().database_url) if source == "opgeslagen adviezen" else None
    ruleset = runner(regio, False).engine_for(regio).ruleset
    if store is None:
        pairs, _ = triage_file(SAMPLES.read_bytes(), SAMPLES.name, regio)
        due = {a.termijnen.volgend_actie_overleg for _, a in pairs if a.actie_overleg.agenderen and a.termijnen.volgend_actie_overleg}
        days = {date.fromisoformat(d) for d in due if d}
    else:
        days = set(store.meeting_days(regio))
    today = datetime.now(DUTCH_TIME).date()
    this_week = agenda_mod.default_week(ruleset, today)  # the coming meeting (on a weekend: next week's)
    # this week and the weeks around it, and every week that has cases: picked, never typed
    weeks = sorted(set(agenda_mod.week_options(today)) | {agenda_mod.week_of(d) for d in days} | {this_week})
    week = c2.selectbox("Week", weeks, index=weeks.index(this_week), format_func=agenda_mod.week_label, key="agenda_week")
    start, end = agenda_mod.week_bounds(week)
    if store is not None:
        result = agenda_mod.build_from_store(store, regio, week, ruleset)
    else:
        cases = [
            (m, a)
            for m, a in pairs
            if a.actie_overleg.agenderen
            and a.termijnen.volgend_actie_overleg
            and start <= date.fromisoformat(a.termijnen.volgend_actie_overleg) <= end
        ]
        result = agenda_mod.build(regio, week, cases, [], ruleset)
    meeting = store.meeting(regio, date.fromisoformat(result.datum)) if store is not None and result.datum else None
    title = f"Actie-overleg {label('regio', regio)}, {agenda_mod.week_label(week)}" + (
        f" — {dutch_date(result.datum)}" if result.datum else ""
    )
    st.subheader(title)
    open_items = [*(a for item in result.items for a in item.afspraken_open if a.status == "open"), *result.open_afspraken_overig]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Zaken", len(result.items))
    m2.metric("Waarvan acuut of hoog", sum(1 for i in result.items if i.urgentie in ("acuut", "hoog")))
    m3.metric("Open afspraken", len(open_items))
    m4.metric("Te laat", sum(1 for a in open_items if a.te_laat))
    st.caption("Werkwijze: " + " → ".join(f"{n}. {step}" for n, step in enumerate(result.stappen, 1)))
    d1, d2, d3 = st.columns(3)
    from zorgstraf.agenda_pdf import to_pdf

    d1.download_button(
        "Vergaderstuk (PDF, A4)", to_pdf(result), f"actie-overleg-{regio}-{week}.pdf", mime="application/pdf", on_click="ignore"
    )
    d2.download_button("Agenda (Markdown)", agenda_mod.to_markdown(result), f"agenda-{regio}-{week}.md", on_click="ignore")
    d3.download_button("Agenda (HTML)", agenda_mod.to_html(result), f"agenda-{regio}-{week}.html", mime="text/html", on_click="ignore")
    if not result.items:
        st.info(
            "Geen zaken voor deze regio en week. Adviezen komen hier via de API, het dashboard of "
            "`zorgstraf triage --opslaan`; kies een andere week of het voorbeeldbestand."
        )
    else:
        n = st.radio(
            "Zaak",
            list(range(len(result.items))),
            format_func=lambda i: f"{i + 1}. {result.items[i].melding_id} — {label('urgentie', result.items[i].urgentie)}",
            horizontal=True,
            key=f"zaak_{regio}_{week}",
        )
        show_case(result.items[n], n + 1, store, meeting is not None and meeting.gesloten_op is not None)
    rest = [a for a in result.open_afspraken_overig]
    if store is not None and rest:
        st.markdown("**Afspraken van zaken die niet op deze agenda staan**")
        for item in rest:
            afspraak_row(store, item, prefix=item.casus_id or item.melding_id)
    if store is None:
        st.caption(f"Bron: {reader_source(result.bron)} Dit is een advies; het Actie-overleg beslist.")
        return
    st.divider()
    if meeting is not None and meeting.gesloten_op is not None:
        st.success(f"Overleg gesloten op {schema.dutch_time(meeting.gesloten_op):%d-%m-%Y %H:%M}.")
    elif result.items and st.button(
        "Overleg sluiten", type="primary", help="Elke zaak op deze agenda telt dan als besproken, met de uitgenodigde partners."
    ):
        try:
            usecases.close_meeting(store, regio, week, ruleset, st.session_state["sleutel"])
        except ZorgstrafError as exc:
            st.error(f"Niet gesloten: {exc}")
        else:
            st.rerun()
    st.caption(f"Bron: {reader_source(result.bron)} Dit is een advies; het Actie-overleg beslist.")


def _afspraak_step(store, call, *args) -> None:
    """One step of an agreement through the core's use case; a refusal (done or withdrawn meanwhile
    by another chair) is said in Dutch, never overwritten."""
    try:
        call(store, *args)
    except ZorgstrafError as exc:
        st.error(f"Niet gelukt: {exc}")
        return
    st.rerun()


def afspraak_row(store, item, prefix: str = "") -> None:
    text_col, done_col, drop_col = st.columns([6, 1, 1])
    late = " — **te laat**" if item.te_laat else ""
    text = (f"{md(prefix)} — " if prefix else "") + md(agenda_mod.afspraak_text(item).replace(", TE LAAT", "")) + late
    key = st.session_state["sleutel"]
    if item.id is None:
        text_col.markdown(text)
        return
    if item.status != "open":
        shown = f"~~{text}~~{md(agenda_mod.reason_note(item))}" if item.status == "ingetrokken" else text
        text_col.markdown(shown)
        with drop_col.popover("Heropenen"):
            why = st.text_input("Waarom weer open?", key=f"heropen_reden_{item.id}")
            if st.button("Heropenen", key=f"heropenen_{item.id}", disabled=not why.strip()):
                _afspraak_step(store, usecases.set_afspraak_status, item.id, "heropend", key, why.strip())
        return
    text_col.markdown(text)
    if done_col.button("Gedaan", key=f"gedaan_{item.id}"):
        _afspraak_step(store, usecases.set_afspraak_status, item.id, "gedaan", key)
    with drop_col.popover("Intrekken"):
        why = st.text_input("Waarom intrekken?", key=f"intrek_reden_{item.id}")
        if st.button("Intrekken", key=f"intrekken_{item.id}", disabled=not why.strip()):
            _afspraak_step(store, usecases.set_afspraak_status, item.id, "ingetrokken", key, why.strip())
    with text_col.expander("Wijzigen"):
        with st.form(f"wijzig_{item.id}"):
            partners = [p.value for p in schema.Partner]
            wie = st.selectbox(
                "Wie", partners, index=partners.index(item.wie) if item.wie in partners else 0, format_func=lambda p: label("partners", p)
            )
            wat = st.text_input("Wat", value=item.wat)
            uiterlijk = st.date_input(
                "Uiterlijk", date.fromisoformat(item.uiterlijk) if isinstance(item.uiterlijk, str) else item.uiterlijk, format="DD-MM-YYYY"
            )
            why = st.text_input("Reden van de wijziging")
            if st.form_submit_button("Wijziging vastleggen"):
                if not wat.strip() or not why.strip():
                    st.warning("Vul in wat er is afgesproken en waarom het verandert.")
                else:
                    _afspraak_step(
                        store, usecases.change_afspraak, item.id, {"wie": wie, "wat": wat.strip(), "uiterlijk": uiterlijk}, key, why.strip()
                    )


def handover_form(store, item) -> None:
    """An Actie-overleg outcome: who takes the regie of the casus (for instance the local field), and
    when to check back; a new version of the casus' veiligheidsplan."""
    from zorgstraf import veiligheid

    with st.expander("Overdracht: wie neemt de regie, en wanneer kijken we terug?"):
        with st.form(f"overdracht_{item.melding_id}"):
            partners = [p.value for p in schema.Partner]
            h1, h2 = st.columns(2)
            regie = h1.selectbox(
                "Regie naar",
                partners,
                index=partners.index("lokaal_veld"),
                format_func=lambda p: label("partners", p),
                key=f"regie_{item.melding_id}",
            )
            moment = h2.date_input("Toetsmoment", date.today() + timedelta(weeks=6), format="DD-MM-YYYY", key=f"toets_{item.melding_id}")
            if st.form_submit_button("Overdracht vastleggen"):
                try:
                    veiligheid.handover(store, item.casus_id, schema.Partner(regie), moment, st.session_state["sleutel"], usecases.today())
                except ZorgstrafError as exc:
                    st.error(f"Niet vastgelegd: {exc}")
                else:
                    st.success(f"Regie naar {label('partners', regie)}; toetsmoment {moment:%d-%m-%Y} staat in het veiligheidsplan.")


def show_case(item, n: int, store, closed: bool) -> None:
    """One case as the chair walks it: why, its casus in three lines, facts, invitees, questions,
    its agreements, and the form to record new ones as they are made."""
    with st.container(border=True):
        st.markdown(
            f"### {n}. {md(item.melding_id)} — {label('urgentie', item.urgentie)}"
            + (f", SASH {label('urgentie', item.sash)}" if item.sash else "")
            + (f" · casus {md(item.casus_id)}" if item.casus_id else "")
        )
        st.markdown(f"**Waarom op de agenda:** {md('; '.join(item.waarom_op_agenda) or 'Actie-overleg volgens het advies')}")
        if item.op_zsm:
            st.warning("Ligt ook op ZSM: de OvJ beslist binnen uren; stem af met de ZSM-tafel vóór het overleg.")
        if item.casus_id:
            st.markdown("**Casus:** " + md(" · ".join(item.casus_historie) or "eerste melding van deze casus"))
        st.markdown(f"**Feiten:** {md('; '.join(item.feiten))}")
        if item.veiligheid:
            signals = [line for line in item.veiligheid if line.startswith("SIGNAAL")]
            st.markdown("**Veiligheidsplan:** " + md("; ".join(line for line in item.veiligheid if not line.startswith("SIGNAAL"))))
            for line in signals:
                st.warning(line.removeprefix("SIGNAAL "))
        st.markdown(f"**Uitnodigen:** {', '.join(labels('partners', item.partners))}  \n**Fase:** {label('fase', item.fase)}")
        with st.expander("Helpende vragen voor deze fase"):
            st.markdown("\n".join(f"- {q}" for q in item.helpende_vragen))
        if item.afspraken_open:
            st.markdown("**Afspraken**")
            for a in item.afspraken_open:
                if store is not None:
                    afspraak_row(store, a)
                else:
                    st.markdown(f"- {md(agenda_mod.afspraak_text(a))}")
        if store is None or closed:
            return
        if item.casus_id:
            handover_form(store, item)
        with st.form(f"afspraak_{item.melding_id}", clear_on_submit=True):
            st.markdown("**Afspraak vastleggen**")
            f1, f2, f3 = st.columns([2, 4, 2])
            wie = f1.selectbox("Wie", [p.value for p in schema.Partner], format_func=lambda p: label("partners", p))
            wat = f2.text_input("Wat")
            uiterlijk = f3.date_input("Uiterlijk", date.today() + timedelta(days=14), format="DD-MM-YYYY")
            if st.form_submit_button("Vastleggen"):
                if not wat.strip():
                    st.warning("Vul in wat er is afgesproken.")
                else:
                    try:  # the same use case as the API: meeting date, region, casus and limit decided in the core
                        usecases.record_afspraken(
                            store,
                            item.melding_id,
                            [{"wie": wie, "wat": wat.strip(), "uiterlijk": uiterlijk}],
                            st.session_state["sleutel"],
                            get_settings().max_afspraken_per_melding,
                        )
                    except ZorgstrafError as exc:
                        st.error(f"Niet vastgelegd: {exc}")
                    else:
                        st.rerun()


def page_casus() -> None:
    """The casus over time: meldingen and advies with what changed, meetings, agreements, besluiten."""
    from zorgstraf import casusview

    st.header("Casus: alles over tijd, nieuwste eerst")
    casus_id = st.text_input("Casusnummer (staat in het advies, bv. C000012)", key="casus_id").strip()
    if not casus_id:
        st.caption("Meldingen met dezelfde casussleutel vormen één casus; de sleutels zelf worden nooit getoond.")
        return
    try:
        v = casusview.view(store_for(get_settings().database_url), casus_id, key=st.session_state["sleutel"], via="dashboard")
    except ZorgstrafError as exc:
        st.warning(str(exc))
        return
    if v.gevraagd.upper() != v.casus_id:
        st.info(f"Casus {v.gevraagd} is samengevoegd met {v.casus_id} (een gedeelde sleutel).")
    c1, c2, c3 = st.columns(3)
    c1.metric("Meldingen", v.meldingen)
    c2.metric("Actie-overleggen", len(v.actie_overleggen))
    c3.metric("Open afspraken", v.open_afspraken)
    last = v.beoordelingen[-1] if v.beoordelingen else None
    st.markdown(
        f"**Fase:** {label('fase', v.fase)}"
        + (f" · **laatste beoordeling:** {last.schaal} op {last.datum:%d-%m-%Y} ({label('partners', last.door.value)})" if last else "")
        + f"  \n:small[Uit de beoordelingen en de incidenten (Visie gefaseerd samenwerken), op {v.peildatum:%d-%m-%Y}.]"
    )
    show_safety(v, casus_id)
    st.subheader("Tijdlijn")
    for e in v.tijdlijn:
        day_only = e.soort in ("actie_overleg", "beoordeling", "gebeurtenis")
        when = f"{e.wanneer:%d-%m-%Y}" if day_only else f"{e.wanneer:%d-%m-%Y %H:%M}"
        st.markdown(f"**{when}** · {e.soort.replace('_', '-')}" + (f" · {md(e.melding_id)}" if e.melding_id else "") + f": {md(e.tekst)}")
        if e.soort == "melding":
            st.caption("; ".join(e.veranderd))
    if v.afspraken:
        st.subheader("Afspraken")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "wie": label("partners", a.wie),
                        "wat": a.wat,
                        "uiterlijk": a.uiterlijk.strftime("%d-%m-%Y") if a.uiterlijk else "—",
                        "status": a.status + (" (te laat)" if a.te_laat else ""),
                        "geschiedenis": " → ".join(f"{s.actie} {s.wanneer:%d-%m %H:%M}" for s in a.historie),
                    }
                    for a in v.afspraken
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def show_safety(v, casus_id: str) -> None:
    """The veiligheidsplan, the ratings over time and the signals; the holder of the regie records
    a rating or an event, and puts the plan, through the same use cases as the API."""
    from zorgstraf import veiligheid

    for signal in v.signalen:
        st.warning(f"**{label('signaal', signal.code)}** (sinds {signal.sinds:%d-%m-%Y}): {md(signal.reden)}")
    if v.beoordelingen:
        import altair as alt

        chart = pd.DataFrame({"datum": [pd.Timestamp(b.datum) for b in v.beoordelingen], "schaal": [b.schaal for b in v.beoordelingen]})
        st.altair_chart(
            alt.Chart(chart)
            .mark_line(point=True)
            .encode(
                x=alt.X("datum:T", title="datum", axis=alt.Axis(format="%d-%m-%Y", labelAngle=0, tickCount="day")),
                y=alt.Y("schaal:Q", title="veiligheidsschaal", scale=alt.Scale(domain=[0, 7]), axis=alt.Axis(values=list(range(8)))),
            )
            .properties(height=180),
            width="stretch",
        )
    plan = v.veiligheidsplan
    st.subheader("Veiligheidsplan" + (f" (versie {plan.versie})" if plan else ""))
    if plan is None:
        st.caption("Nog geen veiligheidsplan. Seed 004: een plan 'in alle dossiers', met 3-5 voorwaarden voor een 6.")
    else:
        st.markdown(f"**Regie:** {label('partners', plan.regie.value) if plan.regie else 'niet vastgelegd'}")
        st.markdown("**Onveilige situaties:**\n" + "\n".join(f"- {md(t)}" for t in plan.onveilige_situaties))
        st.markdown("**Voorwaarden:**\n" + "\n".join(f"- {md(w.id or '')} ({w.status}): {md(w.tekst)}" for w in plan.voorwaarden))
        if plan.toetsmomenten:
            st.markdown("**Toetsmomenten:** " + ", ".join(f"{d:%d-%m-%Y}" for d in plan.toetsmomenten))
        if plan.gevolgen_bij_schending:
            st.markdown(f"**Bij schending:** {md(plan.gevolgen_bij_schending)}")
    store = store_for(get_settings().database_url)
    key = st.session_state["sleutel"]
    partners = [p.value for p in schema.Partner]
    with st.expander("Beoordeling of gebeurtenis vastleggen"):
        with st.form(f"beoordeling_{v.casus_id}", clear_on_submit=True):
            b1, b2, b3 = st.columns(3)
            day = b1.date_input("Datum", date.today(), format="DD-MM-YYYY")
            score = b2.number_input("Veiligheidsschaal (0-7)", min_value=0, max_value=7, value=5)
            door = b3.selectbox("Door", partners, format_func=lambda p: label("partners", p))
            if st.form_submit_button("Beoordeling vastleggen"):
                _safety_step(
                    veiligheid.add_beoordeling, store, casus_id, veiligheid.BeoordelingIn(datum=day, schaal=int(score), door=door), key
                )
        with st.form(f"gebeurtenis_{v.casus_id}", clear_on_submit=True):
            g1, g2 = st.columns(2)
            kinds = list(veiligheid.Soort.__args__)
            kind = g1.selectbox("Gebeurtenis", kinds, format_func=lambda k: label("gebeurtenis", k))
            when = g2.date_input("Datum van de gebeurtenis", date.today(), format="DD-MM-YYYY")
            if st.form_submit_button("Gebeurtenis vastleggen"):
                _safety_step(veiligheid.add_gebeurtenis, store, casus_id, veiligheid.GebeurtenisIn(soort=kind, datum=when), key)
    with st.expander("Veiligheidsplan wijzigen (nieuwe versie)"):
        with st.form(f"plan_{v.casus_id}"):
            current = plan or veiligheid.PlanIn()
            unsafe = st.text_area("Onveilige situaties (één per regel)", "\n".join(current.onveilige_situaties))
            conditions = st.text_area(
                "Voorwaarden (één per regel; zet 'geschonden:' of 'gerealiseerd:' ervoor om de status te geven)",
                "\n".join((f"{w.status}: " if w.status != "open" else "") + w.tekst for w in current.voorwaarden),
            )
            regie = st.selectbox(
                "Regie",
                partners,
                index=partners.index(current.regie.value) if current.regie else 0,
                format_func=lambda p: label("partners", p),
            )
            moments = st.text_input("Toetsmomenten (DD-MM-JJJJ, met komma's)", ", ".join(f"{d:%d-%m-%Y}" for d in current.toetsmomenten))
            gevolgen = st.text_input("Wat volgt bij schending", current.gevolgen_bij_schending)
            if st.form_submit_button("Plan vastleggen"):
                old = {w.tekst: w.id for w in current.voorwaarden}
                items = []
                for line in filter(None, (x.strip() for x in conditions.splitlines())):
                    status, _, rest = line.partition(":")
                    status, text = (
                        (status.strip(), rest.strip())
                        if status.strip() in ("geschonden", "gerealiseerd", "open") and rest
                        else ("open", line)
                    )
                    items.append({"id": old.get(text), "tekst": text, "status": status})
                try:
                    days = [datetime.strptime(x.strip(), "%d-%m-%Y").date() for x in moments.split(",") if x.strip()]
                    given = veiligheid.PlanIn(
                        onveilige_situaties=[x.strip() for x in unsafe.splitlines() if x.strip()],
                        voorwaarden=items,
                        regie=regie,
                        toetsmomenten=days,
                        gevolgen_bij_schending=gevolgen.strip(),
                    )
                except ValueError as exc:
                    st.error(f"Niet vastgelegd: {exc}".splitlines()[0])
                else:
                    _safety_step(veiligheid.put_plan, store, casus_id, given, key)


def _safety_step(call, store, casus_id: str, given, key) -> None:
    from zorgstraf import usecases

    try:
        call(store, casus_id, given, key, usecases.today())
    except ZorgstrafError as exc:
        st.error(f"Niet vastgelegd: {exc}")
        return
    st.rerun()


def page_indicatoren() -> None:
    """The Werkset Indicatoren from the store, for policy teams: one region, or all ten side by side."""
    from zorgstraf import werkset

    st.header("Werkset Indicatoren uit de opslag")
    c1, c2, c3 = st.columns(3)
    regio = c1.selectbox(
        "Regio", ["alle", *[r.value for r in schema.Regio]], format_func=lambda r: "alle regio's" if r == "alle" else label("regio", r)
    )
    today = datetime.now(DUTCH_TIME).date()
    van = c2.date_input("Van", date(today.year - 1, 1, 1), format="DD-MM-YYYY")
    tot = c3.date_input("Tot en met", date(today.year - 1, 12, 31), format="DD-MM-YYYY")
    store = store_for(get_settings().database_url)
    try:
        if regio == "alle":
            reports, hashes = werkset.comparison(store, van, tot)
            st.markdown(werkset.comparison_markdown(reports, hashes))
            return
        result = werkset.report(store, regio, van, tot)
    except ZorgstrafError as exc:
        st.error(str(exc))
        return
    if result.leeg:
        st.info(result.opmerking)
    for title, svg in werkset.charts(result) if not result.leeg else []:
        st.markdown(f"**{title}**")
        st.html(svg)
    st.markdown(werkset.to_markdown(result))
    d1, d2 = st.columns(2)
    d1.download_button("Rapport (HTML)", werkset.to_html(result), f"werkset-{regio}-{van}-{tot}.html", mime="text/html", on_click="ignore")
    d2.download_button("Cijfers (CSV)", werkset.to_csv(result), f"werkset-{regio}-{van}-{tot}.csv", mime="text/csv", on_click="ignore")


@st.cache_resource(max_entries=4, show_spinner="Een jaar van de regio beoordelen…")
def region_year(regio: str, n: int = 13_000):
    """A synthetic year of the region (seeded) and its current outcomes: the base of every what-if."""
    from zorgstraf.samples import generate
    from zorgstraf.whatif import base_outcomes

    year = [schema.Melding.model_validate({**m, "regio": regio}) for m in generate(n, seed=3, span_days=365)]
    return year, base_outcomes(year, regio)


def what_if_section() -> None:
    """One regional parameter changed: the shift on a year of the region, in well under a second."""
    import time as _time

    from zorgstraf.whatif import current_value, parse_value, what_if

    st.subheader("Wat als: één parameter van een regio anders")
    catalogue = Catalogue.of()
    c1, c2, c3 = st.columns([2, 2, 2])
    regio = c1.selectbox("Regio", catalogue.regions(), format_func=lambda r: label("regio", r), key="watals_regio")
    ruleset = catalogue.ruleset(catalogue.for_region(regio))
    name = c2.selectbox("Parameter", sorted(ruleset.parameters), key="watals_parameter")
    today = datetime.now(DUTCH_TIME).date()
    current = current_value(regio, name, today)
    shown = (
        ("ja" if current else "nee")
        if isinstance(current, bool)
        else f"[{', '.join(current)}]"
        if isinstance(current, list)
        else str(current)
    )
    text = c3.text_input(f"Nieuwe waarde (nu: {shown})", key=f"watals_waarde_{regio}_{name}")
    st.caption(" ".join(ruleset.parameters[name].beschrijving.split()))
    if not text.strip():
        return
    try:
        value = parse_value(current, text)
    except ZorgstrafError as exc:
        st.warning(f"Waarde niet bruikbaar: {exc}")
        return
    year, base = region_year(regio)
    started = _time.perf_counter()
    result = what_if(year, regio, name, value, base)
    took = _time.perf_counter() - started
    m1, m2 = st.columns(2)
    m1.metric(
        "Meldingen anders (van een jaar)",
        f"{result.gewijzigd:,}".replace(",", "."),
        f"{100 * result.gewijzigd / max(1, result.meldingen):.1f}%".replace(".", ","),
        delta_color="off",
    )
    m2.metric("Berekend in", f"{took:.2f} s".replace(".", ","))
    if result.verschuivingen:
        frame = pd.DataFrame(
            [
                {
                    "wat": f"{'op de agenda' if v.categorie == 'agenderen' else v.categorie}: {label(v.categorie, v.waarde)}",
                    "nu": v.basis,
                    "wat als": v.wat_als,
                    "verschil": v.verschil,
                }
                for v in result.verschuivingen
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        st.caption("Voorbeelden: " + "; ".join(f"{md(i)}: {md(t)}" for i, t in result.voorbeelden[:5]))
    else:
        st.info("Geen verschuiving in dit jaar van de regio.")
    st.caption("Synthetische meldingen (een jaar van de regio); de regels zelf blijven ongewijzigd.")


def page_beleid() -> None:
    from zorgstraf.compare import compare
    from zorgstraf.compare_report import ONLY_REASONS, change_text, count_rows, shown, work_label

    what_if_section()
    st.divider()
    st.header("Beleid: varianten vergelijken")
    upload = st.file_uploader("Data set (JSONL of CSV); leeg = voorbeeldbestand", type=["jsonl", "csv"], key="beleid_data")
    overlay = st.file_uploader("Bewerkt regiobestand (YAML), optioneel", type=["yaml", "yml"], key="beleid_overlay")
    chosen = st.multiselect("Varianten", Catalogue.of().regions(), default=["limburg", "midden_nederland"], placeholder="Kies…")
    if not st.button("Vergelijk", type="primary"):
        return
    content = upload.getvalue() if upload else SAMPLES.read_bytes()
    name = upload.name if upload else SAMPLES.name
    names = list(chosen)
    if not names and not overlay:
        st.warning("Kies minstens één variant.")
        return
    bar = st.progress(0.0, "vergelijken…")
    total = max(1, content.count(b"\n") - (1 if name.endswith(".csv") else 0))
    done = [0]

    def progress(n):
        done[0] += n
        bar.progress(min(1.0, done[0] / total), f"{done[0]} van {total}")

    # The meldingen stay in memory; only the edited rule file is written, to a folder removed right after.
    with tempfile.TemporaryDirectory(prefix="zorgstraf-overlay-") as tmp:
        if overlay:
            path = Path(tmp) / overlay.name
            path.write_bytes(overlay.getvalue())
            names.append(str(path))
        try:
            report = compare(name, names, workers=1, on_progress=progress, data=content)
        except ZorgstrafError as exc:
            st.error(str(exc).replace(tmp + "/", ""))  # the user's file name, never a server path
            return
    bar.empty()
    all_names = [report.base] + report.variants
    short = {n: Path(n).stem for n in all_names}  # an uploaded file shows by its name
    changed = {v: sum(1 for d in report.differences if d.variant == v) for v in report.variants}
    cols = st.columns(len(report.variants) + 1)
    cols[0].metric("Meldingen", report.count, help=f"over {report.weeks:.1f} weken")
    for col, v in zip(cols[1:], report.variants):
        col.metric(f"Anders in {short[v]}", changed[v], f"{100 * changed[v] / max(1, report.count):.1f}%", delta_color="off")
    counts = pd.DataFrame([(c, shown(c, k), *v) for c, k, v in count_rows(report)], columns=["categorie", "waarde", *all_names])
    st.subheader("Wat verschuift (variant min basis)")
    deltas = counts.assign(wat=counts["categorie"] + ": " + counts["waarde"]).set_index("wat")
    deltas = pd.DataFrame({short[v]: deltas[v] - deltas[report.base] for v in report.variants})
    deltas = deltas[(deltas != 0).any(axis=1)]
    if len(deltas):
        st.bar_chart(deltas, stack=False, horizontal=True)
    else:
        st.info("Geen verschuiving in de aantallen; de verschillen zitten in termijnen of in de uitleg (zie de lijst hieronder).")
    tabs = st.tabs(["Afstemming", "Route", "Partners", "Urgentie", "Werklast"])
    for tab, category in zip(tabs, ("afstemming", "route", "partners", "urgentie")):
        with tab:
            st.bar_chart(counts[counts["categorie"] == category].set_index("waarde")[all_names].rename(columns=short), stack=False)
    work = pd.DataFrame(
        [
            {
                "werk": f"{shown('partners', p)}: {work_label(k)}",
                **{short[n]: report.tallies[n].workload.get((p, k), 0) / report.weeks for n in all_names},
            }
            for (p, k) in sorted(set().union(*(report.tallies[n].workload for n in all_names)))
        ]
    )
    with tabs[4]:
        if len(work):
            st.caption("Geschatte werklast per week (zaken per partner)")
            st.bar_chart(work.set_index("werk"), stack=False, horizontal=True)
    st.subheader(f"Gewijzigde meldingen: {len(report.differences)}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "melding": d.melding_id,
                    "variant": Path(d.variant).name,
                    "wat verandert": "; ".join(change_text(f, a, b) for f, (a, b) in d.fields.items()) or ONLY_REASONS,
                    "regels alleen basis": ", ".join(d.rules_only_base),
                    "regels alleen variant": ", ".join(d.rules_only_variant),
                }
                for d in report.differences
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def page_regels() -> None:
    st.header("Regels: landelijk en per regio")
    catalogue = Catalogue.of()
    choice = st.selectbox("Variant", [v.name for v in catalogue.all()])
    ruleset = catalogue.ruleset(Variant.parse(choice))
    if choice != "landelijk":
        st.markdown(diff(catalogue.ruleset(NATIONAL_VARIANT), ruleset).replace("# ", "#### ", 1))
    table = pd.DataFrame([{"id": r.id, "titel": r.title, "herkomst": r.origin, "bron": " ".join(r.source.split())} for r in ruleset.rules])
    regional = table["herkomst"] != "landelijk"
    st.caption(f"{len(table)} regels, waarvan {int(regional.sum())} regionaal (gemarkeerd). Kies een regel om hem te lezen.")
    styled = table.style.apply(lambda row: ["background-color: #fff3cd" if row["herkomst"] != "landelijk" else ""] * len(row), axis=1)
    event = st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="regels_tabel",
        column_config={"herkomst": st.column_config.TextColumn(help="landelijk, of door de regio vervangen/toegevoegd")},
    )
    picked = selected_row(event, len(table))
    rule = ruleset.rules[picked] if picked is not None else next((r for r in ruleset.rules if r.origin != "landelijk"), ruleset.rules[0])
    st.subheader(f"{rule.id} — {rule.title}")
    st.write(" ".join(rule.reason.split()))
    st.caption(f"Bron: {' '.join(rule.source.split())} · herkomst: {rule.origin} · {Path(rule.where).name}")
    st.code(rule_text(rule, ruleset), language="yaml")
    with st.expander("Parameters en volledige regelset"):
        st.markdown(show(ruleset))


def main() -> None:
    roles = sign_in()
    allowed = [p for p, role in PAGES.items() if role in roles]
    with st.sidebar:
        st.title("zorgstraf")
        page = st.radio("Pagina", allowed, key="pagina")
        st.caption("Rollen: " + ", ".join(sorted(roles)))
        if st.button("Afmelden"):
            st.session_state.clear()
            st.rerun()
    {
        "Triage": page_triage,
        "Inbox": page_inbox,
        "Casus": page_casus,
        "Actie-overleg": page_actie_overleg,
        "Beleid": page_beleid,
        "Indicatoren": page_indicatoren,
        "Regels": page_regels,
    }[page]()


main()
