"""A large İTS or karekod list import runs in a niced child process of the web process
(``store/offload.py``, ``ECZANE_IMPORT_PROCESS_MB``), and answers exactly as in the web process."""

from __future__ import annotations

import logging
import os
import pickle
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eczane.domain.pack import RowIssue
from eczane.importers.headers import MappingNeeded
from eczane.importers.kinds import WrongFileKind
from eczane.importers.tabular import ImportRefused
from eczane.store import catalog, offload
from eczane.store.offload import session_group_nice
from tests.web.test_imports import GOOD, MOSTLY_BAD, upload, xlsx_bytes

NICE = 7


@pytest.fixture
def client(settings, db, pharmacies):  # type: ignore[no-untyped-def]
    """alice logged in, on an app whose every import goes to the child process."""
    from eczane.web.app import create_app
    from tests.webclient import CsrfTestClient

    app = create_app(settings.with_(import_process_mb=0, background_nice=NICE), db)
    c = CsrfTestClient(app)
    r = c.post("/giris", data={"username": "alice", "password": "alice-pw"},
               follow_redirects=False)
    assert r.status_code == 303
    yield c
    offload.shutdown()


@pytest.fixture
def child_runs(caplog):  # type: ignore[no-untyped-def]
    """The child's reports (pid, niceness, outcome) logged by the web process per import."""
    caplog.set_level(logging.INFO, logger="eczane.offload")

    def runs() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "eczane.offload" and hasattr(r, "child_pid")]

    return runs


def assert_in_child(record: logging.LogRecord, outcome: str) -> None:
    assert record.outcome == outcome  # type: ignore[attr-defined]
    assert record.child_pid != os.getpid()  # type: ignore[attr-defined]
    if hasattr(os, "nice"):
        assert record.child_nice >= NICE  # type: ignore[attr-defined]


def snapshots(db) -> int:  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(catalog.its_snapshot)).scalar_one()


def form_of(text: str, *names: str) -> dict[str, str]:
    return {k: text.split(f'name="{k}" value="')[1].split('"')[0] for k in names}


@pytest.mark.parametrize("exc", [
    ImportRefused("Dosya okunamadı.", code="unreadable"),
    WrongFileKind("Bu bir katalog dosyası.", kind="catalog"),
    MappingNeeded("Sütunlar tanınmadı.", signature="abc", preview=[["a", "b"], ["1", "2"]],
                  suggestion={"gtin": 0}, fields=["gtin", "serial"], header_guess=1),
    catalog.MostlyBadRows("stok.xlsx", 1, 3, [RowIssue(2, "gtin", "bad_gtin", "GTIN 14 hane")]),
])
def test_the_import_exceptions_survive_a_process_boundary(exc: Exception) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert back.args == exc.args and str(back) == str(exc)
    assert vars(back) == vars(exc)
    assert back.message == exc.message  # type: ignore[attr-defined]


def test_a_large_its_file_is_imported_by_a_niced_child_process(client, db, child_runs,
                                                               tmp_path):
    _, data = xlsx_bytes(tmp_path, GOOD)
    r = upload(client, "/ithalat/its", "stok.xlsx", data)
    assert r.status_code == 303 and r.headers["location"].startswith("/ithalat/its/")
    assert "<b class=\"ok\">2</b> kutu" in client.get(r.headers["location"]).text
    [run] = child_runs()
    assert_in_child(run, "done")
    assert snapshots(db) == 1
    stat = Path(f"/proc/{run.child_pid}/stat")  # type: ignore[attr-defined]
    if stat.exists():  # seen from outside: the child is still there, idle, niced
        assert int(stat.read_text().rsplit(")", 1)[1].split()[16]) >= NICE
    group = Path(f"/proc/{run.child_pid}/autogroup")  # type: ignore[attr-defined]
    if session_group_nice() is not None and group.exists():
        # and in a scheduling group of its own, niced; the web process's untouched
        assert session_group_nice(run.child_pid) == NICE  # type: ignore[attr-defined]
        assert group.read_text() != Path("/proc/self/autogroup").read_text()
    again = upload(client, "/ithalat/its", "stok-kopya.xlsx", data)
    assert again.status_code == 303 and again.headers["location"].endswith("?tekrar=1")
    assert child_runs()[1].child_pid == run.child_pid  # type: ignore[attr-defined]  # one child


def test_an_unknown_layout_asks_for_the_columns_from_the_child(client, child_runs, tmp_path):
    rows = [["Kod", "Numara", "Bitiş"], ["08699536080017", "S1", "30.06.2027"]]
    _, data = xlsx_bytes(tmp_path, rows)
    r = upload(client, "/ithalat/its", "garip.xlsx", data)
    assert r.status_code == 422 and "Sütun eşleştirme" in r.text
    assert_in_child(child_runs()[0], "MappingNeeded")
    r = client.post("/ithalat/its/eslestir", data={
        **form_of(r.text, "token"), "header_row": "1", "col_gtin": "0", "col_serial": "1",
        "col_expiry": "2"}, follow_redirects=False)
    assert r.status_code == 303
    assert_in_child(child_runs()[1], "done")


