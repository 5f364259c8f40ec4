"""Policy files beside the rules (rules/beleid/*.yaml), each validated by its pydantic model; an
error names file:line. Used by the casus memory and the Werkset Indicatoren."""

from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import schema, yamlfile
from .termijnen import is_working_day
from .variants import default_rules_dir

M = TypeVar("M", bound=BaseModel)


def load(name: str, model: type[M], rules_dir: str | None = None) -> M:
    doc = yamlfile.load(Path(rules_dir or default_rules_dir()) / "beleid" / f"{name}.yaml")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise doc.error(tuple(first["loc"]), f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


class _Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CasusBeleid(_Policy):
    """rules/beleid/casus.yaml: how far the store looks back, and where that comes from."""

    bron: str
    venster_dagen: int = Field(ge=1, le=3660)
    vt_partner: schema.Partner
    opschaling_afstemming: schema.Afstemming


class Kantoortijd(_Policy):
    van: time
    tot: time

    @field_validator("van", "tot", mode="before")
    @classmethod
    def _hhmm(cls, value):
        return time.fromisoformat(value) if isinstance(value, str) else value


class IndicatorBeleid(_Policy):
    """rules/beleid/indicatoren.yaml: the Werkset's definitions that are choices, with their source."""

    bron: str
    kantoortijd: Kantoortijd
    herhaling_maanden: list[int] = Field(min_length=1)


@lru_cache(maxsize=8)
def casus(rules_dir: str | None = None) -> CasusBeleid:
    return load("casus", CasusBeleid, rules_dir)


@lru_cache(maxsize=8)
def indicatoren(rules_dir: str | None = None) -> IndicatorBeleid:
    return load("indicatoren", IndicatorBeleid, rules_dir)


def office_hours(moment: datetime) -> bool:
    """Received on a Dutch working day within office hours (Amsterdam time), per the indicator policy."""
    local = schema.dutch_time(moment)
    hours = indicatoren().kantoortijd
    return is_working_day(local.date()) and hours.van <= local.time() < hours.tot
