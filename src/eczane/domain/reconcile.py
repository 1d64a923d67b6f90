"""Reconciliation: İTS stock versus the packs on hand, every pack in exactly one bucket.

This module is the specification. The store runs the same rules in SQL for speed
(``eczane.store.reconcile``); a test checks that both agree on the same random data.

The buckets (seed 000 steps 1–4; ``DOMAIN.md`` Part 1 "Reconciliation buckets"):

- ``matched``: listed by İTS and counted on hand.
- ``not_on_hand_eligible``: listed by İTS, not on hand, eligible for the window's deactivation
  (for the 2025 "75" window: processed before 15.03.2025 and not a colour prescription).
- ``not_on_hand_ineligible``: listed by İTS, not on hand, not eligible; the reason says why.
- ``expired``: listed by İTS with an expiry before the reference date, on hand or not
  (the "miadı dolan" path, seed 000 step 2).
- ``in_transit``: dispatched to the pharmacy and not accepted (seed 000 step 1, "arada kalan").
- ``on_hand_not_in_its``: counted on hand, İTS does not list it (needs mal alım or a look).

Precedence, first match wins, for a pack listed by İTS: expired → on hand (matched) → in
transit → not on hand (eligible or not). For a pack İTS does not list: in transit → on hand not in
İTS. In-transit packs are never deactivation candidates (research/its.md §8.1).

>>> from datetime import date
>>> w = DeactivationWindow(code="75", name="Stok Eşitleme", records_before=date(2025, 3, 15),
...     open_from=date(2025, 7, 24), open_until=date(2025, 10, 24),
...     excluded_classes=frozenset({PrescriptionClass.RED}))
>>> window_status(w, date(2025, 9, 1)).open
True
>>> window_status(w, date(2026, 1, 5)).state
'closed'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from eczane.domain.catalog import PrescriptionClass
from eczane.domain.pack import ItsStockRow, PackKey


class Bucket(StrEnum):
    """The six buckets; every pack of either side lands in exactly one."""

    MATCHED = "matched"
    NOT_ON_HAND_ELIGIBLE = "not_on_hand_eligible"
    NOT_ON_HAND_INELIGIBLE = "not_on_hand_ineligible"
    EXPIRED = "expired"
    IN_TRANSIT = "in_transit"
    ON_HAND_NOT_IN_ITS = "on_hand_not_in_its"

    @property
    def label_tr(self) -> str:
        return BUCKET_LABELS_TR[self]


BUCKETS: tuple[Bucket, ...] = tuple(Bucket)

BUCKET_LABELS_TR: dict[Bucket, str] = {
    Bucket.MATCHED: "Eşleşen (İTS'de var, elde var)",
    Bucket.NOT_ON_HAND_ELIGIBLE: "Elde yok — deaktivasyona uygun",
    Bucket.NOT_ON_HAND_INELIGIBLE: "Elde yok — deaktivasyona uygun değil",
    Bucket.EXPIRED: "Miadı dolan",
    Bucket.IN_TRANSIT: "Arada kalan",
    Bucket.ON_HAND_NOT_IN_ITS: "Elde var, İTS'de yok",
}


class Reason(StrEnum):
    """Why a pack is in its bucket: a stable machine code (the Turkish text is ``reason_text``)."""

    ON_HAND = "on_hand"
    ELIGIBLE = "eligible"
    DATE_UNCHECKED = "date_unchecked"
    COLOUR_PRESCRIPTION = "colour_prescription"
    UNKNOWN_CLASS = "unknown_class"
    AFTER_CUTOFF = "after_cutoff"
    EXPIRED_ON_HAND = "expired_on_hand"
    EXPIRED_NOT_ON_HAND = "expired_not_on_hand"
    IN_TRANSIT_DEPO = "in_transit_depo"
    IN_TRANSIT_ECZANE = "in_transit_eczane"
    NOT_IN_ITS = "not_in_its"


REASON_BUCKET: dict[Reason, Bucket] = {
    Reason.ON_HAND: Bucket.MATCHED,
    Reason.ELIGIBLE: Bucket.NOT_ON_HAND_ELIGIBLE,
    Reason.DATE_UNCHECKED: Bucket.NOT_ON_HAND_ELIGIBLE,
    Reason.COLOUR_PRESCRIPTION: Bucket.NOT_ON_HAND_INELIGIBLE,
    Reason.UNKNOWN_CLASS: Bucket.NOT_ON_HAND_INELIGIBLE,
    Reason.AFTER_CUTOFF: Bucket.NOT_ON_HAND_INELIGIBLE,
    Reason.EXPIRED_ON_HAND: Bucket.EXPIRED,
    Reason.EXPIRED_NOT_ON_HAND: Bucket.EXPIRED,
    Reason.IN_TRANSIT_DEPO: Bucket.IN_TRANSIT,
    Reason.IN_TRANSIT_ECZANE: Bucket.IN_TRANSIT,
    Reason.NOT_IN_ITS: Bucket.ON_HAND_NOT_IN_ITS,
}
"""Each reason belongs to one bucket (so a stored reason also tells its bucket)."""

NOTE_DATE_UNCHECKED = "date_unchecked"
"""Note on a not-on-hand pack whose İTS transaction date is unknown: the date test was skipped.
İTS itself refuses a code-75 deactivation of a pack outside the window's rules (seed 000: "15
Mart 2025 öncesi ürünler için aktivasyon hata bildirimleri ile kullanıcılar uyarılmaktadır")."""

