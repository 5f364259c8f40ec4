"""Storage: every advies as given (the audit trail) and the Actie-overleg agreements register.

SQLite by default, PostgreSQL by URL; the schema is managed by Alembic (zorgstraf/migrations).
Each write is its own transaction, so one bad melding never loses the good ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, create_engine, delete, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

from . import schema
from .settings import Settings


class Base(DeclarativeBase):
    pass


class AdviesRecord(Base):
    __tablename__ = "advies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    regio: Mapped[str] = mapped_column(String(40), index=True)
    regelset_naam: Mapped[str] = mapped_column(String(80))
    regelset_hash: Mapped[str] = mapped_column(String(64))
    model_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ontvangen_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    urgentie: Mapped[str] = mapped_column(String(10))
    agenderen: Mapped[bool] = mapped_column(Boolean, index=True)
    volgend_actie_overleg: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    advies_json: Mapped[str] = mapped_column(Text)
    melding_json: Mapped[str] = mapped_column(Text)


class Afspraak(Base):
    __tablename__ = "afspraak"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    melding_id: Mapped[str] = mapped_column(String(64), index=True)
    regio: Mapped[str] = mapped_column(String(40), index=True)
    wie: Mapped[str] = mapped_column(String(80))
    wat: Mapped[str] = mapped_column(Text)
    uiterlijk: Mapped[date | None] = mapped_column(Date, nullable=True)
    overleg_datum: Mapped[date] = mapped_column(Date, index=True)  # the Actie-overleg it was agreed in
    gedaan: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    gedaan_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    key_id: Mapped[str] = mapped_column(String(32))


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
    genomen_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
class Received:
    """The inbox as read from the store; `complete` is False when the row limit cut it short."""

    records: list[AdviesRecord]
    complete: bool


class Store:
    def __init__(self, url: str, store_toelichting: bool = False):
        self.url = url
        self.store_toelichting = store_toelichting
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        if url.startswith("sqlite"):

            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_connection, _):  # survive concurrent writers and a kill mid-batch
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    # --- advies ----------------------------------------------------------------------------

    def save(self, melding: schema.Melding, advies: schema.Advies, key_id: str, model_hash: str | None = None) -> int:
        stored = melding if self.store_toelichting else melding.model_copy(update={"toelichting": ""})
        stored_json = stored.model_dump_json()  # stored, and hashed for the audit trail (input_hash)
        due = advies.termijnen.volgend_actie_overleg
        record = AdviesRecord(
            melding_id=melding.melding_id,
            regio=advies.regio,
            regelset_naam=advies.regelset.naam,
            regelset_hash=advies.regelset.hash,
            model_hash=model_hash,
            input_hash=_sha256(stored_json),
            key_id=key_id,
            aangemaakt_op=datetime.now(timezone.utc),
            ontvangen_op=melding.ontvangen_op.astimezone(timezone.utc),  # UTC: SQLite compares wall-clock text
            urgentie=advies.urgentie.value,
            agenderen=advies.actie_overleg.agenderen,
            volgend_actie_overleg=date.fromisoformat(due) if due else None,
            advies_json=advies.model_dump_json(),
            melding_json=stored_json,
        )
        with self.sessions.begin() as session:
            session.add(record)
            session.flush()
            return record.id

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

    def received_since(self, since: datetime, limit: int = Settings.model_fields["inbox_max_rows"].default) -> Received:
        """The newest stored advies per melding received at or after `since` (the reader's inbox).

        At most the newest `limit` stored rows are read; `complete` says whether that was all."""
        with self.sessions() as session:
            rows = session.scalars(
                select(AdviesRecord)
                .where(AdviesRecord.ontvangen_op >= since.astimezone(timezone.utc))
                .order_by(AdviesRecord.id.desc())
                .limit(limit + 1)
            ).all()
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

    def purge(self, days: int) -> int:
        """Retention: delete advies older than `days` days (at least 1). Returns how many were deleted."""
        cutoff = self._retention_cutoff(days)
        old = select(AdviesRecord.id).where(AdviesRecord.aangemaakt_op < cutoff)
        with self.sessions.begin() as session:  # a decision goes with the advies it was about
            session.execute(delete(BesluitRecord).where(BesluitRecord.advies_id.in_(old)))
            result = session.execute(delete(AdviesRecord).where(AdviesRecord.aangemaakt_op < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)

    # --- besluiten ---------------------------------------------------------------------------

    def add_besluit(self, melding_id: str, besluit: schema.BesluitIn, key_id: str) -> schema.Besluit | None:
        """Record the decision beside the newest stored advies of this melding (None: no advies)."""
        with self.sessions.begin() as session:
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

    # --- afspraken ---------------------------------------------------------------------------

    def add_afspraken(self, melding_id: str, regio: str, overleg_datum: date, items: list[dict], key_id: str) -> list[Afspraak]:
        now = datetime.now(timezone.utc)
        records = [
            Afspraak(
                melding_id=melding_id,
                regio=regio,
                wie=i["wie"],
                wat=i["wat"],
                uiterlijk=i.get("uiterlijk"),
                overleg_datum=overleg_datum,
                gedaan=False,
                aangemaakt_op=now,
                key_id=key_id,
            )
            for i in items
        ]
        with self.sessions.begin() as session:
            session.add_all(records)
        return records

    def count_afspraken(self, melding_id: str) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(Afspraak).where(Afspraak.melding_id == melding_id)) or 0)

    def afspraak(self, afspraak_id: int) -> Afspraak | None:
        with self.sessions() as session:
            return session.get(Afspraak, afspraak_id)

    def mark_done(self, afspraak_id: int) -> Afspraak | None:
        with self.sessions.begin() as session:
            record = session.get(Afspraak, afspraak_id)
            if record is not None and not record.gedaan:
                record.gedaan, record.gedaan_op = True, datetime.now(timezone.utc)
            return record

    def open_afspraken(self, regio: str, before: date) -> list[Afspraak]:
        """Agreements of this region made in an Actie-overleg before `before` and not done yet."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Afspraak)
                    .where(Afspraak.regio == regio, Afspraak.gedaan.is_(False), Afspraak.overleg_datum < before)
                    .order_by(Afspraak.melding_id, Afspraak.id)
                ).all()
            )


def _besluit(b: BesluitRecord, advies: AdviesRecord) -> schema.Besluit:
    moment = b.genomen_op if b.genomen_op.tzinfo else b.genomen_op.replace(tzinfo=timezone.utc)  # SQLite drops the zone
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
        genomen_op=schema.dutch_time(moment),
    )


def record_advies(record: AdviesRecord) -> dict:
    return json.loads(record.advies_json)