def test_a_mostly_bad_file_asks_for_confirmation_from_the_child(client, db, child_runs,
                                                                tmp_path):
    _, data = xlsx_bytes(tmp_path, MOSTLY_BAD)
    r = upload(client, "/ithalat/its", "stok.xlsx", data)
    assert r.status_code == 422
    assert "satırlarının çoğu sorunlu: 3 sorunlu, 1 okunabilen satır" in r.text
    assert "GTIN 14 hane olmalı" in r.text
    assert_in_child(child_runs()[0], "MostlyBadRows")
    assert snapshots(db) == 0
    form = form_of(r.text, "token", "sha256", "eslestirme")
    done = client.post("/ithalat/its/onayla", data={**form, "onay": "evet"},
                       follow_redirects=False)
    assert done.status_code == 303 and snapshots(db) == 1
    assert_in_child(child_runs()[1], "done")


def test_a_refused_file_is_refused_in_turkish_by_the_child(client, child_runs, tmp_path):
    rows = [["GTIN", "Seri No", "SKT"]]  # a header and no pack
    _, data = xlsx_bytes(tmp_path, rows)
    r = upload(client, "/ithalat/its", "bos.xlsx", data)
    assert r.status_code == 422 and 'class="error"' in r.text
    [run] = child_runs()
    assert_in_child(run, "ImportRefused")


def test_a_large_karekod_list_is_imported_by_the_child(client, child_runs):
    r = upload(client, "/ithalat/liste", "liste.txt",
               b"010869953608001721S9\x1d17270630101L1\r\n010869953608002421S8\x1d17270630101L1\r\n")
    assert r.status_code == 303 and r.headers["location"].startswith("/ithalat/liste/")
    assert_in_child(child_runs()[0], "done")


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="SIGKILL")
def test_a_child_killed_mid_import_keeps_nothing_and_says_so(client, db, tmp_path,
                                                             monkeypatch):
    from tests.web import offload_jobs

    monkeypatch.setattr(offload, "its_stock_job", offload_jobs.die_mid_import)
    _, data = xlsx_bytes(tmp_path, GOOD)
    r = upload(client, "/ithalat/its", "stok.xlsx", data)
    assert r.status_code == 503
    assert "İçe aktarma tamamlanamadı, yeniden deneyin." in r.text
    assert snapshots(db) == 0
    monkeypatch.undo()
    r = upload(client, "/ithalat/its", "stok.xlsx", data)  # a new child takes the next one
    assert r.status_code == 303 and snapshots(db) == 1


def test_a_small_file_stays_in_the_web_process(settings, db, pharmacies, child_runs, tmp_path):
    from eczane.web.app import create_app
    from tests.webclient import CsrfTestClient

    c = CsrfTestClient(create_app(settings.with_(import_process_mb=1), db))
    c.post("/giris", data={"username": "alice", "password": "alice-pw"})
    _, data = xlsx_bytes(tmp_path, GOOD)
    assert upload(c, "/ithalat/its", "stok.xlsx", data).status_code == 303
    assert child_runs() == [] and offload._pool is None


def test_the_worker_lowers_its_priority(settings, db, pharmacies):
    import subprocess

    if not hasattr(os, "nice"):
        pytest.skip("no niceness on this platform")
    code = ("import os; from eczane.cli.processes import worker; "
            "worker(once=True, poll_s=0, name='t', today='', lease_s=0, exit_with_parent=False); "
            "print('nice', os.nice(0))")
    env = {**os.environ, "ECZANE_DATABASE_URL": settings.database_url,
           "ECZANE_DATA_DIR": str(settings.data_dir), "ECZANE_SECRET_KEY": "test-secret",
           "ECZANE_BACKGROUND_NICE": str(NICE)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"nice {max(NICE, os.nice(0))}" in out.stdout


def _gone(pid: int) -> bool:
    """Exited (or a zombie nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_import_child_ends_when_its_web_process_is_killed(settings, tmp_path):
    """A web process SIGKILLed (or killed for memory) must not leave its import child behind:
    the child holds both ends of its job pipe and would wait forever (seen in the load bench)."""
    import signal
    import subprocess
    import textwrap
    import time

    script = textwrap.dedent(f"""
        import os, time
        from eczane.config import Settings
        from eczane.store import offload
        s = Settings(data_dir={str(tmp_path / 'var')!r}, database_url={settings.database_url!r},
                     secret_key="x", background_nice=0)
        print(offload._pool_for(s).submit(os.getpid).result(timeout=60), flush=True)
        time.sleep(120)
    """)
    web = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(web.stdout.readline())  # type: ignore[union-attr]
        assert child != web.pid and not _gone(child)
        time.sleep(1.5)
        assert not _gone(child)                       # alive while its web process is
        os.kill(web.pid, signal.SIGKILL)
        web.wait(timeout=10)
        deadline = time.time() + 10
        while time.time() < deadline and not _gone(child):
            time.sleep(0.1)
        assert _gone(child)
    finally:
        web.kill()
        web.wait(timeout=10)
