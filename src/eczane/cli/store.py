"""``eczane backup``, ``eczane restore`` and ``eczane catalog import|restore|versions``.

Seed 000 step 3: back up before the stock reset. Exit codes: 0 done, 1 refused, 2 usage.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from eczane.cli.common import console, database, print_json, resolve_pharmacy, settings
from eczane.cli.its import print_issues

ISTANBUL = ZoneInfo("Europe/Istanbul")
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
    out: Path | None = typer.Option(None, "--out", "-o", help=(
        "Yedek dosyası (varsayılan: data_dir/backups/…); --all ile yedeklerin yazılacağı klasör.")),
    pharmacy: str | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası ya da GLN'si (tek eczane varsa "
                                             "gerekmez)."),
    all_pharmacies: bool = typer.Option(False, "--all", help=(
        "Her eczaneyi ayrı bir dosyaya yedekle (barındırılan kurulumda günlük yedek: "
        "deploy/eczane-backup.sh).")),
    parola: bool = typer.Option(False, "--parola", help=(
        "Yedeği bir parolayla koru (sorulur ya da ECZANE_YEDEK_PAROLASI); başka bir bilgisayarda "
        "bu parolayla geri yüklenir. Parolasız yedek yalnızca bu kurulumun gizli anahtarıyla "
        "açılır.")),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Eczanenin bütün verisini tek bir dosyaya yedekler (stok sıfırlamadan önce alın)."""
    from eczane.store.backup import BackupError, BackupSecret

    s = settings()
    db = database(s)
    secret = BackupSecret(s.resolved_secret_key(), _passphrase(True) if parola else None)
    if all_pharmacies:
        if pharmacy is not None:
            console.print("[red]--all ile --pharmacy birlikte verilmez.[/red]")
            raise typer.Exit(2)
        _backup_all(db, out or s.data_dir / "backups", secret, as_json)
        return
    pid = resolve_pharmacy(db, pharmacy)
    path = out or s.data_dir / "backups" / f"eczane-{pid}-{datetime.now():%Y%m%d-%H%M%S}.jsonl.gz"
    try:
        info = _backup_one(db, pid, path, secret)
    except BackupError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        print_json(_info_json(info))
    console.print(f"[green]Yedek alındı:[/green] {info.path} ({info.rows} satır, "
                  f"{sum(1 for v in info.tables.values() if v)} tablo, "
                  f"{'parolayla' if parola else 'bu kurulumun anahtarıyla'} korunuyor)")


def _backup_one(db: Any, pid: int, path: Path, secret: Any) -> Any:
    """One pharmacy's backup, in a transaction acting for that pharmacy only (row-level
    security on PostgreSQL shows it nothing else)."""
    from eczane.store.backup import write_backup
    from eczane.store.tenant import acting_for

    with acting_for(pid), db.begin() as conn:
        return write_backup(conn, pid, path, secret)


def _info_json(info: Any) -> dict[str, Any]:
    return {"ok": True, "path": str(info.path), "pharmacy_id": info.pharmacy_id,
            "tables": info.tables, "rows": info.rows, "hmac": info.hmac,
            "protected": info.protected, "created_at": info.created_at}


def _backup_all(db: Any, folder: Path, secret: Any, as_json: bool) -> None:
    """Every pharmacy into ``folder``, one file each; a failure is reported and the others
    are still written (exit code 1 at the end)."""
    from sqlalchemy import select

    from eczane.store.backup import BackupError
    from eczane.store.core import pharmacy as pharmacy_table

    with db.connect() as conn:
        pids = [int(i) for (i,) in conn.execute(select(pharmacy_table.c.id)
                                                .order_by(pharmacy_table.c.id))]
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    results: list[dict[str, Any]] = []
    for pid in pids:
        try:
            info = _backup_one(db, pid, folder / f"eczane-{pid}-{stamp}.jsonl.gz", secret)
        except BackupError as exc:
            console.print(f"[red]Eczane {pid}: {exc.message}[/red]")
            results.append({"ok": False, "pharmacy_id": pid, "code": exc.code,
                            "message": exc.message})
            continue
        results.append(_info_json(info))
        console.print(f"[green]Eczane {pid}:[/green] {info.path} ({info.rows} satır)")
    if as_json:
        print_json(results)
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


