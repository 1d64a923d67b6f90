"""Health endpoints: liveness and readiness, public (no login, no CSRF), JSON for a supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from eczane.store import workers as hb
from eczane.store.db import Database


def _beat(db, seconds_ago: float = 0) -> None:
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    with db.begin() as conn:
        hb.beat(conn, name="w1", host="h", pid=1, started_at=at, now=at)


def _failed(r) -> dict[str, str]:
    return {c["code"]: c["message"] for c in r.json()["failed"]}


def test_liveness_answers_without_login(app_client):
    r = app_client.get("/saglik/canli")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["pid"] > 0


def test_ready_when_the_database_answers_its_schema_is_current_and_a_worker_beat(app_client, db):
    _beat(db)
    r = app_client.get("/saglik/hazir")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["failed"] == []
    assert [c["code"] for c in r.json()["checks"]] == ["database", "migrations", "worker"]


def test_not_ready_without_any_worker(app_client):
    r = app_client.get("/saglik/hazir")
    assert r.status_code == 503
    assert _failed(r) == {"worker": "Hiç İTS gönderim işçisi çalışmıyor: `eczane worker` başlatın."}


def test_not_ready_when_the_worker_was_last_seen_too_long_ago(app_client, db):
    _beat(db, seconds_ago=120)
    r = app_client.get("/saglik/hazir")
    assert r.status_code == 503
    assert list(_failed(r)) == ["worker"]
    assert "saniyedir görülmedi (sınır 60 s)" in _failed(r)["worker"]


def test_the_worker_threshold_is_a_setting(app_client, db):
    _beat(db, seconds_ago=120)
    services = app_client.app.state.services
    services.settings = services.settings.with_(worker_stale_s=300)
    assert app_client.get("/saglik/hazir").status_code == 200


def test_not_ready_when_the_schema_is_behind(app_client, db):
    _beat(db)
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    r = app_client.get("/saglik/hazir")
    assert r.status_code == 503
    assert list(_failed(r)) == ["migrations"]
    assert "veritabanında 0006" in _failed(r)["migrations"]
    assert "`eczane migrate` çalıştırın" in _failed(r)["migrations"]


def test_not_ready_when_the_database_does_not_answer(app_client, tmp_path):
    services = app_client.app.state.services
    good = services.db
    services.db = Database(create_engine(f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3"))
    try:
        r = app_client.get("/saglik/hazir")
    finally:
        services.db = good
    assert r.status_code == 503
    assert list(_failed(r)) == ["database"]
    assert _failed(r)["database"].startswith("Veritabanına ulaşılamıyor")


def test_health_is_get_only(app_client):
    assert app_client.post("/saglik/canli").status_code == 405
    assert app_client.post("/saglik/hazir").status_code == 405
