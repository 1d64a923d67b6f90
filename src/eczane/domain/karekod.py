"""The karekod engine: one raw input (scanner, file, person) → one pack identity.

CONTRACT (other modules code against this; the karekod work fills in the body):

- ``parse_karekod(text, *, today, known=None) -> KarekodResult``
- ``KarekodResult.ok``, ``.value: Karekod | None``, ``.error: KarekodError | None``
- ``Karekod(gtin, serial, expiry, batch)`` with ``.key -> PackKey``,
  ``.element_string(gs="\\x1d") -> str`` and ``.hri() -> str``
- ``KarekodError(code, message, candidates=())``; codes: empty, syntax, unsupported_ai,
  duplicate_ai, missing_ai, check_digit, bad_gtin, bad_date, bad_serial, bad_batch, ambiguous
- ``resolve_ambiguous(result, known) -> KarekodResult``: pick the single candidate whose key is in
  ``known``.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date

from eczane.domain.pack import PackKey

GS = "\x1d"


@dataclass(frozen=True, slots=True)
class Karekod:
    """The four fields of a Turkish drug pack's GS1 DataMatrix."""

    gtin: str
    """AI 01: GTIN-14, check digit verified."""
    serial: str
    """AI 21: serial number."""
    expiry: date
    """AI 17: expiry date (DD=00 → last day of the month)."""
    batch: str
    """AI 10: batch/lot number."""

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)

    def element_string(self, gs: str = GS) -> str:
        """GS1 element string in the usual order 01-21-17-10, GS after variable fields."""
        raise NotImplementedError

    def hri(self) -> str:
        """Human-readable interpretation: ``(01)…(21)…(17)…(10)…``."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class KarekodError:
    """Why an input is not a karekod: a stable code and a Turkish message."""

    code: str
    message: str
    candidates: tuple[Karekod, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class KarekodResult:
    """Either a value or an error, never both."""

    value: Karekod | None = None
    error: KarekodError | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def parse_karekod(
    text: str,
    *,
    today: date,
    known: Container[PackKey] | Callable[[PackKey], bool] | None = None,
) -> KarekodResult:
    """Parse one raw input. ``today`` drives the GS1 century window for AI 17."""
    raise NotImplementedError


def resolve_ambiguous(
    result: KarekodResult, known: Container[PackKey] | Callable[[PackKey], bool]
) -> KarekodResult:
    """For an ``ambiguous`` result, keep the one candidate that ``known`` holds."""
    raise NotImplementedError