def restore(
    file: Path = typer.Argument(..., help="Geri yüklenecek yedek dosyası."),
    pharmacy: str | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Beklenen eczane numarası ya da GLN'si (yanlış "
                                             "dosyaya karşı)."),
    yes: bool = typer.Option(False, "--yes", help="Onay sormadan geri yükle."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Yedeği geri yükler: eczanenin şimdiki verisi yedektekiyle değiştirilir.

    Yalnızca yedekteki eczanenin satırlarına dokunulur; aynı veritabanındaki öbür eczaneler
    değişmez. Parolayla alınmış yedekte parola sorulur (ya da ECZANE_YEDEK_PAROLASI). Kimlerin
    giriş yapabileceği değişecekse (hesap eklenir, silinir, rolü ya da parolası değişir) önce
    yazılır.
    """
    from eczane.domain.formatting import datetime_tr
    from eczane.store.backup import (
        BackupError,
        BackupSecret,
        account_changes,
        read_manifest,
        restore_backup,
    )
    from eczane.store.tenant import acting_for

    s = settings()
    db = database(s)
    expected = _expected_pharmacy(db, pharmacy)
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
        pid = int(manifest["pharmacy_id"])
        with acting_for(pid), db.connect() as conn:
            changes = account_changes(conn, file, manifest)
        for c in changes:
            console.print(f"[yellow]Giriş değişikliği:[/yellow] {c.message}")
        if not yes and not typer.confirm(
                f"{manifest['pharmacy_id']} numaralı eczanenin verisi "
                f"{datetime_tr(manifest['created_at'])} tarihli yedekle değiştirilecek"
                f"{' ve yukarıdaki hesap değişiklikleri yapılacak' if changes else ''}. "
                "Devam edilsin mi?"):
            raise typer.Exit(1)
        with acting_for(pid), db.begin() as conn:
            info = restore_backup(conn, file, secret, pharmacy_id=expected)
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


def _expected_pharmacy(db: Any, ref: str | None) -> int | None:
    """``--pharmacy`` of a restore: a number as given (the pharmacy may not exist yet in an
    empty database), a GLN looked up."""
    if ref is None:
        return None
    ref = ref.strip()
    if ref.isdigit() and len(ref) != 13:
        return int(ref)
    return resolve_pharmacy(db, ref)


def _print_plan(p: Any) -> None:
    """The preview of a catalog change on the console (the page shows the same)."""
    console.print(f"Yeni ürün: {len(p.added)}, değişen: {len(p.changed)}, katalogdan çıkan: "
                  f"{len(p.removed)}, reçete türü düşen: {len(p.downgraded)}, bilgisi silinen: "
                  f"{len(p.cleared)}, değişmeyen: {p.unchanged}.")
    for note in p.notes:
        console.print(note)
    for c in (p.downgraded + p.cleared)[:50]:
        for fc in c.fields:
            if fc.before and fc.before != fc.after:
                console.print(f"  {c.gtin} {c.name}: {fc.label_tr} {fc.before_tr} → {fc.after_tr}")
    for reason in p.reasons:
        console.print(f"[yellow]Dikkat:[/yellow] {reason}")


def _plan_json(p: Any) -> dict[str, Any]:
    return {"added": len(p.added), "changed": len(p.changed), "removed": len(p.removed),
            "unchanged": p.unchanged, "rows_ok": p.rows_ok, "rows_bad": p.rows_bad,
            "needs_confirmation": p.needs_confirmation, "reasons": p.reasons,
            "digest": p.digest,
            "downgraded": [{"gtin": c.gtin, "name": c.name, "to": c.downgrade}
                           for c in p.downgraded],
            "cleared": [c.gtin for c in p.cleared]}


def _confirmed(p: Any, yes: bool, question: str) -> bool:
    """A change that downgrades, clears or comes from a mostly bad file needs ``--yes`` or a
    typed yes; any other change goes ahead once previewed."""
    if not p.needs_confirmation or yes:
        return True
    return typer.confirm(question, default=False)


@catalog_app.command("import")
def catalog_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV (gtin,name,prescription_class,…) veya kurum listesi XLSX."),
    source: str = typer.Option("", help="Kaynak adı (varsayılan: dosya adı)."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="İşlemi yapan eczane (denetim kaydı; tek eczane varsa "
                                             "gerekmez)."),
    yes: bool = typer.Option(False, "--yes", help="Reçete türü düşse ya da bilgi silinse de sormadan yaz."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Yalnızca önizle, yazma."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Ürün listesini önizler ve kataloğa yazar (önceki sürüm saklanır: `eczane catalog restore`)."""
    from eczane.importers.catalog import read_catalog
    from eczane.importers.tabular import ImportRefused
    from eczane.store.catalog_versions import StalePreview, apply_import, plan_import

    db = database()
    try:
        f = read_catalog(file)
    except ImportRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    with db.connect() as conn:
        p = plan_import(conn, f)
    _print_plan(p)
    print_issues(f.issues)
    if dry_run or not p.changes:
        if as_json:
            print_json({"ok": True, "written": False, "plan": _plan_json(p),
                        "issues": [asdict(i) for i in f.issues]})
        console.print("Kataloğa bir şey yazılmadı" + (" (önizleme)." if p.changes else
                                                      ": değişiklik yok."))
        return
    pid = resolve_pharmacy(db, pharmacy)
    if not _confirmed(p, yes, "Bu değişiklikler kataloğa yazılsın mı?"):
        if as_json:
            print_json({"ok": False, "code": "not_confirmed", "plan": _plan_json(p)})
        console.print("[red]Onaylanmadı; kataloğa bir şey yazılmadı.[/red]")
        raise typer.Exit(1)
    try:
        with db.begin() as conn:
            v = apply_import(conn, f, expected_digest=p.digest, confirmed=True, pharmacy_id=pid,
                             user_id=None, source=source or file.name)
    except StalePreview as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    n = v.summary["added"] + v.summary["changed"]
    if as_json:
        print_json({"ok": True, "written": True, "version_id": v.id, "products": n,
                    "plan": _plan_json(p), "issues": [asdict(i) for i in f.issues]})
    console.print(f"[green]{n} ürün kataloğa yazıldı[/green] (sürüm {v.id}), "
                  f"{len(f.issues)} sorunlu satır.")


@catalog_app.command("restore")
def catalog_restore(
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="İşlemi yapan eczane (denetim kaydı)."),
    yes: bool = typer.Option(False, "--yes", help="Reçete türü düşse de sormadan geri dön."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Yalnızca önizle."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Kataloğu son yüklemeden önceki sürümüne döndürür (önce neyin değişeceğini gösterir)."""
    from eczane.store.catalog_versions import StalePreview, plan_restore, restore_previous

    db = database()
    with db.connect() as conn:
        planned = plan_restore(conn)
    if planned is None:
        console.print("[red]Geri dönülecek önceki katalog sürümü yok.[/red]")
        if as_json:
            print_json({"ok": False, "code": "no_version"})
        raise typer.Exit(1)
    v, p = planned
    console.print(f"Geri alınacak yükleme: {v.source_name} (sürüm {v.id}).")
    _print_plan(p)
    if dry_run:
        if as_json:
            print_json({"ok": True, "written": False, "version_id": v.id, "plan": _plan_json(p)})
        return
    pid = resolve_pharmacy(db, pharmacy)
    if not _confirmed(p, yes, "Katalog önceki sürümüne döndürülsün mü?"):
        console.print("[red]Onaylanmadı; katalog değişmedi.[/red]")
        raise typer.Exit(1)
    try:
        with db.begin() as conn:
            restore_previous(conn, expected_digest=p.digest, confirmed=True, pharmacy_id=pid,
                             user_id=None)
    except StalePreview as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, "written": True, "undone_version_id": v.id, "plan": _plan_json(p)})
    console.print(f"[green]Katalog, {v.source_name} yüklemesinden önceki hâline döndü.[/green]")


@catalog_app.command("versions")
def catalog_versions(as_json: bool = typer.Option(False, "--json", help="JSON olarak yaz.")) -> None:
    """Kataloğun son sürümleri (yüklemeler), yeniden eskiye."""
    from eczane.store.catalog_versions import list_versions

    with database().connect() as conn:
        versions = list_versions(conn, limit=20)
    if as_json:
        print_json([{"id": v.id, "created_at": v.created_at.isoformat(), "source_name": v.source_name,
                     "sha256": v.sha256, "summary": v.summary,
                     "undone_at": v.undone_at.isoformat() if v.undone_at else None}
                    for v in versions])
        return
    for v in versions:
        mark = " (geri alındı)" if v.undone_at else ""
        at = (v.created_at if v.created_at.tzinfo else v.created_at.replace(tzinfo=UTC))
        console.print(f"{v.id}  {at.astimezone(ISTANBUL):%d.%m.%Y %H:%M}  {v.source_name}  "
                      f"{v.summary.get('added', 0)} yeni, {v.summary.get('changed', 0)} değişen{mark}")
