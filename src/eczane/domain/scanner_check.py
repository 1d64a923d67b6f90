"""Okuyucu testi: what a keyboard-wedge scanner did to a karekod we printed, and what to change.

eczane prints a test sheet (:data:`TEST_LABELS`); the pharmacist scans the labels in order on
the check page. Because we generated the labels, the expected text of each is known, so every
difference between what arrived and what was printed can be named. Each finding is a
:class:`Symptom` with a stable ``code`` (stored with the count session) and a Turkish sentence
that says what to change on the scanner or the PC.

>>> label = TEST_LABELS[2]            # the serial with ``i`` and ``;``
>>> typed = label.expected.replace("i", "ı").replace(";", "ş")
>>> [s.code for s in diagnose_read(label, ScanRead(typed, ended_by="enter")).symptoms]
['turkish_q']
>>> [s.code for s in diagnose_read(TEST_LABELS[0], ScanRead("]d2" + TEST_LABELS[0].expected,
...                                                          ended_by="timeout")).symptoms]
['no_enter', 'prefix']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

from eczane.domain.karekod import GS, Karekod
from eczane.domain.keyboard import typed_on_turkish_q, us_from_turkish_q

SLOW_MS = 30.0
"""Median time between two characters above which the scanner counts as slow.

A USB HID keyboard-wedge scanner at its default speed sends a character every 1–10 ms
(scanner manuals call the setting "intercharacter delay" or "USB keystroke delay"; Honeywell
and Zebra ship it at 0 ms); Playwright's ``keyboard.type`` in this project's Chromium test
arrives at under 5 ms. A person types at 100–300 ms. Above 30 ms a 45-character karekod takes
more than a second and a count of a thousand packs loses a quarter of an hour."""

ENTER_KEYS = frozenset({"enter", "tab"})
"""How a read may end and count as "the scanner sent a terminator" (the count page accepts
both, ``web/static/count.js``)."""

_PREFIX = re.compile(r"\][A-Za-z][0-9]")
"""AIM symbology identifier ``]cm`` (ISO/IEC 15424): ``]d2`` GS1 DataMatrix, ``]C1``, ``]Q3``."""
_TEXT_SEPARATORS = ("<GS>", "{GS}", "[GS]", "|")
"""Text some scanners send instead of GS (see :mod:`eczane.domain.karekod`)."""


@dataclass(frozen=True)
class TestLabel:
    """One label of the printed test sheet."""

    __test__ = False  # not a pytest class

    number: int
    """1-based position on the sheet; the pharmacist scans them in this order."""
    title: str
    """What the label tests, in Turkish (printed under it)."""
    karekod: Karekod
    """The pack identity the label carries."""

    @property
    def expected(self) -> str:
        """What a well set-up scanner types: the element string, GS after the serial."""
        return self.karekod.element_string()


_GTIN = "08699504120011"
_EXPIRY = date(2030, 12, 31)
TEST_LABELS: tuple[TestLabel, ...] = (
    TestLabel(1, "GS ayraçları", Karekod(_GTIN, "14078876651", _EXPIRY, "K0016")),
    TestLabel(2, "Küçük harfli seri numarası", Karekod(_GTIN, "abXy7k3mQ", _EXPIRY, "B12")),
    TestLabel(3, "Seride i ve ; (Türkçe Q denetimi)", Karekod(_GTIN, "Ki;29i", _EXPIRY, "T7")),
    TestLabel(4, "20 karakterlik seri numarası",
              Karekod(_GTIN, "ABCDEFGH1234567890XY", _EXPIRY, "L20")),
)
"""The test sheet. Sources of each case: GS after a variable-length field (GS1 General
Specifications §7.8.5); lower-case serials are allowed by GS1 character set 82 (§7.11) and
turned around by Caps Lock; ``i`` and ``;`` are the characters a US-layout scanner typing into a
Turkish-Q PC turns into ``ı`` and ``ş`` (:data:`eczane.domain.keyboard.TURKISH_Q_TO_US`,
``../shared/research/its.md`` §6); 20 characters is the longest serial AI 21 allows (§3.5.2)."""


@dataclass(frozen=True)
class ScanRead:
    """What arrived in the check page's input for one label."""

    raw: str
    """The characters as received (GS as ``\\x1d``)."""
    ended_by: str = "enter"
    """``enter`` / ``tab`` (a terminator came), ``timeout`` (no key for a while), ``blur``."""
    intervals_ms: tuple[float, ...] = ()
    """Milliseconds between consecutive characters, measured in the browser."""


@dataclass(frozen=True)
class Symptom:
    """One finding about a read, with what to change."""

    code: str
    """Stable machine code, stored with the count session."""
    severity: str
    """``fail`` (the scanner must be set up differently) or ``warn`` (works; worth changing)."""
    message: str
    """The Turkish sentence for the pharmacist."""