SENDER_TYPES: dict[str, str] = {"depo": "Ecza deposu", "eczane": "Eczane (takas)"}
"""Sender types of in-transit packs (seed 000 step 1: "Gönderici tipi": Ecza Deposu / Eczane)."""


# --------------------------------------------------------------------------------------------
# Deactivation windows


@dataclass(frozen=True, slots=True)
class DeactivationWindow:
    """A period in which İTS accepts a special write-off deactivation (data, not a constant).

    References: seed 000 (Law 7557, 15.03.2025, colour prescriptions excluded);
    research/its.md §5.1 (RG 24.07.2025 no. 32965, code 75, completion date 24.10.2025; the 2016
    Law 6736 precedent). Loaded from ``data/windows/deactivation_windows.yaml``.
    """

    code: str | None
    """İTS deactivation reason code ("75"), None when not known."""
    name: str
    """Turkish name shown to the pharmacist."""
    records_before: date | None
    """Packs processed on or after this date are not eligible; None: no date rule known."""
    open_from: date | None
    """First day the window is open; None when not known."""
    open_until: date | None
    """Last day the window is open (inclusive); None when not known or no end announced."""
    excluded_classes: frozenset[PrescriptionClass] = field(default_factory=frozenset)
    """Prescription classes never eligible (colour prescriptions for "75")."""
    legal_basis: str = ""
    sources: tuple[str, ...] = ()
    notes: str = ""
    valid_from: date | None = None


@dataclass(frozen=True, slots=True)
class WindowStatus:
    """Whether a window is open on a day, with a Turkish sentence for every page and report."""

    state: str
    """``not_yet_open`` | ``open`` | ``closed`` | ``unknown``."""
    message: str

    @property
    def open(self) -> bool:
        return self.state == "open"


def _fmt(d: date) -> str:
    from eczane.domain.formatting import date_tr

    return date_tr(d)


def window_status(window: DeactivationWindow, today: date) -> WindowStatus:
    """Is ``window`` open on ``today``? ``open_until`` is inclusive.

    Args:
        window: the deactivation window.
        today: the day asked about (never the clock: callers pass it).
    Returns:
        A ``WindowStatus`` whose ``message`` names the window and its dates in Turkish.
    References:
        research/its.md §5.1: "completed by 24.10.2025" read as the last open day.
    """
    label = f"{window.name}" + (f" (kod {window.code})" if window.code else "")
    if window.open_from is None:
        return WindowStatus("unknown", f"{label}: açılış tarihi bilinmiyor; açık sayılmaz.")
    if today < window.open_from:
        return WindowStatus("not_yet_open",
                            f"{label}: {_fmt(window.open_from)} tarihinde açılacak; bugün kapalı.")
    if window.open_until is None:
        return WindowStatus("open", f"{label}: {_fmt(window.open_from)} tarihinden beri açık; "
                                    "bitiş tarihi duyurulmadı.")
    if today <= window.open_until:
        days = (window.open_until - today).days
        return WindowStatus("open", f"{label}: açık, son gün {_fmt(window.open_until)} "
                                    f"({days} gün kaldı).")
    return WindowStatus("closed", f"{label}: {_fmt(window.open_until)} tarihinde kapandı. "
                                  "Liste yine de hazırlanır: başka bir deaktivasyon nedeni veya "
                                  "sonraki pencere için.")


