"""Service settings from the environment (pydantic-settings), read once on first use, never at import.

Every value is checked when it is read: a value that could destroy data or cannot work (a negative
retention, an interval of zero, an unparseable sign-in limit) stops start-up with one Dutch line
that names the variable. The value itself is never echoed (it may be a key).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import ConfigError

ROLES = ("lezer", "voorzitter", "beleid")
PREFIX = "ZORGSTRAF_"


@dataclass(frozen=True)
class ApiKey:
    key: str = field(repr=False)  # never shown in logs or reprs
    roles: frozenset[str]
    # Regions per role; a role missing here (or None) covers every region (a national key).
    scope: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def key_id(self) -> str:
        """A stable, non-secret id for the audit trail: a short hash of the key."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:12]

    def regions_for(self, role: str) -> frozenset[str] | None:
        """The regions this key holds `role` in; None: every region (or the key lacks the role)."""
        return dict(self.scope).get(role)

    @property
    def regions(self) -> frozenset[str] | None:
        """The chair's regions (None: every region)."""
        return self.regions_for("voorzitter")

    def may(self, role: str, regio: str | None) -> bool:
        """Whether the key holds `role` for `regio`. A scoped role never covers a melding without a
        region: need-to-know is by region, so what belongs to none belongs to national keys only."""
        if role not in self.roles:
            return False
        regions = self.regions_for(role)
        return regions is None or (regio is not None and regio in regions)

    def may_chair(self, regio: str) -> bool:
        return self.may("voorzitter", regio)

    def may_read(self, regio: str | None) -> bool:
        return self.may("lezer", regio)

    def sees(self, regio: str | None) -> bool:
        """Whether anything of this region may be shown to the key, under any of its roles."""
        return any(self.may(r, regio) for r in self.roles)


def parse_api_keys(text: str) -> tuple[ApiKey, ...]:
    """`KEY1:lezer,KEY2:voorzitter@limburg+lezer@limburg+beleid` -> ApiKeys. Any role may be scoped to
    regions with `rol@regio` (repeated for more regions); the same role without `@` makes it
    national again. Errors never echo a key."""
    from .schema import Regio

    known_regions = {r.value for r in Regio}
    keys = []
    for n, item in enumerate(filter(None, (p.strip() for p in text.split(","))), start=1):
        key, sep, roles = item.rpartition(":")
        if not sep or not key:
            raise ConfigError(f"{PREFIX}API_KEYS: sleutel {n} heeft geen rol (vorm SLEUTEL:rol)")
        names: set[str] = set()
        scoped: dict[str, set[str]] = {}
        national: set[str] = set()
        for part in filter(None, (r.strip() for r in roles.split("+"))):
            name, at, regio = part.partition("@")
            names.add(name)
            if at:
                if regio not in known_regions:
                    raise ConfigError(
                        f"{PREFIX}API_KEYS: sleutel {n}: onbekende regio '{regio}'; kies uit {', '.join(sorted(known_regions))}"
                    )
                scoped.setdefault(name, set()).add(regio)
            else:
                national.add(name)
        unknown = names - set(ROLES)
        if unknown or not names:
            raise ConfigError(
                f"{PREFIX}API_KEYS: sleutel {n} heeft onbekende rol(len) {sorted(unknown) or '(geen)'}; kies uit {', '.join(ROLES)}"
            )
        scope = tuple(sorted((role, frozenset(regions)) for role, regions in scoped.items() if role not in national))
        keys.append(ApiKey(key, frozenset(names), scope))
    return tuple(keys)


class Settings(BaseSettings):
    """All settings, from ZORGSTRAF_* environment variables (empty means the default)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore", env_ignore_empty=True)

    database_url: str = "sqlite:///zorgstraf.db"
    api_keys: Annotated[tuple[ApiKey, ...], NoDecode] = ()
    store_toelichting: bool = False
    retention_days: Annotated[int | None, Field(ge=1, le=36_500)] = None
    # how often the service applies retention while running (seconds; a fraction is allowed)
    retention_interval_seconds: Annotated[float, Field(gt=0, le=31_536_000)] = 3600.0
    # Retention that would delete more than this share of the stored advies at once refuses (the
    # service does not start; the CLI asks --ja) unless ZORGSTRAF_RETENTION_CONFIRM says ja.
    retention_max_share: Annotated[float, Field(gt=0, le=1)] = 0.10
    retention_confirm: bool = False
    # Spreadsheets are read within bounds, checked while streaming (an .xlsx is a zip: its declared
    # uncompressed size is checked before anything is unpacked).
    xlsx_max_bytes: Annotated[int, Field(gt=0)] = 100_000_000  # uncompressed, all parts together
    sheet_max_rows: Annotated[int, Field(gt=0)] = 100_000  # row numbers, empty rows included
    sheet_max_columns: Annotated[int, Field(gt=0)] = 200
    cell_max_chars: Annotated[int, Field(gt=0)] = 32_767  # Excel's own limit for one cell
    max_body_bytes: Annotated[int, Field(gt=0)] = 5_000_000
    max_batch: Annotated[int, Field(gt=0)] = 5_000
    inbox_max_rows: Annotated[int, Field(gt=0)] = 20_000  # stored rows the dashboard reads for one inbox
    signin_limit: str = "30 per minute"  # wrong keys per client address before sign-in is refused
    # Addresses of proxies whose X-Forwarded-For is believed (uvicorn's forwarded_allow_ips); off when empty.
    forwarded_allow_ips: str | None = None
    max_afspraken_per_melding: Annotated[int, Field(gt=0, le=10_000)] = 200
    log_level: str = "INFO"
    # The secret of the keyed hash that pseudonymises key columns of a police list (person and
    # address numbers) into casus keys. Needed only when a list carries a key column; the same for
    # every user of one store, or their lists do not link.
    casus_sleutel_geheim: Annotated[SecretStr | None, Field(min_length=32)] = None

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        if url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url[len("postgresql://") :]  # the maintained driver
        if not url.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("verwacht sqlite:///pad of postgresql://…")
        return url

    @field_validator("api_keys", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return parse_api_keys(value) if isinstance(value, str) else value

    @field_validator("store_toelichting", "retention_confirm", mode="before")
    @classmethod
    def _dutch_bool(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("ja", "nee"):
            return value.strip().lower() == "ja"
        return value

    @field_validator("signin_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError("verwacht bijvoorbeeld '30 per minute'") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("kies uit DEBUG, INFO, WARNING, ERROR")
        return value.upper()


def _config_error(exc: ValidationError) -> ConfigError:
    """The first problem as one Dutch line naming the environment variable, never its value."""
    from .io import dutch_reason

    first = exc.errors()[0]
    name = PREFIX + str(first["loc"][0]).upper() if first["loc"] else "instellingen"
    return ConfigError(f"{name}: {dutch_reason(first)}; pas de instelling aan (er is niets gestart of verwijderd)")


def from_environment(**overrides: Any) -> Settings:
    """Settings from the environment (plus `overrides`); a bad value raises ConfigError."""
    try:
        return Settings(**overrides)
    except ConfigError:
        raise
    except ValidationError as exc:
        raise _config_error(exc) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()
