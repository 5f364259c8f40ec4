"""zorgstraf dashboard (Streamlit), in Dutch. Thin: every decision comes from the zorgstraf core.

Start with `zorgstraf dashboard --port P`. Sign in with the same keys and roles as the API
(ZORGSTRAF_API_KEYS); a page the role may not see is not shown.
"""

from __future__ import annotations

import hmac
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from zorgstraf import agenda as agenda_mod
from zorgstraf import schema
from zorgstraf.errors import ZorgstrafError
from zorgstraf.io import read_meldingen
from zorgstraf.overview import diff, load_variant, show, variants
from zorgstraf.settings import get_settings
from zorgstraf.triage import Triage, default_rules_dir, most_urgent_first

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples" / "meldingen.jsonl"
URGENTIE_KLEUR = {"acuut": "red", "hoog": "orange", "midden": "blue", "laag": "green"}
PAGES = {  # page -> role that may see it
    "Triage": "lezer",
    "Inbox": "lezer",
    "Actie-overleg": "voorzitter",
    "Beleid": "beleid",
    "Regels": "beleid",
}

st.set_page_config(page_title="zorgstraf", page_icon="⚖️", layout="wide")


# --- shared resources ----------------------------------------------------------------------------


@st.cache_resource
def runner(regio: str | None, score: bool) -> Triage:
    return Triage(regio=regio, score=score)


@st.cache_data(show_spinner=False)
def triage_file(content: bytes, suffix: str, regio: str | None) -> tuple[list[dict], list[str]]:
    """Triage an uploaded or sample file; returns (rows with melding + advies as JSON, errors)."""
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as f:
        f.write(content)
    errors: list[str] = []
    pairs = list(runner(regio, False).stream(read_meldingen(f.name), lambda e: errors.append(str(e))))
    Path(f.name).unlink(missing_ok=True)
    rows = [{"melding": m.model_dump(mode="json"), "advies": a.model_dump(mode="json")} for m, a in most_urgent_first(pairs)]
    return rows, errors


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
        keys = get_settings().api_keys
    except ZorgstrafError as exc:
        st.error(str(exc))
        st.stop()
    if not keys:
        st.warning("Er zijn geen sleutels ingesteld (ZORGSTRAF_API_KEYS).")
        st.stop()
    with st.form("aanmelden"):
        token = st.text_input("Sleutel", type="password")
        if st.form_submit_button("Aanmelden"):
            match = None
            for key in keys:
                if hmac.compare_digest(key.key.encode(), token.encode()):
                    match = key
            if match is None:
                st.error("Onbekende sleutel.")
            else:
                st.session_state["rollen"] = set(match.roles)
                st.rerun()
    st.stop()


# --- explanation of one advies -----------------------------------------------------------------


def show_advies(advies: dict) -> None:
    urgentie = advies["urgentie"]
    cols = st.columns(4)
    cols[0].markdown(f"**Urgentie**  \n:{URGENTIE_KLEUR[urgentie]}-badge[{urgentie}]")
    cols[1].markdown(f"**Route**  \n:violet-badge[{advies['route']}]")
    cols[2].markdown(f"**Tijdelijk huisverbod**  \n:gray-badge[{advies['thv']['beoordeling'].replace('_', ' ')}]")
    cols[3].markdown(f"**Regelset**  \n{advies['regelset']['naam']} {advies['regelset']['versie']} `{advies['regelset']['hash'][:10]}`")
    st.markdown("**Afstemming**")
    badges(advies["afstemming"], "blue")
    st.markdown("**Partners**")
    badges(advies["partners"], "green")
    st.markdown("**Interventies om te overwegen**")
    badges(advies["interventies"], "orange")
    if advies["actie_overleg"]["agenderen"]:
        st.info(f"Op de agenda van het Actie-overleg, prioriteit {advies['actie_overleg']['prioriteit']}.")
    termijnen = {k: v for k, v in (advies.get("termijnen") or {}).items() if v}
    if termijnen:
        st.markdown("**Termijnen**  \n" + "  \n".join(f"- {k.replace('_', ' ')}: {v}" for k, v in termijnen.items()))
    with st.expander("Tijdelijk huisverbod: waarom", expanded=False):
        for reden in advies["thv"]["redenen"] or ["Geen regel over het huisverbod vuurde."]:
            st.write(reden)
    fase = advies["fase"]
    with st.expander(f"Fase: {fase.replace('_', ' ')} — helpende vragen"):
        for q in agenda_mod.guidance()["fasen"][fase]:
            st.write(f"- {q}")
    if advies.get("score"):
        score = advies["score"]
        st.markdown(f"**Risicoscore (tweede mening, nooit het besluit):** {score['punten']} punten, band *{score['band']}*")
        if score["bijdragen"]:
            st.bar_chart(pd.Series(score["bijdragen"], name="punten"), horizontal=True)
        st.caption("Punten per factor, bij elkaar opgeteld. Zie models/scorecard.md: illustratief model.")
    st.markdown(f"**Waarom — {len(advies['uitleg'])} regels vuurden**")
    for u in advies["uitleg"]:
        with st.expander(f"{u['regel']} — {u['titel']}"):
            st.write(u["reden"])
            st.caption(f"Bron: {u['bron']}")
            st.json(u["feiten"], expanded=False)
    st.caption("Dit is een advies; een professional beslist.")