@dataclass(frozen=True)
class ReadDiagnosis:
    """The diagnosis of one read of one label."""

    label: int
    """The label's number."""
    symptoms: tuple[Symptom, ...]
    """What was found; empty when the read was exactly what was printed."""

    @property
    def ok(self) -> bool:
        return not any(s.severity == "fail" for s in self.symptoms)

    @property
    def retry(self) -> bool:
        """Another label of the sheet was scanned: ask again, nothing is wrong with the device."""
        return any(s.code == "wrong_label" for s in self.symptoms)


@dataclass(frozen=True)
class CheckResult:
    """The whole check: every label read once."""

    passed: bool
    """No read had a ``fail`` symptom and every label was read."""
    codes: tuple[str, ...]
    """The distinct symptom codes, in :data:`CODES` order (what is stored)."""
    advice: tuple[Symptom, ...]
    """One symptom per code (the first seen), for the page."""
    median_ms: float | None
    """Median time between characters over all reads (None if nothing was measured)."""


FAIL, WARN = "fail", "warn"
CODES: dict[str, tuple[str, str]] = {
    "gs_missing": (FAIL, "GS ayracı gelmiyor: okuyucu alanlar arasındaki GS (ASCII 29) "
                   "karakterini göndermiyor. Okuyucu kılavuzundaki “GS1 ayracını gönder / FNC1 → "
                   "GS” ayarını açın; ayraçsız bir karekod bazen birden çok türlü okunabilir."),
    "gs_text": (WARN, "GS yerine “{sep}” yazısı geliyor. eczane bunu okur; başka programlar "
                "için kılavuzdan gerçek GS karakterini (ASCII 29) seçebilirsiniz."),
    "turkish_q": (FAIL, "Klavye düzeni uyuşmuyor: bilgisayar Türkçe Q, okuyucu ABD (US) düzeninde "
                  "yazıyor (i → ı, ; → ş oldu). Okuyucuyu kılavuzdaki “Türkçe Q klavye” "
                  "barkoduyla ayarlayın ya da sayım sırasında Windows klavye düzenini ABD "
                  "yapın."),
    "caps_lock": (FAIL, "Büyük ve küçük harfler ters geliyor: klavyede Caps Lock açık. Caps "
                  "Lock'u kapatın (ya da okuyucunun “Caps Lock'u yok say” ayarını açın)."),
    "case_changed": (FAIL, "Harflerin büyük/küçüklüğü değişiyor: okuyucu harfleri tek biçime "
                     "çeviriyor. Okuyucunun “harf dönüştürme (case conversion)” ayarını "
                     "kapatın."),
    "no_enter": (FAIL, "Koddan sonra Enter gelmiyor: okuyucuyu her okumadan sonra Enter (CR) "
                 "gönderecek şekilde ayarlayın (kılavuzda “Suffix: CR” ya da “Enter ekle”)."),
    "prefix": (WARN, "Kodun başında “{prefix}” ön eki geliyor (sembol tanıtıcısı, AIM ID). "
               "eczane bunu tanır; başka programlar tanımayabilir: kılavuzdaki “AIM ID "
               "gönder” ayarını kapatabilirsiniz."),
    "slow": (WARN, "Karakterler yavaş geliyor: karakter başına {ms} ms (bir karekod {seconds} "
             "saniyede geldi). Okuyucunun klavye gönderim hızını (“USB keystroke delay / "
             "intercharacter delay”) en hızlıya alın."),
    "truncated": (FAIL, "Kodun sonu kesiliyor: {got} karakter geldi, kod {want} karakter. "
                  "Okuyucunun en uzun kod (maksimum uzunluk) ayarını artırın."),
    "wrong_label": (WARN, "Sıradaki etiket değil: {got}. etiket okundu, {want}. etiket "
                    "bekleniyor. Etiketleri sırayla okutun."),
    "mismatch": (FAIL, "Okunan kod basılan kodla eşleşmiyor (okunan: {got}). Okuyucuyu "
                 "fabrika ayarlarına döndürüp testi yeniden yapın."),
    "missing": (FAIL, "{n} etiket okutulmadı: test tamamlanmadı."),
}
"""Every symptom: severity and Turkish advice (a template filled by :func:`symptom`)."""


def symptom(code: str, **values: object) -> Symptom:
    """The :class:`Symptom` ``code`` with its message filled in."""
    severity, text = CODES[code]
    return Symptom(code, severity, text.format(**values))


def visible(text: str) -> str:
    """``text`` with GS shown as ``⟨GS⟩`` (for messages)."""
    return text.replace(GS, "⟨GS⟩")


