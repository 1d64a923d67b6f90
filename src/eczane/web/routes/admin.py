"""Yönetim: the installation admin's page: chambers, pharmacies and accounts; add a pharmacy.

Only the ``admin`` role opens it (the guard's role table and ``require_role``). The rules are
those of the CLI (``eczane.accounts.manage``): a GLN of 13 digits with a valid GS1 check digit,
an existing chamber; each refusal is a Turkish message on the page (422).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError

from eczane.accounts import manage
from eczane.accounts.users import ROLE_LABELS_TR, AccountError, list_accounts
from eczane.store.chamber import list_chambers, members
from eczane.web.auth import require_role
from eczane.web.render import render

router = APIRouter()
NAV = (("/yonetim", "Yönetim"),)


def _page(request: Request, *, error: str | None = None, done: str | None = None,
          form: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    with request.app.state.services.db.connect() as conn:
        chambers = list_chambers(conn)
        pharmacies = members(conn, None)
        accounts = list_accounts(conn)
    names = {c.id: c.name for c in chambers}
    return render(request, "admin/index.html", {
        "chambers": chambers, "pharmacies": pharmacies, "accounts": accounts,
        "chamber_names": names, "roles": ROLE_LABELS_TR, "error": error, "done": done,
        "form": form or {}}, status_code=status)


@router.get("/yonetim", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    require_role(request, "admin")
    return _page(request)


@router.post("/yonetim/eczane", response_class=HTMLResponse)
def add_pharmacy(request: Request, ad: str = Form(""), gln: str = Form(""), oda: str = Form(""),
                 il: str = Form(""), ilce: str = Form("")) -> HTMLResponse:
    require_role(request, "admin")
    form = {"ad": ad, "gln": gln, "oda": oda, "il": il, "ilce": ilce}
    try:
        with request.app.state.services.db.begin() as conn:
            chamber_id = manage.find_chamber(conn, oda) if oda.strip() else None
            if oda.strip() and chamber_id is None:
                raise AccountError(f"'{oda}' adlı ya da numaralı oda yok.", code="chamber")
            manage.add_pharmacy(conn, ad[:200], gln=gln.strip() or None, province=il[:100],
                                district=ilce[:100], chamber_id=chamber_id)
    except AccountError as exc:
        return _page(request, error=exc.message, form=form, status=422)
    except IntegrityError:
        return _page(request, error=f"{gln.strip()} GLN numaralı bir eczane zaten var.",
                     form=form, status=422)
    return _page(request, done=f"{ad.strip()} eczanesi eklendi.")