# --- pages ---------------------------------------------------------------------------------------


def page_triage() -> None:
    st.header("Triage van één melding")
    left, right = st.columns([2, 3])
    with left, st.form("melding"):
        st.subheader("Incident")
        melding_id = st.text_input("Melding-id", "M-001")
        ontvangen = st.text_input("Ontvangen op (ISO 8601)", datetime.now().astimezone().replace(microsecond=0).isoformat())
        regio = st.selectbox("Regio", ["landelijk"] + [r.value for r in schema.Regio])
        incidentsoort = st.multiselect("Incidentsoort", [i.value for i in schema.Incidentsoort], default=["partnergeweld"])
        acuut = st.checkbox("Acuut gevaar")
        hg_label = st.checkbox("HG-label")
        sash = st.selectbox("SASH", ["onbekend", "laag", "midden", "hoog"])
        schaal = st.selectbox("Veiligheidsschaal", ["onbekend", *range(8)])
        km = st.checkbox("Vermoeden strafbare kindermishandeling")
        eerder_ao = st.checkbox("Eerder besproken in het Actie-overleg")
        hulp = st.checkbox("Lopende hulpverlening")
        st.subheader("Verdachte")
        bekend = st.checkbox("Verdachte bekend", value=True)
        v = {
            "aangehouden": st.checkbox("Aangehouden"), "minderjarig": st.checkbox("Minderjarig"),
            "woont_met_slachtoffer": st.checkbox("Woont bij slachtoffer"),
            "wapen": st.selectbox("Wapen", ["geen", "dreiging", "gebruikt"]),
            "doodsbedreiging": st.checkbox("Doodsbedreiging"), "verwurging": st.checkbox("Verwurging"),
            "letsel": st.selectbox("Letsel", ["geen", "licht", "ernstig"]),
            "eerdere_incidenten_12m": st.number_input("Eerdere incidenten (12 mnd)", 0, 50, 0),
            "schending_afspraken": st.checkbox("Afspraken geschonden"), "middelengebruik": st.checkbox("Middelengebruik"),
            "psychische_problematiek": st.checkbox("Psychische problematiek"), "lvb": st.checkbox("LVB"),
            "zorgmijdend": st.checkbox("Zorgmijdend"),
        }
        st.subheader("Slachtoffer")
        s = {"in_opvang": st.checkbox("In opvang"), "zwanger": st.checkbox("Zwanger"), "angst_ernstig": st.checkbox("Zeer angstig")}
        st.subheader("Kinderen")
        k = {"aantal_minderjarig": st.number_input("Minderjarigen in huis", 0, 15, 0), "getuige": st.checkbox("Getuige"),
             "slachtoffer": st.checkbox("Kind slachtoffer"), "verblijfplaats_onbekend": st.checkbox("Verblijfplaats onbekend")}
        score = st.toggle("Risicoscore tonen (tweede mening)")
        submitted = st.form_submit_button("Advies", type="primary")
    with right:
        if not submitted:
            st.info("Vul de melding in en kies **Advies**.")
            return
        data = {"melding_id": melding_id, "ontvangen_op": ontvangen, "incidentsoort": incidentsoort, "acuut_gevaar": acuut,
                "hg_label": hg_label, "sash": None if sash == "onbekend" else sash,
                "veiligheidsschaal": None if schaal == "onbekend" else int(schaal), "vermoeden_strafbare_km": km,
                "eerder_besproken_actie_overleg": eerder_ao, "lopende_hulpverlening": hulp,
                "verdachte": {**v, "eerdere_incidenten_12m": int(v["eerdere_incidenten_12m"])} if bekend else None,
                "slachtoffer": s, "kinderen": {**k, "aantal_minderjarig": int(k["aantal_minderjarig"])}}
        try:
            melding = schema.Melding.model_validate(data)
            advies, = runner(None if regio == "landelijk" else regio, score).evaluate([melding])
        except (ValueError, ZorgstrafError) as exc:
            st.error(f"De melding past niet: {exc}")
            return
        st.subheader(f"Advies voor {melding.melding_id}")
        show_advies(advies.model_dump(mode="json"))


