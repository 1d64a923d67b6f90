"""Pages of the accounts slice: login/logout, Hesabım (own password), Kullanıcılar (eczacı).

``/giris`` and ``/cikis`` log in and out (server-side sessions, ``web.auth``); ``/hesap`` lets
everyone change their own password and end their other sessions; ``/hesap/kullanicilar`` lets
an eczacı add kalfa users to their pharmacy, disable/enable them, reset their passwords and
lift their login locks. Rules and audit events are in ``accounts.manage``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eczane.accounts import manage, sessions, throttle
from eczane.accounts.events import record
from eczane.accounts.login import attempt_login
from eczane.accounts.passwords import MIN_LENGTH
from eczane.accounts.users import (
    Account,
    AccountError,
    User,
    count_users,
    get_account,
    get_user,
    list_users,
)
from eczane.web.auth import (
    COOKIE,
    clear_session_cookie,
    current_account,
    now,
    require_pharmacist,
    session_policy,
    set_session_cookie,
    throttle_policy,
)
from eczane.web.render import render

router = APIRouter()
MAX_ID = 2**31 - 1
FIRST_RUN_COMMANDS = ('eczane pharmacy add "Eczanenizin adı"',
                      'eczane user add KULLANICI_ADI --role eczaci --name "Ecz. Adınız Soyadınız"')
"""What the installation admin runs on the server to create the first account."""
ROLE_HOME = {"oda": "/oda", "admin": "/yonetim"}
"""Where chamber staff and the admin land after login (the home page is a pharmacy's guide)."""


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


# ------------------------------------------------------------------ login and logout


def _login_page(request: Request, next: str, error: str | None, status: int) -> HTMLResponse:
    with request.app.state.services.db.connect() as conn:
        empty = count_users(conn) == 0
    return render(request, "login.html", {"next": next, "error": error, "no_users": empty,
                                          "first_run": FIRST_RUN_COMMANDS}, status_code=status)


@router.get("/giris", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, next, None, 200)


@router.post("/giris", response_model=None)
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:
    services = request.app.state.services
    result = attempt_login(
        services.db, username, password, address=_client(request),
        user_agent=request.headers.get("user-agent", ""),
        sessions_policy=session_policy(services.settings),
        throttle_policy=throttle_policy(services.settings), now=now(request))
    if result.token is None:
        status = 429 if result.refusal else 401
        page = _login_page(request, next, result.message, status)
        if result.refusal:
            page.headers["Retry-After"] = str(result.refusal.retry_after_s)
        return page
    target = _safe_next(next)
    if target == "/" and result.user is not None:
        target = ROLE_HOME.get(result.user.role, "/")
    resp = RedirectResponse(target, status_code=303)
    set_session_cookie(resp, request, result.token)
    return resp


def _safe_next(next: str) -> str:
    """A local path to go back to after login; anything else goes home.

    Browsers read a backslash as a slash, so ``/\\host`` is the protocol-relative ``//host``
    (an open redirect); control characters are refused for the same reason.
    """
    if (not next.startswith("/") or next.startswith("//") or "\\" in next
            or any(ord(c) < 32 for c in next)):
        return "/"
    return next


@router.post("/cikis")
def logout(request: Request) -> RedirectResponse:
    """Ends this browser's session on the server (the old cookie is refused everywhere)."""
    raw = request.cookies.get(COOKIE, "")
    db = request.app.state.services.db
    with db.begin() as conn:
        uid = sessions.end_session(conn, raw)
        user = get_account(conn, uid) if uid is not None else None
        if user is not None:
            record(conn, user.pharmacy_id, user.id, "accounts.logout",
                   f"{user.username} çıkış yaptı.", username=user.username)
    resp = RedirectResponse("/", status_code=303)
    clear_session_cookie(resp, request)
    return resp


# ------------------------------------------------------------------ Hesabım


def _account_page(request: Request, user: Account, *, error: str | None = None,
                  done: str | None = None, status: int = 200) -> HTMLResponse:
    services = request.app.state.services
    with services.db.connect() as conn:
        n = sessions.count_user_sessions(conn, user.id, session_policy(services.settings),
                                         now=now(request))
    return render(request, "accounts/account.html", {
        "me": user, "sessions": n, "error": error, "done": done, "min_length": MIN_LENGTH},
        status_code=status)


@router.get("/hesap", response_class=HTMLResponse)
def account(request: Request) -> HTMLResponse:
    return _account_page(request, current_account(request))


@router.post("/hesap/parola", response_model=None)
def change_password(request: Request, mevcut: str = Form(""), yeni: str = Form(""),
                    yeni2: str = Form("")) -> Response:
    user = current_account(request)
    if yeni != yeni2:
        return _account_page(request, user, error="Yeni parola ile tekrarı aynı değil.",
                             status=422)
    services = request.app.state.services
    try:
        with services.db.begin() as conn:
            manage.change_own_password(conn, user, mevcut, yeni)
            token = sessions.create_session(
                conn, user.id, session_policy(services.settings), now=now(request),
                client_addr=_client(request), user_agent=request.headers.get("user-agent", ""))
    except AccountError as exc:
        return _account_page(request, user, error=exc.message, status=422)
    resp = _account_page(request, user, done="Parolanız değiştirildi; diğer cihazlardaki "
                         "oturumlarınız kapatıldı.")
    set_session_cookie(resp, request, token)
    return resp


@router.post("/hesap/oturumlar", response_class=HTMLResponse)
def end_other_sessions(request: Request) -> HTMLResponse:
    user = current_account(request)
    with request.app.state.services.db.begin() as conn:
        n = manage.end_other_sessions(conn, user, request.cookies.get(COOKIE, ""))
    return _account_page(request, user, done=f"Diğer cihazlardaki {n} oturum kapatıldı.")


# ------------------------------------------------------------------ Kullanıcılar (eczacı)


def _users_page(request: Request, me: User, *, error: str | None = None,
                done: str | None = None, status: int = 200,
                form: dict[str, Any] | None = None) -> HTMLResponse:
    at = now(request)
    with request.app.state.services.db.connect() as conn:
        users = list_users(conn, me.pharmacy_id)
        locks = {u.id: throttle.locked_until(conn, "user", u.username, now=at) for u in users}
    return render(request, "accounts/users.html", {
        "me": me, "users": users, "locks": locks, "error": error, "done": done,
        "min_length": MIN_LENGTH, "form": form or {}}, status_code=status)


def _target(request: Request, me: User, user_id: int) -> User:
    """A user of the eczacı's own pharmacy (404 otherwise)."""
    if not 1 <= user_id <= MAX_ID:
        raise HTTPException(404, "Kullanıcı bulunamadı.")
    with request.app.state.services.db.connect() as conn:
        target = get_user(conn, user_id)
    if target is None or target.pharmacy_id != me.pharmacy_id:
        raise HTTPException(404, "Kullanıcı bulunamadı.")
    return target


@router.get("/hesap/kullanicilar", response_class=HTMLResponse)
def users(request: Request) -> HTMLResponse:
    return _users_page(request, require_pharmacist(request))


@router.post("/hesap/kullanicilar", response_class=HTMLResponse)
def add_user(request: Request, kullanici_adi: str = Form(""), ad: str = Form(""),
             parola: str = Form("")) -> HTMLResponse:
    me = require_pharmacist(request)
    try:
        with request.app.state.services.db.begin() as conn:
            new = manage.add_user(conn, me, me.pharmacy_id, kullanici_adi.strip().lower(), parola,
                                  role="kalfa", display_name=ad)
    except AccountError as exc:
        return _users_page(request, me, error=exc.message, status=422,
                           form={"kullanici_adi": kullanici_adi, "ad": ad})
    return _users_page(request, me, done=f"{new.username} kalfa olarak eklendi.")


def _act(request: Request, user_id: int, action: str, parola: str = "") -> HTMLResponse:
    me = require_pharmacist(request)
    target = _target(request, me, user_id)
    try:
        with request.app.state.services.db.begin() as conn:
            if action == "password":
                manage.reset_password(conn, me, target, parola)
                done = f"{target.username} kullanıcısının parolası değiştirildi; oturumları kapandı."
            elif action == "disable":
                manage.set_disabled(conn, me, target, True)
                done = f"{target.username} devre dışı bırakıldı; oturumları kapandı."
            elif action == "enable":
                manage.set_disabled(conn, me, target, False)
                done = f"{target.username} yeniden etkinleştirildi."
            else:
                lifted = manage.unlock_user(conn, me, target)
                done = (f"{target.username} kullanıcısının giriş kilidi açıldı." if lifted
                        else f"{target.username} kullanıcısının kilidi yoktu.")
    except AccountError as exc:
        status = 403 if exc.code == "forbidden" else 422
        return _users_page(request, me, error=exc.message, status=status)
    return _users_page(request, me, done=done)


@router.post("/hesap/kullanicilar/{user_id}/parola", response_class=HTMLResponse)
def reset_password(request: Request, user_id: int, parola: str = Form("")) -> HTMLResponse:
    return _act(request, user_id, "password", parola)


@router.post("/hesap/kullanicilar/{user_id}/devre-disi", response_class=HTMLResponse)
def disable(request: Request, user_id: int) -> HTMLResponse:
    return _act(request, user_id, "disable")


@router.post("/hesap/kullanicilar/{user_id}/etkinlestir", response_class=HTMLResponse)
def enable(request: Request, user_id: int) -> HTMLResponse:
    return _act(request, user_id, "enable")


@router.post("/hesap/kullanicilar/{user_id}/kilit-ac", response_class=HTMLResponse)
def unlock(request: Request, user_id: int) -> HTMLResponse:
    return _act(request, user_id, "unlock")
