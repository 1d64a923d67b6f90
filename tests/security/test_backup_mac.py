"""Issue 13: backups are authenticated (HMAC-SHA256 keyed by the secret key or a passphrase).

The issue's reproduction: a backup whose ``kalfa`` row was edited to role ``eczaci`` with a new
password hash, its closing checksum recomputed, restored without complaint. Now any edit is
refused, old unkeyed backups are refused, a passphrase backup opens on another installation with
the passphrase only, and the confirmation page says who could log in differently.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re

import pytest
from sqlalchemy import select, text

from eczane.store.backup import (
    BackupError,
    BackupSecret,
    read_manifest,
    restore_backup,
    write_backup,
)
from eczane.store.core import app_user
from eczane.store.users import hash_password

KEY = BackupSecret(b"test-secret")


def backup(db, pharmacies, tmp_path, secret=KEY):
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, secret)
    return out


def promote_bob(path, *, version=None):
    """The attack: bob (kalfa) becomes eczacı with a known password; the SHA-256 recomputed."""
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    manifest = json.loads(lines[0])
    cols = manifest["columns"]["app_user"]
    out = []
    for line in lines[:-1]:
        obj = json.loads(line)
        if obj.get("t") == "app_user" and obj["r"][cols.index("username")] == "bob":
            obj["r"][cols.index("role")] = "eczaci"
            obj["r"][cols.index("password_hash")] = hash_password("hacked")
            line = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if version is not None and "format" in obj:
            obj["version"] = version
            line = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        out.append(line)
    end = json.loads(lines[-1])
    end["sha256"] = hashlib.sha256(b"".join(out)).hexdigest()
    path.write_bytes(gzip.compress(b"".join(out) + (json.dumps(end) + "\n").encode()))


def bob_role(db):
    with db.connect() as conn:
        return conn.execute(select(app_user.c.role).where(app_user.c.username == "bob")).scalar()


def test_the_issue_repro_an_edited_role_with_a_recomputed_checksum_is_refused(db, pharmacies,
                                                                              tmp_path):
    path = backup(db, pharmacies, tmp_path)
    promote_bob(path)
    with db.begin() as conn, pytest.raises(BackupError) as exc:
        restore_backup(conn, path, KEY)
    assert exc.value.code == "mac"
    assert exc.value.message.startswith("Yedek doğrulanamadı: dosya yedek alındıktan sonra "
                                        "değiştirilmiş")
    assert bob_role(db) == "kalfa"


def test_an_old_unkeyed_backup_is_refused_with_a_clear_message(db, pharmacies, tmp_path):
    path = backup(db, pharmacies, tmp_path)
    promote_bob(path, version=1)
    with pytest.raises(BackupError) as exc:
        read_manifest(path, KEY)
    assert exc.value.code == "unkeyed" and "eski biçimde (sürüm 1)" in exc.value.message


@pytest.mark.parametrize("where", [0, 1, -2])
def test_a_single_changed_byte_anywhere_is_refused(db, pharmacies, tmp_path, where):
    path = backup(db, pharmacies, tmp_path)
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    line = lines[where]
    lines[where] = line.replace(b"1", b"2", 1) if b"1" in line else line.replace(b"a", b"b", 1)
    assert lines[where] != line
    path.write_bytes(gzip.compress(b"".join(lines)))
    with pytest.raises(BackupError) as exc:
        read_manifest(path, KEY)
    assert exc.value.code == "mac"


def test_a_backup_from_another_installation_is_refused_without_a_passphrase(db, pharmacies,
                                                                            tmp_path):
    path = backup(db, pharmacies, tmp_path)
    with pytest.raises(BackupError) as exc:
        read_manifest(path, BackupSecret(b"another-installation"))
    assert exc.value.code == "mac" and "başka bir kurulumun gizli anahtarıyla" in exc.value.message


def test_a_passphrase_backup_moves_to_another_installation(db, pharmacies, tmp_path):
    path = backup(db, pharmacies, tmp_path, BackupSecret(b"k1", "eczane yedeği 2026"))
    manifest = read_manifest(path, BackupSecret(b"k2", "eczane yedeği 2026"))
    assert manifest["auth"]["kind"] == "passphrase" and manifest["auth"]["kdf"] == "scrypt"
    for secret, code in [(BackupSecret(b"k2"), "passphrase_required"),
                         (BackupSecret(b"k1", "eczane yedeği 2027"), "mac")]:
        with pytest.raises(BackupError) as exc:
            read_manifest(path, secret)
        assert exc.value.code == code
    with db.begin() as conn:
        restore_backup(conn, path, BackupSecret(b"k2", "eczane yedeği 2026"))


def test_a_short_passphrase_is_refused_at_backup_time(db, pharmacies, tmp_path):
    with pytest.raises(BackupError) as exc:
        backup(db, pharmacies, tmp_path, BackupSecret(b"k", "kısa"))
    assert exc.value.message == "Yedek parolası en az 10 karakter olmalı."


# ------------------------------------------------------------------ over HTTP


def download(client, **data):
    r = client.post("/ithalat/yedek", data=data)
    assert r.status_code == 200, r.text
    return r.content


def check(client, body, parola=""):
    return client.post("/ithalat/geri-yukle", data={"parola": parola},
                       files={"dosya": ("yedek.jsonl.gz", io.BytesIO(body))})


def test_the_page_refuses_the_issue_repro(app_client, db, tmp_path):
    app_client.login("alice")
    path = tmp_path / "y.jsonl.gz"
    path.write_bytes(download(app_client))
    promote_bob(path)
    r = check(app_client, path.read_bytes())
    assert r.status_code == 422 and "Yedek doğrulanamadı" in r.text and "Onaylamak için" not in r.text
    assert bob_role(db) == "kalfa"


def test_the_page_takes_a_passphrase_for_the_backup_and_for_the_restore(app_client, db):
    app_client.login("alice")
    r = app_client.post("/ithalat/yedek", data={"parola": "eczane yedeği 2026", "parola2": "x"})
    assert r.status_code == 422 and "tekrarı aynı değil" in r.text
    body = download(app_client, parola="eczane yedeği 2026", parola2="eczane yedeği 2026")
    assert json.loads(gzip.decompress(body).split(b"\n")[0])["auth"]["kind"] == "passphrase"
    missing = check(app_client, body)
    assert missing.status_code == 422 and "Bu yedek bir parolayla korunuyor" in missing.text
    wrong = check(app_client, body, "yanlış parola 2026")
    assert wrong.status_code == 422 and "parola yanlış" in wrong.text
    page = check(app_client, body, "eczane yedeği 2026")
    assert page.status_code == 200 and "yedek parolasıyla" in page.text
    assert "Hesaplar değişmeyecek" in page.text
    token = page.text.split('name="token" value="')[1].split('"')[0]
    phrase = page.text.split("tam olarak <b>")[1].split("</b>")[0]
    done = app_client.post("/ithalat/geri-yukle/onayla", data={"token": token, "onay": phrase})
    assert done.status_code == 200 and "Geri yüklendi" in done.text, re.findall(r"role=.alert.>([^<]*)", done.text)


def test_the_confirmation_lists_every_change_in_who_can_log_in(app_client, db, pharmacies):
    from eczane.store.users import create_user

    app_client.login("alice")
    body = download(app_client)
    with db.begin() as conn:  # after the backup: a new technician, bob promoted, alice's password
        create_user(conn, pharmacies.pharmacy_id, "cem", "cem-pw", role="kalfa", display_name="Cem")
        conn.execute(text("UPDATE app_user SET role = 'eczaci' WHERE username = 'bob'"))
        conn.execute(app_user.update().where(app_user.c.username == "alice")
                     .values(password_hash=hash_password("new-alice-pw")))
    page = check(app_client, body)
    assert page.status_code == 200
    section = page.text.split('id="hesaplar"')[1].split("</section>")[0]
    assert "Giriş yapabilecekler değişecek" in section
    for line in ("alice: parolası değişecek (yedekteki parola geçerli olur)",
                 "bob: rolü eczacı → kalfa olacak", "cem: hesabı silinecek, giriş yapamayacak"):
        assert f"<li>{line}</li>" in section