def page_inbox() -> None:
    st.header("Inbox: de meldingen van vandaag, meest urgent eerst")
    upload = st.file_uploader("Meldingen (CSV of JSONL)", type=["csv", "jsonl", "json"])
    content, suffix = (upload.getvalue(), Path(upload.name).suffix) if upload else (SAMPLES.read_bytes(), ".jsonl")
    if not upload:
        st.caption(f"Voorbeeldbestand: {SAMPLES.name} (synthetisch).")
    rows, errors = triage_file(content, suffix, None)
    for e in errors[:20]:
        st.warning(f"Afgewezen: {e}")
    table = pd.DataFrame([{
        "melding": r["advies"]["melding_id"], "ontvangen": r["melding"]["ontvangen_op"][:16].replace("T", " "),
        "regio": r["advies"]["regio"], "urgentie": r["advies"]["urgentie"], "afstemming": ", ".join(r["advies"]["afstemming"]),
        "route": r["advies"]["route"], "thv": r["advies"]["thv"]["beoordeling"], "kinderen": r["melding"]["kinderen"]["aantal_minderjarig"] > 0,
    } for r in rows])
    c1, c2, c3, c4 = st.columns(4)
    regio = c1.multiselect("Regio", sorted(table["regio"].unique()) if len(table) else [])
    urgentie = c2.multiselect("Urgentie", ["acuut", "hoog", "midden", "laag"])
    afstemming = c3.multiselect("Afstemming", [a.value for a in schema.Afstemming])
    kinderen = c4.selectbox("Kinderen", ["alle", "met kinderen", "zonder kinderen"])
    view = table
    if regio:
        view = view[view["regio"].isin(regio)]
    if urgentie:
        view = view[view["urgentie"].isin(urgentie)]
    if afstemming:
        view = view[view["afstemming"].apply(lambda s: any(a in s.split(", ") for a in afstemming))]
    if kinderen != "alle":
        view = view[view["kinderen"] == (kinderen == "met kinderen")]
    st.caption(f"{len(view)} van {len(table)} meldingen")
    st.dataframe(view, hide_index=True, use_container_width=True, height=360)
    if len(view):
        chosen = st.selectbox("Uitleg bij melding", view["melding"].tolist())
        show_advies(next(r["advies"] for r in rows if r["advies"]["melding_id"] == chosen))


def page_actie_overleg() -> None:
    from zorgstraf.storage import Store

    st.header("Actie-overleg: agenda en afspraken")
    c1, c2 = st.columns(2)
    regio = c1.selectbox("Regio", [r.value for r in schema.Regio])
    week = c2.text_input("Week (JJJJ-Www)", agenda_mod.week_of(date.today() + timedelta(days=7)))
    try:
        start, end = agenda_mod.week_bounds(week)
    except ZorgstrafError as exc:
        st.error(str(exc))
        return
    source = st.radio("Zaken uit", ["opgeslagen adviezen", "voorbeeldbestand"], horizontal=True)
    settings = get_settings()
    store = Store(settings.database_url) if source == "opgeslagen adviezen" else None
    if store is not None:
        from zorgstraf.storage import migrate

        migrate(settings.database_url)
        records = store.agenda_records(regio, start, end)
        cases = [(schema.Melding.model_validate_json(r.melding_json), schema.Advies.model_validate_json(r.advies_json)) for r in records]
        open_items = [agenda_mod.OpenAfspraak(a.id, a.melding_id, a.wie, a.wat, a.uiterlijk.isoformat() if a.uiterlijk else None)
                      for a in store.open_afspraken(regio, start)]
    else:
        rows, _ = triage_file(SAMPLES.read_bytes(), ".jsonl", regio)
        cases = [(schema.Melding.model_validate(r["melding"]), schema.Advies.model_validate(r["advies"])) for r in rows
                 if r["advies"]["actie_overleg"]["agenderen"] and r["advies"]["termijnen"]["volgend_actie_overleg"]
                 and start <= date.fromisoformat(r["advies"]["termijnen"]["volgend_actie_overleg"]) <= end]
        open_items = []
    ruleset = runner(regio, False).engine_for(regio).ruleset
    result = agenda_mod.build(regio, week, cases, open_items, ruleset.param("ao_weekdag", start))
    d1, d2 = st.columns(2)
    d1.download_button("Agenda (Markdown)", agenda_mod.to_markdown(result), f"agenda-{regio}-{week}.md")
    d2.download_button("Agenda (HTML, printbaar)", agenda_mod.to_html(result), f"agenda-{regio}-{week}.html", mime="text/html")
    st.markdown(agenda_mod.to_markdown(result))
    if store is not None and result.items:
        st.subheader("Afspraak vastleggen")
        with st.form("afspraak"):
            case = st.selectbox("Zaak", [i.melding_id for i in result.items])
            wie = st.selectbox("Wie", ["politie", "om", "veilig_thuis", "reclassering", "rvdk"])
            wat = st.text_input("Wat")
            uiterlijk = st.date_input("Uiterlijk", start + timedelta(days=7))
            if st.form_submit_button("Vastleggen") and wat.strip():
                record = store.latest(case)
                store.add_afspraken(case, regio, record.volgend_actie_overleg or start, [{"wie": wie, "wat": wat, "uiterlijk": uiterlijk}], "dashboard")
                st.success("Afspraak vastgelegd; open afspraken komen terug op de volgende agenda.")


