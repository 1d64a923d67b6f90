"""Account changes a person makes (a pharmacist on the Kullanıcılar page, the admin on the CLI).

Each function runs in the caller's transaction, checks the rule, makes the change, ends the
sessions it must end and appends the audit event. ``actor`` is the user doing it, or None for
the installation admin on the command line. Errors are ``AccountError`` with a Turkish message.

Who may do what (see docs/security.md, "Roller"):
- an eczacı adds kalfa users to their own pharmacy, disables/enables them, resets their
  passwords and lifts their login locks; never for a user of another pharmacy, never for another
  eczacı, never disables themself;
- everybody changes their own password (knowing the current one);
- the admin (CLI) does all of this for any pharmacy, and changes roles;
- the admin (CLI, or the Yönetim page) adds pharmacies and chambers, and chamber staff (``oda``:
  one chamber, read-only) and admin accounts, which belong to no pharmacy.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from eczane.accounts import sessions, throttle
from eczane.accounts.events import ADMIN, record
from eczane.accounts.passwords import check_password, password_problem
from eczane.accounts.users import (
    PHARMACY_ROLES,
    ROLE_LABELS_TR,
    Account,
    AccountError,
    User,
    create_chamber,
    create_pharmacy,
    create_user,
    get_user_by_name,
    password_hash_of,
    store_disabled,
    store_password,
    store_role,
    username_problem,
)
from eczane.store.core import chamber, pharmacy


def _who(actor: User | None) -> str:
    return ADMIN if actor is None else actor.username


def _actor_id(actor: User | None) -> int | None:
    return None if actor is None else actor.id


def check_manages(actor: User | None, target: Account) -> None:
    """An eczacı manages the kalfa users of their own pharmacy; the admin manages everyone."""
    if actor is None:
        return
    if not actor.is_pharmacist or actor.pharmacy_id != target.pharmacy_id:
        raise AccountError("Bu kullanıcı bulunamadı.", code="not_found")
    if target.is_pharmacist:
        raise AccountError("Başka bir eczacının hesabını yalnızca kurulum yöneticisi "
                           "(komut satırı) değiştirebilir.", code="forbidden")


def gln_problem(gln: str) -> str | None:
    """Turkish reason why ``gln`` is not a pharmacy's GLN, or None.

    References: GS1 General Specifications §7.9.1 (mod-10 check digit), via
    ``eczane.domain.gs1.is_valid_gln``.
    """
    from eczane.domain.gs1 import gtin_check_digit, is_valid_gln

    if not (gln.isascii() and gln.isdigit() and len(gln) == 13):
        return f"GLN 13 haneli bir sayı olmalı (verilen: {gln!r})."
    if not is_valid_gln(gln):
        return (f"GLN {gln} kontrol hanesi tutmuyor (beklenen {gtin_check_digit(gln[:12])}, "
                f"gelen {gln[12]}).")
    return None


def add_pharmacy(conn: Connection, name: str, *, gln: str | None = None, province: str = "",
                 district: str = "", chamber_id: int | None = None) -> int:
    name = name.strip()
    if not name:
        raise AccountError("Eczane adı boş olamaz.", code="name")
    problem = None if gln is None else gln_problem(gln)
    if problem:
        raise AccountError(problem, code="gln")
    pid = create_pharmacy(conn, name, gln=gln, province=province.strip(),
                          district=district.strip())
    if chamber_id is not None:
        conn.execute(update(pharmacy).where(pharmacy.c.id == pid).values(chamber_id=chamber_id))
    record(conn, pid, None, "accounts.pharmacy_created", f"Eczane kaydı oluşturuldu: {name}.",
           name=name, gln=gln, chamber_id=chamber_id)
    return pid


def add_chamber(conn: Connection, name: str, *, province: str = "") -> int:
    """A chamber (eczacı odası) hosting member pharmacies; the name is unique."""
    name = " ".join(name.split())
    if not name:
        raise AccountError("Oda adı boş olamaz.", code="name")
    if conn.execute(select(chamber.c.id).where(chamber.c.name == name)).first() is not None:
        raise AccountError(f"'{name}' adlı oda zaten var.", code="exists")
    cid = create_chamber(conn, name, province=province.strip())
    record(conn, None, None, "accounts.chamber_created", f"Oda kaydı oluşturuldu: {name}.",
           name=name, chamber_id=cid)
    return cid


def find_chamber(conn: Connection, name_or_id: str) -> int | None:
    """The chamber named (exactly, spaces collapsed) or numbered so, or None."""
    key = " ".join(name_or_id.split())
    if key.isdigit():
        row = conn.execute(select(chamber.c.id).where(chamber.c.id == int(key))).first()
    else:
        row = conn.execute(select(chamber.c.id).where(chamber.c.name == key)).first()
    return None if row is None else int(row.id)


def _scope_problem(role: str, pharmacy_id: int | None, chamber_id: int | None) -> str | None:
    """The rule of ``ck_app_user_role_scope`` as a Turkish sentence."""
    if role in PHARMACY_ROLES and (pharmacy_id is None or chamber_id is not None):
        return "Eczacı ve kalfa hesabı bir eczaneye bağlıdır (oda verilmez)."
    if role == "oda" and (chamber_id is None or pharmacy_id is not None):
        return "Oda görevlisi hesabı bir odaya bağlıdır (eczane verilmez): --chamber verin."
    if role == "admin" and (chamber_id is not None or pharmacy_id is not None):
        return "Kurulum yöneticisi hesabı bir eczaneye ya da odaya bağlı değildir."
    return None


def add_user(conn: Connection, actor: User | None, pharmacy_id: int | None, username: str,
             password: str, *, role: str, display_name: str = "",
             chamber_id: int | None = None) -> Account:
    username = username.strip()
    problem = username_problem(username) or password_problem(password, username=username)
    if problem:
        raise AccountError(problem, code="invalid")
    if role not in ROLE_LABELS_TR:
        raise AccountError(f"Rol '{role}' tanınmıyor; eczaci, kalfa, oda ya da admin olmalı.",
                           code="role")
    scope = _scope_problem(role, pharmacy_id, chamber_id)
    if scope:
        raise AccountError(scope, code="scope")
    if actor is not None and (role != "kalfa" or actor.pharmacy_id != pharmacy_id
                              or not actor.is_pharmacist):
        raise AccountError("Eczacı yalnızca kendi eczanesine kalfa ekleyebilir.", code="forbidden")
    if get_user_by_name(conn, username) is not None:
        raise AccountError(f"'{username}' kullanıcı adı zaten kullanılıyor.", code="exists")
    display_name = display_name.strip()[:200] or username
    uid = create_user(conn, pharmacy_id, username, password, role=role,
                      display_name=display_name, chamber_id=chamber_id)
    record(conn, pharmacy_id, _actor_id(actor), "accounts.user_created",
           f"{_who(actor)}, {username} kullanıcısını {ROLE_LABELS_TR[role]} olarak ekledi.",
           username=username, role=role, by=_who(actor), chamber_id=chamber_id)
    if pharmacy_id is not None:
        return User(uid, pharmacy_id, username, display_name, role)
    return Account(uid, None, username, display_name, role, chamber_id=chamber_id)


def change_own_password(conn: Connection, user: Account, current: str, new: str) -> int:
    """The user's own change; every session of the user ends (the page opens a new one for
    this browser). Returns how many ended."""
    if not check_password(current, password_hash_of(conn, user.id)):
        raise AccountError("Şimdiki parola hatalı.", code="current")
    problem = password_problem(new, username=user.username)
    if problem:
        raise AccountError(problem, code="invalid")
    if new == current:
        raise AccountError("Yeni parola eskisiyle aynı olamaz.", code="same")
    store_password(conn, user.id, new)
    ended = sessions.end_user_sessions(conn, user.id)
    record(conn, user.pharmacy_id, user.id, "accounts.password_changed",
           f"{user.username} parolasını değiştirdi; açık oturumları kapatıldı.",
           username=user.username, sessions_ended=ended)
    return ended


def reset_password(conn: Connection, actor: User | None, target: Account, new: str) -> None:
    check_manages(actor, target)
    problem = password_problem(new, username=target.username)
    if problem:
        raise AccountError(problem, code="invalid")
    store_password(conn, target.id, new)
    ended = sessions.end_user_sessions(conn, target.id)
    throttle.unlock(conn, "user", target.username)
    record(conn, target.pharmacy_id, _actor_id(actor), "accounts.password_reset",
           f"{_who(actor)}, {target.username} kullanıcısının parolasını sıfırladı; açık "
           f"oturumları ({ended}) kapatıldı.",
           username=target.username, by=_who(actor), sessions_ended=ended)


def set_disabled(conn: Connection, actor: User | None, target: Account, disabled: bool) -> None:
    check_manages(actor, target)
    if actor is not None and actor.id == target.id:
        raise AccountError("Kendi hesabınızı devre dışı bırakamazsınız.", code="self")
    store_disabled(conn, target.id, disabled)
    if disabled:
        ended = sessions.end_user_sessions(conn, target.id)
        record(conn, target.pharmacy_id, _actor_id(actor), "accounts.user_disabled",
               f"{_who(actor)}, {target.username} kullanıcısını devre dışı bıraktı; açık "
               f"oturumları ({ended}) kapatıldı.",
               username=target.username, by=_who(actor), sessions_ended=ended)
    else:
        record(conn, target.pharmacy_id, _actor_id(actor), "accounts.user_enabled",
               f"{_who(actor)}, {target.username} kullanıcısını yeniden etkinleştirdi.",
               username=target.username, by=_who(actor))


def set_role(conn: Connection, target: Account, role: str) -> None:
    """Admin only (CLI). Sessions end, so the new rights apply from the next login."""
    if role == target.role:
        return
    if target.role not in PHARMACY_ROLES:
        raise AccountError(f"{target.username} bir eczane hesabı değil; oda ve yönetici "
                           "hesaplarının rolü değiştirilmez.", code="scope")
    store_role(conn, target.id, role)
    ended = sessions.end_user_sessions(conn, target.id)
    record(conn, target.pharmacy_id, None, "accounts.role_changed",
           f"{ADMIN}, {target.username} kullanıcısının rolünü {ROLE_LABELS_TR[target.role]} "
           f"yerine {ROLE_LABELS_TR[role]} yaptı.",
           username=target.username, old_role=target.role, new_role=role, sessions_ended=ended)


def unlock_user(conn: Connection, actor: User | None, target: Account) -> bool:
    check_manages(actor, target)
    lifted = throttle.unlock(conn, "user", target.username)
    if lifted:
        record(conn, target.pharmacy_id, _actor_id(actor), "accounts.unlocked",
               f"{_who(actor)}, {target.username} kullanıcısının giriş kilidini açtı.",
               username=target.username, by=_who(actor))
    return lifted


def end_other_sessions(conn: Connection, user: Account, keep_token: str) -> int:
    ended = sessions.end_user_sessions(conn, user.id, except_token=keep_token)
    if ended:
        record(conn, user.pharmacy_id, user.id, "accounts.sessions_ended",
               f"{user.username} diğer cihazlardaki {ended} oturumunu kapattı.",
               username=user.username, sessions_ended=ended)
    return ended
