"""``eczane count``: list count sessions, import a scanner's memory dump, export a count."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from eczane.cli.common import (
    act_for_owner,
    console,
    database,
    parse_today,
    print_json,
    resolve_pharmacy,
)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Stok sayımı: sayımları listele, okuyucu belleğini aktar, dışa aktar.",
                        no_args_is_help=True)
    group.command("list")(list_sessions)
    group.command("import")(import_dump)
    group.command("export")(export)
    app.add_typer(group, name="count")


def list_sessions(
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    as_json: bool = typer.Option(False, "--json", help="JSON satırı olarak yaz."),
) -> None:
    """Bir eczanenin sayımlarını (en yeni önce) kutu sayılarıyla listeler."""
    from eczane.store import count as store

    db = database()
    pharmacy_id = resolve_pharmacy(db, pharmacy)
    with db.connect() as conn:
        rows = store.list_sessions(conn, pharmacy_id)
    if as_json:
        print_json([{"id": s.id, "name": s.name, "status": s.status.value, "packs": n,
                     "opened_at": s.opened_at, "closed_at": s.closed_at} for s, n in rows])
        return
    from rich.table import Table

    from eczane.domain.formatting import datetime_tr

    table = Table("No", "Ad", "Durum", "Kutu", "Açılış", "Kapanış")
    for s, n in rows:
        table.add_row(str(s.id), s.name, s.status.label_tr, str(n),
                      datetime_tr(s.opened_at), datetime_tr(s.closed_at))
    console.print(table)


def _user_id(conn, pharmacy_id: int, username: str | None) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from eczane.store.core import app_user

    q = select(app_user.c.id).where(app_user.c.pharmacy_id == pharmacy_id)
    q = q.where(app_user.c.username == username) if username else \
        q.where(app_user.c.role == "eczaci").order_by(app_user.c.id)
    uid = conn.execute(q.limit(1)).scalar()
    if uid is None:
        console.print(f"[red]Eczanede kullanıcı bulunamadı: {username or 'eczacı'}[/red]")
        raise SystemExit(2)
    return int(uid)


def import_dump(
    session_id: int = typer.Argument(..., help="Sayım numarası."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Her satırda bir karekod (okuyucu belleği dökümü)."),
    grp: str = typer.Option("raf", help="Grup: raf veya acik_recete (açık reçete)."),
    user: str | None = typer.Option(None, help="Okutan kullanıcı adı (varsayılan: eczacı)."),
    today: str | None = typer.Option(None, help="Sayım günü YYYY-AA-GG (varsayılan: bugün)."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
) -> None:
    """Okuyucu belleğindeki karekodları sayıma ekler; aynı dosya ikinci kez eklenmez."""
    from eczane.store import count as store

    db = database()
    act_for_owner(db, pharmacy, lambda c: store.get_session(c, session_id) is not None)
    with db.connect() as conn:
        session = store.get_session(conn, session_id)
        if session is None:
            console.print(f"[red]Sayım bulunamadı: {session_id}[/red]")
            raise SystemExit(2)
        uid = _user_id(conn, session.pharmacy_id, user)
    try:
        lines = store.decode_dump(file.read_bytes(), file.name)
        report = store.import_dump(db, session_id, lines, grp=grp, user_id=uid,
                                   today=parse_today(today), source=f"dosya:{file.name}")
    except store.CountError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise SystemExit(1) from None
    for no, raw, why in report.problems:
        console.print(f"[yellow]Satır {no}:[/yellow] {why} ({raw!r})")
    if report.title:
        console.print(f"[yellow]Başlık satırı atlandı:[/yellow] {report.title!r}")
    print_json({"lines": report.lines, "added": report.added, "duplicates": report.duplicates,
                "already_imported": report.already_imported, "warnings": report.warnings,
                "title": report.title,
                "problems": [{"line": no, "raw": raw, "reason": why}
                             for no, raw, why in report.problems]})


def export(
    session_id: int = typer.Argument(..., help="Sayım numarası."),
    fmt: str = typer.Option("xlsx", "--format",
                            help="xlsx, gs (GS ayraçlı karekod), hri ((01)…(21)…) veya raw."),
    grp: str | None = typer.Option(None, help="Yalnız bu grup (raf / acik_recete)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Dosya (varsayılan: stdout)."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
) -> None:
    """Sayımı XLSX veya düz karekod listesi olarak dışa aktarır."""
    import contextlib
    import shutil
    import tempfile

    from eczane.exports.count import FORMATS, karekod_lines, write_count_xlsx
    from eczane.store import count as store

    if fmt != "xlsx" and fmt not in FORMATS:
        console.print(f"[red]Bilinmeyen biçim: {fmt}[/red]")
        raise SystemExit(2)
    db = database()
    act_for_owner(db, pharmacy, lambda c: store.get_session(c, session_id) is not None)
    with db.connect() as conn:
        session = store.get_session(conn, session_id)
        if session is None:
            console.print(f"[red]Sayım bulunamadı: {session_id}[/red]")
            raise SystemExit(2)
        # written piece by piece (bounded memory whatever the count)
        if fmt == "xlsx" and output is not None:
            write_count_xlsx(str(output), conn, session)
        elif fmt == "xlsx":
            with tempfile.TemporaryFile() as tmp:
                write_count_xlsx(tmp, conn, session)
                tmp.seek(0)
                shutil.copyfileobj(tmp, sys.stdout.buffer)
        else:
            with (output.open("wb") if output is not None
                  else contextlib.nullcontext(sys.stdout.buffer)) as out:
                for text in karekod_lines(conn, session_id, grp=grp, fmt=fmt):
                    out.write(text.encode())
    if output is not None:
        console.print(f"[green]Yazıldı:[/green] {output}")


__all__ = ["register"]
