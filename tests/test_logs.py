"""Logs as JSON lines on request (``ECZANE_LOG_FORMAT=json``): one object per HTTP request with
the user and pharmacy, no query string, no setup token; a strict setting."""

from __future__ import annotations

import io
import json
import logging

import pytest

from eczane.config import Settings, SettingsError
from eczane.logs import configure, event


@pytest.fixture
def captured():
    names = ("eczane", "uvicorn", "uvicorn.error")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                 logging.getLogger(n).propagate) for n in names}
    out = io.StringIO()
    yield out
    logging.getLogger("eczane.http").setLevel(logging.NOTSET)
    for n, (handlers, level, propagate) in saved.items():
        lg = logging.getLogger(n)
        lg.handlers[:], lg.level, lg.propagate = handlers, level, propagate
    logging.getLogger("uvicorn.access").disabled = False


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(x) for x in out.getvalue().splitlines()]


def test_each_request_is_one_json_line_with_the_user_and_pharmacy(app_client, captured):
    configure("json", stream=captured)
    app_client.login("bob")
    captured.truncate(0)
    captured.seek(0)
    app_client.get("/bildirim?arama=01086995041200112114GIZLISERI")
    app_client.get("/kurulum/gizli-kurulum-jetonu")
    [page, setup] = lines(captured)
    assert page["event"] == "http_request" and page["logger"] == "eczane.http"
    assert (page["method"], page["path"], page["status"]) == ("GET", "/bildirim", 200)
    assert page["user_id"] == app_client.pharmacies.bob_id
    assert page["pharmacy_id"] == app_client.pharmacies.pharmacy_id
    assert isinstance(page["duration_ms"], float) and isinstance(page["pid"], int)
    assert page["ts"].endswith("+00:00") and page["level"] == "info"
    assert setup["path"] == "/kurulum/…" and setup["user_id"] == app_client.pharmacies.bob_id
    text = captured.getvalue()
    assert "GIZLISERI" not in text and "gizli-kurulum-jetonu" not in text


def test_a_login_logs_neither_the_password_nor_the_username_field(app_client, captured):
    configure("json", stream=captured)
    app_client.login("alice")
    [login] = [x for x in lines(captured) if x.get("path") == "/giris"]
    assert login["method"] == "POST" and login["status"] == 303 and login["user_id"] is None
    assert "alice-pw" not in captured.getvalue()


def test_text_format_logs_no_request(app_client, captured):
    configure("text", stream=captured)
    app_client.get("/giris")
    assert "http_request" not in captured.getvalue()


def test_text_format_is_one_readable_line_per_event(captured):
    configure("text", stream=captured)
    event(logging.getLogger("eczane.worker"), "batch_claimed", submission=7, pharmacy_id=1)
    line = captured.getvalue().strip()
    assert " info eczane.worker batch_claimed submission=7 pharmacy_id=1" in line
    assert "\n" not in line


def test_the_log_format_setting_is_strict():
    assert Settings.from_env({"ECZANE_LOG_FORMAT": "json"}).log_format == "json"
    assert Settings().log_format == "text"
    with pytest.raises(SettingsError, match="ECZANE_LOG_FORMAT: must be text or json: 'xml'"):
        Settings.from_env({"ECZANE_LOG_FORMAT": "xml"})


def test_the_worker_settings_are_positive_numbers():
    assert Settings.from_env({"ECZANE_WORKER_POLL_S": "0.2"}).worker_poll_s == 0.2
    with pytest.raises(SettingsError, match="ECZANE_WORKER_POLL_S: must be more than 0: '0'"):
        Settings.from_env({"ECZANE_WORKER_POLL_S": "0"})
    with pytest.raises(SettingsError, match="ECZANE_WORKER_STALE_S: must be at least 1: '0'"):
        Settings.from_env({"ECZANE_WORKER_STALE_S": "0"})
