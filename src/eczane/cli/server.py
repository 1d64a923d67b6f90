"""``eczane run``: serve the web app with the İTS simulator and one sending worker (``eczane
worker``) beside it, each its own process; ``eczane migrate`` and ``eczane create-app-role``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from eczane.cli.common import console, settings
from eczane.config import Settings

if TYPE_CHECKING:
    from eczane.store.db import Database


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("migrate")(migrate)
    app.command("create-app-role")(create_app_role)


def run(
    host: str = typer.Option("127.0.0.1", help="Dinlenecek adres."),
    port: int = typer.Option(8000, help="Web uygulamasının portu."),
    its_port: int = typer.Option(8100, help="İTS simülatörünün portu (0: başlatma)."),
    demo: bool = typer.Option(False, help="Demo eczaneyi (kullanıcılar, ürünler, kutular) oluştur."),
    production: bool = typer.Option(False, "--production",
                                    help="Üretim kipi: demo hesaplarla ya da ECZANE_SECRET_KEY "
                                    "olmadan başlamaz; veri klasörü yalnızca sahibine açık."),
) -> None:
    """Web uygulamasını başlatır (SQLite varsayılan), yanında İTS simülatörü ve gönderim işçisiyle."""
    import uvicorn

    from eczane.cli.processes import start_worker_process
    from eczane.logs import configure
    from eczane.web.app import create_app

    s = settings()
    configure(s.log_format)
    if production:
        s = s.with_(production=True)
    if its_port and not os.environ.get("ECZANE_ITS_URL"):
        s = s.with_(its_url=f"http://{host}:{its_port}")
    db = prepare(s, demo=demo)
    app = create_app(s, db)
    _offer_setup_link(app, db, host, port)
    sim = None
    if its_port:
        sim = _start_simulator(host, its_port, demo=demo or s.demo)
    # The web app never sends to İTS (issue 15): approved batches are sent by this worker.
    worker = start_worker_process({
        "ECZANE_DATABASE_URL": s.effective_database_url, "ECZANE_ITS_URL": s.its_url,
        "ECZANE_DATA_DIR": str(s.data_dir), "ECZANE_LOG_FORMAT": s.log_format})
    console.print(f"[green]eczane çalışıyor:[/green] http://{host}:{port}  (veritabanı: "
                  f"{s.effective_database_url.split('@')[-1]})")
    if demo or s.demo:
        console.print("Demo giriş: eczaci / eczaci (eczacı), kalfa / kalfa (kalfa)")
    # uvicorn restores the handlers it found and re-raises SIGTERM after its graceful
    # shutdown; a handler of ours turns that into SystemExit so the simulator is stopped too.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    from eczane.web import heap

    heap.settle()  # short garbage-collector pauses (heap.py)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", log_config=None,
                    access_log=False)
    finally:
        for child in (worker, sim):
            if child is not None:
                stop_child(child)


def stop_child(child: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """SIGTERM (the worker finishes its batch), then SIGKILL if it does not end in time."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


def prepare(s: Settings, *, demo: bool) -> Database:
    """Everything ``run`` does before serving: production checks, the database, the demo, and
    the first-run instructions. Exits with code 1 and Turkish reasons when production mode
    refuses to start."""
    from eczane.accounts.users import count_users
    from eczane.production import demo_account_problems, secure_data_dir, startup_problems
    from eczane.store.db import open_database
    from eczane.store.demo import seed_demo

    problems = startup_problems(s, demo=demo) if s.production else []
    if s.production:
        secure_data_dir(s.data_dir)
    db = None if problems else open_database(
        s.effective_database_url, migrate_url=s.migrate_database_url or None)
    if db is not None and s.production:
        problems += demo_account_problems(db)
    if problems or db is None:
        console.print("[red]Üretim kipinde başlatılmadı:[/red]")
        for p in problems:
            console.print(f"[red]- {p}[/red]")
        raise typer.Exit(1)
    if demo or s.demo:
        seed_demo(db, today=date.today())
    with db.connect() as conn:
        empty = count_users(conn) == 0
    if empty:
        from eczane.accounts.routes import FIRST_RUN_COMMANDS

        console.print("[yellow]Bu kurulumda henüz hiç kullanıcı yok.[/yellow] İlk eczacı "
                      "hesabını oluşturmak için sunucuda şunları çalıştırın (parola gizli sorulur):")
        for line in FIRST_RUN_COMMANDS:
            console.print(f"  {line}", markup=False, highlight=False)
        console.print("Sonra giriş sayfasından o kullanıcı adı ve parolayla girin.")
    return db


