"""Click's own words in Dutch (usage, options, errors), so every line a user of the CLI sees is
Dutch. Click looks its messages up through gettext; its modules get a translation with these
texts. What is not listed stays as Click wrote it."""

from __future__ import annotations

import gettext
import importlib

NL = {
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Commands": "Opdrachten",
    "Positional arguments": "Argumenten",
    "Show the version and exit.": "Toon de versie en stop.",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "Error: {message}": "Fout: {message}",
    "Try '{command} {option}' for help.": "Hulp: '{command} {option}'.",
    "Missing argument": "Argument ontbreekt",
    "Missing option": "Optie ontbreekt",
    "Missing parameter": "Waarde ontbreekt",
    "Missing command.": "Geef een opdracht.",
    "Missing {param_type}": "{param_type} ontbreekt",
    "Missing parameter: {param_name}": "Waarde ontbreekt: {param_name}",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} neemt {nargs} waarden.",
    "Aborted!": "Afgebroken.",
    "default: {default}": "standaard: {default}",
    "required": "verplicht",
    "env var: {var}": "omgevingsvariabele: {var}",
    "{value} is not in the range {range}.": "{value} ligt niet in het bereik {range}.",
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig {number_type}.",
    "integer": "geheel getal",
    "float": "getal",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} is geen ja/nee. Mogelijk: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} is een map.",
    "{name} {filename!r} is a file.": "{name} {filename!r} is een bestand.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} is niet schrijfbaar.",
    "Could not open file {filename!r}: {message}": "Kan bestand {filename!r} niet openen: {message}",
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "Choose from:\n\t{choices}": "Kies uit:\n\t{choices}",
    "Did you mean {possibility}?": "Bedoelde je {possibility}?",
    "Do you want to continue?": "Doorgaan?",
    "unknown error": "onbekende fout",
}
NL_PLURAL = {
    "Got unexpected extra argument ({args})": ("Onverwacht extra argument ({args})", "Onverwachte extra argumenten ({args})"),
    "Option {name!r} requires an argument.": ("Optie {name!r} heeft een waarde nodig.", "Optie {name!r} heeft {nargs} waarden nodig."),
    "{value!r} is not {choice}.": ("{value!r} is niet {choice}.", "{value!r} is niet een van {choices}."),
    "Did you mean {possibility}?": ("Bedoelde je {possibility}?", "(Bedoelde je een van: {possibilities}?)"),
    "Takes {nargs} values but 1 was given.": (
        "Neemt {nargs} waarden, maar er is er 1 gegeven.",
        "Neemt {nargs} waarden, maar er zijn er {len} gegeven.",
    ),
}


class _Dutch(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return NL.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        pair = NL_PLURAL.get(singular)
        if pair is None:
            return singular if n == 1 else plural
        return pair[0] if n == 1 else pair[1]


def install() -> None:
    """Give Click's modules the Dutch texts (their `_` and `ngettext` are module globals)."""
    dutch = _Dutch()
    _install_ranges()
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = dutch.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = dutch.ngettext  # type: ignore[attr-defined]


def dutch_metavars(group) -> None:
    """Options that name no metavar show their own name (--regio REGIO) instead of Click's TEXT or INTEGER."""
    import click

    commands = [group]
    while commands:
        command = commands.pop()
        if isinstance(command, click.Group):
            commands.extend(command.commands.values())
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and param.metavar is None and param.opts[0].startswith("--"):
                if isinstance(param.type, (click.types.StringParamType, click.types.IntParamType, click.types.FloatParamType)):
                    param.metavar = param.opts[0].lstrip("-").upper()
            elif isinstance(param, click.Option) and not param.is_flag and param.metavar is None:
                param.metavar = next((o for o in param.opts if o.startswith("--")), param.opts[0]).lstrip("-").upper()


def _describe_range(self) -> str:
    """`minstens 1`, `hoogstens 7`, `1 tot en met 7` instead of Click's `x>=1`."""
    low, high = self.min, self.max
    if low is not None and high is not None:
        return f"{low} tot en met {high}"
    return f"minstens {low}" if low is not None else f"hoogstens {high}"


def _install_ranges() -> None:
    import click

    click.types._NumberRangeBase._describe_range = _describe_range  # type: ignore[method-assign]
