"""The pharmacy program's karekod list (seed 000 step 4: "Elinizde Olmayan Karekodlar")."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.pack import PackKey
from eczane.importers.onhand import read_onhand
from eczane.importers.tabular import ImportRefused
from tests.importers.files import write_xlsx

TODAY = date(2026, 11, 23)
G1 = "08699536080017"  # demo GTIN (demo_data.py)
K1 = f"01{G1}21ABC123\x1d17270630\x1d10L1"            # GS-separated, as a scanner sends it
K2 = f"(01){G1}(21)ABC124(17)270630(10)L1"             # HRI form, as printed under the code
K3 = f"01{G1}21ABC12517270630" + "10L1"               # no GS: the engine splits it


def test_a_text_export_with_its_header_line_is_read_and_the_header_noted(tmp_path):
    text = "Elinizde Olmayan Karekodlar\r\n" + "\r\n".join([K1, K2, "", K3]) + "\r\n"
    path = tmp_path / "liste.txt"
    path.write_bytes(text.encode("cp1254"))
    f = read_onhand(path, today=TODAY)
    assert [k.serial for k in f.karekods] == ["ABC123", "ABC124", "ABC125"]
    assert f.header == "Elinizde Olmayan Karekodlar" and f.issues == []
    assert f.notes == ["1. satırdaki başlık atlandı: 'Elinizde Olmayan Karekodlar'"]


def test_unparseable_lines_are_reported_by_line_number_and_nothing_is_lost(tmp_path):
    path = tmp_path / "liste.txt"
    path.write_text("\n".join([K1, "0108699536080018", "merhaba", K1, K2]) + "\n", "utf-8")
    f = read_onhand(path, today=TODAY)
    assert [k.serial for k in f.karekods] == ["ABC123", "ABC124"]
    # the reasons are the karekod engine's own (eczane.domain.karekod)
    assert [(i.row_no, i.code, i.raw) for i in f.issues] == [
        (2, "check_digit", "0108699536080018"), (3, "syntax", "merhaba"), (4, "duplicate", K1)]
    assert f.duplicates == 1
    assert f.issues[2].message == "Bu karekod 1. satırda da var; bir kez sayıldı."


def test_a_header_only_after_a_karekod_is_an_issue_not_a_header(tmp_path):
    path = tmp_path / "liste.txt"
    path.write_text(f"{K1}\nElinizde Olmayan Karekodlar\n", "utf-8")
    f = read_onhand(path, today=TODAY)
    assert f.header == "" and [i.row_no for i in f.issues] == [2]


def test_an_xlsx_with_a_karekod_column_is_read(tmp_path):
    rows = [["Sıra", "Karekod", "Not"], [1, K1, ""], [2, K2, "raf 3"], [3, "?", ""]]
    f = read_onhand(write_xlsx(tmp_path / "l.xlsx", rows), today=TODAY)
    assert [k.key for k in f.karekods] == [PackKey(G1, "ABC123"), PackKey(G1, "ABC124")]
    assert [(i.row_no, i.column) for i in f.issues] == [(4, "Karekod")]


def test_an_xlsx_without_a_header_finds_the_karekod_column_by_its_content(tmp_path):
    rows = [["a", K1], ["b", K2]]
    f = read_onhand(write_xlsx(tmp_path / "l.xlsx", rows), today=TODAY)
    assert len(f.karekods) == 2


def test_an_empty_list_is_refused(tmp_path):
    (tmp_path / "bos.txt").write_bytes(b"")
    with pytest.raises(ImportRefused) as exc:
        read_onhand(tmp_path / "bos.txt", today=TODAY)
    assert exc.value.code == "empty_file"
    (tmp_path / "bos2.txt").write_text("\n\n", "utf-8")
    with pytest.raises(ImportRefused, match="içinde hiç karekod yok"):
        read_onhand(tmp_path / "bos2.txt", today=TODAY)