def _offer_setup_link(app: Any, db: Database, host: str, port: int) -> None:
    """On a database without users: a one-time link that creates the first account."""
    from eczane.accounts.setup import new_setup_token
    from eczane.accounts.users import count_users

    with db.connect() as conn:
        if count_users(conn):
            return
    token = app.state.services.extra["setup_token"] = new_setup_token()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print("Ya da tarayıcıda bu tek kullanımlık kurulum bağlantısını açın (yalnızca bu "
                  "sunucu çalışırken ve hiç hesap yokken geçerli):")
    console.print(f"  http://{shown}:{port}/kurulum/{token}", markup=False, highlight=False)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _start_simulator(host: str, port: int, *, demo: bool) -> subprocess.Popen[bytes] | None:
    """Start ``eczane its-simulator`` as its own process, when that command exists."""
    try:
        import eczane.its.simulator  # noqa: F401
    except ModuleNotFoundError:
        return None
    args = [sys.executable, "-m", "eczane.cli", "its-simulator", "--host", host, "--port", str(port)]
    if demo:
        args.append("--demo")
    console.print(f"İTS simülatörü: http://{host}:{port}")
    return subprocess.Popen(args)


def migrate() -> None:
    """Veritabanı şemasını en yeni sürüme getirir."""
    from eczane.store.db import open_database

    s = settings()
    open_database(s.effective_database_url, migrate_url=s.migrate_database_url or None)
    console.print("[green]Şema güncel.[/green]")


def create_app_role(
    name: str = typer.Argument(..., help="Uygulamanın bağlanacağı rolün adı (ör. eczane_app)."),
    no_password: bool = typer.Option(False, "--no-password",
                                     help="Parola koyma (peer/sertifika ile giriş)."),
) -> None:
    """PostgreSQL: uygulamanın bağlanacağı kısıtlı rolü oluşturur ya da günceller (süper
    kullanıcı değil, satır güvenliğini aşamaz, tablo sahibi değil) ve yetkilerini verir.

    Sahip rolüyle çalışır (ECZANE_MIGRATE_DATABASE_URL, yoksa ECZANE_DATABASE_URL); ``eczane
    migrate`` sonrasında, başka bir rolle yapılan her göçten sonra yeniden. Parola komut
    satırında verilmez (ps ve kabuk geçmişinde görünürdü): ECZANE_APP_ROLE_PASSWORD ortam
    değişkeninden ya da gizli sorulur.
    """
    from eczane.store.db import make_engine
    from eczane.store.rls import create_app_role as create
    from eczane.store.rls import plain_name

    if not plain_name(name):
        console.print(f"[red]Rol adı yalnızca küçük harf, rakam ve alt çizgi olabilir, harfle "
                      f"başlamalı: {name!r}.[/red]")
        raise SystemExit(2)
    s = settings()
    url = s.migrate_database_url or s.effective_database_url
    if not url.startswith("postgresql"):
        console.print("[red]Bu komut PostgreSQL içindir: ECZANE_MIGRATE_DATABASE_URL sahip "
                      "rolün PostgreSQL adresi olmalı.[/red]")
        raise SystemExit(2)
    password: str | None = None
    if not no_password:
        password = os.environ.get("ECZANE_APP_ROLE_PASSWORD") or typer.prompt(
            f"{name} rolünün parolası", hide_input=True, confirmation_prompt=True,
            err=True)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for stmt in create(conn, name, password=password):
                typer.echo(stmt)
    finally:
        engine.dispose()
