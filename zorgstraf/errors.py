"""One exception tree for everything zorgstraf raises on purpose.

Every error carries a one-line message fit for stderr; the CLI prints `str(error)`
and never a traceback.
"""

from __future__ import annotations


class ZorgstrafError(Exception):
    """Base of all expected errors."""


class RuleFileError(ZorgstrafError):
    """A rule, parameter or overlay file is invalid. Prints as `file:line: message`."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line if line is not None else 1}: {message}")


class RuleFileErrors(ZorgstrafError):
    """Several rule file errors found in one pass (rules check reports them all)."""

    def __init__(self, errors: list[RuleFileError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class InputError(ZorgstrafError):
    """A melding could not be read or does not fit the contract."""

    def __init__(self, source: str, line: int | None, field: str | None, reason: str, column: str | None = None):
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
        self.column = column  # the user's own column header, when it differs from the field name
        where = source if line is None else f"{source}:{line}"
        what = (
            f"kolom '{column}' (veld '{field}'): "
            if column and field
            else f"kolom '{column}': "
            if column
            else f"veld '{field}': "
            if field
            else ""
        )
        super().__init__(f"{where}: {what}{reason}")

    def __reduce__(self):  # travels to and from worker processes whole
        return (InputError, (self.source, self.line, self.field, self.reason, self.column))


class EngineError(ZorgstrafError):
    """The rule engine failed in a way the wrapper could not absorb."""


class ConfigError(ZorgstrafError):
    """Usage or configuration problem (exit code 2)."""


class NotFound(ZorgstrafError):
    """Not in the store, or not for this key: the two answer alike, so ids cannot be probed."""


class NotYours(ZorgstrafError):
    """The key does not hold the role for this region."""


class TooMany(ZorgstrafError):
    """More agreements for one melding than the limit."""


class Closed(ZorgstrafError):
    """The agreement is done or withdrawn: final, it stays as it was (reopen it first)."""


class Conflict(ZorgstrafError):
    """The melding id is stored already with other content (a correction is a new melding_id)."""


class TooEarly(ZorgstrafError):
    """An Actie-overleg cannot be closed before its day."""


def closest(word: object, options) -> str | None:
    """The option nearest to `word` (difflib, cutoff 0.6), if any is near enough."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: object, options, *, brackets: bool = False) -> str:
    """The one did-you-mean for every message: `; bedoelde je 'x'?` (or ` (bedoelde je 'x'?)` inside a
    rule-file message), empty when nothing is near."""
    near = closest(word, options)
    if near is None:
        return ""
    return f" (bedoelde je '{near}'?)" if brackets else f"; bedoelde je '{near}'?"


class TooMuchRetention(ConfigError):
    """Retention would delete more than the allowed share of the store without confirmation."""
