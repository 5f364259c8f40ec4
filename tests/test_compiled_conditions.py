"""Conditions compiled into closures once (issue 17) give what the reference reading gives, for every
rule of every variant on generated meldingen: the same truth and the same decisive facts."""

from __future__ import annotations

from zorgstraf import conditions as cond
from zorgstraf.fields import domain_facts, received_day
from zorgstraf.io import parse_melding
from zorgstraf.samples import generate
from zorgstraf.variants import Catalogue


def test_compiled_tests_and_decisive_facts_equal_the_reference_for_every_rule_of_every_variant():
    meldingen = [parse_melding(m, "t", i) for i, m in enumerate(generate(400, seed=17))]
    facts = [(domain_facts(m), received_day(m)) for m in meldingen]
    catalogue = Catalogue.of()
    checked = 0
    for variant in catalogue.all():
        ruleset = catalogue.ruleset(variant)
        for rule in ruleset.rules:
            test, why = cond.compile_test(rule.condition), cond.compile_decisive(rule.condition)
            for f, day in facts:
                assert test(f, day, ruleset.param) == cond.evaluate(rule.condition, f, day, ruleset.param), rule.id
                assert why(f, day, ruleset.param) == cond.decisive(rule.condition, f, day, ruleset.param), rule.id
                checked += 1
    assert checked > 10_000
