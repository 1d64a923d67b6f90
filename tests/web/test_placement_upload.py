"""POST /yerlestirme/calistir: upload files and run (pharmacist only)."""

from sqlalchemy import select

from eczane.store.audit import audit_log

ANN = "il;ilçe;kontenjan\nİstanbul;Kadıköy;1\nAnkara;Çankaya;1\n".encode()
APPS = ("başvuru no;puan;tercih1;tercih2\nA1;30;İstanbul/Kadıköy;Ankara/Çankaya\n"
        "A2;20;İstanbul/Kadıköy;Ankara/Çankaya\n").encode()


def files(*pairs):
    return [("dosyalar", (name, body, "text/csv")) for name, body in pairs]


def test_it_runs_saves_audits_and_redirects_to_the_result(app_client, db):
    app_client.login("alice")
    r = app_client.post("/yerlestirme/calistir", files=files(("ilan.csv", ANN), ("b.csv", APPS)),
                        data={"tohum": "s1", "baslik": "2026/1"}, follow_redirects=False)
    assert r.status_code == 303
    page = app_client.get(r.headers["location"])
    assert page.status_code == 200
    assert "2026/1" in page.text and "tercih 2: Çankaya (Ankara); 1 doldu" in page.text
    with db.connect() as conn:
        events = conn.execute(select(audit_log.c.name, audit_log.c.payload)
                              .where(audit_log.c.name.not_like("accounts.%"))).all()
    assert [e.name for e in events] == ["placement.run"]
    assert events[0].payload["seed"] == "s1" and events[0].payload["applicants"] == 2


def test_bad_rows_are_listed_in_turkish_and_nothing_is_saved(app_client):
    app_client.login("alice")
    bad = "id;puan;tercih1\nA1;otuz;İstanbul/Kadıköy\n".encode()
    r = app_client.post("/yerlestirme/calistir", files=files(("ilan.csv", ANN), ("kotu.csv", bad)))
    assert r.status_code == 422
    assert "kotu.csv, satır 2, başvuru A1: sayı değil: &#39;otuz&#39;" in r.text
    assert "Henüz yerleştirme yok." in r.text


def test_a_kalfa_may_not_run_a_placement(app_client):
    app_client.login("bob")
    r = app_client.post("/yerlestirme/calistir", files=files(("ilan.csv", ANN), ("b.csv", APPS)))
    assert r.status_code == 403


def test_wrong_method_is_405(app_client):
    app_client.login("alice")
    assert app_client.get("/yerlestirme/calistir").status_code == 405