def _compare(got: str, want: str) -> list[Symptom] | None:
    """Symptoms that turn ``got`` into ``want`` (separators, case, length), or None."""
    found: list[Symptom] = []
    for sep in _TEXT_SEPARATORS:
        if sep in got and sep not in want:
            got = got.replace(sep, GS)
            found.append(symptom("gs_text", sep=sep))
            break
    if got and len(got) < len(want) and want.startswith(got):
        return [*found, symptom("truncated", got=len(got), want=len(want))]
    if GS not in got and GS in want:
        found.append(symptom("gs_missing"))
        want = want.replace(GS, "")
    if got == want:
        return found
    if got.swapcase() == want:
        return [*found, symptom("caps_lock")]
    if got.upper() == want.upper():
        return [*found, symptom("case_changed")]
    if got and len(got) < len(want) and want.startswith(got):
        return [*found, symptom("truncated", got=len(got), want=len(want))]
    return None


def _explain(raw: str, want: str) -> list[Symptom] | None:
    """Symptoms that explain ``raw`` as the printed ``want`` (prefix, layout, then the rest)."""
    readings: list[tuple[str, list[Symptom]]] = [(raw, [])]
    if typed_on_turkish_q(raw):
        layout = [symptom("turkish_q")]
        readings = [(us_from_turkish_q(raw), layout),
                    (us_from_turkish_q(raw, letters_only=True), layout), *readings]
    for text, found in readings:
        m = _PREFIX.match(text)
        prefix = [symptom("prefix", prefix=m.group())] if m else []
        rest = _compare(text[m.end():] if m else text, want)
        if rest is not None:
            return [*found, *prefix, *rest]
    return None


def _timing(read: ScanRead) -> list[Symptom]:
    if not read.intervals_ms:
        return []
    ms = median(read.intervals_ms)
    if ms <= SLOW_MS:
        return []
    seconds = f"{sum(read.intervals_ms) / 1000:.1f}".replace(".", ",")
    return [symptom("slow", ms=round(ms), seconds=seconds)]


def diagnose_read(label: TestLabel, read: ScanRead,
                  labels: Sequence[TestLabel] = TEST_LABELS) -> ReadDiagnosis:
    """What a read of ``label`` shows about the scanner and the PC.

    Args:
        label: the label the pharmacist was asked to scan.
        read: what arrived, how it ended, and the time between characters.
        labels: the sheet (to tell "another label" from "a mangled label").

    Returns:
        The symptoms: a missing terminator and slow characters first, then what turns the text
        that arrived into the printed one (symbology prefix, Turkish-Q layout, GS, case,
        length); ``mismatch`` when nothing explains it.

    References:
        GS1 General Specifications §7.8.5 (GS), ISO/IEC 15424 (``]d2``),
        :mod:`eczane.domain.keyboard` (Turkish-Q), ``../shared/research/its.md`` §6.
    """
    found: list[Symptom] = []
    if read.ended_by not in ENTER_KEYS:
        found.append(symptom("no_enter"))
    found.extend(_timing(read))
    raw = read.raw.strip(" \t\r\n")
    explained = _explain(raw, label.expected)
    if explained is None:
        other = next((o for o in labels if o.number != label.number
                      and _explain(raw, o.expected) is not None), None)
        if other is not None:
            explained = [symptom("wrong_label", got=other.number, want=label.number)]
        else:
            explained = [symptom("mismatch", got=visible(raw) or "—")]
    return ReadDiagnosis(label.number, tuple(found + explained))


def summarize(reads: Sequence[tuple[ScanRead, ReadDiagnosis]],
              labels: Sequence[TestLabel] = TEST_LABELS) -> CheckResult:
    """The check's result: passed only if every label was read and no read failed."""
    seen: dict[str, Symptom] = {}
    for _read, diagnosis in reads:
        for s in diagnosis.symptoms:
            seen.setdefault(s.code, s)
    missing = len({lb.number for lb in labels} - {d.label for _r, d in reads})
    if missing:
        seen.setdefault("missing", symptom("missing", n=missing))
    intervals = [ms for read, _d in reads for ms in read.intervals_ms]
    ordered = tuple(seen[c] for c in CODES if c in seen)
    return CheckResult(
        passed=not any(s.severity == FAIL for s in ordered),
        codes=tuple(s.code for s in ordered), advice=ordered,
        median_ms=median(intervals) if intervals else None)


def code_labels(codes: Sequence[str]) -> list[str]:
    """Short Turkish names of stored symptom codes (for the count session page)."""
    return [SHORT_TR.get(c, c) for c in codes]


SHORT_TR: dict[str, str] = {
    "gs_missing": "GS ayracı gelmiyor", "gs_text": "GS yazı olarak geliyor",
    "turkish_q": "klavye düzeni (Türkçe Q)", "caps_lock": "Caps Lock açık",
    "case_changed": "harf dönüştürme", "no_enter": "Enter gelmiyor", "prefix": "]d2 ön eki",
    "slow": "yavaş gönderim", "truncated": "kod kesiliyor", "wrong_label": "sıra dışı etiket",
    "mismatch": "eşleşmeyen okuma", "missing": "eksik etiket",
}
"""Short names of the codes, for lists."""
