"""The package's own errors. Leaf parsers raise these; public entry points collect them.

Every error has a stable machine ``code`` and a Turkish ``message`` for the pharmacist.
"""

from __future__ import annotations


class EczaneError(Exception):
    """Base of every error the domain raises."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ParseError(EczaneError):
    """Input could not be read (a karekod, a date, a row)."""

    code = "syntax"


class RuleError(EczaneError):
    """Input was read but breaks a rule (a law article, a regulation, a window)."""

    code = "rule"
