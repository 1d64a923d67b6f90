"""Counting before today's İTS import (issue 14, finding 6): a pack is said to be missing from
the İTS list only against a list imported today (Europe/Istanbul); with an older list or none
the scan gets no such warning and the count page says which list there is and how old it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eczane.domain.count import ItsComparison, scan_notes
from eczane.domain.karekod import Karekod
from eczane.store import count as store
from tests.count.conftest import DEMO, TODAY, karekod, seed_catalog, seed_its_list

IST = ZoneInfo("Europe/Istanbul")
SHELF = DEMO.on_shelf
PACK = Karekod("08699504120011", "14078876651", date(2027, 12, 31), "K0016")


def at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=IST)


# ------------------------------------------------------------------ domain


def test_without_a_list_nothing_is_compared_and_the_page_says_so() -> None:
    c = ItsComparison(TODAY)
    assert (c.state, c.current, c.days_old) == ("none", False, None)
    assert c.message == (
        "İTS stok listesi yüklenmemiş: okutmalar İTS listesiyle karşılaştırılmıyor. Sayımdan "
        "sonra bugünkü İTS stok listesini yükleyin; karşılaştırma eşitlemede yapılır.")


def test_todays_list_is_the_comparison_and_named_with_its_time() -> None:
    c = ItsComparison(TODAY, datetime(2026, 11, 23, 9, 12), "stok.xlsx")
    assert (c.state, c.current, c.days_old) == ("current", True, 0)
    assert c.message == (
        "Okutmalar bugün yüklenen İTS stok listesiyle karşılaştırılıyor (23.11.2026 09:12, "
        "stok.xlsx); listede olmayan kutu sarı uyarı alır.")


@pytest.mark.parametrize(
    ("imported", "age"),
    [
        (datetime(2026, 11, 22, 23, 59), "dün"),
        (datetime(2026, 11, 21, 14, 43), "2 gün önce"),
        (datetime(2026, 10, 23, 8, 0), "31 gün önce"),
        (datetime(2026, 11, 24, 8, 0), "ileri tarihte"),  # a clock set wrong: still not today's
    ],
)
def test_an_older_list_is_named_with_its_age_and_not_compared(imported: datetime, age: str) -> None:
    c = ItsComparison(TODAY, imported, "eski.xlsx")
    assert (c.state, c.current) == ("old", False)
    assert c.message == (
        f"Son İTS stok listesi {age} yüklendi ({imported:%d.%m.%Y %H:%M}, eski.xlsx): bugünkü "
        "liste olmadığı için okutmalar bu eski listeyle karşılaştırılmıyor ve 'İTS stok "
        "listenizde yok' uyarısı verilmiyor. Sayımdan sonra bugünkü İTS stok listesini "
        "yükleyin; karşılaştırma eşitlemede yapılır.")


def test_the_not_in_its_note_itself_is_unchanged() -> None:
    notes = scan_notes(PACK, product=None, today=TODAY, its_knows=False)
    assert [n.code for n in notes] == ["unknown_product", "not_in_its"]


def test_the_day_is_istanbuls_not_utcs() -> None:
    # 22:30 UTC on the 22nd is 01:30 on the 23rd in Istanbul: today's list
    from eczane.store.count.reading import its_comparison

    c = its_comparison((1, datetime(2026, 11, 22, 22, 30, tzinfo=UTC), "gece.xlsx"), TODAY)
    assert c.current and c.imported_at == datetime(2026, 11, 23, 1, 30)


# ------------------------------------------------------------------ store


def scan(db, sid, pack, cid, user):  # type: ignore[no-untyped-def]
    return store.record_scan(db, sid, raw=karekod(pack), client_scan_id=cid, device_id="d1",
                             grp="raf", user_id=user, today=TODAY)


def test_against_an_older_list_a_pack_it_lacks_is_counted_green(db, pharmacies, session_id):
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs,
                  imported_at=at(TODAY - timedelta(days=2), 14, 43))
    listed = scan(db, session_id, SHELF[0], "c1", pharmacies.alice_id)
    unlisted = scan(db, session_id, DEMO.shelf_not_in_its[0], "c2", pharmacies.alice_id)
    assert (listed.verdict.code, unlisted.verdict.code) == ("new", "new")
    assert unlisted.verdict.state.value == "green" and unlisted.verdict.notes == ()
    again = scan(db, session_id, DEMO.shelf_not_in_its[0], "c2", pharmacies.alice_id)
    assert again.replayed and again.verdict.code == "new"
    with db.connect() as conn:
        c = store.its_comparison_for(conn, pharmacies.pharmacy_id, TODAY)
    assert (c.state, c.days_old, c.source_name) == ("old", 2, "its.xlsx")


def test_against_todays_list_a_pack_it_lacks_is_amber(db, pharmacies, session_id):
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs, imported_at=at(TODAY, 0, 5))
    unlisted = scan(db, session_id, DEMO.shelf_not_in_its[0], "c1", pharmacies.alice_id)
    assert (unlisted.verdict.state.value, unlisted.verdict.code) == ("amber", "not_in_its")
    again = scan(db, session_id, DEMO.shelf_not_in_its[0], "c1", pharmacies.alice_id)
    assert again.replayed and again.verdict.code == "not_in_its"


def test_a_newer_list_of_today_replaces_an_older_one(db, pharmacies, session_id):
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs,
                  imported_at=at(TODAY - timedelta(days=5), 10))
    assert scan(db, session_id, DEMO.shelf_not_in_its[0], "c1",
                pharmacies.alice_id).verdict.code == "new"
    gone = SHELF[1]  # sold since the old list, say: today's list lacks it
    assert gone in DEMO.its_packs
    seed_its_list(db, pharmacies.pharmacy_id, [p for p in DEMO.its_packs if p != gone],
                  imported_at=at(TODAY, 18))
    assert scan(db, session_id, gone, "c2", pharmacies.alice_id).verdict.code == "not_in_its"
