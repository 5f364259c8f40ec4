"""Storage: every advies as given (the audit trail) and the Actie-overleg agreements register.

SQLite by default, PostgreSQL by URL; the schema is managed by Alembic (zorgstraf/migrations).
Each write is its own transaction, so one bad melding never loses the good ones.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

from . import beleid, schema
from .errors import Closed, Conflict, NotFound, TooMany
from .settings import Settings


class UtcDateTime(TypeDecorator):
    """A moment with its zone on every database: SQLite keeps the UTC wall-clock text only, so a
    naive value read back is UTC again. Nothing downstream has to remember that."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    pass


class AdviesRecord(Base):
    __tablename__ = "advies"
    __table_args__ = (
        Index("ix_advies_casus_ontvangen", "casus", "ontvangen_op"),
        Index("ix_advies_regio_ontvangen", "regio", "ontvangen_op"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    regio: Mapped[str] = mapped_column(String(40), index=True)
    regelset_naam: Mapped[str] = mapped_column(String(80))
    regelset_hash: Mapped[str] = mapped_column(String(64))
    model_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ontvangen_op: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    urgentie: Mapped[str] = mapped_column(String(10))
    agenderen: Mapped[bool] = mapped_column(Boolean, index=True)
    volgend_actie_overleg: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    advies_json: Mapped[str] = mapped_column(Text)
    melding_json: Mapped[str] = mapped_column(Text)
    # Columns the Werkset Indicatoren count in SQL, and the casus the melding belongs to.
    casus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bron: Mapped[str | None] = mapped_column(String(20), nullable=True)
    route: Mapped[str | None] = mapped_column(String(12), nullable=True)
    afstemming: Mapped[str | None] = mapped_column(String(200), nullable=True)  # "|actie_overleg|vt_op_zsm|"
    vt: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # reported to or by Veilig Thuis
    kantoortijd: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    context_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the store supplied at triage


class Afspraak(Base):
    __tablename__ = "afspraak"
    __table_args__ = (Index("ix_afspraak_casus", "casus"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    regio: Mapped[str] = mapped_column(String(40), index=True)
    wie: Mapped[str] = mapped_column(String(80))
    wat: Mapped[str] = mapped_column(Text)
    uiterlijk: Mapped[date | None] = mapped_column(Date, nullable=True)
    overleg_datum: Mapped[date] = mapped_column(Date, index=True)  # the Actie-overleg it was agreed in
    gedaan: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    gedaan_op: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    key_id: Mapped[str] = mapped_column(String(32))
    casus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")  # open, gedaan, ingetrokken
    gewijzigd_op: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AfspraakHistorie(Base):
    """Every change to an agreement: who (key id), when, what it was and became, and why."""

    __tablename__ = "afspraak_historie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    afspraak_id: Mapped[int] = mapped_column(Integer, ForeignKey("afspraak.id", ondelete="CASCADE"), index=True)
    actie: Mapped[str] = mapped_column(String(12))  # gemaakt, gewijzigd, gedaan, ingetrokken
    wanneer: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(32))
    wijziging: Mapped[str] = mapped_column(Text)


class Casus(Base):
    __tablename__ = "casus"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    samengevoegd_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    samengevoegd_op: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CasusSleutel(Base):
    __tablename__ = "casus_sleutel"

    sleutel: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the key, never the key
    casus: Mapped[int] = mapped_column(Integer, index=True)


class Overleg(Base):
    """One Actie-overleg meeting of a region; closed by its chair."""

    __tablename__ = "overleg"
    __table_args__ = (UniqueConstraint("regio", "datum", name="uq_overleg_regio_datum"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    regio: Mapped[str] = mapped_column(String(40))
    datum: Mapped[date] = mapped_column(Date)
    gesloten_op: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class OverlegZaak(Base):
    """A case discussed in a meeting, with the partners invited for it."""

    __tablename__ = "overleg_zaak"
    __table_args__ = (UniqueConstraint("overleg_id", "melding_id", name="uq_overleg_zaak"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    overleg_id: Mapped[int] = mapped_column(Integer, ForeignKey("overleg.id", ondelete="CASCADE"), index=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    casus: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    partners: Mapped[str] = mapped_column(String(300))


class RegelsetArchief(Base):
    """Every rule set an advies was given with, by content hash (for replay)."""

    __tablename__ = "regelset_archief"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    naam: Mapped[str] = mapped_column(String(80))
    versie: Mapped[str] = mapped_column(String(40))
    inhoud: Mapped[str] = mapped_column(Text)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)


class CasusInzage(Base):
    """Who read which casus, when and through what (API, CLI, dashboard); never what was shown."""

    __tablename__ = "casus_inzage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    casus: Mapped[int] = mapped_column(Integer, index=True)
    key_id: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(20))
    wanneer: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class PlanVersie(Base):
    """Every version of a casus' veiligheidsplan (seed 004), as it was put; the newest is the plan."""

    __tablename__ = "veiligheidsplan_versie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    casus: Mapped[int] = mapped_column(Integer, index=True)
    versie: Mapped[int] = mapped_column(Integer)
    inhoud: Mapped[str] = mapped_column(Text)  # the plan as JSON
    gewijzigd_op: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(32))


class Beoordeling(Base):
    """A veiligheidsschaal rating of the casus on a day, by a partner."""

    __tablename__ = "beoordeling"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    casus: Mapped[int] = mapped_column(Integer, index=True)
    datum: Mapped[date] = mapped_column(Date)
    schaal: Mapped[int] = mapped_column(Integer)
    door: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(32))
    vastgelegd_op: Mapped[datetime] = mapped_column(UtcDateTime)


class CasusGebeurtenis(Base):
    """What happened in the casus besides meldingen: a THV, a gedragsaanwijzing, a broken condition, ..."""

    __tablename__ = "casus_gebeurtenis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    casus: Mapped[int] = mapped_column(Integer, index=True)
    soort: Mapped[str] = mapped_column(String(40))
    datum: Mapped[date] = mapped_column(Date)
    key_id: Mapped[str] = mapped_column(String(32))
    vastgelegd_op: Mapped[datetime] = mapped_column(UtcDateTime)


class Verwijdering(Base):
    """Every retention run that deleted advies: when, the period, how many, and through what."""

    __tablename__ = "verwijdering"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wanneer: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    bewaartermijn_dagen: Mapped[int] = mapped_column(Integer)
    aantal: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(20))


class ModelArchief(Base):
    __tablename__ = "model_archief"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    inhoud: Mapped[str] = mapped_column(Text)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)


class BesluitRecord(Base):
    """The professional's decision on one stored advies; never overwrites it."""

    __tablename__ = "besluit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    advies_id: Mapped[int] = mapped_column(Integer, ForeignKey("advies.id", ondelete="CASCADE"), index=True)
    volgt_advies: Mapped[bool] = mapped_column(Boolean)
    urgentie: Mapped[str | None] = mapped_column(String(10), nullable=True)
    wat: Mapped[str] = mapped_column(Text)
    waarom: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(32))
    genomen_op: Mapped[datetime] = mapped_column(UtcDateTime)


# The casus context's queries, built once (compile once, run many), for a wave of casussen.
_WAVE_ADVIES = select(AdviesRecord.casus, AdviesRecord.melding_id, AdviesRecord.ontvangen_op, AdviesRecord.vt).where(
    AdviesRecord.casus.in_(bindparam("casussen", expanding=True))
)
_WAVE_MEETINGS = (
    select(OverlegZaak.casus, Overleg.datum, OverlegZaak.partners, OverlegZaak.melding_id)
    .join(Overleg, OverlegZaak.overleg_id == Overleg.id)
    .where(OverlegZaak.casus.in_(bindparam("casussen", expanding=True)))
    .order_by(Overleg.datum, OverlegZaak.id)
)
_WAVE_OPEN = (
    select(Afspraak.casus, Afspraak.id, Afspraak.wie, Afspraak.wat, Afspraak.uiterlijk)
    .where(Afspraak.casus.in_(bindparam("casussen", expanding=True)), Afspraak.status == "open")
    .order_by(Afspraak.id)
)
_WAVE_RATINGS = (
    select(Beoordeling.casus, Beoordeling.datum, Beoordeling.schaal)
    .where(Beoordeling.casus.in_(bindparam("casussen", expanding=True)))
    .order_by(Beoordeling.datum, Beoordeling.id)
)
_WAVE_EVENTS = (
    select(CasusGebeurtenis.casus, CasusGebeurtenis.datum, CasusGebeurtenis.soort)
    .where(CasusGebeurtenis.casus.in_(bindparam("casussen", expanding=True)))
    .order_by(CasusGebeurtenis.datum, CasusGebeurtenis.id)
)
_INSERT_ADVIES = insert(AdviesRecord)
_AFSPRAKEN_COUNT = select(func.count()).select_from(Afspraak).where(Afspraak.melding_id == bindparam("melding_id"))
_ADVISORY = text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))")
_STORED = (
    select(AdviesRecord.input_hash, AdviesRecord.advies_json)
    .where(AdviesRecord.melding_id == bindparam("melding_id"))
    .order_by(AdviesRecord.id.desc())
    .limit(1)
)
_KEYS = select(CasusSleutel.sleutel, CasusSleutel.casus).where(CasusSleutel.sleutel.in_(bindparam("digests", expanding=True)))


