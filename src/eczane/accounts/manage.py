"""Account changes a person makes (a pharmacist on the Kullanıcılar page, the admin on the CLI).

Each function runs in the caller's transaction, checks the rule, makes the change, ends the
sessions it must end and appends the audit event. ``actor`` is the user doing it, or None for
the installation admin on the command line. Errors are ``AccountError`` with a Turkish message.

Who may do what (see docs/security.md, "Roller"):
- an eczacı adds kalfa users to their own pharmacy, disables/enables them, resets their
  passwords and lifts their login locks; never for a user of another pharmacy, never for another
  eczacı, never disables themself;
- everybody changes their own password (knowing the current one);
- the admin (CLI) does all of this for any pharmacy, and changes roles.
"""

from __future__ import annotations

from sqlalchemy import Connection

from eczane.accounts import sessions, throttle
from eczane.accounts.events import ADMIN, record
from eczane.accounts.passwords import check_password, password_problem
from eczane.accounts.users import (
    ROLE_LABELS_TR,
    AccountError,
    User,
    create_pharmacy,
    create_user,
    get_user_by_name,
    password_hash_of,
    store_disabled,
    store_password,
    store_role,
    username_problem,
)


def _who(actor: User | None) -> str:
    return ADMIN if actor is None else actor.username


def _actor_id(actor: User | None) -> int | None:
    return None if actor is None else actor.id


def check_manages(actor: User | None, target: User) -> None:
    """An eczacı manages the kalfa users of their own pharmacy; the admin manages everyone."""
    if actor is None:
        return
    if not actor.is_pharmacist or actor.pharmacy_id != target.pharmacy_id:
        raise AccountError("Bu kullanıcı bulunamadı.", code="not_found")
    if target.is_pharmacist:
        raise AccountError("Başka bir eczacının hesabını yalnızca kurulum yöneticisi "
                           "(komut satırı) değiştirebilir.", code="forbidden")


def add_pharmacy(conn: Connection, name: str, *, gln: str | None = None, province: str = "",
                 district: str = "") -> int:
    name = name.strip()
    if not name:
        raise AccountError("Eczane adı boş olamaz.", code="name")
    if gln is not None and not (gln.isdigit() and len(gln) == 13):
        raise AccountError(f"GLN 13 haneli bir sayı olmalı (verilen: {gln!r}).", code="gln")
    pid = create_pharmacy(conn, name, gln=gln, province=province, district=district)
    record(conn, pid, None, "accounts.pharmacy_created", f"Eczane kaydı oluşturuldu: {name}.",
           name=name, gln=gln)
    return pid


def add_user(conn: Connection, actor: User | None, pharmacy_id: int, username: str,
             password: str, *, role: str, display_name: str = "") -> User:
    username = username.strip()
    problem = username_problem(username) or password_problem(password, username=username)
    if problem:
        raise AccountError(problem, code="invalid")
    if role not in ROLE_LABELS_TR:
        raise AccountError(f"Rol '{role}' tanınmıyor; eczaci ya da kalfa olmalı.", code="role")
    if actor is not None and (role != "kalfa" or actor.pharmacy_id != pharmacy_id
                              or not actor.is_pharmacist):
        raise AccountError("Eczacı yalnızca kendi eczanesine kalfa ekleyebilir.", code="forbidden")
    if get_user_by_name(conn, username) is not None:
        raise AccountError(f"'{username}' kullanıcı adı zaten kullanılıyor.", code="exists")
    display_name = display_name.strip()[:200] or username
    uid = create_user(conn, pharmacy_id, username, password, role=role, display_name=display_name)
    record(conn, pharmacy_id, _actor_id(actor), "accounts.user_created",
           f"{_who(actor)}, {username} kullanıcısını {ROLE_LABELS_TR[role]} olarak ekledi.",
           username=username, role=role, by=_who(actor))
    return User(uid, pharmacy_id, username, display_name, role)


def change_own_password(conn: Connection, user: User, current: str, new: str) -> int:
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


def reset_password(conn: Connection, actor: User | None, target: User, new: str) -> None:
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


def set_disabled(conn: Connection, actor: User | None, target: User, disabled: bool) -> None:
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


def set_role(conn: Connection, target: User, role: str) -> None:
    """Admin only (CLI). Sessions end, so the new rights apply from the next login."""
    if role == target.role:
        return
    store_role(conn, target.id, role)
    ended = sessions.end_user_sessions(conn, target.id)
    record(conn, target.pharmacy_id, None, "accounts.role_changed",
           f"{ADMIN}, {target.username} kullanıcısının rolünü {ROLE_LABELS_TR[target.role]} "
           f"yerine {ROLE_LABELS_TR[role]} yaptı.",
           username=target.username, old_role=target.role, new_role=role, sessions_ended=ended)


def unlock_user(conn: Connection, actor: User | None, target: User) -> bool:
    check_manages(actor, target)
    lifted = throttle.unlock(conn, "user", target.username)
    if lifted:
        record(conn, target.pharmacy_id, _actor_id(actor), "accounts.unlocked",
               f"{_who(actor)}, {target.username} kullanıcısının giriş kilidini açtı.",
               username=target.username, by=_who(actor))
    return lifted


def end_other_sessions(conn: Connection, user: User, keep_token: str) -> int:
    ended = sessions.end_user_sessions(conn, user.id, except_token=keep_token)
    if ended:
        record(conn, user.pharmacy_id, user.id, "accounts.sessions_ended",
               f"{user.username} diğer cihazlardaki {ended} oturumunu kapattı.",
               username=user.username, sessions_ended=ended)
    return ended