def page_beleid() -> None:
    from zorgstraf.compare import compare
    from zorgstraf.compare_report import WORK_LABELS, count_rows

    st.header("Beleid: varianten vergelijken")
    upload = st.file_uploader("Data set (JSONL of CSV); leeg = voorbeeldbestand", type=["jsonl", "csv"], key="beleid_data")
    overlay = st.file_uploader("Bewerkt regiobestand (YAML), optioneel", type=["yaml", "yml"], key="beleid_overlay")
    chosen = st.multiselect("Varianten", variants(default_rules_dir()), default=["limburg"])
    if not st.button("Vergelijk", type="primary"):
        return
    tmp = Path(tempfile.mkdtemp())
    data = tmp / (upload.name if upload else "meldingen.jsonl")
    data.write_bytes(upload.getvalue() if upload else SAMPLES.read_bytes())
    names = list(chosen)
    if overlay:
        path = tmp / overlay.name
        path.write_bytes(overlay.getvalue())
        names.append(str(path))
    if not names:
        st.warning("Kies minstens één variant.")
        return
    bar = st.progress(0.0, "vergelijken…")
    total = max(1, sum(1 for _ in data.open()) - (1 if data.suffix == ".csv" else 0))
    done = [0]

    def progress(n):
        done[0] += n
        bar.progress(min(1.0, done[0] / total), f"{done[0]} van {total}")
    try:
        report = compare(str(data), names, workers=1, on_progress=progress)
    except ZorgstrafError as exc:
        st.error(str(exc))
        return
    bar.empty()
    all_names = [report.base] + report.variants
    counts = pd.DataFrame([(c, k, *v) for c, k, v in count_rows(report)], columns=["categorie", "waarde", *all_names])
    for category in ("afstemming", "route", "partners"):
        st.subheader(f"Verschuiving per {category}")
        st.bar_chart(counts[counts["categorie"] == category].set_index("waarde")[all_names], stack=False)
    work = pd.DataFrame([{"werk": f"{p}: {WORK_LABELS.get(k, k)}", **{n: report.tallies[n].workload.get((p, k), 0) / report.weeks for n in all_names}}
                         for (p, k) in sorted(set().union(*(report.tallies[n].workload for n in all_names)))])
    if len(work):
        st.subheader("Geschatte werklast per week")
        st.bar_chart(work.set_index("werk"), stack=False, horizontal=True)
    st.subheader(f"Gewijzigde meldingen: {len(report.differences)}")
    st.dataframe(pd.DataFrame([{
        "melding": d.melding_id, "variant": Path(d.variant).name,
        "wat verandert": "; ".join(f"{f}: {a} → {b}" for f, (a, b) in d.fields.items()),
        "regels alleen basis": ", ".join(d.rules_only_base), "regels alleen variant": ", ".join(d.rules_only_variant),
    } for d in report.differences]), hide_index=True, use_container_width=True)


def page_regels() -> None:
    st.header("Regels: landelijk en per regio")
    rules_dir = default_rules_dir()
    choice = st.selectbox("Variant", ["landelijk", *variants(rules_dir)])
    ruleset = load_variant(rules_dir, choice)
    if choice != "landelijk":
        st.markdown(diff(load_variant(rules_dir, None), ruleset))
    st.dataframe(pd.DataFrame([{"id": r.id, "titel": r.title, "herkomst": r.origin, "bron": r.source} for r in ruleset.rules]),
                 hide_index=True, use_container_width=True,
                 column_config={"herkomst": st.column_config.TextColumn(help="landelijk, of door de regio vervangen/toegevoegd")})
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
    {"Triage": page_triage, "Inbox": page_inbox, "Actie-overleg": page_actie_overleg, "Beleid": page_beleid, "Regels": page_regels}[page]()


main()