def input_hash(melding: schema.Melding) -> str:
    """SHA-256 of the melding as stored. Callers pass the stored form: when the free text is not
    kept, it is not in the hash either, so a guessed text can never be confirmed from the database."""
    return _sha256(melding.model_dump_json())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_MIGRATION_LOCK = 0x7A6F7267  # PostgreSQL advisory lock id for migrations ("zorg")


def migrate(url: str) -> None:
    """Bring the database schema to the newest Alembic revision, one process at a time: two first
    runs on a new database would otherwise both create the tables and one would fail."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if url.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
                try:
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    conn.commit()
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
                    conn.commit()
        finally:
            engine.dispose()
        return
    database = url.split("///", 1)[1] if "///" in url else ""
    if not database or database == ":memory:":
        command.upgrade(config, "head")
        return
    from filelock import FileLock

    probe = create_engine(url, poolclass=NullPool)  # fails here, with SQLite's own reason, when the folder is missing
    with probe.connect():
        pass
    probe.dispose()
    with FileLock(database + ".migratie.lock", timeout=120):
        command.upgrade(config, "head")


def open_store(url: str, store_toelichting: bool = False) -> "Store":
    """A Store on a database brought to the newest schema first."""
    migrate(url)
    return Store(url, store_toelichting=store_toelichting)


@dataclass(frozen=True)
class Link:
    """The casus a melding's keys belong to; `created` when none of its keys was known before."""

    casus: int
    merged: tuple[int, ...] = ()
    created: bool = False


@dataclass(frozen=True)
class Received:
    """The inbox as read from the store; `complete` is False when the row limit cut it short."""

    records: list[AdviesRecord]
    complete: bool


@dataclass(frozen=True)
class Recorded:
    """What storing one melding came to: the advies given now (`advies`), or, when the melding was
    stored before with the same content, the advies as it was given then (`stored_json`)."""

    advies: schema.Advies | None
    stored_json: str | None = None
    casus: Any = None  # the CasusContext the rules read, for keyed meldingen

    @property
    def bestaand(self) -> bool:
        return self.stored_json is not None


# Lock spaces for PostgreSQL's advisory locks (the first of two int4 keys): one per kind of thing a
# transaction serialises on. SQLite needs none: a writer holds the whole database (BEGIN IMMEDIATE).
_LOCK_MELDING, _LOCK_SLEUTEL, _LOCK_CASUS = 0x7A6F0001, 0x7A6F0002, 0x7A6F0003
# PostgreSQL's "try again" errors: serialization_failure, deadlock_detected.
_RETRY_CODES = {"40001", "40P01"}
_ATTEMPTS = 8


