"""The İTS stock file is kept as uploaded, under its SHA-256 per pharmacy, from the import on
(issue 16 part 4: the evidence pack hands over the very file whose hash the audit log records)."""

from __future__ import annotations

import hashlib
import io

from eczane.store import catalog as store
from eczane.store.originals import original_path, read_original
from tests.store.test_catalog import ROWS, TODAY, stock_file


def test_an_import_keeps_the_original_file_under_its_sha256(db, pharmacies, tmp_path, settings):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn:
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY,
                                   data_dir=settings.data_dir)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert s.sha256 == digest
    kept = original_path(settings.data_dir, pharmacies.pharmacy_id, digest)
    assert kept.read_bytes() == path.read_bytes()
    assert kept.parent.name == str(pharmacies.pharmacy_id)
    assert list(kept.parent.iterdir()) == [kept]  # no temporary file left behind


def test_an_import_from_before_kept_originals_is_kept_when_the_file_comes_again(
        db, pharmacies, tmp_path, settings):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn:
        store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_original(settings.data_dir, pharmacies.pharmacy_id, digest) is None
    with db.begin() as conn:
        again = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY,
                                       data_dir=settings.data_dir)
    assert again.already_imported
    assert read_original(settings.data_dir, pharmacies.pharmacy_id, digest) == path.read_bytes()


def test_the_import_page_keeps_the_uploaded_file(app_client, tmp_path, settings):
    data = stock_file(tmp_path, ROWS).read_bytes()
    app_client.login("alice")
    r = app_client.post("/ithalat/its", files={"dosya": ("stok.xlsx", io.BytesIO(data))},
                        follow_redirects=False)
    assert r.status_code == 303
    digest = hashlib.sha256(data).hexdigest()
    assert read_original(settings.data_dir, app_client.pharmacies.pharmacy_id, digest) == data
