"""The zorgstraf HTTP API. Thin routes; the logic lives in the `zorgstraf` core.

Run with `zorgstraf serve`. Settings come from the environment (zorgstraf.settings), read when the
app is created, never at import.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import secrets
import time
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.concurrency import run_in_threadpool

from zorgstraf import agenda as agenda_mod
from zorgstraf import casusview, schema, usecases, veiligheid
from zorgstraf.auth import SignInGuard, SignInThrottled
from zorgstraf.errors import ZorgstrafError
from zorgstraf.io import dutch_reason, validation_error
from zorgstraf.labels import codes_markdown
from zorgstraf.logs import configure as configure_logging
from zorgstraf.overview import diff, show
from zorgstraf.perf import batch_mode
from zorgstraf.settings import ApiKey, Settings, get_settings
from zorgstraf.storage import Store, migrate
from zorgstraf.triage import Triage
from zorgstraf.variants import NATIONAL_VARIANT, Catalogue, Variant, default_rules_dir

log = logging.getLogger("zorgstraf.api")
retention_log = logging.getLogger("zorgstraf.retentie")


# --- in/out models -------------------------------------------------------------------------------


def _no_number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("verwacht een datum als tekst (JJJJ-MM-DD), geen getal")
    return value


def _in_calendar(value: date) -> date:
    if not schema.FIRST_DAY <= value <= schema.LAST_DAY:
        raise ValueError(f"valt buiten {schema.FIRST_DAY.year}-{schema.LAST_DAY.year}")
    return value


# A date the product computes with: its range is in the OpenAPI document (as a pattern), checked on input.
Dag = Annotated[date, BeforeValidator(_no_number), AfterValidator(_in_calendar), Field(json_schema_extra={"pattern": schema.DAY_PATTERN})]
Week = Annotated[str, Query(pattern=schema.WEEK_PATTERN, description="ISO-week JJJJ-Www, bijvoorbeeld 2026-W11")]


class AfspraakIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wie: Annotated[schema.Tekst, Field(min_length=1, max_length=80)]
    wat: Annotated[schema.Tekst, Field(min_length=1, max_length=2000)]
    uiterlijk: Dag | None = None


class AfsprakenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    afspraken: Annotated[list[AfspraakIn], Field(min_length=1, max_length=50)]


class AfspraakOut(BaseModel):
    id: int
    melding_id: str
    wie: str
    wat: str
    uiterlijk: date | None
    gedaan: bool
    status: str = "open"  # open, gedaan, ingetrokken
    overleg_datum: date | None = None

    @classmethod
    def of(cls, a) -> "AfspraakOut":
        return cls(
            id=a.id,
            melding_id=a.melding_id,
            wie=a.wie,
            wat=a.wat,
            uiterlijk=a.uiterlijk,
            gedaan=a.status == "gedaan",
            status=a.status,
            overleg_datum=a.overleg_datum,
        )


class AfspraakWijziging(BaseModel):
    """Change who, what or by when; the history keeps what it was (who changed it and when)."""

    model_config = ConfigDict(extra="forbid")
    wie: Annotated[schema.Tekst, Field(min_length=1, max_length=80)] | None = None
    wat: Annotated[schema.Tekst, Field(min_length=1, max_length=2000)] | None = None
    uiterlijk: Dag | None = None
    reden: Annotated[schema.Tekst, Field(max_length=2000)] = ""


class Intrekking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reden: Annotated[schema.Tekst, Field(min_length=1, max_length=2000)]


class OverlegGesloten(BaseModel):
    regio: str
    datum: date
    gesloten_op: datetime
    zaken: int


class Weigering(BaseModel):
    """A refused request (400, 401, 403, 404, 409, 413, 429, 503), with the reason in Dutch."""

    detail: str


Responses = dict[int | str, dict[str, Any]]  # FastAPI's documented responses
NOT_FOUND: Responses = {404: {"model": Weigering, "description": "niet gevonden"}}
UNAVAILABLE = "database niet bereikbaar; probeer het later opnieuw"
# Every route can meet these: a body over the limit, a database that is down.
COMMON: Responses = {
    413: {"model": Weigering, "description": "verzoek te groot (ZORGSTRAF_MAX_BODY_BYTES)"},
    503: {"model": Weigering, "description": UNAVAILABLE},
}
# Public routes: no key needed. Every other path is refused before its body is read without a valid key.
PUBLIC = ("/health", "/openapi.json", "/docs", "/redoc", "/static-offline-docs/")


class Fout(BaseModel):
    veld: str | None
    reden: str


class BatchResultaat(BaseModel):
    index: int
    melding_id: str | None = None
    status: Literal["ok", "afgewezen", "fout"]  # fout: the melding was fine, storing it failed; send it again
    advies: schema.Advies | None = None
    fouten: list[Fout] = Field(default_factory=list)


# A region name or landelijk: the API compares and triages by regions only, never files on the server.
if TYPE_CHECKING:
    VariantNaam = str
else:
    VariantNaam = enum.Enum("VariantNaam", {n: n for n in ["landelijk", *(r.value for r in schema.Regio)]}, type=str)


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meldingen: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=20_000)]
    varianten: Annotated[list[VariantNaam], Field(min_length=1, max_length=5)]
    basis: VariantNaam = "landelijk"


class RegelsetOut(BaseModel):
    variant: str
    naam: str
    versie: str
    hash: str


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    regelset: schema.RegelsetInfo


class HealthDown(BaseModel):
    status: Literal["storing"]
    database: Literal["onbereikbaar"]
    detail: str


# --- dependencies --------------------------------------------------------------------------------


class State:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(settings.database_url, store_toelichting=settings.store_toelichting)
        self.rules_dir = default_rules_dir()
        self.triage: dict[tuple[str | None, bool], Triage] = {}
        self.sign_in = SignInGuard(settings.signin_limit)

    def runner(self, regio: str | None, score: bool) -> Triage:
        key = (regio, score)
        if key not in self.triage:
            self.triage[key] = Triage(rules_dir=self.rules_dir, regio=regio, score=score)
        return self.triage[key]


async def get_state(request: Request) -> State:  # async: trivial dependencies never hop to the threadpool
    return request.app.state.zorgstraf


StateDep = Annotated[State, Depends(get_state)]


bearer = HTTPBearer(auto_error=False, description="Een sleutel uit ZORGSTRAF_API_KEYS", scheme_name="sleutel")


async def _authenticate(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> ApiKey:
    """The key the middleware checked before the body was read (HTTPBearer only documents the scheme)."""
    key = request.scope.get("state", {}).get("key")
    if key is None:  # not reached through the middleware: refuse rather than assume
        raise HTTPException(401, "sleutel ontbreekt (Authorization: Bearer SLEUTEL)", headers={"WWW-Authenticate": "Bearer"})
    return key


def _key_check(state: "State", scope) -> tuple[int, str, dict[str, str]] | ApiKey:
    """The key of this request, or the refusal (status, reason, headers) to send without reading the body."""
    headers = dict(scope["headers"])
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return 401, "sleutel ontbreekt (Authorization: Bearer SLEUTEL)", {"WWW-Authenticate": "Bearer"}
    client = scope.get("client")
    try:
        match = state.sign_in.sign_in(state.settings.api_keys, token, client[0] if client else None)
    except SignInThrottled as exc:
        return 429, str(exc), {"Retry-After": str(exc.retry_after)}
    if match is None:
        return 401, "onbekende sleutel", {"WWW-Authenticate": "Bearer"}
    return match


def role(name: str):
    async def check(key: Annotated[ApiKey, Depends(_authenticate)]) -> ApiKey:
        if name not in key.roles:
            raise HTTPException(403, f"rol '{name}' nodig")
        return key

    return check


async def _plan_role(key: Annotated[ApiKey, Depends(_authenticate)]) -> ApiKey:
    """The veiligheidsplan is kept by who holds the casus: a lezer (the VT worker, the ZVH) or a chair."""
    if not key.roles & {"lezer", "voorzitter"}:
        raise HTTPException(403, "rol 'lezer' of 'voorzitter' nodig")
    return key


def _own_region(key: ApiKey, regio: str) -> None:
    """Another region's agenda is not there for a scoped chair: 404, as for what does not exist."""
    if not key.may_chair(regio):
        raise HTTPException(404, f"geen Actie-overleg in regio {regio} voor deze sleutel")


