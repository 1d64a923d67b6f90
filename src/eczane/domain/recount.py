"""Son kontrol: a targeted recount of the packs a deactivation draft would send.

Every pack skipped in the count is later deactivated (seed 000 step 3), and a deactivation is
final once İTS accepts it (outside the 75 window there is no cancel; research/its.md §3). So
before approval the pharmacist may walk the shelves once more with exactly the draft's packs:
the pick list groups them by product, in Turkish alphabetical order (:func:`pick_list`). A
pack found on the shelf leaves the draft at once (:func:`classify_recount_scan` says so in
green) and the phrase to type names the new count (issue 16 part 1).

Count scans record no shelf place (``count_scan`` has a group — raf / açık reçete — but no
shelf or aisle), so the pick list is grouped by product only.

In **blind mode** (kör sayım, as stocktake tools call it) the list shows each product but not
how many packs İTS expects, so the counter looks for every pack instead of stopping at a
number.

>>> from datetime import date
>>> packs = [RecountPack("08699536080008", "B2", date(2027, 1, 31), "L1", "İBUFEN 200 MG"),
...          RecountPack("08699536080015", "A1", date(2027, 3, 31), "L2", "CALPOL 120 MG"),
...          RecountPack("08699536080008", "B1", date(2026, 12, 31), "L1", "İBUFEN 200 MG")]
>>> [(g.product_name, g.expected, [p.serial for p in g.packs])
...  for g in pick_list(packs, found={PackKey("08699536080008", "B2")})]
[('CALPOL 120 MG', 1, ['A1']), ('İBUFEN 200 MG', 2, ['B1'])]
>>> recount_summary(45, 20).message
'Son kontrol 20 kutuyu deaktive edilmekten kurtardı: taslak 45 kutudan 25 kutuya indi.'
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import date

from eczane.domain.count import ScanState
from eczane.domain.formatting import number_tr
from eczane.domain.karekod import KarekodResult
from eczane.domain.pack import PackKey
from eczane.domain.text import tr_sort_key


@dataclass(frozen=True, slots=True)
class RecountPack:
    """One pack of the draft as the pick list shows it."""

    gtin: str
    """AI 01 GTIN-14."""
    serial: str
    """AI 21 serial."""
    expiry: date | None
    """AI 17 expiry (None when İTS's list had none)."""
    batch: str
    """AI 10 batch."""
    product_name: str = ""
    """The İTS list's or catalog's name; empty when unknown."""

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)


@dataclass(frozen=True, slots=True)
class PickGroup:
    """One product on the pick list: the packs still to look for and how many were found."""

    product_name: str
    """Name shown (the GTIN when the name is unknown)."""
    gtin: str
    """The product's GTIN."""
    packs: tuple[RecountPack, ...]
    """Packs still in the draft, earliest expiry first (the order they sit on a FEFO shelf)."""
    found: int
    """Packs of this product the recount found on the shelf (removed from the draft)."""

    @property
    def expected(self) -> int:
        """How many packs İTS says the pharmacy holds and the count did not see: hidden in
        blind mode."""
        return len(self.packs) + self.found


def pick_list(packs: Iterable[RecountPack], found: Container[PackKey]) -> list[PickGroup]:
    """The draft's packs grouped by product (name and GTIN), in Turkish alphabetical order.

    Args:
        packs: the packs the draft held when the recount began (pending and found ones).
        found: the keys the recount found (they are counted, not listed).

    Returns:
        One group per (name, GTIN), ordered by :func:`~eczane.domain.text.tr_sort_key` of the
        name, then GTIN; each group's packs by expiry, batch, serial.

    References:
        Issue 16 part 1 (grouped by product, Turkish order, printable as a pick list);
        TDK alphabet via ``eczane.domain.text``.
    """
    groups: dict[tuple[str, str], tuple[list[RecountPack], list[int]]] = {}
    for p in packs:
        name = p.product_name.strip() or p.gtin
        todo, hits = groups.setdefault((name, p.gtin), ([], [0]))
        if p.key in found:
            hits[0] += 1
        else:
            todo.append(p)
    ordered = sorted(groups.items(), key=lambda item: (tr_sort_key(item[0][0]), item[0][1]))
    return [PickGroup(name, gtin, tuple(sorted(todo, key=_shelf_order)), hits[0])
            for (name, gtin), (todo, hits) in ordered]