def _retryable(exc: Exception, integrity: bool) -> bool:
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, IntegrityError):
        return integrity  # two first writers of one unique row: the loser reads the winner's row
    if isinstance(exc, OperationalError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in _RETRY_CODES or "database is locked" in str(exc.orig)
    return False


def _sqlite_wal(dbapi_connection) -> None:
    """WAL journal on a new SQLite connection. Switching needs the database to itself: a connection
    opened while another writes finds it locked (SQLite's busy timeout does not cover the switch),
    so it is tried again briefly; a database already in WAL needs no switch."""
    for attempt in range(200):
        try:
            if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
            break
        except Exception as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.01 + random.uniform(0, 0.01))
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class Store:
    def __init__(self, url: str, store_toelichting: bool = False):
        self.url = url
        self.store_toelichting = store_toelichting
        self.postgres = url.startswith("postgresql")
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        self._writer = self.engine
        if url.startswith("sqlite"):

            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_connection, _):  # survive concurrent writers and a kill mid-batch
                _sqlite_wal(dbapi_connection)

            # Writers begin IMMEDIATE: the write lock is taken before the first read, so what a
            # transaction reads (is this melding stored? which casus has this key?) cannot change
            # under it, in this process or another. Readers keep SQLite's own deferred reads.
            self._writer = create_engine(url, pool_pre_ping=True, connect_args=connect_args)

            @event.listens_for(self._writer, "connect")
            def _immediate(dbapi_connection, _):
                dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, says BEGIN
                _sqlite_wal(dbapi_connection)

            @event.listens_for(self._writer, "begin")
            def _begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)
        self._archived: dict[bool, set[str]] = {}  # hashes known to be archived (rule sets, models)
        # SQLite has one writer at a time; threads of this process take turns here instead of in
        # SQLite's busy handler, which sleeps up to 100 ms per retry (the API's tail latency).
        self._write_lock = threading.Lock() if url.startswith("sqlite") else None

    @contextmanager
    def _write_session(self):
        """A session in one transaction, this process's writers taking turns on SQLite."""
        with self._write_lock or nullcontext(), self._write_sessions.begin() as session:
            yield session

    @contextmanager
    def _write_connection(self):
        """A Core connection in one transaction, this process's writers taking turns on SQLite."""
        with self._write_lock or nullcontext(), self._writer.begin() as conn:
            yield conn

    def _transact(self, unit, session: bool = False, integrity: bool = True):
        """Run `unit(conn_or_session)` as one transaction; a conflict another writer caused (a
        serialization failure, a deadlock, a unique row someone else wrote first) runs it again
        from the start, so the caller never sees a conflict a retry solves."""
        for attempt in range(_ATTEMPTS):
            try:
                with self._write_session() if session else self._write_connection() as handle:
                    return unit(handle)
            except Exception as exc:
                if attempt == _ATTEMPTS - 1 or not _retryable(exc, integrity):
                    raise
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")

    def _lock(self, handle, space: int, *names: str | int) -> None:
        """Serialise on these names until the transaction ends (PostgreSQL advisory locks, taken in
        sorted order so two transactions never wait on each other crosswise). On SQLite the
        transaction already holds the database's one write lock."""
        if not self.postgres:
            return
        for name in sorted({str(n) for n in names}):
            handle.execute(_ADVISORY, {"space": space, "name": name})

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    # --- advies ----------------------------------------------------------------------------

    def _row(
        self, melding: schema.Melding, advies: schema.Advies, stored_json: str, digest: str, key_id: str, model_hash, casus, context_json
    ) -> dict:
        due = advies.termijnen.volgend_actie_overleg
        return dict(
            melding_id=melding.melding_id,
            regio=advies.regio,
            regelset_naam=advies.regelset.naam,
            regelset_hash=advies.regelset.hash,
            model_hash=model_hash,
            input_hash=digest,
            key_id=key_id,
            aangemaakt_op=datetime.now(timezone.utc),
            ontvangen_op=melding.ontvangen_op.astimezone(timezone.utc),  # UTC: SQLite compares wall-clock text
            urgentie=advies.urgentie.value,
            agenderen=advies.actie_overleg.agenderen,
            volgend_actie_overleg=date.fromisoformat(due) if due else None,
            advies_json=advies.model_dump_json(),
            melding_json=stored_json,
            casus=casus,
            bron=melding.bron.value,
            route=advies.route.value,
            afstemming="|" + "|".join(a.value for a in advies.afstemming) + "|",
            vt=melding.bron == schema.Bron.veilig_thuis or schema.Partner.veilig_thuis in advies.partners,
            kantoortijd=beleid.office_hours(melding.ontvangen_op),
            context_json=context_json,
        )

    def stored_json(self, melding: schema.Melding) -> str:
        """The melding as the store keeps it (keys as digests; the free text only when kept)."""
        from .casus import stored_form

        return stored_form(melding if self.store_toelichting else melding.model_copy(update={"toelichting": ""})).model_dump_json()

    def record(
        self, melding: schema.Melding, decide, key_id: str, model_hash: str | None = None, since: datetime | None = None
    ) -> Recorded:
        """One melding, one record, in one transaction: a melding id stored before with the same
        content gives the advies stored then (nothing new is written); with other content it is
        refused (Conflict). Otherwise its casus keys are linked (merging casussen they join), the
        store's context of the casus read, `decide(context)` makes the advies, and it is saved:
        all under the locks of the melding id and its casus, so concurrent meldingen of one casus
        see each other in full and always end in one casus. `since`: the start of the casus window."""
        from .casus import CasusContext, key_digest

        stored_json = self.stored_json(melding)
        digest = _sha256(stored_json)
        keys = sorted({key_digest(k) for k in melding.casus_sleutels})

        def unit(conn) -> Recorded:
            self._lock(conn, _LOCK_MELDING, melding.melding_id)
            before = conn.execute(_STORED, {"melding_id": melding.melding_id}).first()
            if before is not None:
                if before[0] == digest:
                    return Recorded(None, stored_json=before[1])
                raise Conflict(
                    f"melding {melding.melding_id} is al opgeslagen met een andere inhoud; een correctie krijgt een nieuw melding_id"
                )
            ctx = None
            if keys:
                link = self._link(conn, keys)
                ctx = (
                    CasusContext(link.casus, 0, 0, 0, None, samengevoegd=link.merged)
                    if link.created
                    else self._contexts(
                        conn, [(link.casus, melding.melding_id, melding.ontvangen_op, since or melding.ontvangen_op, link.merged)]
                    )[0]
                )
            advies = decide(ctx)
            row = self._row(
                melding, advies, stored_json, digest, key_id, model_hash, ctx.casus if ctx else None, ctx.to_json() if ctx else None
            )
            conn.execute(_INSERT_ADVIES, row)
            return Recorded(advies, casus=ctx)

        return self._transact(unit)

    def save(self, melding: schema.Melding, advies: schema.Advies, key_id: str, model_hash: str | None = None) -> Recorded:
        """Store an advies made without the casus (one transaction); one melding, one record."""
        return self.record(
            melding.model_copy(update={"casus_sleutels": []}) if melding.casus_sleutels else melding, lambda _: advies, key_id, model_hash
        )

    # --- archive (replay) ----------------------------------------------------------------------

    def is_archived(self, digest: str, model: bool = False) -> bool:
        known = self._archived.setdefault(model, set())
        if digest in known:
            return True
        table = ModelArchief if model else RegelsetArchief
        with self.sessions() as session:
            if session.get(table, digest) is not None:
                known.add(digest)
                return True
        return False

    def _archive(self, make) -> None:
        """Archive the record `make()` builds, once per hash; retried when another writer holds the
        database, and a copy another process wrote first is the same bytes."""
        from sqlalchemy.exc import IntegrityError

        def unit(session) -> None:
            record = make()
            if session.get(type(record), record.hash) is None:
                session.add(record)

        try:
            self._transact(unit, session=True, integrity=False)
        except IntegrityError:
            pass

    def archive_ruleset(self, digest: str, naam: str, versie: str, inhoud: str) -> None:
        self._archive(
            lambda: RegelsetArchief(hash=digest, naam=naam, versie=versie, inhoud=inhoud, aangemaakt_op=datetime.now(timezone.utc))
        )
        self._archived.setdefault(False, set()).add(digest)

    def archive_model(self, digest: str, inhoud: str) -> None:
        self._archive(lambda: ModelArchief(hash=digest, inhoud=inhoud, aangemaakt_op=datetime.now(timezone.utc)))
        self._archived.setdefault(True, set()).add(digest)

    def archived_ruleset(self, digest: str) -> str | None:
        with self.sessions() as session:
            row = session.get(RegelsetArchief, digest)
            return row.inhoud if row else None

    def archived_model(self, digest: str) -> str | None:
        with self.sessions() as session:
            row = session.get(ModelArchief, digest)
            return row.inhoud if row else None

    # --- casus -------------------------------------------------------------------------------

    def _link(self, conn, digests: list[str]) -> "Link":
        """The casus of these key digests, inside the caller's transaction: created when none is
        known; casussen the keys join are merged into the oldest. The keys and every casus found
        are locked first, and read again until what was read is what is locked, so a merge that
        committed meanwhile is followed, never undone."""
        now = datetime.now(timezone.utc)
        self._lock(conn, _LOCK_SLEUTEL, *digests)
        locked: set[int] = set()
        for _ in range(100):
            rows = conn.execute(_KEYS, {"digests": digests}).all()
            found = sorted({c for _, c in rows})
            if not self.postgres or set(found) <= locked:
                break
            self._lock(conn, _LOCK_CASUS, *(c for c in found if c not in locked))
            locked.update(found)
        merged: tuple[int, ...] = ()
        if not found:
            target = int(conn.execute(insert(Casus), {"aangemaakt_op": now}).inserted_primary_key[0])  # type: ignore[index]
        else:
            target, merged = found[0], tuple(found[1:])
        if merged:  # a new shared key joins casussen: everything of theirs moves to the oldest
            for table in (CasusSleutel, AdviesRecord, Afspraak, OverlegZaak, PlanVersie, Beoordeling, CasusGebeurtenis):
                conn.execute(update(table).where(table.casus.in_(merged)).values(casus=target))
            conn.execute(update(Casus).where(Casus.id.in_(merged)).values(samengevoegd_in=target, samengevoegd_op=now))
        known = {k for k, _ in rows}
        new = [{"sleutel": d, "casus": target} for d in digests if d not in known]
        if new:
            conn.execute(insert(CasusSleutel), new)
        return Link(target, merged, created=not found)

    def _hold_casus(self, handle, number: int | None) -> int | None:
        """The casus `number` stands for now, locked until the transaction ends (a merge cannot
        move it away underneath a write that names it)."""
        for _ in range(100):
            if number is None:
                return None
            self._lock(handle, _LOCK_CASUS, number)
            row = handle.execute(select(Casus.samengevoegd_in).where(Casus.id == number)).first()
            if row is None or row[0] is None:
                return number
            number = int(row[0])
        return number

    def casus_contexts(self, wanted: list[tuple[int, str, datetime, datetime, tuple[int, ...]]]) -> list:
        """The contexts of casussen as the store knows them now (see _contexts)."""
        with self.engine.connect() as conn:
            return self._contexts(conn, wanted)

    def _contexts(self, conn, wanted: list[tuple[int, str, datetime, datetime, tuple[int, ...]]]) -> list:
        """The contexts for meldingen of distinct casussen (casus, melding_id, received, window
        start, merged): three indexed queries for all of them, whatever the store's size; only
        the rows of these casussen are counted, per casus."""
        from .casus import CasusContext, OpenAfspraak

        numbers = sorted({w[0] for w in wanted})
        earlier: dict[Any, list[tuple]] = {n: [] for n in numbers}  # keyed by casus number
        meetings: dict[Any, list[tuple]] = {n: [] for n in numbers}  # keyed by casus number
        open_items: dict[Any, list[tuple]] = {n: [] for n in numbers}  # keyed by casus number
        ratings: dict[Any, list[tuple]] = {n: [] for n in numbers}
        events: dict[Any, list[tuple]] = {n: [] for n in numbers}
        for start in range(0, len(numbers), 500):  # bounded IN lists
            part = {"casussen": numbers[start : start + 500]}
            for number, *row in conn.execute(_WAVE_ADVIES, part):
                earlier[number].append(tuple(row))
            for number, *row in conn.execute(_WAVE_MEETINGS, part):
                meetings[number].append(tuple(row))
            for number, *row in conn.execute(_WAVE_OPEN, part):
                if len(open_items[number]) < 200:
                    open_items[number].append(tuple(row))
            for number, *row in conn.execute(_WAVE_RATINGS, part):
                ratings[number].append(tuple(row))
            for number, *row in conn.execute(_WAVE_EVENTS, part):
                events[number].append(tuple(row))
        out = []
        for casus, melding_id, received, since, merged in wanted:
            received_utc, since_utc, day = received.astimezone(timezone.utc), since.astimezone(timezone.utc), received.date()
            before: set[str] = set()
            recent: set[str] = set()
            vt: set[str] = set()
            incident_days: set[str] = set()
            for other, moment, is_vt in earlier[casus]:
                if other == melding_id or moment >= received_utc:
                    continue
                before.add(other)
                incident_days.add(moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(schema.AMSTERDAM).date().isoformat())
                if moment >= since_utc:
                    recent.add(other)
                if is_vt:
                    vt.add(other)
            discussed = [(d, partners) for d, partners, other in meetings[casus] if d <= day and other != melding_id]
            last = discussed[-1] if discussed else None  # rows come by date, then id: the latest meeting
            out.append(
                CasusContext(
                    casus=casus,
                    eerdere_meldingen=len(before),
                    incidenten_12m=len(recent),
                    vt_meldingen=len(vt),
                    laatste_actie_overleg=last[0].isoformat() if last else None,
                    actie_overleg_partners=tuple(p for p in (last[1].strip("|").split("|") if last else []) if p),
                    open_afspraken=tuple(
                        OpenAfspraak(i, wie, wat, uiterlijk.isoformat() if uiterlijk else None)
                        for i, wie, wat, uiterlijk in open_items[casus]
                    ),
                    samengevoegd=merged,
                    incident_dagen=tuple(sorted(incident_days)),
                    beoordelingen=tuple((d.isoformat(), int(n)) for d, n in ratings[casus] if d <= day),
                    gebeurtenissen=tuple((d.isoformat(), str(k)) for d, k in events[casus] if d <= day),
                )
            )
        return out

    def current_casus(self, casus: int) -> int | None:
        """The casus a number stands for now (following merges); None when there is no such casus."""
        with self.sessions() as session:
            for _ in range(100):
                row = session.get(Casus, casus)
                if row is None:
                    return None
                if row.samengevoegd_in is None:
                    return row.id
                casus = row.samengevoegd_in
        return None

    def casus_regions(self, casus: int) -> set[str]:
        """The regions a casus belongs to: those of its meldingen."""
        with self.sessions() as session:
            return set(session.scalars(select(AdviesRecord.regio).where(AdviesRecord.casus == casus).distinct()).all())

    def log_casus_read(self, casus: int, key_id: str, via: str) -> None:
        """The audit trail of a casus read: who, when, which casus, through what; never its content."""
        self._transact(
            lambda conn: conn.execute(
                insert(CasusInzage), {"casus": casus, "key_id": key_id, "via": via, "wanneer": datetime.now(timezone.utc)}
            )
        )

    def casus_reads(self, casus: int) -> list[CasusInzage]:
        with self.sessions() as session:
            return list(session.scalars(select(CasusInzage).where(CasusInzage.casus == casus).order_by(CasusInzage.id)).all())

    # --- veiligheidsplan, beoordelingen, gebeurtenissen (seed 004) ----------------------------

    def save_plan(self, casus: int, make, key_id: str) -> PlanVersie:
        """A new version of the casus' plan, under the casus lock: `make(previous_json | None)` gives
        the plan's JSON (it may number new conditions after those of the previous version)."""

        def unit(session) -> PlanVersie:
            current = self._hold_casus(session, casus)
            assert current is not None
            last = session.scalars(select(PlanVersie).where(PlanVersie.casus == current).order_by(PlanVersie.id.desc()).limit(1)).first()
            row = PlanVersie(
                casus=current,
                versie=(last.versie + 1) if last else 1,
                inhoud=make(last.inhoud if last else None),
                gewijzigd_op=datetime.now(timezone.utc),
                key_id=key_id,
            )
            session.add(row)
            session.flush()
            return row

        return self._transact(unit, session=True)

    def plan_versions(self, casus: int) -> list[PlanVersie]:
        with self.sessions() as session:
            return list(session.scalars(select(PlanVersie).where(PlanVersie.casus == casus).order_by(PlanVersie.id)))

    def add_beoordeling(self, casus: int, datum: date, schaal: int, door: str, key_id: str) -> Beoordeling:
        def unit(session) -> Beoordeling:
            current = self._hold_casus(session, casus)
            row = Beoordeling(casus=current, datum=datum, schaal=schaal, door=door, key_id=key_id, vastgelegd_op=datetime.now(timezone.utc))
            session.add(row)
            session.flush()
            return row

        return self._transact(unit, session=True)

    def add_gebeurtenis(self, casus: int, soort: str, datum: date, key_id: str) -> CasusGebeurtenis:
        def unit(session) -> CasusGebeurtenis:
            current = self._hold_casus(session, casus)
            row = CasusGebeurtenis(casus=current, soort=soort, datum=datum, key_id=key_id, vastgelegd_op=datetime.now(timezone.utc))
            session.add(row)
            session.flush()
            return row

        return self._transact(unit, session=True)

    def beoordelingen(self, casus: int) -> list[Beoordeling]:
        with self.sessions() as session:
            return list(session.scalars(select(Beoordeling).where(Beoordeling.casus == casus).order_by(Beoordeling.datum, Beoordeling.id)))

    def gebeurtenissen(self, casus: int) -> list[CasusGebeurtenis]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(CasusGebeurtenis).where(CasusGebeurtenis.casus == casus).order_by(CasusGebeurtenis.datum, CasusGebeurtenis.id)
                )
            )

    def casus_states(self, numbers: set[int]) -> dict[int, dict]:
        """For many casussen at once (the reader's inbox): their incident days, ratings, events and
        newest plan, in four queries per 500 casussen whatever the inbox's size."""
        out: dict[int, dict] = {
            n: {"incidenten": [], "beoordelingen": [], "gebeurtenissen": [], "plan": None, "regios": set()} for n in numbers
        }
        ordered = sorted(numbers)
        with self.sessions() as session:
            for start in range(0, len(ordered), 500):
                part = ordered[start : start + 500]
                for n, moment, regio in session.execute(
                    select(AdviesRecord.casus, AdviesRecord.ontvangen_op, AdviesRecord.regio).where(AdviesRecord.casus.in_(part))
                ):
                    if n is not None:
                        out[n]["incidenten"].append(schema.dutch_time(moment).date())
                        out[n]["regios"].add(regio)
                for n, day, score in session.execute(
                    select(Beoordeling.casus, Beoordeling.datum, Beoordeling.schaal).where(Beoordeling.casus.in_(part))
                ):
                    out[n]["beoordelingen"].append((day, score))
                for n, day, kind in session.execute(
                    select(CasusGebeurtenis.casus, CasusGebeurtenis.datum, CasusGebeurtenis.soort).where(CasusGebeurtenis.casus.in_(part))
                ):
                    out[n]["gebeurtenissen"].append((day, kind))
                newest = select(func.max(PlanVersie.id)).where(PlanVersie.casus.in_(part)).group_by(PlanVersie.casus)
                for n, inhoud in session.execute(select(PlanVersie.casus, PlanVersie.inhoud).where(PlanVersie.id.in_(newest))):
                    out[n]["plan"] = inhoud
        return out

    def casus_records(self, casus: int) -> list[AdviesRecord]:
        """Every stored advies of the casus, newest first."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(AdviesRecord)
                    .where(AdviesRecord.casus == casus)
                    .order_by(AdviesRecord.ontvangen_op.desc(), AdviesRecord.id.desc())
                ).all()
            )

    def casus_meetings(self, casus: int) -> list[tuple[Overleg, OverlegZaak]]:
        with self.sessions() as session:
            return [
                (o, z)
                for z, o in session.execute(
                    select(OverlegZaak, Overleg).join(Overleg, OverlegZaak.overleg_id == Overleg.id).where(OverlegZaak.casus == casus)
                ).all()
            ]

    def casus_afspraken(self, casus: int) -> list[Afspraak]:
        with self.sessions() as session:
            return list(session.scalars(select(Afspraak).where(Afspraak.casus == casus).order_by(Afspraak.id)).all())

    def afspraak_historie(self, afspraak_ids: list[int]) -> dict[int, list[AfspraakHistorie]]:
        out: dict[int, list[AfspraakHistorie]] = {}
        if not afspraak_ids:
            return out
        with self.sessions() as session:
            for h in session.scalars(
                select(AfspraakHistorie).where(AfspraakHistorie.afspraak_id.in_(afspraak_ids)).order_by(AfspraakHistorie.id)
            ).all():
                out.setdefault(h.afspraak_id, []).append(h)
        return out

    def latest(self, melding_id: str) -> AdviesRecord | None:
        with self.sessions() as session:
            return session.scalars(
                select(AdviesRecord).where(AdviesRecord.melding_id == melding_id).order_by(AdviesRecord.id.desc()).limit(1)
            ).first()

    def agenda_records(self, regio: str, start: date, end: date) -> list[AdviesRecord]:
        """The newest advies per melding that puts it on the Actie-overleg of this region in [start, end]."""
        with self.sessions() as session:
            rows = session.scalars(
                select(AdviesRecord)
                .where(
                    AdviesRecord.regio == regio,
                    AdviesRecord.agenderen.is_(True),
                    AdviesRecord.volgend_actie_overleg >= start,
                    AdviesRecord.volgend_actie_overleg <= end,
                )
                .order_by(AdviesRecord.id)
            ).all()
        newest = {r.melding_id: r for r in rows}
        return list(newest.values())

    def meeting_days(self, regio: str, limit: int = 400) -> list[date]:
        """The Actie-overleg days of this region that have stored cases (newest first), for a week picker."""
        with self.sessions() as session:
            days = session.scalars(
                select(AdviesRecord.volgend_actie_overleg)
                .where(AdviesRecord.regio == regio, AdviesRecord.agenderen.is_(True), AdviesRecord.volgend_actie_overleg.is_not(None))
                .distinct()
                .order_by(AdviesRecord.volgend_actie_overleg.desc())
                .limit(limit)
            ).all()
        return [d for d in days if d is not None]

    def received_since(
        self, since: datetime, limit: int = Settings.model_fields["inbox_max_rows"].default, regions: frozenset[str] | None = None
    ) -> Received:
        """The newest stored advies per melding received at or after `since` (the reader's inbox),
        of `regions` only when given (a scoped key). At most the newest `limit` stored rows are
        read; `complete` says whether that was all."""
        query = select(AdviesRecord).where(AdviesRecord.ontvangen_op >= since.astimezone(timezone.utc))
        if regions is not None:
            query = query.where(AdviesRecord.regio.in_(sorted(regions)))
        with self.sessions() as session:
            rows = session.scalars(query.order_by(AdviesRecord.id.desc()).limit(limit + 1)).all()
        newest: dict[str, AdviesRecord] = {}
        for r in rows[:limit]:  # newest first: keep the first seen per melding
            newest.setdefault(r.melding_id, r)
        return Received(list(newest.values()), complete=len(rows) <= limit)

    @staticmethod
    def _retention_cutoff(days: int) -> datetime:
        if days < 1:  # never "everything": a negative or zero period would empty the audit trail
            raise ValueError(f"bewaartermijn moet minstens 1 dag zijn, niet {days}")
        return datetime.now(timezone.utc) - timedelta(days=days)

    def count_advies(self, older_than_days: int | None = None) -> int:
        """Stored advies in all, or those the retention of `older_than_days` would delete."""
        query = select(func.count()).select_from(AdviesRecord)
        if older_than_days is not None:
            query = query.where(AdviesRecord.aangemaakt_op < self._retention_cutoff(older_than_days))
        with self.sessions() as session:
            return int(session.scalar(query) or 0)

    def purge(self, days: int, via: str = "cli") -> int:
        """Retention: delete advies older than `days` days (at least 1). Returns how many were deleted;
        a run that deleted any is in the audit trail (table verwijdering) with the count, in the same
        transaction."""
        cutoff = self._retention_cutoff(days)
        old = select(AdviesRecord.id).where(AdviesRecord.aangemaakt_op < cutoff)
        with self._write_session() as session:  # a decision goes with the advies it was about
            session.execute(delete(BesluitRecord).where(BesluitRecord.advies_id.in_(old)))
            result = session.execute(delete(AdviesRecord).where(AdviesRecord.aangemaakt_op < cutoff))
            removed = int(getattr(result, "rowcount", 0) or 0)
            if removed:
                session.add(Verwijdering(wanneer=datetime.now(timezone.utc), bewaartermijn_dagen=days, aantal=removed, via=via))
            return removed

    def deletions(self) -> list[Verwijdering]:
        with self.sessions() as session:
            return list(session.scalars(select(Verwijdering).order_by(Verwijdering.id)))

    # --- besluiten ---------------------------------------------------------------------------

    def add_besluit(self, melding_id: str, besluit: schema.BesluitIn, key_id: str) -> schema.Besluit | None:
        """Record the decision beside the newest stored advies of this melding (None: no advies)."""
        with self._write_session() as session:
            advies = session.scalars(
                select(AdviesRecord).where(AdviesRecord.melding_id == melding_id).order_by(AdviesRecord.id.desc()).limit(1)
            ).first()
            if advies is None:
                return None
            record = BesluitRecord(
                melding_id=melding_id,
                advies_id=advies.id,
                volgt_advies=besluit.volgt_advies,
                urgentie=besluit.urgentie.value if besluit.urgentie else None,
                wat=besluit.wat,
                waarom=besluit.waarom,
                key_id=key_id,
                genomen_op=datetime.now(timezone.utc),
            )
            session.add(record)
            session.flush()
            return _besluit(record, advies)

    def besluiten(self, melding_ids: list[str]) -> dict[str, list[schema.Besluit]]:
        """Decisions per melding, newest first (for the inbox and the casus)."""
        if not melding_ids:
            return {}
        out: dict[str, list[schema.Besluit]] = {}
        with self.sessions() as session:
            for start in range(0, len(melding_ids), 500):  # bounded IN lists
                rows = session.execute(
                    select(BesluitRecord, AdviesRecord)
                    .join(AdviesRecord, BesluitRecord.advies_id == AdviesRecord.id)
                    .where(BesluitRecord.melding_id.in_(melding_ids[start : start + 500]))
                    .order_by(BesluitRecord.id.desc())
                ).all()
                for b, a in rows:
                    out.setdefault(b.melding_id, []).append(_besluit(b, a))
        return out

    # --- afspraken and meetings ------------------------------------------------------------

    def _meeting(self, session, regio: str, datum: date) -> Overleg:
        meeting = session.scalars(select(Overleg).where(Overleg.regio == regio, Overleg.datum == datum)).first()
        if meeting is None:
            meeting = Overleg(regio=regio, datum=datum)
            session.add(meeting)
            session.flush()
        return meeting

    @staticmethod
    def _discussed(session, meeting: Overleg, melding_id: str, casus: int | None, partners: list[str]) -> None:
        """Mark a case as discussed in this meeting, with the partners invited for it (once)."""
        known = session.scalars(
            select(OverlegZaak).where(OverlegZaak.overleg_id == meeting.id, OverlegZaak.melding_id == melding_id)
        ).first()
        if known is None:
            session.add(OverlegZaak(overleg_id=meeting.id, melding_id=melding_id, casus=casus, partners="|" + "|".join(partners) + "|"))

    def _add_afspraken(self, session, melding_id, regio, overleg_datum, items, key_id, casus, partners) -> list[Afspraak]:
        now = datetime.now(timezone.utc)
        casus = self._hold_casus(session, casus)
        records = [
            Afspraak(
                melding_id=melding_id,
                regio=regio,
                wie=i["wie"],
                wat=i["wat"],
                uiterlijk=i.get("uiterlijk"),
                overleg_datum=overleg_datum,
                gedaan=False,
                status="open",
                aangemaakt_op=now,
                key_id=key_id,
                casus=casus,
            )
            for i in items
        ]
        self._discussed(session, self._meeting(session, regio, overleg_datum), melding_id, casus, partners or [])
        session.add_all(records)
        session.flush()
        for r in records:
            session.add(_history(r.id, "gemaakt", now, key_id, {"na": _fields(r)}))
        return records

    def add_afspraken(
        self,
        melding_id: str,
        regio: str,
        overleg_datum: date,
        items: list[dict],
        key_id: str,
        casus: int | None = None,
        partners: list[str] | None = None,
    ) -> list[Afspraak]:
        """Agreements made for a case in the Actie-overleg of `overleg_datum`: the case counts as
        discussed in that meeting from now on, and each agreement's history starts here."""
        return self._transact(
            lambda session: self._add_afspraken(session, melding_id, regio, overleg_datum, items, key_id, casus, partners), session=True
        )

    def record_afspraken(self, melding_id: str, items: list[dict], key_id: str, limit: int, allowed, today: date) -> list[Afspraak]:
        """Agreements for the case of the newest stored advies of `melding_id`, in one transaction
        under the melding's lock: the key must cover its region (`allowed(regio)`, else NotFound,
        as for a melding that is not there), the limit per melding holds whatever runs at the same
        time (TooMany), the meeting is the one its advies named (or `today`)."""

        def unit(session) -> list[Afspraak]:
            self._lock(session, _LOCK_MELDING, melding_id)
            record = session.scalars(
                select(AdviesRecord).where(AdviesRecord.melding_id == melding_id).order_by(AdviesRecord.id.desc()).limit(1)
            ).first()
            if record is None or not allowed(record.regio):
                raise NotFound(f"geen advies voor melding {melding_id}")
            count = int(session.scalar(_AFSPRAKEN_COUNT, {"melding_id": melding_id}) or 0)
            if count + len(items) > limit:
                raise TooMany(
                    f"een melding heeft hoogstens {limit} afspraken (ZORGSTRAF_MAX_AFSPRAKEN_PER_MELDING); er staan er al {count}"
                )
            meeting = record.volgend_actie_overleg or today
            partners = json.loads(record.advies_json)["partners"]
            return self._add_afspraken(session, melding_id, record.regio, meeting, items, key_id, record.casus, partners)

        return self._transact(unit, session=True)

    def count_afspraken(self, melding_id: str) -> int:
        with self.sessions() as session:
            return int(session.scalar(_AFSPRAKEN_COUNT, {"melding_id": melding_id}) or 0)

    def afspraak(self, afspraak_id: int) -> Afspraak | None:
        with self.sessions() as session:
            return session.get(Afspraak, afspraak_id)

    def transition(self, afspraak_id: int, actie: str, key_id: str, reden: str = "", changes: dict | None = None, allowed=None) -> Afspraak:
        """One step of an agreement, a conditional write in one transaction with the row locked:
        `gewijzigd` (who, what, by when), `gedaan` and `ingetrokken` only from open (done and
        withdrawn are final: Closed), `heropend` only from done or withdrawn. The history keeps
        who, when, before and after, and why. Another region's agreement is NotFound."""

        def unit(session) -> Afspraak:
            now = datetime.now(timezone.utc)
            record = session.scalars(select(Afspraak).where(Afspraak.id == afspraak_id).with_for_update()).first()
            if record is None or (allowed is not None and not allowed(record.regio)):
                raise NotFound(f"geen afspraak {afspraak_id}")
            if actie == "heropend":
                if record.status == "open":
                    raise Closed(f"afspraak {afspraak_id} staat al open")
            elif record.status != "open":
                word = {"gedaan": "al gedaan", "ingetrokken": "ingetrokken"}.get(record.status, record.status)
                raise Closed(f"afspraak {afspraak_id} is {word} en blijft zo; heropen haar eerst als dat nodig is")
            if actie == "gewijzigd":
                before = _fields(record)
                for name in ("wie", "wat", "uiterlijk"):
                    if name in (changes or {}):
                        setattr(record, name, (changes or {})[name])
                after = _fields(record)
                if after != before:
                    record.gewijzigd_op = now
                    session.add(_history(record.id, "gewijzigd", now, key_id, {"voor": before, "na": after, "reden": reden}))
                return record
            previous = record.status
            status = "open" if actie == "heropend" else actie
            record.status, record.gedaan, record.gewijzigd_op = status, status == "gedaan", now
            record.gedaan_op = now if status == "gedaan" else None
            session.add(_history(record.id, actie, now, key_id, {"voor": previous, "na": status, "reden": reden}))
            return record

        return self._transact(unit, session=True)

    def change_afspraak(self, afspraak_id: int, changes: dict, key_id: str, reden: str = "") -> Afspraak:
        """Change who, what or by when of an open agreement (see transition)."""
        return self.transition(afspraak_id, "gewijzigd", key_id, reden, changes)

    def set_status(self, afspraak_id: int, status: str, key_id: str, reden: str = "") -> Afspraak:
        """Done or withdrawn (kept, never deleted), with who, when and why in the history."""
        return self.transition(afspraak_id, status, key_id, reden)

    def agenda_afspraken(self, regio: str, start: date, end: date) -> list[tuple[Afspraak, str]]:
        """The agreements a region-week's agenda shows, each with the reason of its withdrawal ('' if
        not withdrawn): those made in this week's meeting whatever their state (a withdrawn one stays
        visible, struck through, so the meeting sees what it undid and why), and those from earlier
        meetings still open."""
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(Afspraak)
                    .where(
                        Afspraak.regio == regio,
                        Afspraak.overleg_datum <= end,
                        (Afspraak.overleg_datum >= start) | ((Afspraak.overleg_datum < start) & (Afspraak.status == "open")),
                    )
                    .order_by(Afspraak.overleg_datum, Afspraak.id)
                ).all()
            )
            withdrawn = [a.id for a in rows if a.status == "ingetrokken"]
            reasons: dict[int, str] = {}
            if withdrawn:
                steps = session.execute(
                    select(AfspraakHistorie.afspraak_id, AfspraakHistorie.wijziging)
                    .where(AfspraakHistorie.afspraak_id.in_(withdrawn), AfspraakHistorie.actie == "ingetrokken")
                    .order_by(AfspraakHistorie.id)
                ).all()
                for afspraak_id, change in steps:  # the latest withdrawal's reason
                    reasons[afspraak_id] = str(json.loads(change).get("reden") or "")
            return [(a, reasons.get(a.id, "")) for a in rows]

    def open_afspraken(self, regio: str, before: date) -> list[Afspraak]:
        """Agreements of this region made in an Actie-overleg before `before` and still open."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Afspraak)
                    .where(Afspraak.regio == regio, Afspraak.status == "open", Afspraak.overleg_datum < before)
                    .order_by(Afspraak.melding_id, Afspraak.id)
                ).all()
            )

    def close_meeting(self, regio: str, datum: date, cases: list[tuple[str, int | None, list[str]]], key_id: str) -> Overleg:
        """Close a region's Actie-overleg: every case on its agenda counts as discussed in it, with
        the partners invited; closing twice (at once, too) gives the same meeting, first closing time kept."""

        def unit(session) -> Overleg:
            meeting = self._meeting(session, regio, datum)
            for melding_id, casus, partners in cases:
                self._discussed(session, meeting, melding_id, self._hold_casus(session, casus), partners)
            if meeting.gesloten_op is None:
                meeting.gesloten_op, meeting.key_id = datetime.now(timezone.utc), key_id
            return meeting

        return self._transact(unit, session=True)

    def meeting(self, regio: str, datum: date) -> Overleg | None:
        with self.sessions() as session:
            return session.scalars(select(Overleg).where(Overleg.regio == regio, Overleg.datum == datum)).first()

    def casus_histories(self, wanted: dict[int, datetime], limit: int = 3) -> dict[int, list[tuple]]:
        """For each casus, its newest earlier meldingen before the given moment (one row per melding:
        melding_id, ontvangen_op, urgentie, afstemming), at most `limit`; one query for all of them."""
        out: dict[int, list[tuple]] = {c: [] for c in wanted}
        if not wanted:
            return out
        numbers = sorted(wanted)
        with self.engine.connect() as conn:
            for start in range(0, len(numbers), 500):  # bounded IN lists
                rows = conn.execute(
                    select(
                        AdviesRecord.casus,
                        AdviesRecord.melding_id,
                        AdviesRecord.ontvangen_op,
                        AdviesRecord.urgentie,
                        AdviesRecord.afstemming,
                    )
                    .where(AdviesRecord.casus.in_(numbers[start : start + 500]))
                    .order_by(AdviesRecord.ontvangen_op.desc(), AdviesRecord.id.desc())
                ).all()
                for casus, melding_id, received, urgentie, afstemming in rows:
                    if casus is None:
                        continue
                    lines = out[casus]
                    if received < wanted[casus] and len(lines) < limit and all(melding_id != m for m, *_ in lines):
                        lines.append((melding_id, received, urgentie, afstemming))
        return out


def _fields(a: Afspraak) -> dict:
    return {"wie": a.wie, "wat": a.wat, "uiterlijk": a.uiterlijk.isoformat() if a.uiterlijk else None}


def _history(afspraak_id: int, actie: str, when: datetime, key_id: str, change: dict) -> AfspraakHistorie:
    return AfspraakHistorie(
        afspraak_id=afspraak_id, actie=actie, wanneer=when, key_id=key_id, wijziging=json.dumps(change, ensure_ascii=False, sort_keys=True)
    )


def _besluit(b: BesluitRecord, advies: AdviesRecord) -> schema.Besluit:
    return schema.Besluit(
        id=b.id,
        melding_id=b.melding_id,
        volgt_advies=b.volgt_advies,
        urgentie=schema.Urgentie(b.urgentie) if b.urgentie else None,
        wat=b.wat,
        waarom=b.waarom,
        advies_urgentie=schema.Urgentie(advies.urgentie),
        regelset_hash=advies.regelset_hash,
        key_id=b.key_id,
        genomen_op=schema.dutch_time(b.genomen_op),
    )


def record_advies(record: AdviesRecord) -> dict:
    return json.loads(record.advies_json)
