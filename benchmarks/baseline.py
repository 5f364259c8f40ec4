"""A plain hand-written reading of the national rule table (shared/DOMAIN.md), for benchmarks only.

Not used by the product and not kept in step with every rule detail: it is the yardstick for "as
fast as a hand-written script". It reads JSON dicts (no pydantic), decides the main outputs with
plain `if`s, and writes one JSON object a line, without explanations.
"""

from __future__ import annotations

import json

URG = ["laag", "midden", "hoog", "acuut"]


def decide(m: dict) -> dict:
    v = m.get("verdachte") or {}
    k = m.get("kinderen") or {}
    s = m.get("slachtoffer") or {}
    soorts = m["incidentsoort"]
    arrested = bool(v.get("aangehouden"))
    urg = 0
    afst: list[str] = []
    partners: set[str] = set()
    interv: set[str] = set()
    thv = "onvoldoende_informatie" if not m.get("verdachte") else "niet_van_toepassing"
    acute = m.get("acuut_gevaar") or m.get("veiligheidsschaal") == 0
    if acute:
        urg = 3
        afst.append("samen_op_in_acuut")
        partners |= {"politie", "veilig_thuis"}
        interv |= {"veiligheidsbeoordeling", "veiligheidsplan"}
    if arrested and (m.get("hg_label") or any(x != "overig" for x in soorts)):
        afst.append("vt_op_zsm")
        partners |= {"om", "veilig_thuis", "reclassering", "slachtofferhulp"}
        interv |= {"veiligheidsbeoordeling", "reclasseringsadvies"}
        urg = max(urg, 1)
    children = k.get("aantal_minderjarig", 0) > 0 or k.get("getuige") or k.get("slachtoffer")
    if children:
        partners.add("veilig_thuis")
        interv.add("zorgmelding_vt")
    if v.get("minderjarig") or (arrested and k.get("aantal_minderjarig", 0) > 0) or k.get("slachtoffer"):
        partners.add("rvdk")
    if k.get("verblijfplaats_onbekend") and arrested:
        urg = max(urg, 2)
        interv |= {"afdoening_uitstellen", "zorgmelding_vt"}
    if m.get("vermoeden_strafbare_km") or ("kindermishandeling" in soorts and v.get("letsel") == "ernstig"):
        afst.append("strafbare_kindermishandeling")
        partners |= {"vertrouwensarts", "politie", "om"}
        interv.add("consultatie_vertrouwensarts_ovj")
    sash = m.get("sash")
    if sash == "hoog":
        urg = max(urg, 2)
        afst.append("actie_overleg")
    elif sash == "midden":
        urg = max(urg, 1)
        afst.append("actie_overleg")
    if "ex_partnerstalking" in soorts and not sash:
        interv.add("risicotaxatie")
    if v.get("eerdere_incidenten_12m", 0) >= 3 and not arrested:
        afst.append("actie_overleg")
    if "actie_overleg" in afst:
        partners |= {"politie", "om", "veilig_thuis", "reclassering"}
    danger = v.get("wapen", "geen") != "geen" or v.get("doodsbedreiging") or v.get("verwurging") or v.get("letsel", "geen") != "geen"
    if v and not v.get("minderjarig") and v.get("woont_met_slachtoffer") and (danger or v.get("zorgmijdend")):
        thv = "overwegen"
        partners.add("burgemeester")
        interv |= {"tijdelijk_huisverbod", "hulpverlening"}
    if v.get("doodsbedreiging") or v.get("wapen") == "gebruikt" or v.get("verwurging"):
        urg = max(urg, 2)
        interv.add("voorlopige_hechtenis" if arrested else "contactverbod")
    criminal = v.get("wapen") == "gebruikt" or v.get("letsel") == "ernstig" or v.get("doodsbedreiging") or v.get("verwurging")
    care = v.get("lvb") or v.get("psychische_problematiek") or v.get("middelengebruik") or children or m.get("lopende_hulpverlening")
    route = "tweesporen" if criminal and care else "straf" if criminal else "zorg"
    schaal = m.get("veiligheidsschaal")
    fase = "herstelgericht" if schaal == 7 else "risicogestuurd" if schaal == 6 else "directe_veiligheid"
    if not afst:
        afst.append("lokaal_veld")
        partners.add("lokaal_veld")
        interv.add("hulpverlening")
    if s.get("in_opvang"):
        partners.add("vrouwenopvang")
    return {
        "melding_id": m["melding_id"],
        "urgentie": URG[urg],
        "route": route,
        "afstemming": sorted(set(afst)),
        "partners": sorted(partners),
        "interventies": sorted(interv),
        "thv": thv,
        "fase": fase,
        "agenderen": "actie_overleg" in afst,
    }


def run(lines: list[str]) -> list[str]:
    """JSONL in, JSONL out: parse, decide, write."""
    return [json.dumps(decide(json.loads(line)), separators=(",", ":")) for line in lines]
