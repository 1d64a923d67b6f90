"""The karekod engine: one raw input (scanner, file, person) → one pack identity.

A Turkish drug pack's karekod is a GS1 DataMatrix holding four element strings, each exactly
once, in any order: AI 01 GTIN-14, AI 21 serial, AI 17 expiry (YYMMDD), AI 10 batch
(``../shared/research/its.md`` §6; GS1 General Specifications §3.2, §3.4.7, §3.5.x).

Inputs accepted (all lead to the same :class:`Karekod`):

- raw element strings with GS (0x1D) after variable-length fields, with or without a leading
  symbology identifier (``]d2``, ``]C1``, ``]Q3``) or FNC1/GS, with trailing CR/LF/spaces;
- the textual separators scanners are set up to send instead of GS: ``<GS>``, ``{GS}``,
  ``[GS]``, ``|``;
- the human-readable interpretation ``(01)…(21)…(17)…(10)…``;
- a US-layout scanner typing into a Turkish-Q keyboard layout (see
  :data:`~eczane.domain.keyboard.TURKISH_Q_TO_US`);
- no separators at all: every split valid under the GS1 syntax is enumerated; exactly one is
  accepted, several give the error ``ambiguous`` with the candidates, which the caller may
  resolve against the packs it knows (:func:`resolve_ambiguous`).

This module reads; the value types (:class:`Karekod`, :class:`KarekodResult`…), the checks of
single fields and every Turkish message are in :mod:`eczane.domain.karekod_fields`, the
keyboard layout in :mod:`eczane.domain.keyboard`. Import the public names from here.

>>> today = date(2026, 11, 23)
>>> r = parse_karekod("]d201086995041200112114078876651\\x1d1712123110K0016\\r\\n", today=today)
>>> r.ok, r.value.gtin, r.value.serial, r.value.expiry.isoformat(), r.value.batch
(True, '08699504120011', '14078876651', '2012-12-31', 'K0016')
>>> parse_karekod("(01)08699504120011(21)14078876651(17)121231(10)K0016", today=today).value == r.value
True
>>> parse_karekod("010869950412001121140788766511712123110K0016", today=today).value == r.value
True
>>> r.value.hri()
'(01)08699504120011(21)14078876651(17)121231(10)K0016'
>>> parse_karekod("01086995041200122114078876651", today=today).error.code
'check_digit'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from datetime import date

from eczane.domain.gs1 import CHARSET_82_RUN
from eczane.domain.karekod_fields import (
    _CASE_FOLDED,
    _EMPTY,
    _GTIN_OK,
    _LAYOUT,
    _NO_SEPARATOR,
    AIS,
    CODES,
    FIELD_NAMES,
    GS,
    Karekod,
    KarekodError,
    KarekodResult,
    KarekodWarning,
    _ambiguous,
    _dates_for,
    _duplicate,
    _err,
    _expiry,
    _gtin_error,
    _its_charset,
    _linear_barcode,
    _missing,
    _resolved,
    _unknown_ai,
    _unsupported_hri_ai,
    _variable_error,
)
from eczane.domain.keyboard import TURKISH_Q_TO_US, typed_on_turkish_q, us_from_turkish_q
from eczane.domain.pack import PackKey

__all__ = [  # the engine's public names; the value types live in karekod_fields.py
    "AIS",
    "CODES",
    "FIELD_NAMES",
    "GS",
    "MAX_CANDIDATES",
    "TURKISH_Q_TO_US",
    "Karekod",
    "KarekodError",
    "KarekodResult",
    "KarekodWarning",
    "parse_karekod",
    "resolve_ambiguous",
]

MAX_CANDIDATES = 32
"""Bound of the no-separator enumeration: at most this many readings are collected."""

_gtin_ok = _GTIN_OK.get
"""Whether a GTIN is already verified. Bound once: CPython compiles ``_GTIN_OK.get(…)`` on an
imported name as an attribute load that builds a bound method on every call (the hot path)."""

_TEXT_SEPARATORS = ("<GS>", "{GS}", "[GS]", "<gs>", "{gs}", "[gs]", "|")
_STRIP = " \t\r\n\x00\x04\ufeff"
_HRI_SPLIT = re.compile(r"\s*\(([0-9]{2,4})\)\s*")
_ITS_CHARSET = re.compile(r"[A-Z0-9]+")
_C82 = r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]"
_FAST = re.compile(
    rf"(?:\][A-Za-z][0-9])?\x1d?01([0-9]{{14}})21({_C82}{{1,20}})\x1d17([0-9]{{6}})"
    rf"10({_C82}{{1,20}})[\x1d \t\r\n]*\Z"
)
"""The common case (scanner sends GS, order 01-21-17-10), matched in one go. Only values
already verified (GTIN check digit, date) take this path; everything else takes the full one."""


# ---------------------------------------------------------------- parsing


def _up_to_gs(s: str, start: int) -> str:
    end = s.find(GS, start)
    return s[start:] if end < 0 else s[start:end]


def _strict(s: str, today: date) -> Karekod | KarekodError:
    """Parse an element string whose variable fields all end at GS or at the end."""
    n = len(s)
    pos = 0
    gtin = serial = batch = None
    expiry: date | None = None
    while pos < n:
        if s[pos] == GS:
            pos += 1
            continue
        ai = s[pos : pos + 2]
        if ai == "01":
            if gtin is not None:
                return _duplicate(ai)
            gtin = s[pos + 2 : pos + 16]
            if _gtin_ok(gtin) is not True:
                gerr = _gtin_error(gtin)
                if gerr is not None:
                    return gerr
            pos += 16
        elif ai == "17":
            if expiry is not None:
                return _duplicate(ai)
            value = s[pos + 2 : pos + 8]
            got = _dates_for(today).get(value) or _expiry(value, today)
            if isinstance(got, KarekodError):
                return got
            expiry = got
            pos += 8
        elif ai == "21" or ai == "10":
            if (serial if ai == "21" else batch) is not None:
                return _duplicate(ai)
            start = pos + 2
            end = CHARSET_82_RUN.match(s, start, start + 21).end()  # type: ignore[union-attr]
            value = s[start:end]
            if end < n and s[end] != GS and len(value) <= 20:
                return _variable_error(ai, _up_to_gs(s, start), s[end])
            if not value or len(value) > 20:
                return _variable_error(ai, _up_to_gs(s, start), None)
            if ai == "21":
                serial = value
            else:
                batch = value
            pos = end
        else:
            return _unknown_ai(s, pos)
    if gtin is None or serial is None or expiry is None or batch is None:
        return _missing(
            [a for a, v in zip(AIS, (gtin, serial, expiry, batch), strict=True) if v is not None]
        )
    return Karekod(gtin, serial, expiry, batch)


class _Best:
    """The deepest failure seen so far; its message is built only if it is reported."""

    __slots__ = ("rank", "make", "args")

    def __init__(self) -> None:
        self.rank: tuple[bool, int, int] = (False, -1, -1)
        self.make: Callable[..., KarekodError] = _missing_of
        self.args: tuple[object, ...] = (None, None, None, None)


_MAX_LEN = {"01": 16, "17": 8, "21": 22, "10": 22}
_MIN_LEN = {"01": 16, "17": 8, "21": 3, "10": 3}
def _unread_table(other_var: str) -> list[tuple[tuple[str, ...], int, int]]:
    table = []
    for index in range(8):  # bits: GTIN unread (4), expiry unread (2), other variable field (1)
        others = tuple(a for a, bit in (("01", 4), ("17", 2), (other_var, 1)) if index & bit)
        table.append((others, sum(_MAX_LEN[a] for a in others),
                      sum(_MIN_LEN[a] for a in others)))
    return table


_UNREAD_21 = _unread_table("10")
_UNREAD_10 = _unread_table("21")
"""For the field being read (21, 10), indexed by which other fields are unread: the AIs it may
end at, and the longest and shortest those fields can be together (with their AIs)."""


def _enumerate(s: str, today: date) -> tuple[tuple[Karekod, ...], KarekodError | None]:
    """Every reading of an element string without any separator (GS), or why there is none.

    A first walk only looks for readings (and skips splits whose rest is too short for the
    fields still unread); only when it finds none does a second walk, which tries every split,
    find the failure to report. Both find the same readings in the same order."""
    found, _ = _walk_all(s, today, track=False)
    if found:
        return found, None
    return _walk_all(s, today, track=True)


def _walk_all(s: str, today: date, *, track: bool
              ) -> tuple[tuple[Karekod, ...], KarekodError | None]:
    """Every reading of an element string without any separator (GS).

    A variable field (21, 10) may end at the end, or wherever the next two characters are an AI
    not yet read; fixed fields are checked on the spot (GTIN check digit, real date).
    The search is bounded: a variable field has at most 20 possible ends, the depth is 4, and
    at most :data:`MAX_CANDIDATES` readings are collected. When nothing fits, the error of the
    deepest failed reading (then the furthest in the string) is reported; messages are built
    only for that one.
    """
    n = len(s)
    found: list[Karekod] = []
    best = _Best()
    dates = _dates_for(today)

    def fail(depth: int, pos: int, make: Callable[..., KarekodError], *args: object) -> None:
        if not track:
            return
        rank = (make is not _missing_of and make is not _duplicate, depth, pos)
        if rank > best.rank:
            best.rank, best.make, best.args = rank, make, args

    def walk(
        pos: int,
        gtin: str | None,
        serial: str | None,
        expiry: date | None,
        batch: str | None,
        depth: int,
    ) -> None:
        while True:  # fixed-length fields are read in this loop; variable ones branch
            if pos >= n:
                if depth == 4:
                    if len(found) < MAX_CANDIDATES:
                        found.append(Karekod(gtin, serial, expiry, batch))  # type: ignore[arg-type]
                else:
                    fail(depth, pos, _missing_of, gtin, serial, expiry, batch)
                return
            if len(found) >= MAX_CANDIDATES:
                return
            ai = s[pos : pos + 2]
            if ai == "01":
                if gtin is not None:
                    fail(depth, pos, _duplicate, ai)
                    return
                value = s[pos + 2 : pos + 16]
                if _gtin_ok(value) is not True:
                    gerr = _gtin_error(value)
                    if gerr is not None:
                        fail(depth, pos, _same, gerr)
                        return
                gtin, pos, depth = value, pos + 16, depth + 1
                continue
            if ai == "17":
                if expiry is not None:
                    fail(depth, pos, _duplicate, ai)
                    return
                value = s[pos + 2 : pos + 8]
                got = dates.get(value) or _expiry(value, today)
                if isinstance(got, KarekodError):
                    fail(depth, pos, _same, got)
                    return
                expiry, pos, depth = got, pos + 8, depth + 1
                continue
            if ai != "21" and ai != "10":
                fail(depth, pos, _unknown_ai, s, pos)
                return
            if (serial if ai == "21" else batch) is not None:
                fail(depth, pos, _duplicate, ai)
                return
            start = pos + 2
            end = CHARSET_82_RUN.match(s, start, start + 21).end()  # type: ignore[union-attr]
            last = min(end, start + 20)
            ends = []
            if start < end <= start + 20 and end == n:
                ends.append(end)
            # the other unread AIs: where each occurs, the field may end; the longest
            # (shortest) the other unread fields can be, with their AIs
            index = (gtin is None) * 4 + (expiry is None) * 2
            if ai == "21":
                others, most, least = _UNREAD_21[index + (batch is None)]
            else:
                others, most, least = _UNREAD_10[index + (serial is None)]
            for other in others:
                i = s.find(other, start + 1, last + 2)
                while 0 <= i <= last:
                    ends.append(i)
                    i = s.find(other, i + 1, last + 2)
            if len(ends) > 1:
                ends = sorted(set(ends))
            if track:
                least = 0
            for q in ends:
                if n - q > most or n - q < least:
                    continue  # the rest is longer (shorter) than the unread fields can be
                if q == n and depth == 3:  # the last field ends the input: a reading
                    if len(found) < MAX_CANDIDATES:
                        found.append(Karekod(gtin, s[start:q], expiry, batch)  # type: ignore[arg-type]
                                     if ai == "21" else Karekod(gtin, serial, expiry, s[start:q]))  # type: ignore[arg-type]
                elif ai == "21":
                    walk(q, gtin, s[start:q], expiry, batch, depth + 1)
                else:
                    walk(q, gtin, serial, expiry, s[start:q], depth + 1)
            if end < n and end - start <= 20:
                fail(depth, pos, _variable_error, ai, _up_to_gs(s, start), s[end])
            elif end == start or end - start > 20:
                fail(depth, pos, _variable_error, ai, s[start : start + 21], None)
            return

    walk(0, None, None, None, None, 0)
    if found or not track:
        return tuple(found), None
    return (), best.make(*best.args)


def _missing_of(*values: object) -> KarekodError:
    return _missing([ai for ai, v in zip(AIS, values, strict=True) if v is not None])


def _same(error: KarekodError) -> KarekodError:
    return error


def _hri(s: str, today: date) -> Karekod | KarekodError:
    """Parse ``(01)…(21)…(17)…(10)…``; a value ends where the next ``(NN)`` begins."""
    parts = _HRI_SPLIT.split(s)
    if parts[0]:
        return _unknown_ai(s, 0)
    element = []
    seen: set[str] = set()
    for i in range(1, len(parts), 2):
        ai, value = parts[i], parts[i + 1].replace(GS, "")
        if ai not in FIELD_NAMES:
            return _unsupported_hri_ai(ai)
        if ai in seen:
            return _duplicate(ai)
        seen.add(ai)
        if ai == "01" and len(value) != 14:
            return _gtin_error(value) or _err("bad_gtin", "")
        if ai == "17" and len(value) != 6:
            got = _expiry(value, today)
            assert isinstance(got, KarekodError)
            return got
        element.append(ai + value + (GS if ai in ("21", "10") else ""))
    return _strict("".join(element), today)


def _normalise(text: str) -> str:
    """Strip whitespace, a symbology identifier, textual separators and leading/trailing GS."""
    s = text.strip(_STRIP)
    if s[:1] == "]" and len(s) >= 3:
        # AIM symbology identifier ]cm: ]d2 GS1 DataMatrix, ]C1 GS1-128, ]Q3 GS1 QR (ISO/IEC 15424)
        s = s[3:]
    if "|" in s or "GS" in s or "gs" in s:
        for sep in _TEXT_SEPARATORS:
            if sep in s:
                s = s.replace(sep, GS)
    return s.strip(GS + _STRIP)


def _read(s: str, today: date) -> KarekodResult:
    """One reading of an already decoded string (no layout guessing).

    Where a separator is present, fields end at it: a variable-length field (21, 10) ends only
    at a GS or at the end, so the strict reading is the only one (issue 14: a serial that holds
    "10…" before its GS is not a shorter serial plus a batch). Splits are enumerated only for
    an input with no separator at all.
    """
    s = _normalise(s)
    if not s:
        return _EMPTY
    if s[0] == "(":
        got = _hri(s, today)
    elif GS in s:
        got = _strict(s, today)
    else:
        if len(s) <= 14 and s.isdigit():
            linear = _linear_barcode(s)
            if linear is not None:
                return KarekodResult(error=linear)
        found, error = _enumerate(s, today)
        assert found or error is not None
        return _from_enumeration(found, error)
    if isinstance(got, Karekod):
        return KarekodResult(got)
    return KarekodResult(error=got)


def _from_enumeration(found: tuple[Karekod, ...], error: KarekodError | None) -> KarekodResult:
    if len(found) == 1:
        return KarekodResult(found[0], warnings=(_NO_SEPARATOR,))
    if found:
        return KarekodResult(error=_ambiguous(found))
    assert error is not None
    return KarekodResult(error=error)


def _its_warnings(k: Karekod) -> tuple[KarekodWarning, ...]:
    """İTS's schema allows only ``[A-Z0-9]`` in SN and BN (its.md §6, SAN WSDL)."""
    out = []
    for ai, value in (("21", k.serial), ("10", k.batch)):
        if _ITS_CHARSET.fullmatch(value) is None:
            out.append(_its_charset(ai, value))
    return tuple(out)


