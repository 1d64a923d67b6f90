"""``eczane worker`` (the İTS sender as its own process) and ``eczane serve`` (hosted mode).

``eczane run`` (``eczane.cli.server``) is the one-command demo: web app, İTS simulator and one
worker. Hosted use runs ``eczane serve --workers N`` and one or more ``eczane worker`` beside it
(issue 15); the web processes never send to İTS.
"""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from eczane.cli.common import console, parse_today, settings


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("serve")(serve)


def worker(
    once: bool = typer.Option(False, "--once", help="Şu an gönderilecek her şeyi gönder, sonra çık "
                              "(testler ve cron için)."),
    poll_s: float = typer.Option(0, help="Boşta iken bekleme (s; 0: ECZANE_WORKER_POLL_S)."),
    name: str = typer.Option("", help="İşçinin adı (boş: makine:pid)."),
    today: str = typer.Option("", help="Bugün (YYYY-AA-GG; boş: gerçek tarih)."),
    lease_s: float = typer.Option(0, help="Paket kilidi süresi (0: ayardan)."),
    exit_with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True,
                                          help="Başlatan süreç bitince dur (eczane run)."),
) -> None:
    """İTS gönderim işçisi: onaylı bildirimleri sırayla gönderir; birden çok işçi çalışabilir.

    SIGTERM/SIGINT: elindeki paketi bitirir, sonra çıkar (0); ikinci sinyal hemen çıkarır.
    """
    import threading

    from eczane.its.worker_loop import SendingLoop, install_signals, watch_parent
    from eczane.logs import configure
    from eczane.store.db import lower_backend_priority, open_database
    from eczane.store.offload import lower_priority, lower_session_priority

    s = settings()
    configure(s.log_format)
    lower_priority(s.background_nice)  # the web processes' scans first (ECZANE_BACKGROUND_NICE)
    lower_session_priority(s.background_nice)  # and its session's CPU share, if it leads one
    db = open_database(s.effective_database_url, migrate_schema=False)
    lower_backend_priority(db, s.background_nice)  # and its database server processes
    stop = threading.Event()
    install_signals(stop)
    if exit_with_parent:
        watch_parent(stop)
    loop = SendingLoop(db, s, name=name or None, poll_s=poll_s or None,
                       today=parse_today(today) if today else None, lease_s=lease_s or None,
                       stop=stop)
    try:
        loop.run(once=once)
    finally:
        db.dispose()


def start_worker_process(env: dict[str, str] | None = None,
                         args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """``eczane worker`` as a child process of ``eczane run``: it stops (gracefully) when its
    parent ends, even when the parent was killed with SIGKILL."""
    return subprocess.Popen([sys.executable, "-m", "eczane.cli", "worker", "--exit-with-parent",
                             *(args or [])],
                            env={**os.environ, **(env or {})})


def serve(
    workers: int = typer.Option(2, min=1, help="Uygulama süreci sayısı."),
    host: str = typer.Option("127.0.0.1", help="Dinlenecek adres."),
    port: int = typer.Option(8000, help="Port."),
    database_url: str = typer.Option("", help="Veritabanı (boş: ECZANE_DATABASE_URL ya da SQLite)."),
    log_format: str = typer.Option("", help="text | json (boş: ECZANE_LOG_FORMAT)."),
) -> None:
    """Barındırma kipi: N uygulama süreci; İTS simülatörü ve demo verisi yok, gönderimi
    `eczane worker` yapar. SIGTERM/SIGINT ile istekleri bitirip düzgünce kapanır."""
    import uvicorn

    from eczane.cli.server import prepare
    from eczane.logs import configure

    # The processes uvicorn starts read their settings from the environment: the options are
    # passed through it, so that every process serves with the same settings.
    if database_url:
        os.environ["ECZANE_DATABASE_URL"] = database_url
    if log_format:
        os.environ["ECZANE_LOG_FORMAT"] = log_format
    s = settings().with_(demo=False)
    configure(s.log_format)
    os.environ["ECZANE_DEMO"] = "0"
    db = prepare(s, demo=False)  # production checks and migrations, once, before the workers
    db.dispose()
    s.resolved_secret_key()      # a generated key is written once, not raced by the workers
    console.print(f"[green]eczane (barındırma) {workers} süreçle:[/green] http://{host}:{port}")
    # Loop and HTTP parser are uvicorn's "auto": uvloop and httptools where installed (the
    # dependencies; not uvloop on Windows), else asyncio and h11. Uvicorn's access log is off
    # (``eczane.logs``): with it off here, uvicorn does not even format its line per request.
    uvicorn.run("eczane.web.app:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False, timeout_graceful_shutdown=20)
