"""Stock count (stok sayımı): what one scan at the counter means.

Seed 000 step 3: every pack skipped in the count is later deactivated, so the count must be
careful; karekods already scanned into open prescriptions (açık reçete) are added to it. This
module decides, for one scanned karekod, the colour the counter shows and whether the pack is
counted:

- **green** ``new``: a pack not counted before in this session; counted.
- **amber**: counted, but look at it — ``colour`` (a colour-prescription product, excluded from
  the 75 deactivation: seed 000, ``research/its.md`` §7), ``expired`` (belongs to the miadı
  dolanlar notification: seed 000 step 2), ``unknown_product`` (GTIN not in the catalog),
  ``not_in_its`` (the İTS stock list does not hold the pack: it needs a mal alım or a look,
  ``DOMAIN.md`` reconciliation buckets). Or not counted: ``duplicate`` (already counted in this
  session — a pack is never counted twice) and ``ambiguous`` (no GS separators and more than
  one reading: the user picks, ``research/its.md`` §6 "GS / FNC1").
- **red** ``unreadable``: the karekod engine refused the input; its Turkish reason is shown.

>>> from datetime import date
>>> from eczane.domain.karekod import Karekod, KarekodResult
>>> k = Karekod("08699536080008", "SN1", date(2027, 1, 31), "L1")
>>> v = classify_scan(KarekodResult(value=k), already_counted=False, product=None,
...                   today=date(2026, 1, 5), its_knows=None)
>>> (v.state.value, v.code, v.counted)
('amber', 'unknown_product', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from eczane.domain.catalog import Product
from eczane.domain.karekod import Karekod, KarekodResult


class ScanState(StrEnum):
    """The colour the counter shows for one scan."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class CountStatus(StrEnum):
    """Life of a count session: open → paused ⇄ open → closed (closed is final)."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def label_tr(self) -> str:
        return {"open": "Açık", "paused": "Duraklatıldı", "closed": "Kapatıldı"}[self.value]


class ScanGroup(StrEnum):
    """Where a counted pack was found: on the shelf, or scanned into an open prescription."""

    SHELF = "raf"
    OPEN_PRESCRIPTION = "acik_recete"

    @property
    def label_tr(self) -> str:
        return {"raf": "Raf", "acik_recete": "Açık reçete"}[self.value]


@dataclass(frozen=True, slots=True)
class ScanNote:
    """One reason to look twice at a counted pack."""

    code: str
    """Stable machine code: colour, expired, unknown_product, not_in_its."""
    message: str
    """Turkish sentence for the pharmacist."""


@dataclass(frozen=True, slots=True)
class ScanVerdict:
    """What the counter shows for one scan, and whether the pack is counted."""

    state: ScanState
    """green / amber / red."""
    code: str
    """Main reason: new, duplicate, ambiguous, unreadable, or the first note's code."""
    message: str
    """Turkish sentence shown large at the counter."""
    counted: bool
    """True when the pack is (to be) stored as on hand."""
    notes: tuple[ScanNote, ...] = field(default=())
    """Every warning on a counted pack, most important first."""
    karekod: Karekod | None = None
    """The pack read, when the input was readable and unambiguous."""
    candidates: tuple[Karekod, ...] = field(default=())
    """For ``ambiguous``: the readings the user picks from (engine order)."""
    detail: str = ""
    """For ``unreadable``: the karekod engine's error code."""


def classify_scan(
    result: KarekodResult,
    *,
    already_counted: bool,
    product: Product | None,
    today: date,
    its_knows: bool | None,
) -> ScanVerdict:
    """Classify one scan.

    Args:
        result: the karekod engine's answer for the raw input.
        already_counted: an active (not undone) scan of the same GTIN + serial exists in this
            session.
        product: the catalog product of the GTIN, or None when the catalog does not know it.
        today: the counting day (expiry is compared to it; the domain never reads the clock).
        its_knows: whether the imported İTS stock list holds the pack; None when no list has
            been imported (then nothing is said about it).

    Returns:
        The verdict; ``counted`` says whether the pack is stored as on hand.

    References:
        Seed 000 step 3 (count carefully, add open prescriptions); ``research/its.md`` §6
        (karekod fields, ambiguity without GS), §7 (colour classes); ``DOMAIN.md`` Part 1
        (reconciliation buckets: expired, on hand but not in İTS).
    """
    if not result.ok or result.value is None:
        err = result.error
        if err is not None and err.code == "ambiguous" and err.candidates:
            return ScanVerdict(
                ScanState.AMBER, "ambiguous",
                f"Karekod ayraçsız okundu ve {len(err.candidates)} farklı şekilde okunabiliyor: "
                "doğru okumayı seçin (kutu henüz sayılmadı).",
                counted=False, candidates=tuple(err.candidates), detail=err.code)
        message = err.message if err is not None else "Karekod okunamadı."
        return ScanVerdict(ScanState.RED, "unreadable", message, counted=False,
                           detail=err.code if err is not None else "")
    k = result.value
    if already_counted:
        return ScanVerdict(
            ScanState.AMBER, "duplicate",
            "Bu kutu bu sayımda zaten sayıldı; ikinci kez sayılmadı.",
            counted=False, karekod=k)
    notes = scan_notes(k, product=product, today=today, its_knows=its_knows)
    if notes:
        return ScanVerdict(ScanState.AMBER, notes[0].code, notes[0].message, counted=True,
                           notes=notes, karekod=k)
    return ScanVerdict(ScanState.GREEN, "new", "Sayıldı.", counted=True, karekod=k)