def parse_karekod(
    text: str,
    *,
    today: date,
    known: Container[PackKey] | Callable[[PackKey], bool] | None = None,
    its_case: bool = False,
) -> KarekodResult:
    """Parse one raw input into a :class:`Karekod` or a :class:`KarekodError`.

    Args:
        text: what the scanner, file or person gave, as is.
        today: drives the GS1 century window for AI 17 (GenSpecs §7.12).
        known: optional set of known packs (or a predicate); an ``ambiguous`` result is
            resolved to the single candidate it holds (:func:`resolve_ambiguous`).
        its_case: read serial and batch in İTS's form, upper case. İTS stores SN and BN as
            ``[A-Z0-9]`` only (its.md §6, SAN WSDL), so a lower-case letter can only come from
            the way it was typed — typically a keyboard-wedge scanner with Caps Lock on, which
            inverts the case of every letter. Every pharmacy path that compares a scan with
            İTS's list (count, on-hand list, in-transit list) sets it, so both sides use one key;
            plain GS1 parsing (``eczane karekod parse``) keeps the case as read.

    Returns:
        A result with ``value`` (and warnings) or ``error``; never raises on bad input.

    References:
        GS1 General Specifications §3.2, §7.8.5, §7.9.1, §7.11, §7.12; its.md §6.
    """
    result = _parse(text, today)
    if its_case:
        result = _its_case(result)
    if known is not None and result.error is not None and result.error.code == "ambiguous":
        result = resolve_ambiguous(result, known)
    if result.value is not None:
        if _ITS_CHARSET.fullmatch(result.value.serial + result.value.batch) is None:
            result = KarekodResult(result.value, None,
                                   result.warnings + _its_warnings(result.value))
    elif result.warnings:
        result = KarekodResult(None, result.error)
    return result


