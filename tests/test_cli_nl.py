"""Every string a Dutch user of the CLI sees is Dutch, Click's own included."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from zorgstraf.cli import main

ENGLISH = [
    "Usage:",
    "Options:",
    "Commands:",
    "Show this message",
    "Show the version",
    "TEXT",
    "INTEGER",
    "x>=",
    "Missing argument",
    "No such command",
    "Invalid value",
    "[default:",
    "[required]",
]


def _commands(group, prefix=()):
    import click

    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(_commands(main)))
def test_help_of_every_command_is_dutch(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Gebruik:" in result.output and not [w for w in ENGLISH if w in result.output], result.output


@pytest.mark.parametrize(
    "args, dutch",
    [
        (["triaage"], "Onbekende opdracht 'triaage'. Bedoelde je 'triage'?"),
        (["triage"], "Argument ontbreekt 'INPUT'"),
        (["triage", "x.jsonl", "--format", "xlsx"], "Ongeldige waarde voor '--format'"),
        (["retentie", "--dagen", "0"], "ligt niet in het bereik minstens 1"),
        (["--version"], "versie"),
    ],
)
def test_usage_errors_are_dutch(args, dutch):
    result = CliRunner().invoke(main, args)
    assert dutch in result.output and not [w for w in ENGLISH if w in result.output], result.output
