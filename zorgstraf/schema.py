"""The contract: Melding in, Advies out (see shared/CONTRACT.md). Names are exact."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, model_validator


def storable(text: str) -> str:
    """Text every database can store: no NUL byte, no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        raise ValueError("bevat een NUL-teken (\\u0000); zulke tekst kan niet worden opgeslagen")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("bevat een ongeldig teken (een losse surrogaat, geen Unicode); zulke tekst kan niet worden opgeslagen") from None
    return text


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def identifier(text: str) -> str:
    """An id: storable, and without control characters (tabs, newlines) that break logs and tables."""
    storable(text)
    if _CONTROL.search(text):
        raise ValueError("bevat een stuurteken (tab, regeleinde of ander onzichtbaar teken)")
    return text


AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The calendar the product works in: a date outside it is refused by name, never computed with.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
DAY_PATTERN = r"^(19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"  # documents the range in OpenAPI
WEEK_PATTERN = r"^(19\d\d|2[01]\d\d)-W(0[1-9]|[1-4]\d|5[0-3])$"


def check_day(name: str, value: date) -> date:
    """`value` inside the product's calendar, or a ConfigError naming `name`."""
    if not FIRST_DAY <= value <= LAST_DAY:
        from .errors import ConfigError

        raise ConfigError(f"{name}: {value.isoformat()} valt buiten {FIRST_DAY.year}-{LAST_DAY.year}; geef een datum in die jaren")
    return value


_DATE_ONLY = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/]\d{1,2}[-/]\d{4})\s*$")