def _parse(text: str, today: date) -> KarekodResult:
    m = _FAST.match(text)
    if m is not None:
        gtin, serial, yymmdd, batch = m.groups()
        expiry = _dates_for(today).get(yymmdd)
        if expiry is not None and _gtin_ok(gtin) is True and "<" not in serial + batch:
            return KarekodResult(Karekod(gtin, serial, expiry, batch))
    if not text or not text.strip(_STRIP):
        return _EMPTY
    if text.isascii():
        return _read(text, today)
    if typed_on_turkish_q(text):
        result = _read(us_from_turkish_q(text), today)
        if not result.ok:
            second = _read(us_from_turkish_q(text, letters_only=True), today)
            if second.ok:
                result = second
        return KarekodResult(result.value, result.error, (_LAYOUT, *result.warnings))
    return _read(text, today)


def _upper(k: Karekod) -> Karekod:
    return Karekod(k.gtin, k.serial.upper(), k.expiry, k.batch.upper())


def _its_case(result: KarekodResult) -> KarekodResult:
    """Serial and batch in upper case (ASCII letters; other characters are left as read)."""
    k = result.value
    if k is not None:
        if not any("a" <= c <= "z" for c in k.serial + k.batch):
            return result
        return KarekodResult(_upper(k), None, (*result.warnings, _CASE_FOLDED))
    error = result.error
    if error is not None and error.candidates:
        # Folding may merge readings: rebuild the result (and its count in the message).
        again = _from_enumeration(tuple(dict.fromkeys(_upper(c) for c in error.candidates)), None)
        if again.value is not None:
            return KarekodResult(again.value, None, (*result.warnings, *again.warnings,
                                                     _CASE_FOLDED))
        return again
    return result


def resolve_ambiguous(
    result: KarekodResult, known: Container[PackKey] | Callable[[PackKey], bool]
) -> KarekodResult:
    """For an ``ambiguous`` result, keep the one candidate that ``known`` holds.

    Any other result is returned unchanged. If no candidate or several are known, the result
    stays ``ambiguous`` (with the known ones as candidates when there are several).
    """
    error = result.error
    if error is None or error.code != "ambiguous":
        return result
    test: Callable[[PackKey], bool] = known if callable(known) else known.__contains__
    hits = tuple(c for c in error.candidates if test(c.key))
    if len(hits) == 1:
        return KarekodResult(hits[0], warnings=(_resolved(len(error.candidates), hits[0].key),))
    if len(hits) > 1:
        return KarekodResult(error=_ambiguous(hits))
    return result
