"""``eczane backup``, ``eczane restore`` and ``eczane catalog import``.

Seed 000 step 3: back up before the stock reset. Exit codes: 0 done, 1 refused, 2 usage.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer

from eczane.cli.common import console, database, print_json, resolve_pharmacy, settings
from eczane.cli.its import print_issues

catalog_app = typer.Typer(help="İlaç kataloğu (GTIN → ad, form, firma, reçete türü).",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.add_typer(catalog_app, name="catalog")


PASSPHRASE_ENV = "ECZANE_YEDEK_PAROLASI"
"""A backup passphrase for scripts (otherwise it is asked for, hidden)."""


def _passphrase(confirm: bool) -> str:
    import os

    return os.environ.get(PASSPHRASE_ENV) or str(typer.prompt(
        "Yedek parolası", hide_input=True, confirmation_prompt=confirm))


def backup(
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Yedek dosyası (varsayılan: data_dir/backups/…)."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    parola: bool = typer.Option(False, "--parola", help=(
        "Yedeği bir parolayla koru (sorulur ya da ECZANE_YEDEK_PAROLASI); başka bir bilgisayarda "
        "bu parolayla geri yüklenir. Parolasız yedek yalnızca bu kurulumun gizli anahtarıyla "
        "açılır.")),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Eczanenin bütün verisini tek bir dosyaya yedekler (stok sıfırlamadan önce alın)."""
    from eczane.store.backup import BackupError, BackupSecret, write_backup

    s = settings()
    db = database(s)
    pid = resolve_pharmacy(db, pharmacy)
    secret = BackupSecret(s.resolved_secret_key(), _passphrase(True) if parola else None)
    path = out or s.data_dir / "backups" / f"eczane-{pid}-{datetime.now():%Y%m%d-%H%M%S}.jsonl.gz"
    try:
        with db.begin() as conn:
            info = write_backup(conn, pid, path, secret)
    except BackupError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, "path": str(info.path), "pharmacy_id": pid, "tables": info.tables,
                    "rows": info.rows, "hmac": info.hmac, "protected": info.protected,
                    "created_at": info.created_at})
    console.print(f"[green]Yedek alındı:[/green] {info.path} ({info.rows} satır, "
                  f"{sum(1 for v in info.tables.values() if v)} tablo, "
                  f"{'parolayla' if parola else 'bu kurulumun anahtarıyla'} korunuyor)")


def restore(
    file: Path = typer.Argument(..., help="Geri yüklenecek yedek dosyası."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Beklenen eczane numarası (yanlış dosyaya karşı)."),
    yes: bool = typer.Option(False, "--yes", help="Onay sormadan geri yükle."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Yedeği geri yükler: eczanenin şimdiki verisi yedektekiyle değiştirilir.

    Parolayla alınmış yedekte parola sorulur (ya da ECZANE_YEDEK_PAROLASI). Kimlerin giriş
    yapabileceği değişecekse (hesap eklenir, silinir, rolü ya da parolası değişir) önce yazılır.
    """
    from eczane.domain.formatting import datetime_tr
    from eczane.store.backup import (
        BackupError,
        BackupSecret,
        account_changes,
        read_manifest,
        restore_backup,
    )

    s = settings()
    db = database(s)
    secret = BackupSecret(s.resolved_secret_key())
    try:
        try:
            manifest = read_manifest(file, secret)
        except BackupError as exc:
            if exc.code != "passphrase_required":
                raise
            secret = BackupSecret(secret.secret_key, _passphrase(False))
            manifest = read_manifest(file, secret)
        secret = secret.unlocked(manifest["auth"])
        with db.connect() as conn:
            changes = account_changes(conn, file, manifest)
        for c in changes:
            console.print(f"[yellow]Giriş değişikliği:[/yellow] {c.message}")
        if not yes and not typer.confirm(
                f"{manifest['pharmacy_id']} numaralı eczanenin verisi "
                f"{datetime_tr(manifest['created_at'])} tarihli yedekle değiştirilecek"
                f"{' ve yukarıdaki hesap değişiklikleri yapılacak' if changes else ''}. "
                "Devam edilsin mi?"):
            raise typer.Exit(1)
        with db.begin() as conn:
            info = restore_backup(conn, file, secret, pharmacy_id=pharmacy)
    except BackupError as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, "pharmacy_id": info.pharmacy_id, "tables": info.tables,
                    "rows": info.rows, "created_at": info.created_at,
                    "accounts": [c.to_json() for c in changes]})
    console.print(f"[green]Geri yüklendi:[/green] eczane {info.pharmacy_id}, {info.rows} satır "
                  f"({datetime_tr(info.created_at)} tarihli yedek).")


@catalog_app.command("import")
def catalog_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV (gtin,name,prescription_class,…) veya kurum listesi XLSX."),
    source: str = typer.Option("", help="Kaynak adı (varsayılan: dosya adı)."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Ürün listesini kataloğa ekler/günceller; tanınmayan GTIN işaretleri kalkar."""
    from eczane.importers.catalog import read_catalog
    from eczane.importers.tabular import ImportRefused
    from eczane.store.catalog import upsert_products

    db = database()
    try:
        f = read_catalog(file)
    except ImportRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    with db.begin() as conn:
        n = upsert_products(conn, f.products, source or file.name)
    if as_json:
        print_json({"ok": True, "products": n, "issues": [asdict(i) for i in f.issues]})
    console.print(f"[green]{n} ürün kataloğa yazıldı[/green], {len(f.issues)} sorunlu satır.")
    print_issues(f.issues)