def moment_text(value: Any) -> Any:
    """A date-time as the contract writes it; a number (seconds since 1970?) or a date without a
    time is refused by name, never read as some moment by guess."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("verwacht datum en tijd als tekst, bijvoorbeeld 2026-03-10T14:30:00+01:00, geen getal")
    if isinstance(value, str) and _DATE_ONLY.match(value):
        raise ValueError(f"'{value.strip()}' is een datum zonder tijd; geef ook de tijd, bijvoorbeeld 2026-03-10T14:30:00+01:00")
    return value


def dutch_time(moment: datetime) -> datetime:
    """The same moment in Europe/Amsterdam: every rule and deadline reads Dutch wall-clock time,
    whatever offset the sending system wrote (UTC, +01:00 or +02:00)."""
    return moment.astimezone(AMSTERDAM)


# Free text that will be stored, and ids; used by the contract and by the API's own inputs.
Tekst = Annotated[str, AfterValidator(storable), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]
Id = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(identifier)]
# A pseudonymous key of a person or address (a keyed hash made by the sending system): 8-128
# characters without spaces or control characters. Never shown: the store keeps its SHA-256 only.
CasusSleutel = Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:+/=-]+$")]


class Regio(StrEnum):
    noord_nederland = "noord_nederland"
    oost_nederland = "oost_nederland"
    midden_nederland = "midden_nederland"
    noord_holland = "noord_holland"
    amsterdam_amstelland = "amsterdam_amstelland"
    haaglanden_hollands_midden = "haaglanden_hollands_midden"
    rotterdam_zuid_holland_zuid = "rotterdam_zuid_holland_zuid"
    zeeland_west_brabant = "zeeland_west_brabant"
    oost_brabant = "oost_brabant"
    limburg = "limburg"


class Bron(StrEnum):
    politie = "politie"
    veilig_thuis = "veilig_thuis"
    zsm = "zsm"
    huisarts = "huisarts"
    school = "school"
    ziekenhuis = "ziekenhuis"
    overig = "overig"


class Incidentsoort(StrEnum):
    partnergeweld = "partnergeweld"
    ex_partnerstalking = "ex_partnerstalking"
    kindermishandeling = "kindermishandeling"
    ouderenmishandeling = "ouderenmishandeling"
    eergerelateerd_geweld = "eergerelateerd_geweld"
    seksueel_geweld = "seksueel_geweld"
    financiele_uitbuiting = "financiele_uitbuiting"
    intiem_terreur = "intiem_terreur"
    overig_huiselijk_geweld = "overig_huiselijk_geweld"
    overig = "overig"


class Sash(StrEnum):
    laag = "laag"
    midden = "midden"
    hoog = "hoog"


class Wapen(StrEnum):
    geen = "geen"
    dreiging = "dreiging"
    gebruikt = "gebruikt"


class Letsel(StrEnum):
    geen = "geen"
    licht = "licht"
    ernstig = "ernstig"


class Urgentie(StrEnum):
    laag = "laag"
    midden = "midden"
    hoog = "hoog"
    acuut = "acuut"


URGENTIE_ORDE = {u: i for i, u in enumerate(Urgentie)}


class Route(StrEnum):
    zorg = "zorg"
    straf = "straf"
    tweesporen = "tweesporen"


class Afstemming(StrEnum):
    samen_op_in_acuut = "samen_op_in_acuut"
    actie_overleg = "actie_overleg"
    vt_op_zsm = "vt_op_zsm"
    strafbare_kindermishandeling = "strafbare_kindermishandeling"
    zorg_en_veiligheidshuis = "zorg_en_veiligheidshuis"
    lokaal_veld = "lokaal_veld"


class Partner(StrEnum):
    veilig_thuis = "veilig_thuis"
    politie = "politie"
    om = "om"
    rvdk = "rvdk"
    reclassering = "reclassering"
    zorg_en_veiligheidshuis = "zorg_en_veiligheidshuis"
    burgemeester = "burgemeester"
    vertrouwensarts = "vertrouwensarts"
    slachtofferhulp = "slachtofferhulp"
    lokaal_veld = "lokaal_veld"
    vrouwenopvang = "vrouwenopvang"


class Interventie(StrEnum):
    veiligheidsbeoordeling = "veiligheidsbeoordeling"
    veiligheidsplan = "veiligheidsplan"
    tijdelijk_huisverbod = "tijdelijk_huisverbod"
    gedragsaanwijzing = "gedragsaanwijzing"
    contactverbod = "contactverbod"
    voorlopige_hechtenis = "voorlopige_hechtenis"
    reclasseringsadvies = "reclasseringsadvies"
    raadsonderzoek = "raadsonderzoek"
    zorgmelding_vt = "zorgmelding_vt"
    dreigingsanalyse = "dreigingsanalyse"
    aware = "aware"
    mda_plus_plus = "mda_plus_plus"
    risicotaxatie = "risicotaxatie"
    afdoening_uitstellen = "afdoening_uitstellen"
    consultatie_vertrouwensarts_ovj = "consultatie_vertrouwensarts_ovj"
    hulpverlening = "hulpverlening"


class ThvBeoordeling(StrEnum):
    overwegen = "overwegen"
    niet_van_toepassing = "niet_van_toepassing"
    onvoldoende_informatie = "onvoldoende_informatie"


class Fase(StrEnum):
    directe_veiligheid = "directe_veiligheid"
    risicogestuurd = "risicogestuurd"
    herstelgericht = "herstelgericht"


class Indicator(StrEnum):
    """Derived facts the rules mark for the route decision (not a contract field of the input)."""

    strafrechtelijk = "strafrechtelijk"
    zorg = "zorg"
    vt_aanwezig_zsm = "vt_aanwezig_zsm"
    vt_telefonisch_zsm = "vt_telefonisch_zsm"
    vt_ter_plaatse_acuut = "vt_ter_plaatse_acuut"
    vt_telefonisch_acuut = "vt_telefonisch_acuut"


class ScoreBand(StrEnum):
    laag = "laag"
    midden = "midden"
    hoog = "hoog"


Count = Annotated[StrictInt, Field(ge=0, le=10_000)]  # bounded: a count is never thousands of digits


class _Strict(BaseModel):
    # Unknown fields are errors: a typo must never be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Verdachte(_Strict):
    aangehouden: StrictBool = False
    parketnummer: StrictBool = False
    minderjarig: StrictBool = False
    # null = not filled in: unknown, never read as "does not live there" (it decides the THV)
    woont_met_slachtoffer: StrictBool | None = None
    wapen: Wapen = Wapen.geen
    doodsbedreiging: StrictBool = False
    verwurging: StrictBool = False
    letsel: Letsel = Letsel.geen
    eerdere_incidenten_12m: Count = 0
    schending_afspraken: StrictBool = False
    middelengebruik: StrictBool = False
    psychische_problematiek: StrictBool = False
    lvb: StrictBool = False
    zorgmijdend: StrictBool = False


class Slachtoffer(_Strict):
    in_opvang: StrictBool = False
    zwanger: StrictBool = False
    angst_ernstig: StrictBool = False


class Kinderen(_Strict):
    aantal_minderjarig: Count = 0
    getuige: StrictBool = False
    slachtoffer: StrictBool = False
    verblijfplaats_onbekend: StrictBool = False


class Melding(_Strict):
    melding_id: Id
    ontvangen_op: Annotated[AwareDatetime, BeforeValidator(moment_text), AfterValidator(dutch_time)]
    regio: Regio | None = None
    bron: Bron = Bron.politie
    incidentsoort: Annotated[list[Incidentsoort], Field(min_length=1)]
    hg_label: StrictBool = False
    acuut_gevaar: StrictBool = False
    veiligheidsschaal: Annotated[StrictInt, Field(ge=0, le=7)] | None = None
    sash: Sash | None = None
    vermoeden_strafbare_km: StrictBool = False
    eerder_besproken_actie_overleg: StrictBool = False
    eerdere_vt_meldingen: Count = 0
    lopende_hulpverlening: StrictBool = False
    verdachte: Verdachte | None = None
    slachtoffer: Slachtoffer = Field(default_factory=Slachtoffer)
    kinderen: Kinderen = Field(default_factory=Kinderen)
    toelichting: Annotated[Tekst, Field(max_length=4000)] = ""
    # Meldingen sharing a key form one casus (CONTRACT.md Additions); at most 20 keys a melding.
    casus_sleutels: Annotated[list[CasusSleutel], Field(max_length=20)] = Field(default_factory=list)


class RegelsetInfo(BaseModel):
    naam: str
    versie: str
    hash: str


class Thv(BaseModel):
    beoordeling: ThvBeoordeling
    redenen: list[str]


class ActieOverleg(BaseModel):
    agenderen: bool
    prioriteit: int | None


class Uitleg(BaseModel):
    regel: str
    titel: str
    reden: str
    feiten: dict[str, bool | int | str | list[str] | None]
    bron: str
    # The facts that made the rule fire (not all it looked at), as Dutch sentences.
    waarom: list[str] = Field(default_factory=list)


class Score(BaseModel):
    punten: int
    band: ScoreBand
    bijdragen: dict[str, int]


class Termijnen(BaseModel):
    """Deadlines that follow from `ontvangen_op` (added beyond the contract)."""

    ovj_beslissing_uiterlijk: str | None = None  # ISO date-time: 9 hours, 00:00-09:00 not counted
    # ISO date: at once if acute, else 5 working days; at ZSM the OvJ's deadline (ISO date-time)
    vt_veiligheidsbeoordeling_uiterlijk: str | None = None
    volgend_actie_overleg: str | None = None  # ISO date of the region's next Actie-overleg


class CasusInfo(BaseModel):
    """What the store knows of the melding's casus when it was triaged (CONTRACT.md Additions)."""

    casus_id: str
    meldingen: int  # meldingen of the casus, this one included
    eerder_actie_overleg: bool  # the casus was discussed in an Actie-overleg before this melding
    open_afspraken: int  # agreements of the casus not yet done nor withdrawn
    laatste_actie_overleg: str | None = None  # ISO date of the latest Actie-overleg that discussed it
    samengevoegd: list[str] = Field(default_factory=list)  # casussen this melding joined into this one
    # the casus' phase just before this melding (from its ratings and incidents, seed 004); None when
    # the casus has no rating yet. The melding itself is a new incident: the casus drops back to directe veiligheid.
    fase_casus: Fase | None = None


