"""Issue 13 / issue 14 finding 5: one size limit and one content check for every upload route;
hostile file names; nothing half-stored, no upload file left behind."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from eczane.store import count as count_store
from eczane.store.catalog import onhand_import
from eczane.web.app import create_app
from tests.count.conftest import DEMO, karekod
from tests.webclient import CsrfTestClient

SHELF = DEMO.on_shelf
GOOD_LIST = "\r\n".join(karekod(p) for p in SHELF[:4]).encode() + b"\r\n"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(3000)

ROUTES = {  # every upload route: url, form field
    "count": ("/sayim/{sid}/ice-aktar", "file"),
    "onhand": ("/ithalat/liste", "dosya"),
    "its": ("/ithalat/its", "dosya"),
    "catalog": ("/ithalat/katalog", "dosya"),
    "restore": ("/ithalat/geri-yukle", "dosya"),
    "transit": ("/mutabakat/arada-kalan", "dosya"),
    "placement": ("/yerlestirme/calistir", "dosyalar"),
}


def xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet().write_row(0, 0, ["Karekod", karekod(SHELF[0])])
    wb.close()
    return buf.getvalue()


def client_with(settings, db, pharmacies, **changes):  # type: ignore[no-untyped-def]
    client = CsrfTestClient(create_app(settings.with_(**changes), db))
    r = client.post("/giris", data={"username": "alice", "password": "alice-pw"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


@pytest.fixture
def sid(db, pharmacies) -> int:  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        return count_store.open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "S")


def post(client, route, sid, name, data):  # type: ignore[no-untyped-def]
    url, field = ROUTES[route]
    return client.post(url.format(sid=sid), files={field: (name, io.BytesIO(data))},
                       data={"grp": "raf"}, follow_redirects=False)


def stored(db, sid):  # type: ignore[no-untyped-def]
    """(count scans, unreadable scans, on-hand imports) in the database."""
    with db.connect() as conn:
        return (len(list(count_store.active_scans(conn, sid))),
                count_store.count_rejected(conn, sid),
                conn.execute(select(func.count()).select_from(onhand_import)).scalar())


def uploads_left(settings):  # type: ignore[no-untyped-def]
    folder = settings.data_dir / "uploads"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("route", ["count", "onhand"])
def test_the_issues_random_bytes_beyond_the_limit_are_refused_while_they_arrive(
        settings, db, pharmacies, sid, route):
    client = client_with(settings, db, pharmacies, max_upload_mb=1)
    r = post(client, route, sid, "rastgele.txt", os.urandom(2_000_000))
    assert r.status_code == 413
    assert "Dosya çok büyük: en fazla 1 MB yüklenebilir" in r.text
    assert "Hiçbir şey kaydedilmedi" in r.text
    assert stored(db, sid) == (0, 0, 0) and uploads_left(settings) == []


def test_a_chunked_body_without_a_length_is_cut_at_the_limit_too(settings, db, pharmacies, sid):
    client = client_with(settings, db, pharmacies, max_upload_mb=1)
    boundary = "sinir"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n").encode()

    def chunks():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(30):
            yield GOOD_LIST * 2000
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post(f"/sayim/{sid}/ice-aktar", content=chunks(),
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "en fazla 1 MB" in r.text
    assert stored(db, sid) == (0, 0, 0) and uploads_left(settings) == []


def test_a_file_part_beyond_the_limit_is_refused_by_every_upload_route(settings, db, pharmacies,
                                                                       sid):
    client = client_with(settings, db, pharmacies, max_upload_mb=1)
    big = GOOD_LIST * (1_100_000 // len(GOOD_LIST))
    for route in ROUTES:
        r = post(client, route, sid, "buyuk.txt", b"\x1f\x8b" + big if route == "restore" else big)
        assert r.status_code in (413, 422), route
        assert "en fazla 1 MB" in r.text, route
    assert stored(db, sid) == (0, 0, 0) and uploads_left(settings) == []


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_random_bytes_under_the_limit_are_refused_by_every_upload_route(app_client, sid, route):
    client = app_client.login("alice")
    r = post(client, route, sid, "veri.txt", os.urandom(200_000))
    assert r.status_code == 422, route
    assert "ikili veri" in r.text and "Hiçbir şey kaydedilmedi" in r.text
    db = client.app.state.services.db
    assert stored(db, sid) == (0, 0, 0)
    assert uploads_left(client.app.state.services.settings) == []


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("rapor.pdf", PDF, "bir PDF belgesi"),
    ("sayim.xlsx", None, "bir Excel çalışma kitabı"),
])
def test_a_pdf_or_workbook_given_to_the_count_import_is_refused_before_anything_is_stored(
        app_client, sid, name, data, kind):
    client = app_client.login("alice")
    r = post(client, "count", sid, name, data if data is not None else xlsx())
    assert r.status_code == 422
    assert f"&#39;{name}&#39; {kind}" in r.text
    assert "okuyucu belleğinin metin dosyası" not in r.text or "Hiçbir şey kaydedilmedi" in r.text
    assert stored(client.app.state.services.db, sid) == (0, 0, 0)


@pytest.mark.parametrize("route", ["count", "onhand"])
def test_a_file_where_most_lines_are_not_karekods_is_refused_with_a_count_and_a_sample(
        app_client, sid, route):
    client = app_client.login("alice")
    text = ("Sayım Karekodları\r\n" + karekod(SHELF[0]) + "\r\n"
            + "".join(f"Fiyat listesi satır {i}: 12,50 TL\r\n" for i in range(1, 8)))
    r = post(client, route, sid, "fiyat.txt", text.encode("cp1254"))
    assert r.status_code == 422
    assert "&#39;fiyat.txt&#39; bir karekod listesi değil: 8 satırdan 7 tanesi karekod olarak " \
           "okunamadı (örnek: 3. satır “Fiyat listesi satır 1: 12,50 TL”" in r.text
    assert stored(client.app.state.services.db, sid) == (0, 0, 0)


@pytest.mark.parametrize("name", [".", "..", "ş" * 300 + ".txt", "../../etc/passwd",
                                  "a/b\\c.txt", "x\x00y.txt", "\x01\x02", " " * 10])
def test_a_hostile_file_name_is_stored_safely_and_leaves_nothing_behind(app_client, sid, name):
    client = app_client.login("alice")
    r = post(client, "onhand", sid, name, GOOD_LIST)
    assert r.status_code == 303, r.text[-500:]
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    r = post(client, "count", sid, name, GOOD_LIST)
    assert r.status_code == 200
    assert 'id="imp-added">4<' in r.text
    assert uploads_left(client.app.state.services.settings) == []
    data_dir = client.app.state.services.settings.data_dir
    assert not (data_dir.parent / "etc").exists()


def test_the_body_limit_counts_every_body_not_framed_by_one_length_within_the_limit() -> None:
    """``BodyLimit`` leaves ``receive`` as it is only for a body with one Content-Length within
    the limit and no Transfer-Encoding (the server then reads no more); otherwise it counts."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from fastapi import HTTPException

    from eczane.web.uploads import BodyLimit

    async def run(headers: list[tuple[bytes, bytes]], parts: list[bytes]) -> tuple[bool, int]:
        sent = [{"type": "http.request", "body": p, "more_body": k < len(parts) - 1}
                for k, p in enumerate(parts)]

        async def receive() -> dict[str, object]:
            return sent.pop(0)

        seen: dict[str, object] = {}

        async def app(scope: object, rcv: object, send: object) -> None:
            seen["same"] = rcv is receive
            try:
                while (await rcv())["more_body"]:  # type: ignore[operator]
                    pass
                seen["status"] = 200
            except HTTPException as exc:
                seen["status"] = exc.status_code

        await BodyLimit(app, limit=10, message="büyük")(
            {"type": "http", "headers": headers}, receive, None)
        return bool(seen["same"]), int(seen["status"])  # type: ignore[call-overload]

    def result(headers: list[tuple[bytes, bytes]], parts: list[bytes]) -> tuple[bool, int]:
        # in a thread of its own: a browser test earlier in the run may leave an event loop
        # running in this one (Playwright's sync API), where asyncio.run refuses to start
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run(headers, parts)).result()

    assert result([(b"content-length", b"5")], [b"12345"]) == (True, 200)
    assert result([(b"content-length", b"50")], [b"x" * 50]) == (False, 413)
    assert result([(b"transfer-encoding", b"chunked")], [b"x" * 8] * 2) == (False, 413)
    assert result([(b"content-length", b"5"), (b"transfer-encoding", b"chunked")],
                  [b"x" * 8] * 2) == (False, 413)
    assert result([(b"content-length", b"5"), (b"content-length", b"50")],
                  [b"x" * 8] * 2) == (False, 413)
    assert result([], [b""]) == (False, 200)      # no body: counted (nothing)
