"""Home page (what the product is), login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from eczane.store.users import authenticate
from eczane.web.auth import COOKIE, MAX_AGE_S, make_session_cookie
from eczane.web.render import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/giris", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": next, "error": None})


@router.post("/giris", response_model=None)
def login(request: Request, username: str = Form(...), password: str = Form(...),
          next: str = Form("/")) -> HTMLResponse | RedirectResponse:
    services = request.app.state.services
    with services.db.connect() as conn:
        user = authenticate(conn, username.strip(), password)
    if user is None:
        return render(request, "login.html",
                      {"next": next, "error": "Kullanıcı adı veya parola hatalı."}, status_code=401)
    target = _safe_next(next)
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(COOKIE, make_session_cookie(services.secret_key, user.id), max_age=MAX_AGE_S,
                    httponly=True, samesite="lax", secure=services.settings.secure_cookies)
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
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(COOKIE, httponly=True, samesite="lax",
                       secure=request.app.state.services.settings.secure_cookies)
    return resp