# --------------------------------------------------------------------------------------------
# Rules and inputs


@dataclass(frozen=True, slots=True)
class Rules:
    """The parameters of one reconciliation (defaults come from a window, never from code)."""

    reference_date: date
    """Expiry before this date → expired (usually today)."""
    records_before: date | None
    """Not-on-hand packs processed on or after this date are ineligible; None: no date test."""
    excluded_classes: frozenset[PrescriptionClass]
    """Prescription classes never eligible."""

    @classmethod
    def from_window(cls, window: DeactivationWindow, reference_date: date) -> Rules:
        return cls(reference_date, window.records_before, window.excluded_classes)


@dataclass(frozen=True, slots=True)
class InTransitPack:
    """A pack dispatched to the pharmacy and not accepted (seed 000 step 1, "arada kalan")."""

    gtin: str
    serial: str
    expiry: date | None
    batch: str
    sender_type: str
    """``depo`` (ecza deposu) or ``eczane`` (takas)."""
    sender: str
    """Sender's name or GLN."""

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)


@dataclass(frozen=True, slots=True)
class OnHandPack:
    """A pack found on hand (count scan, open prescription or imported list)."""

    gtin: str
    serial: str
    expiry: date | None = None
    batch: str = ""

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)


@dataclass(frozen=True, slots=True)
class PackResult:
    """One pack's bucket, reason and the facts the worklists show."""

    gtin: str
    serial: str
    bucket: Bucket
    reason: Reason
    expiry: date | None = None
    batch: str = ""
    product_name: str = ""
    last_tx_date: date | None = None
    prescription_class: PrescriptionClass | None = None
    in_its: bool = False
    on_hand: bool = False
    sender_type: str = ""
    sender: str = ""
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """All packs sorted by (GTIN, serial), plus counts per bucket (every bucket present)."""

    packs: tuple[PackResult, ...]
    rules: Rules
    date_checked: bool
    """False when the İTS file carried no transaction dates (the date test was skipped)."""

    @property
    def counts(self) -> dict[str, int]:
        out = {b.value: 0 for b in BUCKETS}
        for p in self.packs:
            out[p.bucket.value] += 1
        return out

    def bucket(self, bucket: Bucket) -> list[PackResult]:
        return [p for p in self.packs if p.bucket is bucket]


# --------------------------------------------------------------------------------------------
# The rules


def classify_not_on_hand(
    prescription_class: PrescriptionClass | None,
    last_tx_date: date | None,
    rules: Rules,
) -> Reason:
    """Eligibility of a pack listed by İTS and not on hand.

    Order: colour prescription, then unknown class, then the date (one reason per pack).

    References:
        seed 000: "15 Mart 2025 tarihinden önce işlem görmüş ve eczanede fiziksel olarak
        bulunmayan … Renkli reçeteye tabi ilaçlar bu kapsama dâhil değildir";
        research/its.md §7: no İTS service gives the colour, so an unknown product is never
        assumed to be normal.
    """
    if prescription_class is not None and prescription_class in rules.excluded_classes:
        return Reason.COLOUR_PRESCRIPTION
    if prescription_class is None:
        return Reason.UNKNOWN_CLASS
    if rules.records_before is not None and last_tx_date is not None \
            and last_tx_date >= rules.records_before:
        return Reason.AFTER_CUTOFF
    if rules.records_before is not None and last_tx_date is None:
        return Reason.DATE_UNCHECKED
    return Reason.ELIGIBLE


def is_expired(expiry: date | None, rules: Rules) -> bool:
    """SKT strictly before the reference date (a pack may be used on its expiry day).

    References: seed 000 step 2 ("miadı dolan ürünler"); research/its.md §5.3.
    """
    return expiry is not None and expiry < rules.reference_date


def _merge_its(rows: Iterable[ItsStockRow]) -> dict[PackKey, ItsStockRow]:
    """One row per pack; duplicates fold order-independently (latest date, earliest expiry)."""
    out: dict[PackKey, ItsStockRow] = {}
    for r in rows:
        k = r.key
        old = out.get(k)
        if old is None:
            out[k] = r
            continue
        out[k] = ItsStockRow(
            gtin=r.gtin, serial=r.serial,
            expiry=_min_date(old.expiry, r.expiry),
            batch=max(old.batch, r.batch),
            product_name=max(old.product_name, r.product_name),
            last_tx_date=_max_date(old.last_tx_date, r.last_tx_date),
            row_no=min(old.row_no, r.row_no),
        )
    return out