def scan_notes(k: Karekod, *, product: Product | None, today: date,
               its_knows: bool | None) -> tuple[ScanNote, ...]:
    """Warnings on a counted pack, most important first.

    Order: colour prescription (never deactivated with 75 — seed 000), expired (goes to the
    miadı dolanlar notification — seed 000 step 2), unknown product, not in the İTS list.
    A pack whose expiry day is today is not yet expired (GS1 AI 17 is the last day of use).
    """
    notes: list[ScanNote] = []
    if product is not None and product.prescription_class is not None \
            and product.prescription_class.is_colour:
        notes.append(ScanNote(
            "colour", f"{product.prescription_class.label_tr} ürünü: sayıldı; renkli reçeteli "
            "ilaçlar stok eşitleme (75) kapsamı dışındadır."))
    if k.expiry < today:
        notes.append(ScanNote(
            "expired", f"Miadı dolmuş (SKT {k.expiry:%d.%m.%Y}): sayıldı; miadı dolanlar "
            "bildirimine ayırın."))
    if product is None:
        notes.append(ScanNote(
            "unknown_product", f"Ürün katalogda yok (GTIN {k.gtin}): sayıldı; ürünü kontrol "
            "edin."))
    if its_knows is False:
        notes.append(ScanNote(
            "not_in_its", "Bu kutu İTS stok listenizde yok: sayıldı; mal alımı gerekebilir."))
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class ItsComparison:
    """Which İTS stock list the scans of a count are compared with, and whether they are.

    A pack is said to be missing from the İTS list ("İTS stok listenizde yok") only against a
    list imported **today** (Europe/Istanbul). The README's order is count first, then import
    today's İTS list; counting against an older list flags every pack bought since, so every
    scan went amber and the real warnings drowned (issue 14, finding 6). With an older list, or
    none, no scan gets that warning and the count page says which list there is and how old it
    is; the reconciliation compares with the list of the day (``DOMAIN.md`` Part 1).
    """

    today: date
    """The counting day (Europe/Istanbul)."""
    imported_at: datetime | None = None
    """When the latest İTS list was imported, Europe/Istanbul wall time; None: no list."""
    source_name: str = ""
    """The imported file's name."""

    @property
    def current(self) -> bool:
        """True when the latest list is today's: scans are compared with it."""
        return self.imported_at is not None and self.imported_at.date() == self.today

    @property
    def days_old(self) -> int | None:
        """Whole calendar days since the list was imported (0: today); None without a list."""
        return None if self.imported_at is None else (self.today - self.imported_at.date()).days

    @property
    def state(self) -> str:
        """``none``, ``current`` or ``old`` (for the page's styling and tests)."""
        return "none" if self.imported_at is None else "current" if self.current else "old"

    @property
    def message(self) -> str:
        """What the count page says about the comparison, in Turkish.

        >>> ItsComparison(date(2026, 12, 4)).message.startswith("İTS stok listesi yüklenmemiş")
        True
        >>> old = ItsComparison(date(2026, 12, 4), datetime(2026, 12, 2, 14, 43), "stok.xlsx")
        >>> old.state, old.days_old, old.message.startswith("Son İTS stok listesi 2 gün önce")
        ('old', 2, True)
        """
        at = self.imported_at
        if at is None:
            return ("İTS stok listesi yüklenmemiş: okutmalar İTS listesiyle karşılaştırılmıyor. "
                    "Sayımdan sonra bugünkü İTS stok listesini yükleyin; karşılaştırma "
                    "eşitlemede yapılır.")
        name = f", {self.source_name}" if self.source_name else ""
        if self.current:
            return (f"Okutmalar bugün yüklenen İTS stok listesiyle karşılaştırılıyor "
                    f"({at:%d.%m.%Y %H:%M}{name}); listede olmayan kutu sarı uyarı alır.")
        days = self.days_old
        age = "dün" if days == 1 else f"{days} gün önce" if days and days > 0 else "ileri tarihte"
        return (f"Son İTS stok listesi {age} yüklendi ({at:%d.%m.%Y %H:%M}{name}): bugünkü liste "
                "olmadığı için okutmalar bu eski listeyle karşılaştırılmıyor ve 'İTS stok "
                "listenizde yok' uyarısı verilmiyor. Sayımdan sonra bugünkü İTS stok listesini "
                "yükleyin; karşılaştırma eşitlemede yapılır.")


def pick_candidate(verdict: ScanVerdict, choice: int) -> Karekod:
    """The reading the user picked for an ambiguous scan.

    Raises:
        RuleError: the verdict is not ambiguous or ``choice`` is out of range.
    """
    from eczane.domain.errors import RuleError

    if verdict.code != "ambiguous" or not 0 <= choice < len(verdict.candidates):
        raise RuleError(f"Geçersiz seçim: {choice} (seçenek sayısı "
                        f"{len(verdict.candidates)}).", code="bad_choice")
    return verdict.candidates[choice]


def can_transition(current: CountStatus, target: CountStatus) -> bool:
    """Allowed status changes: open ⇄ paused, open/paused → closed; closed is final."""
    allowed = {
        CountStatus.OPEN: {CountStatus.PAUSED, CountStatus.CLOSED},
        CountStatus.PAUSED: {CountStatus.OPEN, CountStatus.CLOSED},
        CountStatus.CLOSED: set(),
    }
    return target in allowed[current]


def refusal_for_status(status: CountStatus) -> str | None:
    """Turkish reason a session in this status takes no scans, or None when it takes them."""
    if status is CountStatus.CLOSED:
        return "Bu sayım kapatıldı; okutma kaydedilmedi. Yeni bir sayım açın."
    if status is CountStatus.PAUSED:
        return "Bu sayım duraklatıldı; okutma kaydedilmedi. Önce \u201cDevam et\u201d deyin."
    return None