def found_packs(packs: Iterable[RecountPack], found: Container[PackKey]) -> list[RecountPack]:
    """The packs the recount found, in the pick list's order (product name in Turkish order,
    GTIN, serial)."""
    return sorted((p for p in packs if p.key in found),
                  key=lambda p: (tr_sort_key(p.product_name.strip() or p.gtin), p.gtin, p.serial))


def _shelf_order(p: RecountPack) -> tuple[date, str, str]:
    return (p.expiry or date.max, p.batch, p.serial)


@dataclass(frozen=True, slots=True)
class RecountVerdict:
    """What the recount page shows for one scan, and whether the pack leaves the draft."""

    state: ScanState
    """green (found: removed), amber (look: not removed), red (unreadable)."""
    code: str
    """found, already_found, already_removed, not_in_draft, ambiguous, unreadable."""
    title: str
    """The big word on the coloured box."""
    message: str
    """Turkish sentence shown under it."""
    key: PackKey | None = None
    """The pack read (when readable)."""

    @property
    def removes(self) -> bool:
        """True when the pack is to be removed from the draft now."""
        return self.code == "found"


def classify_recount_scan(result: KarekodResult, *, state_of: Callable[[PackKey], str | None],
                          found: Container[PackKey]) -> RecountVerdict:
    """Classify one scan of the recount.

    Args:
        result: the karekod engine's answer (``parse_karekod`` with ``its_case=True`` and the
            draft's packs as ``known``, so a reading without GS resolves to the draft's pack).
        state_of: the pack's state in the draft (``pending``, ``dropped``, …) or None when the
            draft does not hold it.
        found: keys this recount already found.

    Returns:
        The verdict; ``removes`` says whether the pack leaves the draft.

    References:
        Issue 16 part 1 (a scan not in the draft is answered clearly); seed 000 step 3 (a pack
        on the shelf is never deactivated); research/its.md §6 (GS ambiguity).
    """
    if result.value is None:
        err = result.error
        if err is not None and err.code == "ambiguous":
            return RecountVerdict(
                ScanState.AMBER, "ambiguous", "YENİDEN OKUTUN",
                "Karekod ayraçsız (GS'siz) okundu ve birden çok şekilde okunabiliyor; "
                "taslaktaki kutulardan hiçbirine tek başına uymuyor. Okuyucunun GS ayarını "
                "kontrol edip yeniden okutun.")
        return RecountVerdict(ScanState.RED, "unreadable", "OKUNAMADI",
                              "Karekod okunamadı: " + (err.message if err else "veri yok."))
    key = result.value.key
    if key in found:
        return RecountVerdict(ScanState.AMBER, "already_found", "ZATEN ÇIKARILDI",
                              "Bu kutu bu son kontrolde zaten bulundu ve taslaktan çıkarıldı.",
                              key)
    state = state_of(key)
    if state is None:
        return RecountVerdict(ScanState.AMBER, "not_in_draft", "TASLAKTA YOK",
                              "Bu kutu deaktivasyon taslağında yok: deaktive edilmeyecek, "
                              "rafa geri koyabilirsiniz.", key)
    if state != "pending":
        return RecountVerdict(ScanState.AMBER, "already_removed", "ZATEN ÇIKARILMIŞ",
                              "Bu kutu taslaktan daha önce çıkarılmış (sayımda veya "
                              "mutabakatta elde bulundu); bir şey yapmanız gerekmiyor.", key)
    return RecountVerdict(ScanState.GREEN, "found", "BULUNDU",
                          "Rafta bulundu: taslaktan çıkarıldı, deaktive edilmeyecek.", key)


@dataclass(frozen=True, slots=True)
class RecountSummary:
    """What a recount saved: the machine numbers and the sentence for the report."""

    before: int
    """Packs in the draft when the recount began."""
    saved: int
    """Packs found on the shelf and removed from the draft."""

    @property
    def remaining(self) -> int:
        return max(self.before - self.saved, 0)

    @property
    def message(self) -> str:
        if self.saved == 0:
            return (f"Son kontrolde taslaktaki {number_tr(self.before)} kutudan hiçbiri rafta "
                    "bulunmadı.")
        return (f"Son kontrol {number_tr(self.saved)} kutuyu deaktive edilmekten kurtardı: "
                f"taslak {number_tr(self.before)} kutudan {number_tr(self.remaining)} kutuya "
                "indi.")


def recount_summary(before: int, saved: int) -> RecountSummary:
    """The saved count of a recount (issue 16: the report and the audit say how many packs the
    recount saved)."""
    return RecountSummary(before, saved)
