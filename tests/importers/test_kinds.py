"""One detector names a file meant for another import box (issue 14 finding 1)."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.importers.catalog import read_catalog
from eczane.importers.its_stock import read_its_stock
from eczane.importers.kinds import WrongFileKind, check_kind, guess_kinds
from eczane.importers.onhand import read_onhand
from tests.importers.files import write_csv, write_xlsx

G1 = "08699536080017"
ITS = [["İTS Stok Listesi"], ["GTIN", "Ürün Adı", "Seri No", "SKT", "Parti No"],
       [G1, "PARASETAMOL", "S1", date(2027, 6, 30), "L1"]]
CATALOG = [["Barkod", "İlaç Adı", "Firma Adı", "Reçete Türü"], [G1, "PARASETAMOL", "ABC", "Normal"]]
KAREKODS = [["Sayım Karekodları"], [f"01{G1}21A117270630\x1d10L1"], [f"01{G1}21A217270630\x1d10L1"]]
TRANSIT = [["karekod", "Gönderici Tipi", "Gönderici"], [f"01{G1}21A1\x1d17270630\x1d10L1", "depo", "X"]]


# (rows, box, named kind or None): the names of what each box receives by mistake
@pytest.mark.parametrize(("rows", "box", "named"), [
    (ITS, "catalog", "its_stock"),             # the walk: İTS "Stok İndir" in the catalog box
    (CATALOG, "its_stock", "catalog"),
    (KAREKODS, "catalog", "karekod_list"),     # a count / scanner dump
    (KAREKODS[1:], "catalog", "karekod_list"),  # the same without its title line
    (CATALOG, "karekod_list", "catalog"),
    (ITS, "karekod_list", "its_stock"),
    (TRANSIT, "catalog", "transit"),
    (ITS, "its_stock", None),
    (CATALOG, "catalog", None),
    (KAREKODS, "its_stock", None),             # an İTS list may be a karekod column
    (KAREKODS, "karekod_list", None),
    ([["GTIN", "Seri No"], [G1, "S1"]], "its_stock", None),
    ([["gtin", "name"], [G1, "A"]], "catalog", None),
    ([["Kod", "Numara"], [G1, "S1"]], "catalog", None),  # unknown: the box's own message
])
def test_a_box_names_the_kind_of_a_file_meant_for_another(rows, box, named):
    if named is None:
        check_kind(rows, box)
        return
    with pytest.raises(WrongFileKind) as exc:
        check_kind(rows, box)
    assert exc.value.kind == named and exc.value.code == "wrong_file"


def test_an_its_list_with_a_manufacturer_column_stays_an_its_list():
    rows = [["GTIN", "Seri No", "SKT", "Firma"], [G1, "S1", "30.06.2027", "ABC"]]
    assert guess_kinds(rows)["its_stock"] > guess_kinds(rows)["catalog"]
    check_kind(rows, "its_stock")


def test_every_reader_refuses_by_name_before_reading_a_row(tmp_path):
    its = write_xlsx(tmp_path / "stok.xlsx", ITS)
    cat = write_csv(tmp_path / "k.csv", CATALOG, encoding="cp1254")
    with pytest.raises(WrongFileKind, match="İTS stok listesine benziyor"):
        read_catalog(its)
    with pytest.raises(WrongFileKind, match="ilaç kataloğuna benziyor"):
        read_its_stock(cat, today=date(2026, 12, 4))
    with pytest.raises(WrongFileKind, match="ilaç kataloğuna benziyor"):
        read_onhand(cat, today=date(2026, 12, 4))


def test_the_arada_kalan_box_names_a_catalog_and_keeps_its_own_files(tmp_path):
    from eczane.importers.transit import read_transit

    cat = write_csv(tmp_path / "k.csv", CATALOG, encoding="cp1254")
    with pytest.raises(WrongFileKind, match="ilaç kataloğuna benziyor"):
        read_transit(cat, today=date(2026, 12, 4))
    own = write_csv(tmp_path / "t.csv", [["karekod", "tip", "depo"],
                                         [f"01{G1}21A1\x1d17270630\x1d10L1", "depo", "X"]], sep=",")
    assert len(read_transit(own, today=date(2026, 12, 4)).packs) == 1
