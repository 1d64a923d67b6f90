"""The karekod's values and what can be wrong with them.

:class:`Karekod` (the four fields of a drug pack's GS1 DataMatrix), :class:`KarekodResult`,
:class:`KarekodError` with its stable codes (:data:`CODES`), :class:`KarekodWarning`, the checks
of the fixed-length fields (GTIN check digit, AI 17 date; each remembered once verified) and the
Turkish message for each way a field can be wrong. Messages are built only when reported.

The engine that reads raw input is :mod:`eczane.domain.karekod`, which re-exports the public
names here; import them from there. The underscore helpers are shared with it only.

>>> k = Karekod("08699504120011", "14078876651", date(2012, 12, 31), "K0016")
>>> k.hri()
'(01)08699504120011(21)14078876651(17)121231(10)K0016'
>>> _gtin_error("08699504120012").message
'GTIN (01) 08699504120012 kontrol hanesi hatalı: son hane 1 olmalı, 2 okundu.'
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date

from eczane.domain.errors import ParseError
from eczane.domain.gs1 import expiry_from_yymmdd, gtin_check_digit
from eczane.domain.pack import PackKey

GS = "\x1d"
"""ASCII group separator: how scanners transmit FNC1 used as a field separator."""

CODES = (
    "empty",
    "syntax",
    "unsupported_ai",
    "duplicate_ai",
    "missing_ai",
    "check_digit",
    "bad_gtin",
    "bad_date",
    "bad_serial",
    "bad_batch",
    "ambiguous",
    "not_karekod",
)
"""Every error code :func:`~eczane.domain.karekod.parse_karekod` can return."""

AIS = ("01", "21", "17", "10")
"""The four AIs of a drug pack karekod, in the usual printed order (its.md §6)."""

FIELD_NAMES = {"01": "GTIN", "21": "seri no", "17": "SKT", "10": "parti no"}
"""Turkish field names used in messages (the İTS panel's words)."""


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
        """The pack's stable identity (GTIN + serial), as İTS identifies a pack."""
        return PackKey(self.gtin, self.serial)

    def _yymmdd(self) -> str:
        e = self.expiry
        return f"{e.year % 100:02d}{e.month:02d}{e.day:02d}"

    def element_string(self, gs: str = GS) -> str:
        """GS1 element string in the usual order 01-21-17-10, GS after variable fields.

        The serial is followed by ``gs`` (AI 21 is variable length and another AI follows);
        the batch is last and needs none (GenSpecs §7.8.5).
        """
        return f"01{self.gtin}21{self.serial}{gs}17{self._yymmdd()}10{self.batch}"

    def hri(self) -> str:
        """Human-readable interpretation: ``(01)…(21)…(17)…(10)…``."""
        return f"(01){self.gtin}(21){self.serial}(17){self._yymmdd()}(10){self.batch}"

    @classmethod
    def parse(cls, text: str, *, today: date) -> Karekod:
        """Parse or raise :class:`~eczane.domain.errors.ParseError` carrying the error code."""
        from eczane.domain.karekod import parse_karekod  # the engine is built on this module

        result = parse_karekod(text, today=today)
        if result.value is None:
            assert result.error is not None
            raise ParseError(result.error.message, code=result.error.code)
        return result.value


@dataclass(frozen=True, slots=True)
class KarekodError:
    """Why an input is not a karekod: a stable code and a Turkish message."""

    code: str
    """One of :data:`CODES`."""
    message: str
    """Turkish, for the pharmacist: which field and why."""
    candidates: tuple[Karekod, ...] = field(default=())
    """For ``ambiguous``: every valid reading (at most
    :data:`~eczane.domain.karekod.MAX_CANDIDATES`)."""


@dataclass(frozen=True, slots=True)
class KarekodWarning:
    """Something the pharmacist should know about an accepted karekod."""

    code: str
    """``keyboard_layout``, ``no_separator``, ``resolved``, ``its_charset`` or ``case_folded``."""
    message: str
    """Turkish."""


@dataclass(frozen=True, slots=True)
class KarekodResult:
    """Either a value or an error, never both; warnings only with a value."""

    value: Karekod | None = None
    error: KarekodError | None = None
    warnings: tuple[KarekodWarning, ...] = ()

    @property
    def ok(self) -> bool:
        return self.value is not None


# ---------------------------------------------------------------- messages


def _err(code: str, message: str) -> KarekodError:
    return KarekodError(code, message)


def _show(value: str, limit: int = 30) -> str:
    """A value for a message: quoted, control characters visible, long values shortened."""
    v = value if len(value) <= limit else value[:limit] + "…"
    return "'" + v.replace(GS, "<GS>").replace("\r", "\\r").replace("\n", "\\n") + "'"


_EMPTY = KarekodResult(error=_err("empty", "Karekod boş: okutulan veri yok."))


def _gtin_error(value: str) -> KarekodError | None:
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return _err(
            "bad_gtin",
            f"GTIN (01) 14 rakam olmalı; okunan: {_show(value)}.",
        )
    expected = _check_digit(value)
    if expected != value[13]:
        return _err(
            "check_digit",
            f"GTIN (01) {value} kontrol hanesi hatalı: son hane {expected} olmalı, "
            f"{value[13]} okundu.",
        )
    return None


_GTIN_OK: dict[str, bool] = {}
"""Memo of GTINs already verified (a pharmacy sees a few thousand distinct GTINs)."""


def _check_digit(gtin: str) -> str:
    expected = gtin_check_digit(gtin[:13])
    if expected == gtin[13]:
        if len(_GTIN_OK) > 100_000:
            _GTIN_OK.clear()
        _GTIN_OK[gtin] = True
    return expected


_DATE_CACHE: dict[int, dict[str, date]] = {}
"""Memo of valid AI 17 values per current year (the century window depends on it)."""


def _dates_for(today: date) -> dict[str, date]:
    dates = _DATE_CACHE.get(today.year)
    if dates is None:
        dates = _DATE_CACHE[today.year] = {}
    elif len(dates) > 100_000:
        dates.clear()
    return dates


def _expiry(value: str, today: date) -> date | KarekodError:
    try:
        got = expiry_from_yymmdd(value, today=today)
    except ValueError:
        return _err(
            "bad_date",
            f"SKT (17) geçersiz: {_show(value)}; YYAAGG biçiminde gerçek bir tarih "
            "olmalı (GG=00 ayın son günü demektir).",
        )
    _dates_for(today)[value] = got
    return got


def _variable_error(ai: str, value: str, bad: str | None) -> KarekodError:
    code = "bad_serial" if ai == "21" else "bad_batch"
    name = f"{FIELD_NAMES[ai].capitalize()} ({ai})"
    if bad is not None:
        shown = {GS: "<GS>", " ": "boşluk"}.get(bad, bad)
        return _err(
            code,
            f"{name} geçersiz karakter içeriyor: '{shown}' GS1 karakter kümesinde yok; "
            f"okunan: {_show(value)}.",
        )
    if not value:
        return _err(code, f"{name} boş.")
    return _err(code, f"{name} en çok 20 karakter olabilir; okunan: {_show(value)}.")


def _missing(seen: Container[str]) -> KarekodError:
    missing = [f"({ai}) {FIELD_NAMES[ai]}" for ai in AIS if ai not in seen]
    return _err("missing_ai", "Karekodda eksik alan: " + ", ".join(missing) + ".")


def _duplicate(ai: str) -> KarekodError:
    return _err("duplicate_ai", f"Karekodda ({ai}) {FIELD_NAMES[ai]} alanı birden fazla kez var.")


def _unknown_ai(s: str, pos: int) -> KarekodError:
    ai = s[pos : pos + 2]
    if len(ai) == 2 and ai.isascii() and ai.isdigit():
        return _err(
            "unsupported_ai",
            f"Karekodda desteklenmeyen uygulama tanımlayıcısı ({ai}) var ({pos + 1}. karakter); "
            "ilaç karekodunda yalnızca (01), (21), (17) ve (10) bulunur.",
        )
    return _err(
        "syntax",
        f"Karekod okunamadı: {pos + 1}. karakterde uygulama tanımlayıcısı (AI) bekleniyordu, "
        f"{_show(s[pos : pos + 10])} geldi.",
    )


_LINEAR = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14 / ITF-14"}
"""Lengths of the linear (1D) GS1 barcodes that carry only a GTIN (GenSpecs §2.1, §5.2)."""


def _linear_barcode(digits: str) -> KarekodError | None:
    """A plain EAN/UPC/ITF-14 number (right length, valid check digit) read instead of the
    karekod: the box's linear barcode, never a pack (issue 14, finding 9). A karekod holds at
    least 28 characters, so no such input is ever a karekod."""
    kind = _LINEAR.get(len(digits))
    if kind is None or gtin_check_digit(digits[:-1]) != digits[-1]:
        return None
    return _err(
        "not_karekod",
        "Bu bir ilaç karekodu değil (kutu üzerindeki 2B karekodu okutun): "
        f"çizgili barkod ({kind}) okundu.",
    )


def _ambiguous(candidates: tuple[Karekod, ...]) -> KarekodError:
    return KarekodError(
        "ambiguous",
        f"Karekodda ayraç (GS) eksik ve {len(candidates)} farklı şekilde okunabiliyor; "
        "doğru paketi listeden seçin ya da okuyucuyu GS gönderecek şekilde ayarlayın.",
        candidates,
    )


def _unsupported_hri_ai(ai: str) -> KarekodError:
    return _err(
        "unsupported_ai",
        f"Karekodda desteklenmeyen uygulama tanımlayıcısı ({ai}) var; "
        "ilaç karekodunda yalnızca (01), (21), (17) ve (10) bulunur.",
    )


# ---------------------------------------------------------------- warnings


_NO_SEPARATOR = KarekodWarning(
    "no_separator",
    "Karekodda ayraç (GS) eksikti; alanlar tek geçerli okumaya göre ayrıldı.",
)

_LAYOUT = KarekodWarning(
    "keyboard_layout",
    "Okuyucu Türkçe-Q klavye düzeninde yazmış (ör. ']' yerine 'ü'); veri ABD düzenine göre "
    "düzeltilerek okundu. Okuyucuyu ya da bilgisayarın klavye düzenini ayarlayın.",
)

_CASE_FOLDED = KarekodWarning(
    "case_folded",
    "Seri/parti no küçük harfle okundu (okuyucuda ya da klavyede Caps Lock açık olabilir); "
    "İTS yalnız büyük harf kullandığı için büyük harfe çevrildi.",
)


def _its_charset(ai: str, value: str) -> KarekodWarning:
    """A serial (21) or batch (10) outside ``[A-Z0-9]``, all İTS accepts (its.md §6, SAN WSDL)."""
    return KarekodWarning(
        "its_charset",
        f"{FIELD_NAMES[ai].capitalize()} ({ai}) {_show(value)} İTS'nin kabul ettiği "
        "karakterler (A–Z, 0–9) dışında karakter içeriyor; İTS bildirimi "
        "reddedebilir.",
    )


def _resolved(readings: int, key: PackKey) -> KarekodWarning:
    return KarekodWarning(
        "resolved",
        f"Karekodda ayraç (GS) eksikti ve {readings} şekilde okunabiliyordu; "
        f"listede olan paket seçildi: {key}.",
    )
