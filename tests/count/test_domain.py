"""The counter's verdict for one scan (eczane.domain.count)."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.count import (
    CountStatus,
    ScanState,
    can_transition,
    classify_scan,
    pick_candidate,
    refusal_for_status,
)
from eczane.domain.errors import RuleError
from eczane.domain.karekod import Karekod, KarekodError, KarekodResult

TODAY = date(2026, 11, 23)
# GTIN and batch/serial shapes from research/its.md §6 (itstools example 08699504120011).
PACK = Karekod("08699504120011", "14078876651", date(2027, 12, 31), "K0016")
NORMAL = Product(PACK.gtin, "PARASETAMOL DEMO", PrescriptionClass.NORMAL)
RED = Product(PACK.gtin, "MORFİN DEMO", PrescriptionClass.RED)
GREEN_RX = Product(PACK.gtin, "ALPRAZOLAM DEMO", PrescriptionClass.GREEN)
CLASS_UNKNOWN = Product(PACK.gtin, "İTS'DEN GELEN AD", None)
EXPIRED = Karekod(PACK.gtin, PACK.serial, date(2026, 11, 22), PACK.batch)
EXPIRES_TODAY = Karekod(PACK.gtin, PACK.serial, TODAY, PACK.batch)


def ok(k: Karekod = PACK) -> KarekodResult:
    return KarekodResult(value=k)


@pytest.mark.parametrize(
    ("result", "already", "product", "its", "state", "code", "counted"),
    [
        # seed 000 step 3: a pack not yet counted is counted
        (ok(), False, NORMAL, True, ScanState.GREEN, "new", True),
        # no İTS list imported yet: nothing is said about İTS
        (ok(), False, NORMAL, None, ScanState.GREEN, "new", True),
        # a product whose colour class is not known is not called a colour product
        (ok(), False, CLASS_UNKNOWN, None, ScanState.GREEN, "new", True),
        # issue 4: "already counted — not counted twice"
        (ok(), True, NORMAL, True, ScanState.AMBER, "duplicate", False),
        # issue 4 / research/its.md §7: colour prescription classes are excluded from 75
        (ok(), False, RED, True, ScanState.AMBER, "colour", True),
        (ok(), False, GREEN_RX, True, ScanState.AMBER, "colour", True),
        # seed 000 step 2: expired packs go to the miadı dolanlar notification
        (ok(EXPIRED), False, NORMAL, True, ScanState.AMBER, "expired", True),
        # GS1 AI 17 is the last day of use: a pack expiring today is not expired yet
        (ok(EXPIRES_TODAY), False, NORMAL, True, ScanState.GREEN, "new", True),
        # issue 4: unknown product
        (ok(), False, None, True, ScanState.AMBER, "unknown_product", True),
        # DOMAIN.md bucket "on hand but not in İTS"
        (ok(), False, NORMAL, False, ScanState.AMBER, "not_in_its", True),
        # the karekod engine refused the input: red, not counted
        (KarekodResult(error=KarekodError("check_digit", "GTIN kontrol basamağı hatalı.")),
         False, None, None, ScanState.RED, "unreadable", False),
        # research/its.md §6: no GS, several readings → the user picks
        (KarekodResult(error=KarekodError("ambiguous", "…", (PACK, EXPIRED))),
         False, None, None, ScanState.AMBER, "ambiguous", False),
    ],
)
def test_a_scan_gets_a_colour_a_reason_and_a_counted_flag(result, already, product, its, state,
                                                          code, counted):
    v = classify_scan(result, already_counted=already, product=product, today=TODAY,
                      its_knows=its)
    assert (v.state, v.code, v.counted) == (state, code, counted)


def test_an_unreadable_scan_shows_the_engines_turkish_reason():
    err = KarekodError("check_digit", "GTIN kontrol basamağı hatalı: 08699504120012.")
    v = classify_scan(KarekodResult(error=err), already_counted=False, product=None,
                      today=TODAY, its_knows=None)
    assert v.message == "GTIN kontrol basamağı hatalı: 08699504120012."
    assert v.detail == "check_digit"


def test_every_warning_is_kept_with_the_most_important_first():
    v = classify_scan(ok(EXPIRED), already_counted=False, product=RED, today=TODAY,
                      its_knows=False)
    assert [n.code for n in v.notes] == ["colour", "expired", "not_in_its"]
    assert v.message == ("Kırmızı reçete ürünü: sayıldı; renkli reçeteli ilaçlar stok eşitleme "
                         "(75) kapsamı dışındadır.")
    assert v.notes[1].message == ("Miadı dolmuş (SKT 22.11.2026): sayıldı; miadı dolanlar "
                                  "bildirimine ayırın.")


def test_a_duplicate_says_it_was_not_counted_twice():
    v = classify_scan(ok(), already_counted=True, product=NORMAL, today=TODAY, its_knows=None)
    assert v.message == "Bu kutu bu sayımda zaten sayıldı; ikinci kez sayılmadı."
    assert v.notes == ()


def test_the_user_picks_one_reading_of_an_ambiguous_karekod():
    err = KarekodError("ambiguous", "…", (PACK, EXPIRED))
    v = classify_scan(KarekodResult(error=err), already_counted=False, product=None,
                      today=TODAY, its_knows=None)
    assert pick_candidate(v, 1) == EXPIRED
    with pytest.raises(RuleError, match="Geçersiz seçim: 2"):
        pick_candidate(v, 2)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        # issue 4: open, pause, resume, close
        (CountStatus.OPEN, CountStatus.PAUSED, True),
        (CountStatus.PAUSED, CountStatus.OPEN, True),
        (CountStatus.OPEN, CountStatus.CLOSED, True),
        (CountStatus.PAUSED, CountStatus.CLOSED, True),
        # a closed count is final (the reconciliation reads it)
        (CountStatus.CLOSED, CountStatus.OPEN, False),
        (CountStatus.CLOSED, CountStatus.PAUSED, False),
        (CountStatus.OPEN, CountStatus.OPEN, False),
    ],
)
def test_a_session_moves_only_along_allowed_status_changes(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_only_an_open_session_takes_scans_and_others_say_why_in_turkish():
    assert refusal_for_status(CountStatus.OPEN) is None
    assert refusal_for_status(CountStatus.CLOSED) == (
        "Bu sayım kapatıldı; okutma kaydedilmedi. Yeni bir sayım açın.")
    assert "duraklatıldı" in (refusal_for_status(CountStatus.PAUSED) or "")


def test_statuses_and_groups_have_turkish_labels():
    from eczane.domain.count import ScanGroup

    assert [s.label_tr for s in CountStatus] == ["Açık", "Duraklatıldı", "Kapatıldı"]
    assert [g.label_tr for g in ScanGroup] == ["Raf", "Açık reçete"]
    assert [g.value for g in ScanGroup] == ["raf", "acik_recete"]


def test_an_error_free_failed_result_is_still_red():
    v = classify_scan(KarekodResult(), already_counted=False, product=None, today=TODAY,
                      its_knows=None)
    assert (v.state, v.message, v.detail) == (ScanState.RED, "Karekod okunamadı.", "")
