"""``eczane user …``, ``eczane pharmacy …`` and ``eczane chamber …``: the installation admin's
account commands. Roles: eczaci and kalfa (of a pharmacy), oda (staff of a chamber, read-only
overview of its members), admin (the installation: the Yönetim page).

Passwords are asked twice with hidden input, or read from the first line of standard input
with ``--password-stdin`` (for scripts: ``printf '%s\\n' "$PW" | eczane user add …``). Every
change is an audit event in the pharmacy's log with "kurulum yöneticisi (komut satırı)" as the
actor. Exit codes: 0 done, 1 refused (a Turkish message says why), 2 usage.
"""

from __future__ import annotations

import sys

import typer

from eczane.cli.common import console, database, print_json, resolve_pharmacy

user_app = typer.Typer(help="Kullanıcı hesapları (eczacı, kalfa, oda, admin).",
                       no_args_is_help=True)
pharmacy_app = typer.Typer(help="Eczaneler (bu kurulumdaki).", no_args_is_help=True)
chamber_app = typer.Typer(help="Eczacı odaları (üye eczaneleri izleyen).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(pharmacy_app, name="pharmacy")
    app.add_typer(chamber_app, name="chamber")


def _chamber_id(conn, name_or_id: str, *, create: bool) -> int:  # type: ignore[no-untyped-def]
    """The chamber named or numbered so; a name not found is created when ``create``."""
    from eczane.accounts.manage import add_chamber, find_chamber

    found = find_chamber(conn, name_or_id)
    if found is not None:
        return found
    if create and not name_or_id.strip().isdigit():
        return add_chamber(conn, name_or_id)
    raise _refuse(f"'{name_or_id}' adlı ya da numaralı oda yok (önce: eczane chamber add).")


@chamber_app.command("add")
def chamber_add(
    name: str = typer.Argument(..., help="Odanın adı (ör. \"İstanbul Eczacı Odası\")."),
    province: str = typer.Option("", "--province", "--il", help="İl."),
) -> None:
    """Yeni bir eczacı odası kaydı oluşturur."""
    from eczane.accounts.manage import add_chamber
    from eczane.accounts.users import AccountError

    db = database()
    try:
        with db.begin() as conn:
            cid = add_chamber(conn, name, province=province)
    except AccountError as exc:
        raise _refuse(exc.message) from None
    console.print(f"[green]Oda oluşturuldu:[/green] {name} (numara {cid}). Görevli hesabı için: "
                  f"eczane user add KULLANICI_ADI --role oda --chamber {cid}")


@chamber_app.command("list")
def chamber_list(as_json: bool = typer.Option(False, "--json", help="JSON olarak yaz.")) -> None:
    """Odaları ve üye eczane sayılarını listeler."""
    from sqlalchemy import func, select

    from eczane.store.core import chamber, pharmacy

    db = database()
    with db.connect() as conn:
        rows = conn.execute(
            select(chamber.c.id, chamber.c.name, chamber.c.province,
                   func.count(pharmacy.c.id).label("members"))
            .select_from(chamber.outerjoin(pharmacy, pharmacy.c.chamber_id == chamber.c.id))
            .group_by(chamber.c.id, chamber.c.name, chamber.c.province)
            .order_by(chamber.c.id)).all()
    if as_json:
        print_json([dict(r._mapping) for r in rows])
        return
    for r in rows:
        sys.stdout.write(f"{r.id}\t{r.name}\t{r.province or '-'}\t{r.members} üye eczane\n")


def _refuse(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise _refuse("Standart girdiden parola okunamadı (boş satır).")
        return password
    first = typer.prompt("Parola", hide_input=True)
    again = typer.prompt("Parola (tekrar)", hide_input=True)
    if first != again:
        raise _refuse("Parolalar aynı değil.")
    return str(first)


def _find(conn, username: str):  # type: ignore[no-untyped-def]
    from eczane.accounts.users import get_user_by_name, normalize_username

    user = get_user_by_name(conn, normalize_username(username))
    if user is None:
        raise _refuse(f"'{username}' adlı kullanıcı yok.")
    return user


@pharmacy_app.command("add")
def pharmacy_add(
    name: str = typer.Argument(..., help="Eczanenin adı."),
    gln: str | None = typer.Option(None, help="Eczanenin 13 haneli GLN numarası (İTS)."),
    province: str = typer.Option("", "--province", "--il", help="İl."),
    district: str = typer.Option("", "--district", "--ilce", help="İlçe."),
    chamber: str | None = typer.Option(None, "--chamber", "--oda",
                                       help="Üye olduğu oda: adı (yoksa oluşturulur) ya da numarası."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Yeni bir eczane kaydı oluşturur (sonra: eczane user add … --role eczaci)."""
    from sqlalchemy.exc import IntegrityError

    from eczane.accounts.manage import add_pharmacy
    from eczane.accounts.users import AccountError

    db = database()
    try:
        with db.begin() as conn:
            cid = None if chamber is None else _chamber_id(conn, chamber, create=True)
            pid = add_pharmacy(conn, name, gln=gln, province=province, district=district,
                               chamber_id=cid)
    except AccountError as exc:
        raise _refuse(exc.message) from None
    except IntegrityError:
        raise _refuse(f"{gln} GLN numaralı bir eczane zaten var.") from None
    if as_json:
        print_json({"ok": True, "pharmacy_id": pid, "name": name, "chamber_id": cid})
    console.print(f"[green]Eczane oluşturuldu:[/green] {name} (numara {pid}). İlk eczacı hesabı "
                  f"için: eczane user add KULLANICI_ADI --role eczaci --pharmacy {pid}")


@pharmacy_app.command("list")
def pharmacy_list(as_json: bool = typer.Option(False, "--json", help="JSON olarak yaz.")) -> None:
    """Eczaneleri ve kullanıcı sayılarını listeler."""
    from sqlalchemy import func, select

    from eczane.store.core import app_user, pharmacy

    db = database()
    with db.connect() as conn:
        rows = conn.execute(
            select(pharmacy.c.id, pharmacy.c.name, pharmacy.c.gln, pharmacy.c.province,
                   pharmacy.c.district, func.count(app_user.c.id).label("users"))
            .select_from(pharmacy.outerjoin(app_user, app_user.c.pharmacy_id == pharmacy.c.id))
            .group_by(pharmacy.c.id).order_by(pharmacy.c.id)).all()
    if as_json:
        print_json([dict(r._mapping) for r in rows])
        return
    if not rows:
        console.print("Henüz eczane yok: eczane pharmacy add \"Eczanenizin adı\"")
    for r in rows:
        place = " / ".join(x for x in (r.province, r.district) if x)
        sys.stdout.write(f"{r.id}\t{r.name}\t{r.gln or '-'}\t{place or '-'}\t{r.users} kullanıcı\n")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Kullanıcı adı (küçük harf, rakam, . _ -)."),
    role: str = typer.Option("kalfa", help="Rol: eczaci, kalfa, oda (oda görevlisi) ya da admin."),
    name: str = typer.Option("", "--name", "--ad", help="Görünen ad (ör. \"Ecz. Ayşe Yılmaz\")."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    chamber: str | None = typer.Option(None, "--chamber", "--oda",
                                       help="--role oda için: odanın adı ya da numarası."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Parolayı standart girdinin ilk satırından oku."),
) -> None:
    """Kullanıcı ekler; parola gizli olarak sorulur."""
    from eczane.accounts.manage import add_user
    from eczane.accounts.users import PHARMACY_ROLES, AccountError

    db = database()
    pid = resolve_pharmacy(db, pharmacy) if role in PHARMACY_ROLES else pharmacy
    if role == "oda" and chamber is None:
        raise _refuse("Oda görevlisi hesabı için --chamber (odanın adı ya da numarası) verin.")
    password = _read_password(password_stdin)
    try:
        with db.begin() as conn:
            cid = None if chamber is None else _chamber_id(conn, chamber, create=False)
            user = add_user(conn, None, pid, username.strip().lower(), password, role=role,
                            display_name=name, chamber_id=cid)
    except AccountError as exc:
        raise _refuse(exc.message) from None
    where = (f"eczane {pid}" if pid is not None else f"oda {cid}" if cid is not None
             else "kurulum")
    console.print(f"[green]Kullanıcı eklendi:[/green] {user.username} ({role}), {where}. "
                  "Web sayfasındaki Giriş'ten bu ad ve parolayla girebilir.")


@user_app.command("list")
def user_list(
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Yalnızca bu eczanenin kullanıcıları."),
    as_json: bool = typer.Option(False, "--json", help="JSON olarak yaz."),
) -> None:
    """Kullanıcıları listeler (rol, durum, kilit)."""
    from datetime import UTC, datetime

    from eczane.accounts.throttle import locked_until
    from eczane.accounts.users import list_accounts, list_users

    db = database()
    now = datetime.now(UTC)
    with db.connect() as conn:
        users = list_users(conn, pharmacy) if pharmacy is not None else list_accounts(conn)
        locks = {u.id: locked_until(conn, "user", u.username, now=now) for u in users}
    if as_json:
        print_json([{"id": u.id, "pharmacy_id": u.pharmacy_id, "chamber_id": u.chamber_id,
                     "username": u.username,
                     "display_name": u.display_name, "role": u.role, "disabled": u.disabled,
                     "locked_until": locks[u.id]} for u in users])
        return
    if not users:
        console.print("Henüz kullanıcı yok: eczane user add KULLANICI_ADI --role eczaci")
    for u in users:
        state = "devre dışı" if u.disabled else ("kilitli" if locks[u.id] else "etkin")
        where = u.pharmacy_id if u.pharmacy_id is not None else (
            f"oda:{u.chamber_id}" if u.chamber_id is not None else "-")
        sys.stdout.write(f"{where}\t{u.username}\t{u.role}\t{state}\t{u.display_name}\n")


@user_app.command("passwd")
def user_passwd(
    username: str = typer.Argument(..., help="Kullanıcı adı."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Parolayı standart girdinin ilk satırından oku."),
) -> None:
    """Kullanıcının parolasını değiştirir; açık oturumları kapanır, kilidi açılır."""
    from eczane.accounts.manage import reset_password
    from eczane.accounts.users import AccountError

    db = database()
    with db.connect() as conn:
        user = _find(conn, username)
    password = _read_password(password_stdin)
    try:
        with db.begin() as conn:
            reset_password(conn, None, user, password)
    except AccountError as exc:
        raise _refuse(exc.message) from None
    console.print(f"[green]{user.username} kullanıcısının parolası değiştirildi;[/green] açık "
                  "oturumları kapatıldı.")


@user_app.command("disable")
def user_disable(username: str = typer.Argument(..., help="Kullanıcı adı.")) -> None:
    """Kullanıcıyı devre dışı bırakır; açık oturumları hemen kapanır."""
    _set_disabled(username, True)


@user_app.command("enable")
def user_enable(username: str = typer.Argument(..., help="Kullanıcı adı.")) -> None:
    """Devre dışı bırakılmış kullanıcıyı yeniden etkinleştirir."""
    _set_disabled(username, False)


def _set_disabled(username: str, disabled: bool) -> None:
    from eczane.accounts.manage import set_disabled

    db = database()
    with db.begin() as conn:
        user = _find(conn, username)
        set_disabled(conn, None, user, disabled)
    console.print(f"[green]{user.username} "
                  f"{'devre dışı bırakıldı; oturumları kapatıldı' if disabled else 'etkinleştirildi'}"
                  ".[/green]")


@user_app.command("role")
def user_role(username: str = typer.Argument(..., help="Kullanıcı adı."),
              role: str = typer.Argument(..., help="Yeni rol: eczaci ya da kalfa.")) -> None:
    """Kullanıcının rolünü değiştirir (oturumları kapanır, yeni yetki bir sonraki girişte)."""
    from eczane.accounts.manage import set_role
    from eczane.accounts.users import AccountError

    db = database()
    try:
        with db.begin() as conn:
            user = _find(conn, username)
            set_role(conn, user, role)
    except AccountError as exc:
        raise _refuse(exc.message) from None
    console.print(f"[green]{user.username} kullanıcısının rolü artık {role}.[/green]")


@user_app.command("unlock")
def user_unlock(
    username: str | None = typer.Argument(None, help="Kilidi açılacak kullanıcı adı."),
    address: str | None = typer.Option(None, "--address", "--adres",
                                       help="Bunun yerine bu istemci adresinin kilidini aç."),
) -> None:
    """Hatalı girişlerle kilitlenen bir hesabın (ya da adresin) kilidini açar."""
    from eczane.accounts import throttle
    from eczane.accounts.manage import unlock_user

    if (username is None) == (address is None):
        console.print("[red]Ya bir kullanıcı adı ya da --address verin.[/red]")
        raise typer.Exit(2)
    db = database()
    with db.begin() as conn:
        if address is not None:
            lifted = throttle.unlock(conn, "addr", address)
            what = f"{address} adresinin"
        else:
            user = _find(conn, username or "")
            lifted = unlock_user(conn, None, user)
            what = f"{user.username} kullanıcısının"
    console.print(f"[green]{what} kilidi açıldı.[/green]" if lifted else f"{what} kilidi yoktu.")
