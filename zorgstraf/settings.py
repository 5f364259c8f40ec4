"""Service settings from the environment, read once (on first use, never at import)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import ConfigError

ROLES = ("lezer", "voorzitter", "beleid")


@dataclass(frozen=True)
class ApiKey:
    key: str = field(repr=False)  # never shown in logs or reprs
    roles: frozenset[str]

    @property
    def key_id(self) -> str:
        """A stable, non-secret id for the audit trail: a short hash of the key."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///zorgstraf.db"
    api_keys: tuple[ApiKey, ...] = ()
    store_toelichting: bool = False
    retention_days: int | None = None
    retention_interval_seconds: float = 3600.0  # how often the service applies retention while running
    max_body_bytes: int = 5_000_000
    max_batch: int = 5_000
    inbox_max_rows: int = 20_000  # stored rows the dashboard reads for one inbox
    signin_limit: str = "30 per minute"  # wrong keys per client address before sign-in is refused


def parse_api_keys(text: str) -> tuple[ApiKey, ...]:
    """`KEY1:lezer,KEY2:voorzitter+beleid` -> ApiKeys. Errors never echo a key."""
    keys = []
    for n, item in enumerate(filter(None, (p.strip() for p in text.split(","))), start=1):
        key, sep, roles = item.rpartition(":")
        if not sep or not key:
            raise ConfigError(f"ZORGSTRAF_API_KEYS: sleutel {n} heeft geen rol (vorm SLEUTEL:rol)")
        names = frozenset(r.strip() for r in roles.split("+") if r.strip())
        unknown = names - set(ROLES)
        if unknown or not names:
            raise ConfigError(f"ZORGSTRAF_API_KEYS: sleutel {n} heeft onbekende rol(len) {sorted(unknown) or '(geen)'}; kies uit {', '.join(ROLES)}")
        keys.append(ApiKey(key, names))
    return tuple(keys)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "ja", "yes"):
        return True
    if value.lower() in ("0", "false", "nee", "no"):
        return False
    raise ConfigError(f"{name}: verwacht true of false")


def _number(name: str, kind: type[int] | type[float]) -> int | float | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"{name}: verwacht {'een geheel getal' if kind is int else 'een getal'}") from None


def _rate(name: str, default: str) -> str:
    from limits import parse

    value = os.environ.get(name) or default
    try:
        parse(value)
    except ValueError:
        raise ConfigError(f"{name}: verwacht bijvoorbeeld '30 per minute'") from None
    return value


def from_environment() -> Settings:
    url = os.environ.get("ZORGSTRAF_DATABASE_URL") or Settings.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]  # the maintained driver
    return Settings(
        database_url=url,
        api_keys=parse_api_keys(os.environ.get("ZORGSTRAF_API_KEYS", "")),
        store_toelichting=_bool("ZORGSTRAF_STORE_TOELICHTING", False),
        retention_days=_number("ZORGSTRAF_RETENTION_DAYS", int),
        retention_interval_seconds=_number("ZORGSTRAF_RETENTION_INTERVAL_SECONDS", float) or Settings.retention_interval_seconds,
        max_body_bytes=_number("ZORGSTRAF_MAX_BODY_BYTES", int) or Settings.max_body_bytes,
        inbox_max_rows=_number("ZORGSTRAF_INBOX_MAX_ROWS", int) or Settings.inbox_max_rows,
        signin_limit=_rate("ZORGSTRAF_SIGNIN_LIMIT", Settings.signin_limit),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()
