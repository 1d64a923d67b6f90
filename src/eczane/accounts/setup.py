"""The one-time setup link: on a database without users, ``eczane run`` prints
``/kurulum/<token>``; that page creates the pharmacy and its first pharmacist, then the link is
dead.

The token is random (``secrets.token_urlsafe(24)``), lives only in the running server's memory
(``services.extra["setup_token"]``, set by ``eczane run``) and works only while the database has
no user at all: the check is repeated inside the write transaction that creates the account, so
two browsers racing on the link cannot both succeed. Everything else (password policy, audit
events) is ``accounts.manage``, as for the CLI.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eczane.accounts import manage, sessions
from eczane.accounts.users import AccountError, count_users
from eczane.web.auth import now, session_policy, set_session_cookie
from eczane.web.render import render

router = APIRouter()
GONE = "Bu kurulum bağlantısı geçersiz ya da kullanılmış. Hesapları komut satırından yönetin."


def new_setup_token() -> str:
    return secrets.token_urlsafe(24)


def _check_token(request: Request, token: str) -> None:
    expected = request.app.state.services.extra.get("setup_token")
    if not expected or not hmac.compare_digest(token.encode(), str(expected).encode()):
        raise HTTPException(404, GONE)
    with request.app.state.services.db.connect() as conn:
        if count_users(conn):
            raise HTTPException(404, GONE)


@router.get("/kurulum/{token}", response_class=HTMLResponse)
def setup_form(request: Request, token: str) -> HTMLResponse:
    _check_token(request, token)
    return render(request, "accounts/setup.html", {"token": token, "error": None, "form": {}})


@router.post("/kurulum/{token}", response_model=None)
def setup(request: Request, token: str, eczane: str = Form(""), gln: str = Form(""),
          kullanici_adi: str = Form(""), ad: str = Form(""), parola: str = Form(""),
          parola2: str = Form("")) -> Response:
    _check_token(request, token)
    form = {"eczane": eczane, "gln": gln, "kullanici_adi": kullanici_adi, "ad": ad}
    services = request.app.state.services
    try:
        if parola != parola2:
            raise AccountError("Parola ile tekrarı aynı değil.", code="mismatch")
        with services.db.begin() as conn:
            if count_users(conn):  # someone else finished first
                raise HTTPException(404, GONE)
            pid = manage.add_pharmacy(conn, eczane, gln=gln.strip() or None)
            user = manage.add_user(conn, None, pid, kullanici_adi.strip().lower(), parola,
                                   role="eczaci", display_name=ad)
            cookie = sessions.create_session(conn, user.id, session_policy(services.settings),
                                             now=now(request),
                                             client_addr=request.client.host if request.client
                                             else "",
                                             user_agent=request.headers.get("user-agent", ""))
    except AccountError as exc:
        return render(request, "accounts/setup.html",
                      {"token": token, "error": exc.message, "form": form}, status_code=422)
    services.extra.pop("setup_token", None)
    resp = RedirectResponse("/hesap/kullanicilar", status_code=303)
    set_session_cookie(resp, request, cookie)
    return resp