class Advies(BaseModel):
    melding_id: str
    regio: str
    # One plain-Dutch line: urgency, coordination moment, THV, first deadline (CONTRACT.md Additions).
    samenvatting: str = ""
    regelset: RegelsetInfo
    urgentie: Urgentie
    route: Route
    afstemming: list[Afstemming]
    partners: list[Partner]
    interventies: list[Interventie]
    thv: Thv
    fase: Fase
    actie_overleg: ActieOverleg
    uitleg: list[Uitleg]
    score: Score | None = None
    # Added beyond the contract (adding is allowed): the derived indicators behind the route.
    indicatoren: list[Indicator] = Field(default_factory=list)
    termijnen: Termijnen = Field(default_factory=Termijnen)
    casus: CasusInfo | None = None


class BesluitIn(_Strict):
    """The professional's own decision on an advies (DASH/MARAC: judgement may depart from it).
    Stored beside the advies in the audit trail; the advies itself is never changed."""

    volgt_advies: StrictBool
    urgentie: Urgentie | None = None  # the urgency decided, when it departs from the advies
    wat: Annotated[Tekst, Field(min_length=1, max_length=2000)]  # what was decided
    waarom: Annotated[Tekst, Field(max_length=2000)] = ""  # why; required when departing

    @model_validator(mode="after")
    def _reason_when_departing(self) -> "BesluitIn":
        if not self.volgt_advies and not self.waarom.strip():
            raise ValueError("waarom: wie afwijkt van het advies, zegt waarom")
        return self


class Besluit(BesluitIn):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    melding_id: str
    advies_urgentie: Urgentie  # what the advies said, beside what was decided
    regelset_hash: str
    key_id: str
    genomen_op: datetime


_SET = object.__setattr__
_M = TypeVar("_M", bound=BaseModel)


def trusted(model: type[_M], values: dict) -> _M:
    """An instance from values that are complete and already valid, as `model_construct` makes it
    (the same instance state), without its per-field alias and default bookkeeping: for the
    engine's hot path, where every value comes from validated rule files and catalogues. Only for
    models without aliases, extra fields, private attributes or post-init (checked in tests)."""
    instance = model.__new__(model)
    _SET(instance, "__dict__", values)
    _SET(instance, "__pydantic_fields_set__", set(values))
    _SET(instance, "__pydantic_extra__", None)
    _SET(instance, "__pydantic_private__", None)
    return instance
