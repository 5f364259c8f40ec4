"""One owner for 'which rules apply': the Variant value and the catalogue."""

from __future__ import annotations

import pytest

from zorgstraf.errors import ConfigError
from zorgstraf.variants import NATIONAL_VARIANT, Catalogue, Variant


def test_a_variant_is_parsed_once_into_one_of_three_shapes():
    assert Variant.parse(None) == Variant.parse("landelijk") == NATIONAL_VARIANT
    assert Variant.parse("limburg") == Variant("regio", regio="limburg")
    assert Variant.parse("voorstel.yaml").kind == "bestand" and Variant.parse("voorstel.yaml").name == "voorstel.yaml"
    with pytest.raises(ConfigError, match="bedoelde je 'limburg'"):
        Variant.parse("Limburg ")


def test_the_catalogue_lists_loads_and_caches():
    catalogue = Catalogue.of()
    assert len(catalogue.regions()) == 10 and catalogue.all()[0] == NATIONAL_VARIANT
    assert catalogue.engine(Variant.parse("limburg")) is catalogue.engine(Variant.parse("limburg"))  # compiled once
    assert catalogue.for_region("limburg").regio == "limburg" and catalogue.for_region(None) == NATIONAL_VARIANT
    assert catalogue.ruleset(Variant.parse("limburg")).digest != catalogue.ruleset(NATIONAL_VARIANT).digest
