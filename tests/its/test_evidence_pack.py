"""The evidence pack of a sent notification (issue 16 part 4): made from a real import, count,
reconciliation, approval and sending to the İTS simulator; checked offline; any one byte changed
in any member, a counted pack tampered into the sent list or a broken chain is caught and named.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

import pytest
from typer.testing import CliRunner

from eczane.domain import evidence as ev
from eczane.exports import report as report_mod
from eczane.exports.evidence import EvidenceError, build_evidence
from eczane.exports.pdf import find_chromium
from tests.its.conftest import OPEN_DAY
from tests.its.evidence_world import send_notification

ORIGINAL = ev.ITS_ORIGINAL + ".xlsx"
MEMBERS = {ORIGINAL, ev.COUNT, ev.REPORT_HTML, ev.DRAFT, ev.ANSWERS, ev.CHAIN, ev.README,
           ev.MANIFEST}


@pytest.fixture
def sent(db, pharmacies, settings, tmp_path):
    world = send_notification(db, settings, pharmacies.pharmacy_id, pharmacies.alice_id, tmp_path)
    yield world
    world.server.stop()


@pytest.fixture
def no_chromium(monkeypatch):
    def fail(html: str, **kw: object) -> bytes:
        raise report_mod.PdfUnavailable("Chromium bulunamadı")

    monkeypatch.setattr(report_mod, "html_to_pdf", fail)


def build(db, settings, sid):
    with db.connect() as conn:
        return build_evidence(conn, sid, data_dir=settings.data_dir, today=OPEN_DAY)


def unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {n: z.read(n) for n in z.namelist()}


def remanifest(members: dict[str, bytes]) -> dict[str, bytes]:
    """What a forger would do after changing a member: write the manifest again."""
    old = json.loads(members[ev.MANIFEST])
    titles = {m["name"]: m["title"] for m in old["members"]}
    meta = {k: v for k, v in old.items() if k not in ("format", "members", "manifest_sha256")}
    out = {n: b for n, b in members.items() if n != ev.MANIFEST}
    out[ev.MANIFEST] = ev.manifest_bytes(out, meta, titles)
    return out


def test_a_sent_notification_gives_a_pack_that_verifies(sent, db, settings, no_chromium):
    pack = build(db, settings, sent.submission_id)
    check = ev.verify_zip(pack.body)
    assert check.ok, [f.message for f in check.findings if not f.ok]
    members = unzip(pack.body)
    assert set(members) == MEMBERS
    assert members[ORIGINAL] == sent.xlsx.read_bytes()  # the very file uploaded
    manifest = json.loads(members[ev.MANIFEST])
    assert manifest["its_file"]["sha256"] == hashlib.sha256(sent.xlsx.read_bytes()).hexdigest()
    assert manifest["its_file"]["original"] is True
    assert manifest["created_at"].endswith("+00:00") and manifest["report"] == "html"
    draft = json.loads(members[ev.DRAFT])
    assert len(draft["approved_packs"]) == 12
    assert draft["submission"]["confirmation"] == "12 kutuyu deaktive et"
    assert draft["submission"]["approved_by"] == "Ecz. Alice"
    answers = ev.answer_rows(members[ev.ANSWERS])
    assert len(answers) == 12 and {a["Durum kodu"] for a in answers} == {"accepted"}
    assert [(a["İTS sonuç kodu"], a["Yanıt zamanı"][:2], a["Gönderim zamanı"][:2]) for a in answers] == [("00000", "20", "20")] * 12
    chain = ev.read_chain(members[ev.CHAIN])
    assert chain[0][0].name == "imports.its_stock"
    assert chain[0][0].payload["sha256"] == manifest["its_file"]["sha256"]
    assert chain[-1][0].name == "notify.batch_result"
    readme = members[ev.README].decode()
    assert "PDF üretilemedi (Chromium bulunamadı ya da çalışmadı)" in readme and ORIGINAL in readme
    assert {f.member for f in check.findings} >= MEMBERS  # every member was checked


def test_changing_one_byte_of_any_member_fails_naming_that_member(sent, db, settings,
                                                                  no_chromium):
    members = unzip(build(db, settings, sent.submission_id).body)
    for name, data in members.items():
        positions = [len(data) // 2]
        if name == ev.MANIFEST:  # a digit of a hash, a time, a space, a brace
            positions += [data.index(b'"sha256": "') + 12, data.index(b"created_at") + 16,
                          data.index(b"\n") + 1, 0]
        for pos in positions:
            altered = dict(members)
            altered[name] = data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]
            check = ev.verify_members(altered)
            assert not check.ok, (name, pos)
            assert check.failing[0] == name, (name, pos, check.failing)


def test_a_member_removed_or_added_is_named(sent, db, settings, no_chromium):
    members = unzip(build(db, settings, sent.submission_id).body)
    fewer = {n: b for n, b in members.items() if n != ev.COUNT}
    assert ev.verify_members(fewer).failing[0] == ev.COUNT
    more = {**members, "not.txt": b"x"}
    assert ev.verify_members(more).failing == ["not.txt"]


def test_a_counted_pack_tampered_into_the_sent_list_fails(sent, db, settings, no_chromium):
    members = unzip(build(db, settings, sent.submission_id).body)
    gtin, serial = sorted(ev.counted_keys(members[ev.COUNT]))[0]
    row = [gtin, serial, "2027-01-31", "B1", "X", "accepted", "İTS kabul etti", "00000", "",
           "2025-09-01T08:00:00+00:00", "2025-09-01T08:00:01+00:00", "1-00001", "N1"]
    answers = members[ev.ANSWERS] + ";".join(row).encode() + b"\r\n"
    # Into the sent list only: not in the approved draft, and counted.
    check = ev.verify_members(remanifest({**members, ev.ANSWERS: answers}))
    assert check.failing == [ev.ANSWERS]
    texts = " ".join(f.message for f in check.findings if not f.ok)
    assert "1 gönderilen kutu onaylanan taslakta yok" in texts
    assert f"hem İTS'ye deaktivasyon için gönderilmiş hem sayımda ({ev.COUNT}) var: {gtin}/{serial}" in texts
    # Into the draft as well: the count rule alone still catches it.
    draft = json.loads(members[ev.DRAFT])
    draft["approved_packs"].append({"gtin": gtin, "serial": serial})
    both = remanifest({**members, ev.ANSWERS: answers,
                       ev.DRAFT: json.dumps(draft, ensure_ascii=False).encode()})
    check = ev.verify_members(both)
    assert check.failing == [ev.ANSWERS]
    assert [f.message for f in check.findings if not f.ok] == [
        f"{ev.ANSWERS}: 1 kutu hem İTS'ye deaktivasyon için gönderilmiş hem sayımda ({ev.COUNT}) "
        f"var: {gtin}/{serial}."]


def test_a_broken_chain_fails_naming_the_chain(sent, db, settings, no_chromium):
    members = unzip(build(db, settings, sent.submission_id).body)
    lines = members[ev.CHAIN].decode().splitlines()
    mid = len(lines) // 2
    rec = json.loads(lines[mid])
    rec["payload"]["forged"] = True
    edited = [*lines[:mid], json.dumps(rec, ensure_ascii=False), *lines[mid + 1:]]
    check = ev.verify_members(remanifest({**members, ev.CHAIN: "\n".join(edited).encode()}))
    assert check.failing == [ev.CHAIN]
    assert any(f"kayıt {rec['seq']} değiştirilmiş, özeti tutmuyor" in f.message
               for f in check.findings)
    removed = [*lines[:mid], *lines[mid + 1:]]
    check = ev.verify_members(remanifest({**members, ev.CHAIN: "\n".join(removed).encode()}))
    assert check.failing == [ev.CHAIN]
    assert any(f"kayıt {rec['seq']} eksik" in f.message for f in check.findings)


def test_an_import_older_than_kept_originals_gets_a_regenerated_file_said_so(
        sent, db, settings, no_chromium):
    shutil.rmtree(settings.data_dir / "files")
    pack = build(db, settings, sent.submission_id)
    members = unzip(pack.body)
    assert ev.ITS_REGENERATED in members and ORIGINAL not in members
    assert not pack.its_original
    assert "DİKKAT: Bu dosya YENİDEN ÜRETİLMİŞTİR" in members[ev.README].decode()
    rows = ev.xlsx_sheet_rows(members[ev.ITS_REGENERATED], "İTS stok")
    manifest = json.loads(members[ev.MANIFEST])
    assert rows[0][:2] == ["GTIN", "Seri no"] and len(rows) == 1 + manifest["its_file"]["rows"]
    assert ev.verify_zip(pack.body).ok


def test_the_report_is_a_pdf_printed_by_chromium(sent, db, settings):
    if find_chromium() is None:
        pytest.skip("Chromium yok")
    pack = build(db, settings, sent.submission_id)
    members = unzip(pack.body)
    assert members[ev.REPORT_PDF].startswith(b"%PDF") and ev.REPORT_HTML not in members
    assert pack.report_is_pdf and ev.verify_zip(pack.body).ok


def test_the_report_is_printed_by_the_chromium_of_the_setting(sent, db, settings, tmp_path):
    """ECZANE_CHROMIUM names the Chromium: one that cannot print gives the HTML report (said in
    BENIOKU.txt), even with a working Chromium on PATH; any other error is not swallowed."""
    with db.connect() as conn:
        pack = build_evidence(conn, sent.submission_id, data_dir=settings.data_dir,
                              today=OPEN_DAY, chromium=str(tmp_path / "yok" / "chromium"))
    members = unzip(pack.body)
    assert ev.REPORT_HTML in members and ev.REPORT_PDF not in members and not pack.report_is_pdf
    assert "PDF üretilemedi" in members[ev.README].decode() and ev.verify_zip(pack.body).ok


def test_a_report_error_that_is_not_a_missing_chromium_is_not_hidden(sent, db, settings,
                                                                      monkeypatch):
    def broken(html: str, **kw: object) -> bytes:
        raise KeyError("a bug")

    monkeypatch.setattr(report_mod, "html_to_pdf", broken)
    with pytest.raises(KeyError):
        build(db, settings, sent.submission_id)


def test_an_unsent_submission_has_no_pack(sent, db, settings, pharmacies):
    from eczane.its.service import create_from_reconciliation
    from eczane.store.users import get_user

    with db.begin() as conn:
        sid = create_from_reconciliation(conn, get_user(conn, pharmacies.alice_id), "expiry")
    with pytest.raises(EvidenceError, match="henüz hiçbir kutu gönderilmedi"):
        build(db, settings, sid)


def test_the_command_line_writes_and_verifies_a_pack(sent, db, settings, tmp_path, monkeypatch,
                                                     pharmacies, no_chromium):
    from eczane.cli import app

    for k, v in {"DATABASE_URL": settings.effective_database_url, "SECRET_KEY": "test-secret",
                 "DATA_DIR": str(settings.data_dir)}.items():
        monkeypatch.setenv("ECZANE_" + k, v)
    runner = CliRunner()
    out = tmp_path / "dosya.zip"
    args = ["audit", "evidence", "--submission", str(sent.submission_id), "--out", str(out)]
    r = runner.invoke(app, [*args, "--pharmacy", str(pharmacies.other_pharmacy_id)])
    assert r.exit_code == 2 and "bildirimi yok" in r.output and not out.exists()
    r = runner.invoke(app, [*args, "--pharmacy", str(pharmacies.pharmacy_id),
                            "--today", OPEN_DAY.isoformat()])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["manifest_sha256"] == json.loads(
        unzip(out.read_bytes())[ev.MANIFEST])["manifest_sha256"]
    r = runner.invoke(app, ["audit", "verify", "--pack", str(out)])
    assert r.exit_code == 0, r.output
    assert "Denetim dosyası doğrulandı: dosya.zip" in r.output
    assert "gönderilen 12 kutunun hepsi onaylanan taslakta" in r.output
    members = unzip(out.read_bytes())
    members[ev.COUNT] = members[ev.COUNT][:100] + b"!" + members[ev.COUNT][101:]
    bad = tmp_path / "bozuk.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    r = runner.invoke(app, ["audit", "verify", "--pack", str(bad)])
    assert r.exit_code == 1
    assert f"Denetim dosyası DOĞRULANAMADI; bozuk: {ev.COUNT}" in r.output


def test_a_reconciliation_against_a_karekod_list_gives_that_list_as_the_count(db, pharmacies):
    """No count session: the on-hand karekod list the reconciliation used (seed 000 step 4)."""
    from types import SimpleNamespace

    from eczane.exports.evidence import _count_file
    from tests.store.test_reconcile import LATER, add_onhand_import

    with db.begin() as conn:
        iid = add_onhand_import(conn, pharmacies.pharmacy_id, [("08699536080017", "=S1", LATER, "B")])
        body = _count_file(conn, SimpleNamespace(onhand_source={"onhand_import_id": iid}))
    assert ev.counted_keys(body) == {("08699536080017", "=S1")}