def _min_date(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


def _max_date(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)


def _merge_transit(packs: Iterable[InTransitPack]) -> dict[PackKey, InTransitPack]:
    out: dict[PackKey, InTransitPack] = {}
    for p in packs:
        old = out.get(p.key)
        if old is None or (p.sender_type, p.sender, p.batch) < (old.sender_type, old.sender, old.batch):
            out[p.key] = p
    return out


def _merge_onhand(packs: Iterable[OnHandPack | PackKey]) -> dict[PackKey, OnHandPack]:
    out: dict[PackKey, OnHandPack] = {}
    for p in packs:
        oh = OnHandPack(p.gtin, p.serial) if isinstance(p, PackKey) else p
        old = out.get(oh.key)
        if old is None:
            out[oh.key] = oh
        else:
            out[oh.key] = OnHandPack(oh.gtin, oh.serial, _min_date(old.expiry, oh.expiry),
                                     max(old.batch, oh.batch))
    return out


def reconcile(
    its_rows: Iterable[ItsStockRow],
    on_hand: Iterable[OnHandPack | PackKey],
    *,
    rules: Rules,
    classes: Mapping[str, PrescriptionClass | None],
    names: Mapping[str, str] | None = None,
    in_transit: Iterable[InTransitPack] = (),
    date_checked: bool = True,
) -> ReconcileResult:
    """Put every pack of İTS, on hand and in transit into exactly one bucket with a reason.

    Args:
        its_rows: the İTS stock (duplicates allowed; they are folded).
        on_hand: packs found on hand (count scans incl. open prescriptions, imported lists).
        rules: reference date, date cutoff and excluded classes (``Rules.from_window``).
        classes: GTIN → prescription class from the catalog; a GTIN absent or mapped to None
            has an unknown class.
        names: GTIN → product name, used when the İTS row carries none.
        in_transit: packs dispatched to the pharmacy and not accepted.
        date_checked: False when the İTS file has no transaction-date column: the date test is
            skipped and each not-on-hand pack carries the note ``date_unchecked``.
    Returns:
        ``ReconcileResult``; the result does not depend on input order or duplicates.
    References:
        seed 000 steps 1–4; DOMAIN.md Part 1; research/its.md §5, §8.1.
    """
    its = _merge_its(its_rows)
    here = _merge_onhand(on_hand)
    transit = _merge_transit(in_transit)
    names = names or {}
    out: list[PackResult] = []
    for key in sorted(set(its) | set(here) | set(transit)):
        out.append(_one(key, its.get(key), here.get(key), transit.get(key), rules,
                        classes, names, date_checked))
    return ReconcileResult(tuple(out), rules, date_checked)


def _one(
    key: PackKey,
    row: ItsStockRow | None,
    oh: OnHandPack | None,
    tr: InTransitPack | None,
    rules: Rules,
    classes: Mapping[str, PrescriptionClass | None],
    names: Mapping[str, str],
    date_checked: bool,
) -> PackResult:
    cls = classes.get(key.gtin)
    name = (row.product_name if row is not None else "") or names.get(key.gtin, "")
    if row is not None:
        base = PackResult(key.gtin, key.serial, Bucket.MATCHED, Reason.ON_HAND,
                          expiry=row.expiry, batch=row.batch, product_name=name,
                          last_tx_date=row.last_tx_date, prescription_class=cls, in_its=True,
                          on_hand=oh is not None, sender_type=tr.sender_type if tr else "",
                          sender=tr.sender if tr else "")
        if is_expired(row.expiry, rules):
            reason = Reason.EXPIRED_ON_HAND if oh is not None else Reason.EXPIRED_NOT_ON_HAND
            return replace(base, bucket=Bucket.EXPIRED, reason=reason)
        if oh is not None:
            return replace(base, sender_type="", sender="")
        if tr is not None:
            return replace(base, bucket=Bucket.IN_TRANSIT, reason=_transit_reason(tr))
        tx = row.last_tx_date if date_checked else None
        reason = classify_not_on_hand(cls, tx, rules)
        notes = (NOTE_DATE_UNCHECKED,) if rules.records_before is not None and tx is None else ()
        return replace(base, bucket=REASON_BUCKET[reason], reason=reason, notes=notes)
    if tr is not None:
        return PackResult(key.gtin, key.serial, Bucket.IN_TRANSIT, _transit_reason(tr),
                          expiry=tr.expiry, batch=tr.batch, product_name=name,
                          prescription_class=cls, on_hand=oh is not None,
                          sender_type=tr.sender_type, sender=tr.sender)
    assert oh is not None
    return PackResult(key.gtin, key.serial, Bucket.ON_HAND_NOT_IN_ITS, Reason.NOT_IN_ITS,
                      expiry=oh.expiry, batch=oh.batch, product_name=name,
                      prescription_class=cls, on_hand=True)


def _transit_reason(tr: InTransitPack) -> Reason:
    return Reason.IN_TRANSIT_ECZANE if tr.sender_type == "eczane" else Reason.IN_TRANSIT_DEPO


# --------------------------------------------------------------------------------------------
# Turkish sentences


def reason_text(
    reason: Reason | str,
    *,
    expiry: date | None = None,
    last_tx_date: date | None = None,
    prescription_class: PrescriptionClass | None = None,
    sender: str = "",
    records_before: date | None = None,
) -> str:
    """The Turkish sentence for a reason code, with the pack's own facts filled in.

    >>> reason_text("after_cutoff", last_tx_date=date(2025, 4, 1), records_before=date(2025, 3, 15))
    'Son İTS işlemi 01.04.2025: 15.03.2025 veya sonrası, deaktivasyon penceresi kapsamında değil.'
    """
    r = Reason(reason)
    cutoff = _fmt(records_before) if records_before else "kesim tarihi"
    if r is Reason.ON_HAND:
        return "İTS'de kayıtlı ve elde sayıldı."
    if r is Reason.ELIGIBLE:
        return (f"İTS'de kayıtlı, elde yok; {cutoff} öncesi işlem görmüş ve renkli reçeteli değil: "
                "deaktivasyona uygun.")
    if r is Reason.DATE_UNCHECKED:
        return ("İTS'de kayıtlı, elde yok, renkli reçeteli değil; İTS dosyasında işlem tarihi "
                "olmadığından tarih kontrolü yapılmadı (kapsam dışı kutuyu İTS reddeder).")
    if r is Reason.COLOUR_PRESCRIPTION:
        label = prescription_class.label_tr if prescription_class else "Renkli reçete"
        return f"{label}: renkli reçeteli ilaçlar stok eşitleme kapsamı dışında."
    if r is Reason.UNKNOWN_CLASS:
        return ("Ürün katalogda yok ya da reçete türü bilinmiyor: renkli reçeteli olabilir. "
                "Önce kataloğa reçete türünü girin.")
    if r is Reason.AFTER_CUTOFF:
        tx = _fmt(last_tx_date) if last_tx_date else "bilinmiyor"
        return (f"Son İTS işlemi {tx}: {cutoff} veya sonrası, deaktivasyon penceresi "
                "kapsamında değil.")
    if r in (Reason.EXPIRED_ON_HAND, Reason.EXPIRED_NOT_ON_HAND):
        skt = _fmt(expiry) if expiry else "?"
        where = "elde" if r is Reason.EXPIRED_ON_HAND else "elde değil"
        return (f"SKT {skt} geçmiş ({where}): miadı dolan bildirimi yapılır, stoktan "
                "düşülmeden.")
    if r in (Reason.IN_TRANSIT_DEPO, Reason.IN_TRANSIT_ECZANE):
        kind = "Ecza deposundan" if r is Reason.IN_TRANSIT_DEPO else "Takasla eczaneden"
        who = f" ({sender})" if sender else ""
        action = ("mal alımı yapın" if r is Reason.IN_TRANSIT_DEPO
                  else "karekodları gönderen eczaneye iletin")
        return f"{kind}{who} gönderilmiş, kabul edilmemiş (arada kalan): {action}."
    return "Elde sayıldı ama İTS stoğunuzda görünmüyor: mal alımı veya inceleme gerekir."


def pack_reason_text(pack: PackResult, rules: Rules) -> str:
    """``reason_text`` for one result, plus the date-unchecked note when present."""
    text = reason_text(pack.reason, expiry=pack.expiry, last_tx_date=pack.last_tx_date,
                       prescription_class=pack.prescription_class, sender=pack.sender,
                       records_before=rules.records_before)
    if NOTE_DATE_UNCHECKED in pack.notes and pack.reason is not Reason.DATE_UNCHECKED:
        text += " (İşlem tarihi bilinmiyor: tarih kontrolü yapılmadı.)"
    return text
