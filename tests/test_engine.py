"""The durable-rules backend agrees with the plain-Python reference semantics, and is deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorgstraf import schema
from zorgstraf.io import dumps_jsonl
from zorgstraf.samples import generate

from .conftest import melding

bools = st.booleans()
verdachte = st.fixed_dictionaries(
    {},
    optional={
        "aangehouden": bools,
        "minderjarig": bools,
        "woont_met_slachtoffer": bools,
        "wapen": st.sampled_from(["geen", "dreiging", "gebruikt"]),
        "doodsbedreiging": bools,
        "verwurging": bools,
        "letsel": st.sampled_from(["geen", "licht", "ernstig"]),
        "eerdere_incidenten_12m": st.integers(0, 6),
        "schending_afspraken": bools,
        "middelengebruik": bools,
        "psychische_problematiek": bools,
        "lvb": bools,
        "zorgmijdend": bools,
    },
)
meldingen = st.fixed_dictionaries(
    {"incidentsoort": st.lists(st.sampled_from([i.value for i in schema.Incidentsoort]), min_size=1, max_size=3, unique=True)},
    optional={
        "hg_label": bools,
        "acuut_gevaar": bools,
        "veiligheidsschaal": st.none() | st.integers(0, 7),
        "sash": st.none() | st.sampled_from(["laag", "midden", "hoog"]),
        "vermoeden_strafbare_km": bools,
        "eerder_besproken_actie_overleg": bools,
        "lopende_hulpverlening": bools,
        "verdachte": st.none() | verdachte,
        "kinderen": st.fixed_dictionaries(
            {}, optional={"aantal_minderjarig": st.integers(0, 3), "getuige": bools, "slachtoffer": bools, "verblijfplaats_onbekend": bools}
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(meldingen, min_size=1, max_size=20))
def test_durable_backend_agrees_with_the_reference_semantics(engine, reference, batch):
    ms = [melding(melding_id=f"H{i}", **fields) for i, fields in enumerate(batch)]
    assert engine.evaluate(ms) == reference.evaluate(ms)


def test_agreement_on_a_large_generated_batch(engine, reference):
    ms = [schema.Melding.model_validate(m) for m in generate(3000, seed=99)]
    assert engine.evaluate(ms) == reference.evaluate(ms)


def test_same_input_and_rules_give_the_same_advies_byte_for_byte(engine):
    ms = [schema.Melding.model_validate(m) for m in generate(300, seed=5)]
    assert dumps_jsonl(engine.evaluate(ms)) == dumps_jsonl(engine.evaluate(list(ms)))


def test_urgentie_is_the_highest_any_fired_rule_gives(engine):
    (advies,) = engine.evaluate([melding(acuut_gevaar=True, sash="midden")])
    assert advies.urgentie == "acuut"


def test_lists_are_unions_without_duplicates_in_a_stable_order(engine):
    (advies,) = engine.evaluate([melding(sash="hoog", acuut_gevaar=True, kinderen={"aantal_minderjarig": 2})])
    assert len(advies.partners) == len(set(advies.partners))
    order = list(schema.Partner)
    assert advies.partners == sorted(advies.partners, key=order.index)


def test_uitleg_lists_every_fired_rule_with_the_facts_it_used(engine):
    (advies,) = engine.evaluate([melding(sash="hoog")])
    sash = next(u for u in advies.uitleg if u.regel == "SASH_HOOG")
    assert sash.feiten == {"sash": "hoog"} and "hoog" in sash.reden and sash.bron


def test_regelset_carries_name_version_and_content_hash(engine):
    (advies,) = engine.evaluate([melding()])
    assert advies.regelset.naam == "landelijk" and len(advies.regelset.hash) == 64


def test_toelichting_never_reaches_the_advies(engine):
    (advies,) = engine.evaluate([melding(toelichting="geheim-XYZ")])
    assert "geheim-XYZ" not in advies.model_dump_json()


def test_the_engine_builds_advies_as_pydantic_would_from_the_same_values(engine):
    # The hot path builds models with schema.trusted instead of model_construct: same fields, same
    # instance state, same JSON, and only for models where that holds (no aliases, extras, privates).
    for model in (schema.Advies, schema.Termijnen, schema.Uitleg):
        assert model.__pydantic_post_init__ is None and not model.__private_attributes__
        assert model.model_config.get("extra") != "allow" and not any(f.alias for f in model.model_fields.values())
    meldingen = [schema.Melding.model_validate(m) for m in generate(300, seed=5)]
    for advies in engine.evaluate(meldingen):
        assert list(advies.__dict__) == list(schema.Advies.model_fields)
        again = schema.Advies.model_construct(**advies.__dict__)
        assert advies == again and advies.model_fields_set == again.model_fields_set
        assert advies.model_dump_json() == again.model_dump_json()
        assert schema.Advies.model_validate_json(advies.model_dump_json()) == advies
        if advies.termijnen.model_fields_set:
            assert list(advies.termijnen.__dict__) == list(schema.Termijnen.model_fields)