def _readable(key: ApiKey, record, melding_id: str):
    """The stored advies of a melding of the key's regions; anything else is 404 (ids cannot be probed)."""
    if record is None or not key.may_read(record.regio):
        raise HTTPException(404, f"geen advies voor melding {melding_id}")
    return record


def _may_triage(key: ApiKey, runner: Triage, melding: schema.Melding) -> str | None:
    """Why a scoped reader may not triage this melding here (None when it may): a scoped key
    triages and stores only meldingen of its own regions."""
    regions = key.regions_for("lezer")
    regio = runner.regio or (melding.regio.value if melding.regio else None)
    if regions is None or (regio is not None and regio in regions):
        return None
    own = ", ".join(sorted(regions))
    return f"deze sleutel is lezer in {own}; geef de melding een regio daarvan (regio of ?regio=)"


def schema_id_error(text: str) -> str | None:
    """Why `text` cannot be echoed back as a melding id (None when it can)."""
    try:
        schema.identifier(text)
    except ValueError as exc:
        return str(exc)
    return None


Lezer = Annotated[ApiKey, Depends(role("lezer"))]
Voorzitter = Annotated[ApiKey, Depends(role("voorzitter"))]
Beleid = Annotated[ApiKey, Depends(role("beleid"))]
Plan = Annotated[ApiKey, Depends(_plan_role)]
CasusId = Annotated[str, PathParam(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$")]
MeldingId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$"), AfterValidator(schema.identifier)]
AfspraakId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]  # fits every database's integer column
RegioQuery = Annotated[VariantNaam | None, Query(description="Regiovariant voor deze aanvraag (overschrijft regio in de melding)")]


def _variant(regio: VariantNaam | None) -> str | None:
    """A region name (or landelijk) from the query: never a path, so never a file on the server."""
    return None if regio is None else getattr(regio, "value", regio)


# --- app -----------------------------------------------------------------------------------------


class LimitsAndLog:
    """Pure ASGI middleware, in this order: the key is checked before anything else (a request
    without a valid key never gets its body read or parsed); bodies over the limit (declared or
    streamed) get 413; one log line per request with ids only, never bodies or keys."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        state = getattr(scope["app"].state, "zorgstraf", None)
        limit = state.settings.max_body_bytes if state else Settings.model_fields["max_body_bytes"].default
        too_large = f"verzoek te groot (max {limit} bytes)"
        status, key_id, started_response = 500, "-", False
        request_id = secrets.token_hex(6)  # in the log line and the response: a support call names it

        async def tracking_send(message):
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            path = scope["path"]
            if state is not None and not (path in PUBLIC or path.startswith(PUBLIC[-1])):
                checked = _key_check(state, scope)
                if not isinstance(checked, ApiKey):
                    code, reason, headers = checked
                    return await JSONResponse({"detail": reason}, status_code=code, headers=headers)(scope, receive, tracking_send)
                scope.setdefault("state", {})["key"] = checked
                key_id = checked.key_id
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return await JSONResponse({"detail": too_large}, status_code=413)(scope, receive, tracking_send)
            seen = 0

            async def limited_receive():  # a chunked body has no length up front: count as it arrives
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        raise HTTPException(413, too_large)
                return message

            try:
                await self.app(scope, limited_receive, tracking_send)
            except Exception as exc:  # any error left: a 500 that names its id, the connection kept, no traceback to the client
                log.error(
                    "onverwachte fout %s bij %s %s (verzoek %s)", type(exc).__name__, scope["method"], repr(scope["path"])[1:-1], request_id
                )
                if not started_response:
                    detail = f"interne fout; meld verzoek-id {request_id} aan de beheerder"
                    await JSONResponse({"detail": detail}, status_code=500)(scope, receive, tracking_send)
        finally:
            # ids only: the path's melding id is an id, never a name; no query string, body or key
            # repr-escaped: a %0A in the path cannot forge a second log line
            log.info(
                "%s %s %s key=%s id=%s %.1fms",
                scope["method"],
                repr(scope["path"])[1:-1],
                status,
                key_id,
                request_id,
                1000 * (time.perf_counter() - started),
            )


def preflight(settings: Settings, store: Store | None = None) -> None:
    """What must hold before the service answers, each a ConfigError of one Dutch line (the CLI's
    `serve` prints it and exits 2; uvicorn started otherwise stops at start-up): the rules and the
    score model load, and retention would not delete more than its share of the store unconfirmed."""
    usecases.check_rules_and_model()
    if settings.retention_days:
        store = store or Store(settings.database_url, store_toelichting=settings.store_toelichting)
        total, due = store.count_advies(), store.count_advies(older_than_days=settings.retention_days)
        if total and due > settings.retention_max_share * total and not settings.retention_confirm:
            usecases.apply_retention(store, settings.retention_days, settings.retention_max_share, False, "api")  # raises, deletes nothing


async def _retention(state: State) -> None:
    """Delete advies older than the retention period at start-up and then every interval, while
    running; a run that would delete more than its share unconfirmed deletes nothing and says so."""
    days, interval = state.settings.retention_days, state.settings.retention_interval_seconds
    assert days is not None  # the task only runs with a retention period
    share, confirmed = state.settings.retention_max_share, state.settings.retention_confirm
    while True:
        try:
            removed = await asyncio.to_thread(usecases.apply_retention, state.store, days, share, confirmed, "api")
            retention_log.info("retentie: %d adviezen ouder dan %d dagen verwijderd", removed, days)
        except ZorgstrafError as exc:
            retention_log.warning("retentie overgeslagen: %s", exc)
        except Exception as exc:  # a database hiccup must not stop the service or later runs
            retention_log.warning("retentie mislukt: %s", type(exc).__name__)
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None) -> FastAPI:
    current_settings = settings or get_settings()
    configure_logging(current_settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        current = current_settings
        migrate(current.database_url)
        app.state.zorgstraf = State(current)
        try:
            preflight(current, app.state.zorgstraf.store)
        except ZorgstrafError as exc:  # one line, not a traceback; the service does not start
            log.error("start geweigerd: %s", exc)
            raise SystemExit(2) from None
        runner = app.state.zorgstraf.runner(None, False)
        for variant in runner.catalogue.all():  # compile every variant before the first request
            runner.catalogue.engine(variant)
        batch_mode()  # what start-up built is never scanned again: no 100 ms collector pauses
        retention = asyncio.create_task(_retention(app.state.zorgstraf)) if current.retention_days else None
        yield
        if retention is not None:
            retention.cancel()
            with suppress(asyncio.CancelledError):
                await retention

    # FastAPIOffline serves Swagger UI and ReDoc from the package itself: /docs works without a CDN.
    app = FastAPIOffline(
        title="zorgstraf",
        version="0.1.0",
        lifespan=lifespan,
        responses=COMMON,
        description="Triage bij de samenloop van zorg en straf. Adviseert; een professional beslist.\n\n"
        "Aanmelden: `Authorization: Bearer SLEUTEL` (knop *Authorize*). Elk advies heeft een "
        "`samenvatting` in één zin; de codes in het advies betekenen:\n\n" + codes_markdown(),
    )

    app.add_middleware(LimitsAndLog)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        # FastAPI's shape ({detail: [{loc, msg, type}]}), in Dutch, without echoing the input back.
        detail = [
            {
                "loc": list(e["loc"]),
                "msg": dutch_reason({**e, "loc": tuple(e["loc"][1:]) if e["loc"][:1] == ("body",) else ()}),
                "type": e["type"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(ZorgstrafError)
    async def domain_error(_: Request, exc: ZorgstrafError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(UnicodeError)
    async def not_unicode(_: Request, exc: UnicodeError):
        # Text that is no Unicode (a lone surrogate such as \ud800 in JSON) comes from the input.
        return JSONResponse(
            {"detail": "de invoer bevat tekst die geen geldige Unicode is (bijvoorbeeld een losse \\ud800)"}, status_code=400
        )

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError):
        # Retried inside the store already; still there, it is a conflict with another request, not a database down.
        log.warning("database: conflict op %s", request.url.path)
        return JSONResponse({"detail": "dit botst met een gelijktijdige wijziging; probeer het opnieuw"}, status_code=409)

    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: DBAPIError):
        # The driver's text can hold host names or SQL with values: only its kind goes to the log.
        log.warning("database: %s op %s", type(exc.orig).__name__ if exc.orig else type(exc).__name__, request.url.path)
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers={"Retry-After": "5"})

    @app.get("/health", response_model=Health, responses={503: {"model": HealthDown, "description": UNAVAILABLE}})
    def health(state: StateDep) -> Response:
        try:
            state.store.ping()
        except DBAPIError:
            down = HealthDown(status="storing", database="onbereikbaar", detail=UNAVAILABLE)
            return JSONResponse(down.model_dump(), status_code=503, headers={"Retry-After": "5"})
        info = state.runner(None, False).engine_for(None).ruleset.info()
        return JSONResponse(Health(status="ok", database="ok", regelset=info).model_dump())

    # Every route below needs a key with a role; their refusals are documented once, here.
    secured = APIRouter(
        responses={
            400: {"model": Weigering, "description": "het verzoek kan zo niet worden uitgevoerd (reden in het Nederlands)"},
            401: {"model": Weigering, "description": "geen of onbekende sleutel"},
            403: {"model": Weigering, "description": "de sleutel heeft de rol niet"},
            429: {"model": Weigering, "description": "te veel onjuiste sleutels vanaf dit adres (zie Retry-After)"},
        }
    )

    @secured.post(
        "/v1/triage",
        response_model=schema.Advies,
        responses={409: {"model": Weigering, "description": "dit melding_id is al opgeslagen met een andere inhoud"}},
    )
    async def triage(melding: schema.Melding, key: Lezer, state: StateDep, regio: RegioQuery = None, score: bool = False) -> Response:
        runner = state.runner(_variant(regio), score)
        refused = _may_triage(key, runner, melding)
        if refused:
            raise HTTPException(403, refused)
        run = partial(usecases.triage_and_record, runner, [melding], state.store, key.key_id)
        # SQLite is local and takes one writer at a time: the work (under a millisecond) runs right here,
        # without a hop to the threadpool. A database over the network is waited for in a thread.
        ((_, advies, failure, _),) = run() if state.store.url.startswith("sqlite") else await run_in_threadpool(run)
        if isinstance(failure, usecases.Conflict):
            raise HTTPException(409, str(failure))
        if failure is not None:
            raise failure  # a database that is down answers 503 (see database_down)
        assert advies is not None
        # The advies is built from validated parts: written once, as stored, not validated again.
        return Response(advies.model_dump_json(), media_type="application/json")

    @secured.post("/v1/triage/batch", response_model=list[BatchResultaat])
    def triage_batch(
        body: Annotated[list[Any], Field(max_length=5000)], key: Lezer, state: StateDep, regio: RegioQuery = None, score: bool = False
    ) -> list[BatchResultaat]:
        runner = state.runner(_variant(regio), score)
        results: list[BatchResultaat] = []
        good: list[tuple[int, schema.Melding]] = []
        for index, raw in enumerate(body):
            try:
                if not isinstance(raw, dict):
                    raise ValueError("een melding is een JSON-object")
                good.append((index, schema.Melding.model_validate(raw)))
            except ValidationError as exc:
                err = validation_error("batch", index, exc)
                given_id = raw.get("melding_id")
                safe_id = given_id if isinstance(given_id, str) and len(given_id) <= 64 and schema_id_error(given_id) is None else None
                results.append(
                    BatchResultaat(index=index, melding_id=safe_id, status="afgewezen", fouten=[Fout(veld=err.field, reden=err.reason)])
                )
            except ValueError as exc:
                results.append(BatchResultaat(index=index, status="afgewezen", fouten=[Fout(veld=None, reden=str(exc))]))
            except Exception as exc:  # whatever else goes wrong with one item stays with that item
                log.warning("batch: melding op index %d niet gelezen: %s", index, type(exc).__name__)
                results.append(BatchResultaat(index=index, status="afgewezen", fouten=[Fout(veld=None, reden="melding niet te lezen")]))
        allowed = []
        for index, m in good:  # a scoped reader's melding of another region is refused, the rest go on
            refused = _may_triage(key, runner, m)
            if refused:
                results.append(
                    BatchResultaat(index=index, melding_id=m.melding_id, status="afgewezen", fouten=[Fout(veld="regio", reden=refused)])
                )
            else:
                allowed.append((index, m))
        good = allowed
        recorded = usecases.triage_and_record_stream(runner, [m for _, m in good], state.store, key.key_id)
        for (index, _), (melding, a, failure, _) in zip(good, recorded):  # one transaction per melding
            if isinstance(failure, usecases.Conflict):
                results.append(
                    BatchResultaat(
                        index=index, melding_id=melding.melding_id, status="afgewezen", fouten=[Fout(veld="melding_id", reden=str(failure))]
                    )
                )
                continue
            if failure is not None:  # one failure never stops the others; this item says so itself
                results.append(
                    BatchResultaat(
                        index=index,
                        melding_id=melding.melding_id,
                        status="fout",
                        fouten=[Fout(veld=None, reden="advies kon niet worden opgeslagen; stuur deze melding opnieuw")],
                    )
                )
                continue
            results.append(BatchResultaat(index=index, melding_id=melding.melding_id, status="ok", advies=a))
        return sorted(results, key=lambda r: r.index)

    @secured.get("/v1/advies/{melding_id}", responses={200: {"model": schema.Advies}, **NOT_FOUND})
    def stored_advies(melding_id: MeldingId, key: Lezer, state: StateDep) -> Response:
        """Het opgeslagen advies, precies zoals het is gegeven."""
        record = _readable(key, state.store.latest(melding_id), melding_id)
        return Response(record.advies_json, media_type="application/json")  # exactly as given

    @secured.post("/v1/advies/{melding_id}/besluit", response_model=schema.Besluit, status_code=201, responses=NOT_FOUND)
    def record_besluit(melding_id: MeldingId, body: schema.BesluitIn, key: Lezer, state: StateDep) -> schema.Besluit:
        """Het besluit van de professional over dit advies: volgt het of wijkt af (wat en waarom). Het advies blijft zoals gegeven."""
        _readable(key, state.store.latest(melding_id), melding_id)
        besluit = state.store.add_besluit(melding_id, body, key.key_id)
        if besluit is None:
            raise HTTPException(404, f"geen advies voor melding {melding_id}")
        return besluit

    @secured.get("/v1/advies/{melding_id}/besluiten", response_model=list[schema.Besluit], responses=NOT_FOUND)
    def list_besluiten(melding_id: MeldingId, key: Lezer, state: StateDep) -> list[schema.Besluit]:
        """De besluiten over deze melding, nieuwste eerst."""
        _readable(key, state.store.latest(melding_id), melding_id)
        return state.store.besluiten([melding_id]).get(melding_id, [])

    @secured.get(
        "/v1/agenda", responses={200: {"content": {"application/json": {}, "text/markdown": {}, "text/html": {}, "application/pdf": {}}}}
    )
    def get_agenda(
        regio: schema.Regio,
        week: Week,
        key: Voorzitter,
        state: StateDep,
        format: Literal["json", "md", "html", "pdf"] = "json",
    ) -> Response:
        _own_region(key, regio.value)
        ruleset = state.runner(regio.value, False).engine_for(regio.value).ruleset
        result = agenda_mod.build_from_store(state.store, regio.value, week, ruleset)
        if format == "pdf":
            from zorgstraf.agenda_pdf import to_pdf

            name = f"actie-overleg-{regio.value}-{week}.pdf"
            return Response(to_pdf(result), media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
        text = agenda_mod.RENDER[format](result)
        media = {"json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}[format]
        return Response(text, media_type=media)

    @secured.post(
        "/v1/agenda/{melding_id}/afspraken",
        response_model=list[AfspraakOut],
        status_code=201,
        responses={**NOT_FOUND, 409: {"model": Weigering, "description": "te veel afspraken voor deze melding"}},
    )
    def add_afspraken(melding_id: MeldingId, body: AfsprakenIn, key: Voorzitter, state: StateDep) -> list[AfspraakOut]:
        items = [a.model_dump() for a in body.afspraken]
        try:
            created = usecases.record_afspraken(state.store, melding_id, items, key, state.settings.max_afspraken_per_melding)
        except usecases.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except usecases.TooMany as exc:
            raise HTTPException(409, str(exc)) from None
        return [AfspraakOut.of(a) for a in created]

    def _afspraak_call(call, *args) -> AfspraakOut:
        try:
            a = call(*args)
        except usecases.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except usecases.Closed as exc:
            raise HTTPException(409, str(exc)) from None
        if a is None:
            raise HTTPException(404, "geen afspraak")
        return AfspraakOut.of(a)

    @secured.post(
        "/v1/afspraken/{afspraak_id}/gedaan",
        response_model=AfspraakOut,
        responses={**NOT_FOUND, 409: {"model": Weigering, "description": "de afspraak is al gedaan of ingetrokken"}},
    )
    def afspraak_gedaan(afspraak_id: AfspraakId, key: Voorzitter, state: StateDep) -> AfspraakOut:
        """Afspraak uitgevoerd. Blijft bewaard, met wie en wanneer."""
        return _afspraak_call(usecases.set_afspraak_status, state.store, afspraak_id, "gedaan", key)

    @secured.patch(
        "/v1/afspraken/{afspraak_id}",
        response_model=AfspraakOut,
        responses={**NOT_FOUND, 409: {"model": Weigering, "description": "de afspraak is gedaan of ingetrokken"}},
    )
    def afspraak_wijzigen(afspraak_id: AfspraakId, body: AfspraakWijziging, key: Voorzitter, state: StateDep) -> AfspraakOut:
        """Wie, wat of uiterlijk wijzigen; de geschiedenis bewaart wat het was, wie het wijzigde en wanneer."""
        changes = body.model_dump(exclude_unset=True, exclude={"reden"})
        if changes.get("wie") is None:
            changes.pop("wie", None)
        if changes.get("wat") is None:
            changes.pop("wat", None)
        return _afspraak_call(usecases.change_afspraak, state.store, afspraak_id, changes, key, body.reden)

    @secured.post(
        "/v1/afspraken/{afspraak_id}/intrekken",
        response_model=AfspraakOut,
        responses={**NOT_FOUND, 409: {"model": Weigering, "description": "de afspraak is al gedaan of ingetrokken"}},
    )
    def afspraak_intrekken(afspraak_id: AfspraakId, body: Intrekking, key: Voorzitter, state: StateDep) -> AfspraakOut:
        """Een afspraak intrekken, met reden. Ze blijft bewaard (met haar geschiedenis), maar niet meer op de agenda."""
        return _afspraak_call(usecases.set_afspraak_status, state.store, afspraak_id, "ingetrokken", key, body.reden)

    @secured.post(
        "/v1/afspraken/{afspraak_id}/heropenen",
        response_model=AfspraakOut,
        responses={**NOT_FOUND, 409: {"model": Weigering, "description": "de afspraak staat al open"}},
    )
    def afspraak_heropenen(afspraak_id: AfspraakId, body: Intrekking, key: Voorzitter, state: StateDep) -> AfspraakOut:
        """Een gedane of ingetrokken afspraak weer openen, met reden; de geschiedenis houdt elke stap."""
        return _afspraak_call(usecases.set_afspraak_status, state.store, afspraak_id, "heropend", key, body.reden)

    @secured.post("/v1/agenda/sluiten", response_model=OverlegGesloten)
    def agenda_sluiten(regio: schema.Regio, week: Week, key: Voorzitter, state: StateDep) -> OverlegGesloten:
        """Het overleg van deze week sluiten: elke zaak op de agenda telt als besproken, met de uitgenodigde partners."""
        _own_region(key, regio.value)
        ruleset = state.runner(regio.value, False).engine_for(regio.value).ruleset
        meeting, result = usecases.close_meeting(state.store, regio.value, week, ruleset, key)
        assert meeting.gesloten_op is not None
        return OverlegGesloten(regio=regio.value, datum=meeting.datum, gesloten_op=meeting.gesloten_op, zaken=len(result.items))

    @secured.get("/v1/casus/{casus_id}", response_model=casusview.CasusView, responses=NOT_FOUND)
    def get_casus(
        casus_id: CasusId,
        key: Lezer,
        state: StateDep,
        peildatum: Annotated[Dag | None, Query(description="fase en signalen op deze dag")] = None,
    ) -> casusview.CasusView:
        """De casus: meldingen en advies, Actie-overleggen, afspraken (met geschiedenis) en besluiten, nieuwste eerst; het
        veiligheidsplan, de beoordelingen, de fase en de signalen (op `peildatum`, standaard vandaag)."""
        try:
            return casusview.view(state.store, casus_id, key=key, via="api", peildatum=peildatum)
        except casusview.CasusNotFound as exc:
            raise HTTPException(404, str(exc)) from None

    def _casus_step(call, *args):
        try:
            return call(*args)
        except casusview.CasusNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except veiligheid.DayRefused as exc:
            raise HTTPException(422, str(exc)) from None

    @secured.put("/v1/casus/{casus_id}/veiligheidsplan", response_model=veiligheid.Veiligheidsplan, responses=NOT_FOUND)
    def put_plan(casus_id: CasusId, body: veiligheid.PlanIn, key: Plan, state: StateDep) -> veiligheid.Veiligheidsplan:
        """Het hele veiligheidsplan van de casus (elke versie blijft bewaard); een voorwaarde zonder id krijgt er een."""
        return _casus_step(veiligheid.put_plan, state.store, casus_id, body, key, usecases.today())

    @secured.post("/v1/casus/{casus_id}/beoordelingen", status_code=201, response_model=veiligheid.Beoordeling, responses=NOT_FOUND)
    def post_beoordeling(casus_id: CasusId, body: veiligheid.BeoordelingIn, key: Plan, state: StateDep) -> veiligheid.Beoordeling:
        """Een beoordeling op de veiligheidsschaal (0-7, 7 staat voor 7 en 7+), op een dag, door een partner."""
        return _casus_step(veiligheid.add_beoordeling, state.store, casus_id, body, key, usecases.today())

    @secured.post("/v1/casus/{casus_id}/gebeurtenissen", status_code=201, response_model=veiligheid.GebeurtenisIn, responses=NOT_FOUND)
    def post_gebeurtenis(casus_id: CasusId, body: veiligheid.GebeurtenisIn, key: Plan, state: StateDep) -> veiligheid.GebeurtenisIn:
        """Wat er in de casus gebeurde: heenzending, huisverbod (opgelegd, verlengd), gedragsaanwijzing, geschonden voorwaarde."""
        return _casus_step(veiligheid.add_gebeurtenis, state.store, casus_id, body, key, usecases.today())

    @secured.post("/v1/compare")
    def post_compare(body: CompareIn, _: Beleid, state: StateDep) -> Response:
        from zorgstraf.compare import compare
        from zorgstraf.compare_report import to_json

        names = [getattr(v, "value", v) for v in body.varianten]
        basis = getattr(body.basis, "value", body.basis)
        data = "".join(json.dumps(m) + "\n" for m in body.meldingen).encode()  # in memory: nothing touches the disk
        report = compare("meldingen.jsonl", names, base=basis, rules_dir=state.rules_dir, workers=1, data=data)
        return Response(to_json(report), media_type="application/json")

    @secured.get(
        "/v1/indicatoren", responses={200: {"content": {"application/json": {}, "text/markdown": {}, "text/html": {}, "text/csv": {}}}}
    )
    def indicatoren(
        regio: schema.Regio,
        van: Annotated[Dag, Query()],
        tot: Annotated[Dag, Query()],
        _: Beleid,
        state: StateDep,
        format: Literal["json", "md", "html", "csv"] = "json",
    ) -> Response:
        """De Werkset Indicatoren uit de opslag voor een regio en periode (tot en met), elk cijfer met definitie en Werkset-kopje."""
        from zorgstraf import werkset

        result = werkset.report(state.store, regio.value, van, tot)  # an inverted period is a 400 in Dutch
        media = {
            "json": "application/json",
            "md": "text/markdown; charset=utf-8",
            "html": "text/html; charset=utf-8",
            "csv": "text/csv; charset=utf-8",
        }
        return Response(werkset.RENDER[format](result), media_type=media[format])

    @secured.get("/v1/regels", response_model=list[RegelsetOut])
    def regels(_: Beleid, state: StateDep) -> list[RegelsetOut]:
        out = []
        catalogue = Catalogue.of(state.rules_dir)
        for variant in catalogue.all():
            name = variant.name
            r = catalogue.ruleset(variant)
            out.append(RegelsetOut(variant=name, naam=r.name, versie=r.version, hash=r.digest))
        return out

    @secured.get("/v1/regels/{regio}", responses=NOT_FOUND)
    def regels_regio(regio: str, _: Beleid, state: StateDep) -> dict:
        if regio != "landelijk" and regio not in {r.value for r in schema.Regio}:
            raise HTTPException(404, f"onbekende regio {regio}")
        catalogue = Catalogue.of(state.rules_dir)
        r = catalogue.ruleset(Variant.parse(regio))
        base = catalogue.ruleset(NATIONAL_VARIANT)
        return {
            "variant": regio,
            "naam": r.name,
            "versie": r.version,
            "hash": r.digest,
            "regels": [{"id": x.id, "titel": x.title, "herkomst": x.origin} for x in r.rules],
            "overzicht_md": show(r),
            "verschil_md": diff(base, r) if regio != "landelijk" else "",
        }

    app.include_router(secured)
    return app
