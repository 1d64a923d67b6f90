"""The bucket rules of ``eczane.domain.reconcile`` (the specification the SQL must match)."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.catalog import PrescriptionClass as PC
from eczane.domain.pack import ItsStockRow, PackKey
from eczane.domain.reconcile import (
    BUCKETS,
    NOTE_DATE_UNCHECKED,
    Bucket,
    DeactivationWindow,
    InTransitPack,
    OnHandPack,
    Reason,
    Rules,
    pack_reason_text,
    reason_text,
    reconcile,
    window_status,
)

TODAY = date(2025, 9, 1)
CUTOFF = date(2025, 3, 15)
COLOURS = frozenset({PC.RED, PC.GREEN, PC.ORANGE, PC.PURPLE})
RULES = Rules(reference_date=TODAY, records_before=CUTOFF, excluded_classes=COLOURS)
G_NORMAL, G_RED, G_GREEN, G_ORANGE, G_PURPLE, G_NOCLASS = (
    "08699536080017", "08699536080062", "08699536080079", "08699536080086", "08699536080093",
    "08699536080000")
CLASSES = {G_NORMAL: PC.NORMAL, G_RED: PC.RED, G_GREEN: PC.GREEN, G_ORANGE: PC.ORANGE,
           G_PURPLE: PC.PURPLE, G_NOCLASS: None}
LATER = date(2027, 1, 31)


def its(gtin: str, serial: str, *, expiry: date | None = LATER,
        tx: date | None = date(2025, 1, 10)) -> ItsStockRow:
    return ItsStockRow(gtin, serial, expiry, "L1", "", tx)


# One pack alone; (its row or None, on hand?, transit sender type or None) → (bucket, reason).
CASES = [
    # seed 000 step 4: in İTS and on hand → nothing to do
    ("on hand", its(G_NORMAL, "A"), True, None, Bucket.MATCHED, Reason.ON_HAND),
    # seed 000: processed before 15.03.2025, not physically present, normal class → 75
    ("ghost before cutoff", its(G_NORMAL, "A"), False, None, Bucket.NOT_ON_HAND_ELIGIBLE,
     Reason.ELIGIBLE),
    # seed 000: "15 Mart 2025 tarihinden önce" → the cutoff day itself is not before
    ("ghost on cutoff day", its(G_NORMAL, "A", tx=CUTOFF), False, None,
     Bucket.NOT_ON_HAND_INELIGIBLE, Reason.AFTER_CUTOFF),
    ("ghost the day before cutoff", its(G_NORMAL, "A", tx=date(2025, 3, 14)), False, None,
     Bucket.NOT_ON_HAND_ELIGIBLE, Reason.ELIGIBLE),
    ("ghost after cutoff", its(G_NORMAL, "A", tx=date(2025, 5, 2)), False, None,
     Bucket.NOT_ON_HAND_INELIGIBLE, Reason.AFTER_CUTOFF),
    # seed 000: "Renkli reçeteye tabi ilaçlar bu kapsama dâhil değildir"; research/its.md §7
    ("red ghost", its(G_RED, "A"), False, None, Bucket.NOT_ON_HAND_INELIGIBLE,
     Reason.COLOUR_PRESCRIPTION),
    ("green ghost", its(G_GREEN, "A"), False, None, Bucket.NOT_ON_HAND_INELIGIBLE,
     Reason.COLOUR_PRESCRIPTION),
    ("orange ghost", its(G_ORANGE, "A"), False, None, Bucket.NOT_ON_HAND_INELIGIBLE,
     Reason.COLOUR_PRESCRIPTION),
    ("purple ghost after cutoff: colour wins", its(G_PURPLE, "A", tx=date(2025, 6, 1)), False,
     None, Bucket.NOT_ON_HAND_INELIGIBLE, Reason.COLOUR_PRESCRIPTION),
    # research/its.md §7: no İTS service gives the colour; unknown is never assumed normal
    ("product not in catalog", its("08699536080994", "A"), False, None,
     Bucket.NOT_ON_HAND_INELIGIBLE, Reason.UNKNOWN_CLASS),
    ("product with unknown class", its(G_NOCLASS, "A"), False, None,
     Bucket.NOT_ON_HAND_INELIGIBLE, Reason.UNKNOWN_CLASS),
    # issue 5: no transaction date → the date test is skipped, note date_unchecked
    ("ghost without a date", its(G_NORMAL, "A", tx=None), False, None,
     Bucket.NOT_ON_HAND_ELIGIBLE, Reason.DATE_UNCHECKED),
    # seed 000 step 2: expired → miadı dolan, whether or not on hand
    ("expired on hand", its(G_NORMAL, "A", expiry=date(2025, 8, 31)), True, None,
     Bucket.EXPIRED, Reason.EXPIRED_ON_HAND),
    ("expired ghost", its(G_RED, "A", expiry=date(2024, 1, 31)), False, None, Bucket.EXPIRED,
     Reason.EXPIRED_NOT_ON_HAND),
    ("expires today: still usable", its(G_NORMAL, "A", expiry=TODAY), True, None,
     Bucket.MATCHED, Reason.ON_HAND),
    # seed 000 step 1: arada kalan, wholesaler and exchange separately
    ("wholesaler transit", None, False, "depo", Bucket.IN_TRANSIT, Reason.IN_TRANSIT_DEPO),
    ("exchange transit", None, False, "eczane", Bucket.IN_TRANSIT, Reason.IN_TRANSIT_ECZANE),
    ("transit already on the shelf", None, True, "depo", Bucket.IN_TRANSIT,
     Reason.IN_TRANSIT_DEPO),
    # research/its.md §8.1: candidates = İTS − (count ∪ pending in-transit)
    ("in İTS and in transit, not on hand", its(G_NORMAL, "A"), False, "eczane",
     Bucket.IN_TRANSIT, Reason.IN_TRANSIT_ECZANE),
    # DOMAIN.md buckets: on hand but not in İTS → mal alım or investigation
    ("on hand only", None, True, None, Bucket.ON_HAND_NOT_IN_ITS, Reason.NOT_IN_ITS),
]


@pytest.mark.parametrize(("label", "row", "on_hand", "transit", "bucket", "reason"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_pack_gets_the_bucket_and_reason_of_the_rules(label, row, on_hand, transit,
                                                          bucket, reason):
    key = PackKey(G_NORMAL, "A") if row is None else row.key
    tr = [InTransitPack(key.gtin, key.serial, LATER, "L1", transit, "Gönderen")] if transit else []
    result = reconcile([row] if row else [], [key] if on_hand else [], rules=RULES,
                       classes=CLASSES, in_transit=tr)
    assert [(p.bucket, p.reason) for p in result.packs] == [(bucket, reason)]


def test_counts_name_all_six_buckets_even_when_empty():
    result = reconcile([], [], rules=RULES, classes={})
    assert result.counts == {b.value: 0 for b in BUCKETS}
    assert len(BUCKETS) == 6


def test_a_file_without_transaction_dates_skips_the_date_test_and_notes_it():
    rows = [its(G_NORMAL, "A", tx=date(2025, 6, 1)), its(G_RED, "B", tx=None)]
    result = reconcile(rows, [], rules=RULES, classes=CLASSES, date_checked=False)
    by = {p.serial: p for p in result.packs}
    assert (by["A"].bucket, by["A"].reason) == (Bucket.NOT_ON_HAND_ELIGIBLE, Reason.DATE_UNCHECKED)
    assert by["A"].notes == (NOTE_DATE_UNCHECKED,)
    assert by["B"].reason is Reason.COLOUR_PRESCRIPTION and by["B"].notes == (NOTE_DATE_UNCHECKED,)
    assert not result.date_checked


def test_a_window_without_a_date_rule_needs_no_date():
    # research/its.md §5.1: the 2016 window had no record-date rule known to us
    rules = Rules(TODAY, None, COLOURS)
    result = reconcile([its(G_NORMAL, "A", tx=None)], [], rules=rules, classes=CLASSES)
    assert result.packs[0].reason is Reason.ELIGIBLE and result.packs[0].notes == ()


def test_the_excluded_classes_are_a_parameter_not_a_literal():
    rules = Rules(TODAY, CUTOFF, frozenset({PC.RED}))
    result = reconcile([its(G_GREEN, "A")], [], rules=rules, classes=CLASSES)
    assert result.packs[0].bucket is Bucket.NOT_ON_HAND_ELIGIBLE


def test_duplicate_its_rows_fold_to_the_latest_date_and_earliest_expiry():
    rows = [its(G_NORMAL, "A", tx=date(2025, 1, 1)), its(G_NORMAL, "A", tx=date(2025, 4, 1)),
            its(G_NORMAL, "A", tx=None)]
    for order in (rows, rows[::-1]):
        result = reconcile(order, [], rules=RULES, classes=CLASSES)
        assert [(p.reason, p.last_tx_date) for p in result.packs] == [
            (Reason.AFTER_CUTOFF, date(2025, 4, 1))]


def test_product_names_come_from_the_catalog_when_its_has_none():
    result = reconcile([its(G_NORMAL, "A")], [OnHandPack(G_NORMAL, "Z", LATER, "L9")],
                       rules=RULES, classes=CLASSES, names={G_NORMAL: "PARASETAMOL"})
    assert [p.product_name for p in result.packs] == ["PARASETAMOL", "PARASETAMOL"]
    assert result.packs[1].expiry == LATER and result.packs[1].batch == "L9"


def test_in_transit_packs_keep_their_sender():
    tr = InTransitPack(G_NORMAL, "T", LATER, "L2", "eczane", "Komşu Eczanesi")
    result = reconcile([], [], rules=RULES, classes=CLASSES, in_transit=[tr])
    p = result.packs[0]
    assert (p.sender_type, p.sender, p.in_its, p.on_hand) == ("eczane", "Komşu Eczanesi", False, False)
    assert pack_reason_text(p, RULES) == (
        "Takasla eczaneden (Komşu Eczanesi) gönderilmiş, kabul edilmemiş (arada kalan): "
        "karekodları gönderen eczaneye iletin.")


@pytest.mark.parametrize(("reason", "kwargs", "text"), [
    # every reason has a Turkish sentence with the pack's own facts (STYLE §5)
    ("eligible", {"records_before": CUTOFF},
     "İTS'de kayıtlı, elde yok; 15.03.2025 öncesi işlem görmüş ve renkli reçeteli değil: "
     "deaktivasyona uygun."),
    ("colour_prescription", {"prescription_class": PC.GREEN},
     "Yeşil reçete: renkli reçeteli ilaçlar stok eşitleme kapsamı dışında."),
    ("expired_on_hand", {"expiry": date(2025, 8, 31)},
     "SKT 31.08.2025 geçmiş (elde): miadı dolan bildirimi yapılır, stoktan düşülmeden."),
    ("in_transit_depo", {"sender": "Demo Ecza Deposu"},
     "Ecza deposundan (Demo Ecza Deposu) gönderilmiş, kabul edilmemiş (arada kalan): "
     "mal alımı yapın."),
    ("not_in_its", {},
     "Elde sayıldı ama İTS stoğunuzda görünmüyor: mal alımı veya inceleme gerekir."),
    ("on_hand", {}, "İTS'de kayıtlı ve elde sayıldı."),
    ("date_unchecked", {},
     "İTS'de kayıtlı, elde yok, renkli reçeteli değil; İTS dosyasında işlem tarihi olmadığından "
     "tarih kontrolü yapılmadı (kapsam dışı kutuyu İTS reddeder)."),
    ("unknown_class", {},
     "Ürün katalogda yok ya da reçete türü bilinmiyor: renkli reçeteli olabilir. Önce kataloğa "
     "reçete türünü girin."),
    ("expired_not_on_hand", {"expiry": date(2024, 1, 31)},
     "SKT 31.01.2024 geçmiş (elde değil): miadı dolan bildirimi yapılır, stoktan düşülmeden."),
])
def test_reasons_read_as_turkish_sentences(reason, kwargs, text):
    assert reason_text(reason, **kwargs) == text


def test_a_colour_pack_without_date_mentions_the_unchecked_date():
    result = reconcile([its(G_RED, "A", tx=None)], [], rules=RULES, classes=CLASSES)
    assert pack_reason_text(result.packs[0], RULES).endswith(
        "(İşlem tarihi bilinmiyor: tarih kontrolü yapılmadı.)")


W75 = DeactivationWindow(code="75", name="Stok Eşitleme", records_before=CUTOFF,
                         open_from=date(2025, 7, 24), open_until=date(2025, 10, 24),
                         excluded_classes=COLOURS)


@pytest.mark.parametrize(("today", "state", "message"), [
    # research/its.md §5.1: RG 24.07.2025 opened it; TİTCK: complete by 24.10.2025
    (date(2025, 7, 23), "not_yet_open",
     "Stok Eşitleme (kod 75): 24.07.2025 tarihinde açılacak; bugün kapalı."),
    (date(2025, 7, 24), "open", "Stok Eşitleme (kod 75): açık, son gün 24.10.2025 (92 gün kaldı)."),
    (date(2025, 10, 24), "open", "Stok Eşitleme (kod 75): açık, son gün 24.10.2025 (0 gün kaldı)."),
    (date(2025, 10, 25), "closed",
     "Stok Eşitleme (kod 75): 24.10.2025 tarihinde kapandı. Liste yine de hazırlanır: başka bir "
     "deaktivasyon nedeni veya sonraki pencere için."),
])
def test_a_window_is_open_from_its_first_to_its_last_day(today, state, message):
    status = window_status(W75, today)
    assert (status.state, status.message, status.open) == (state, message, state == "open")


def test_a_window_with_unknown_dates_is_never_called_open():
    # research/its.md §5.1: the 2016 window's dates are not in our sources
    w = DeactivationWindow(code=None, name="Stok affı 2016", records_before=None, open_from=None,
                           open_until=None)
    assert window_status(w, TODAY).state == "unknown"
    w2 = DeactivationWindow(code="99", name="X", records_before=None, open_from=date(2025, 1, 1),
                            open_until=None)
    assert window_status(w2, TODAY).message == "X (kod 99): 01.01.2025 tarihinden beri açık; bitiş tarihi duyurulmadı."


def test_every_bucket_has_a_turkish_label():
    # the six buckets of issue 5, as the pages name them
    assert [b.label_tr for b in BUCKETS] == [
        "Eşleşen (İTS'de var, elde var)", "Elde yok — deaktivasyona uygun",
        "Elde yok — deaktivasyona uygun değil", "Miadı dolan", "Arada kalan",
        "Elde var, İTS'de yok"]
