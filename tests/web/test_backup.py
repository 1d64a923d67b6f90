"""Yedek on the İçe aktarma page: download a backup; restore one in two steps (check, then a
typed phrase naming the backup). Only an eczacı; never another pharmacy's file."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from eczane.store import catalog as cat
from eczane.store.audit import audit_log
from eczane.store.backup import BackupSecret, read_manifest, restore_phrase
from tests.importers.files import write_xlsx

G1 = "08699536080017"  # demo GTIN (demo_data.py)
KEY = BackupSecret(b"test-secret")  # the app's secret key (tests/conftest.py settings)


def download(client, tmp_path):
    r = client.post("/ithalat/yedek")
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    path = tmp_path / "yedek.jsonl.gz"
    path.write_bytes(r.content)
    return path


def check(client, path):
    return client.post("/ithalat/geri-yukle",
                       files={"dosya": (path.name, io.BytesIO(path.read_bytes()))})


def token_of(page):
    return page.text.split('name="token" value="')[1].split('"')[0]


def snapshot_count(db, pharmacy_id):
    with db.connect() as conn:
        return len(cat.list_snapshots(conn, pharmacy_id))


def test_a_pharmacist_downloads_a_backup_of_her_pharmacy_only(app_client, tmp_path):
    app_client.login("alice")
    manifest = read_manifest(download(app_client, tmp_path), KEY)
    assert manifest["pharmacy_id"] == app_client.pharmacies.pharmacy_id
    assert manifest["tables"]["app_user"] == 2  # alice and bob, not charlie


def test_a_backup_is_checked_then_restored_with_the_phrase_that_names_it(app_client, db,
                                                                         settings, tmp_path):
    pid = app_client.pharmacies.pharmacy_id
    app_client.login("alice")
    path = download(app_client, tmp_path)
    phrase = restore_phrase(read_manifest(path, KEY))
    # the day goes on: an İTS stock list is imported after the backup
    stock = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No"], [G1, "S1"]])
    with db.begin() as conn:
        cat.import_its_stock(conn, pid, stock, today=date(2026, 11, 23))
    assert snapshot_count(db, pid) == 1

    page = check(app_client, path)
    assert page.status_code == 200
    assert phrase in page.text and "yedek.jsonl.gz" in page.text
    assert "<td>kullanıcı</td><td class=\"num\">2</td>" in page.text
    wrong = app_client.post("/ithalat/geri-yukle/onayla",
                            data={"token": token_of(page), "onay": "geri yükle"})
    assert wrong.status_code == 422
    assert f"Onay metni tutmuyor: tam olarak “{phrase}” yazın." in wrong.text
    assert snapshot_count(db, pid) == 1  # nothing changed

    done = app_client.post("/ithalat/geri-yukle/onayla",
                           data={"token": token_of(wrong), "onay": f" {phrase} "})
    assert done.status_code == 200 and "Geri yüklendi" in done.text
    assert snapshot_count(db, pid) == 0  # back to the backup
    assert not list((settings.data_dir / "uploads").rglob("*.gz"))  # no copy lingers
    with db.connect() as conn:
        last = conn.execute(select(audit_log).where(audit_log.c.pharmacy_id == pid)
                            .order_by(audit_log.c.seq.desc()).limit(1)).one()
    assert last.name == "store.restore" and last.user_id == app_client.pharmacies.alice_id


def test_a_damaged_backup_is_refused_in_turkish_before_any_question(app_client, tmp_path):
    app_client.login("alice")
    path = download(app_client, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    r = check(app_client, path)
    assert r.status_code == 422 and "Onaylamak için" not in r.text
    assert "Yedek dosyası bozuk: &#39;yedek.jsonl.gz&#39; açılamadı" in r.text


def test_another_pharmacys_backup_is_refused(app_client, tmp_path):
    app_client.login("alice")
    path = download(app_client, tmp_path)
    app_client.post("/cikis")
    app_client.cookies.clear()
    app_client.login("charlie")
    r = check(app_client, path)
    assert r.status_code == 422
    assert (f"Bu yedek başka bir eczanenin ({app_client.pharmacies.pharmacy_id} numaralı); bu "
            "eczaneye geri yüklenemez.") in r.text


def test_a_restore_that_would_forget_an_its_notification_is_refused(app_client, db, tmp_path):
    from eczane.store.outbox import NewPack, create_submission, set_pack_states

    pid = app_client.pharmacies.pharmacy_id
    app_client.login("alice")
    path = download(app_client, tmp_path)
    with db.begin() as conn:  # after the backup, a pack goes to İTS
        sid = create_submission(conn, pharmacy_id=pid, kind="deactivation", reason_code="75",
                                packs=[NewPack(G1, "S1", date(2027, 6, 30), "L1")],
                                created_by=app_client.pharmacies.alice_id)
        set_pack_states(conn, sid, {(G1, "S1"): {"state": "accepted", "attempts": 1}})
    page = check(app_client, path)
    r = app_client.post("/ithalat/geri-yukle/onayla",
                        data={"token": token_of(page), "onay": restore_phrase(read_manifest(path, KEY))})
    assert r.status_code == 422
    assert "İTS&#39;ye 1 kutu bildirildi" in r.text
    with db.connect() as conn:
        from eczane.store.outbox import state_counts

        assert state_counts(conn, sid)["accepted"] == 1


def test_a_kalfa_may_not_download_check_or_restore_and_get_is_refused(app_client, tmp_path):
    app_client.login("alice")
    path = download(app_client, tmp_path)
    token = token_of(check(app_client, path))
    app_client.cookies.clear()
    app_client.login("bob")
    assert app_client.post("/ithalat/yedek").status_code == 403
    assert check(app_client, path).status_code == 403
    assert app_client.post("/ithalat/geri-yukle/onayla",
                           data={"token": token, "onay": "x"}).status_code == 403
    assert app_client.get("/ithalat/yedek").status_code == 405
    assert app_client.get("/ithalat/geri-yukle").status_code == 405
    assert app_client.get("/ithalat/geri-yukle/onayla").status_code == 405
