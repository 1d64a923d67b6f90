"""Mutabakat pages: run a reconciliation, see every bucket with reasons, keep packs out of the
deactivation list with a note, the arada kalan and miadı dolan worklists, and the exports.

Every page says which deactivation window applies and whether it is open today.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from eczane.domain.errors import RuleError
from eczane.domain.formatting import month_tr
from eczane.domain.reconcile import BUCKET_LABELS_TR, BUCKETS, SENDER_TYPES, Bucket, window_status
from eczane.domain.text import tr_sort_key
from eczane.exports import from_store as exports
from eczane.exports.packs import from_row
from eczane.store import reconcile as store
from eczane.store.users import User
from eczane.web.auth import check_pharmacy, current_user, require_pharmacist
from eczane.web.render import render
from eczane.windows import default_window, load_windows

router = APIRouter()
NAV = [("/mutabakat", "Mutabakat")]
PAGE = 200
ELIGIBLE = Bucket.NOT_ON_HAND_ELIGIBLE.value
SHORT = {Bucket.MATCHED: "Eşleşen", Bucket.NOT_ON_HAND_ELIGIBLE: "Elde yok, uygun",
         Bucket.NOT_ON_HAND_INELIGIBLE: "Elde yok, uygun değil", Bucket.EXPIRED: "Miadı dolan",
         Bucket.IN_TRANSIT: "Arada kalan", Bucket.ON_HAND_NOT_IN_ITS: "İTS'de yok"}


def _recon_for(request: Request, rid: int, user: User | None = None
               ) -> tuple[User, store.Reconciliation]:
    """The user and a reconciliation of their pharmacy (404 otherwise)."""
    user = user or current_user(request)
    with request.app.state.services.db.connect() as conn:
        rec = store.get_reconciliation(conn, user.pharmacy_id, rid)
    if rec is None:
        raise HTTPException(404, "Mutabakat bulunamadı.")
    check_pharmacy(user, rec.pharmacy_id)
    return user, rec


# ------------------------------------------------------------------------------ contexts


def _bars(items: list[tuple[str, int]], limit: int = 12) -> list[dict[str, Any]]:
    """Rows of a horizontal bar chart (inline SVG in the template), widths in percent."""
    top = max((n for _, n in items), default=0) or 1
    return [{"label": label, "n": n, "pct": round(100 * n / top, 1)} for label, n in items[:limit]]


def _index_context(conn: Connection, user: User, today: date) -> dict[str, Any]:
    from eczane.store.catalog import latest_snapshot_id, list_onhand_imports
    from eczane.store.count import list_sessions

    window = default_window()
    return {
        "window": window, "status": window_status(window, today),
        "windows": [(w, window_status(w, today)) for w in load_windows()],
        "recs": store.list_reconciliations(conn, user.pharmacy_id),
        "sessions": list_sessions(conn, user.pharmacy_id)[:20],
        "imports": list_onhand_imports(conn, user.pharmacy_id),
        "has_snapshot": latest_snapshot_id(conn, user.pharmacy_id) is not None,
        "transit_count": len(store.in_transit_packs(conn, user.pharmacy_id)),
        "labels": BUCKET_LABELS_TR, "buckets": BUCKETS, "error": None, "transit_result": None,
    }


def _parse_source(kaynak: str) -> tuple[int | None, int | None]:
    """``sayim:ID`` (a count session) or ``liste:ID`` (an imported karekod list); empty: newest
    count session."""
    kind, _, num = kaynak.partition(":")
    if not num.isdigit():
        return None, None
    return (int(num), None) if kind == "sayim" else (None, int(num))


def _detail_context(conn: Connection, rec: store.Reconciliation, grup: str, q: str, page: int,
                    today: date) -> dict[str, Any]:
    from eczane.domain.karekod import parse_karekod

    window = exports.window_of(rec)
    counts = store.effective_counts(conn, rec)
    key = None
    parsed = parse_karekod(q, today=today, its_case=True) if len(q.strip()) > 20 else None
    if parsed is not None and parsed.value is not None:
        key, q = (parsed.value.gtin, parsed.value.serial), ""
    bucket = ELIGIBLE if grup == "kept_out" else grup
    rows = store.bucket_packs(conn, rec.id, bucket, search=q, key=key, limit=PAGE + 1,
                              offset=(page - 1) * PAGE, overridden=grup == "kept_out")
    stats = store.bucket_stats(conn, rec.id, ELIGIBLE)
    packs = [from_row(r, rec.records_before) for r in rows[:PAGE]]
    return {
        "rec": rec, "window": window, "status": window_status(window, today),
        "counts": counts, "labels": BUCKET_LABELS_TR, "buckets": BUCKETS, "grup": grup, "q": q,
        "page": page, "has_more": len(rows) > PAGE, "packs": packs,
        "chart_buckets": _bars([(SHORT[b], counts[b.value]) for b in BUCKETS], 6),
        "chart_products": _bars(stats["product"]), "chart_months": _bars([(month_tr(m), n) for m, n in stats["month"]], 24),
        "sources": exports.describe_sources(conn, rec), "stale": exports.stale_warning(conn, rec),
        "scanned_after": _scanned_after(conn, rec),
    }


def _scanned_after(conn: Connection, rec: store.Reconciliation) -> int:
    """Packs counted (and not undone) since the run: the buckets do not show them yet."""
    from sqlalchemy import func, select

    from eczane.store.count import count_scan

    return int(conn.execute(select(func.count()).select_from(count_scan).where(
        count_scan.c.pharmacy_id == rec.pharmacy_id, count_scan.c.undone_at.is_(None),
        count_scan.c.scanned_at > rec.created_at)).scalar_one())


def _transit_context(conn: Connection, rec: store.Reconciliation, today: date) -> dict[str, Any]:
    packs = exports.export_packs(conn, rec, Bucket.IN_TRANSIT.value)
    groups: dict[str, dict[str, list[Any]]] = {t: {} for t in SENDER_TYPES}
    for p in packs:
        groups.setdefault(p.sender_type, {}).setdefault(p.sender or "—", []).append(p)
    groups = {t: dict(sorted(g.items(), key=lambda kv: tr_sort_key(kv[0])))   # senders A–Z (tr)
              for t, g in groups.items()}
    window = exports.window_of(rec)
    return {"rec": rec, "window": window, "status": window_status(window, today),
            "groups": groups, "sender_types": SENDER_TYPES, "total": len(packs)}


# ------------------------------------------------------------------------------ pages


@router.get("/mutabakat", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        ctx = _index_context(conn, user, request.app.state.services.today())
    return render(request, "reconcile/index.html", ctx)


@router.post("/mutabakat", response_model=None)
def run(request: Request, kaynak: str = Form("")) -> HTMLResponse | RedirectResponse:
    user = current_user(request)
    services = request.app.state.services
    session_id, import_id = _parse_source(kaynak)
    try:
        with services.db.begin() as conn:
            rid = store.run_reconciliation(conn, user.pharmacy_id, today=services.today(),
                                           user_id=user.id, count_session_id=session_id,
                                           onhand_import_id=import_id)
    except RuleError as exc:
        with services.db.connect() as conn:
            ctx = _index_context(conn, user, services.today())
        return render(request, "reconcile/index.html", ctx | {"error": exc.message},
                      status_code=422)
    return RedirectResponse(f"/mutabakat/{rid}", status_code=303)


@router.post("/mutabakat/arada-kalan", response_class=HTMLResponse)
async def upload_transit(request: Request, dosya: UploadFile) -> HTMLResponse:
    """Step 1: read a ``karekod,sender_type,sender`` file and show what replacing the list
    would change (nothing is written; ``store/reconcile/transit.py``)."""
    from eczane.importers.tabular import ImportRefused
    from eczane.web.uploads import save_upload

    current_user(request)
    try:
        path = await save_upload(request, dosya)
    except ImportRefused as exc:
        return _index_error(request, exc.message)
    return await run_in_threadpool(_transit_preview, request, path, None)


def _index_error(request: Request, error: str) -> HTMLResponse:
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        ctx = _index_context(conn, user, request.app.state.services.today())
    return render(request, "reconcile/index.html", ctx | {"error": error}, status_code=422)


def _read_transit(request: Request, path: Path) -> Any:
    from eczane.importers.transit import read_transit

    return read_transit(path, today=request.app.state.services.today())


def _transit_preview(request: Request, path: Path, error: str | None) -> HTMLResponse:
    from eczane.importers.tabular import ImportRefused, sha256_file
    from eczane.web.uploads import done_with

    user = current_user(request)
    try:
        result = _read_transit(request, path)
    except ImportRefused as exc:
        done_with(path)
        return _index_error(request, exc.message)
    with request.app.state.services.db.connect() as conn:
        plan = store.plan_transit(conn, user.pharmacy_id, result.packs,
                                  rows_bad=sum(1 for i in result.issues if i.code != "duplicate"))
    return render(request, "reconcile/transit_preview.html", {
        "result": result, "plan": plan, "name": path.name, "token": path.parent.name,
        "sha256": sha256_file(path), "labels": dict(SENDER_TYPES), "error": error},
        status_code=422 if error else 200)


@router.post("/mutabakat/arada-kalan/onayla", response_class=HTMLResponse)
def confirm_transit(request: Request, token: str = Form(""), sha256: str = Form(""),
                    ozet: str = Form(""), onay: str = Form("")) -> HTMLResponse:
    """Step 2: replace the list with exactly the previewed file and change."""
    from eczane.importers.tabular import ImportRefused, sha256_file
    from eczane.web.uploads import done_with, upload_by_token

    user = current_user(request)
    path = upload_by_token(request, token)
    if sha256_file(path) != sha256:
        return _transit_preview(request, path, "Bu önizleme başka bir dosyaya ait; aşağıdaki "
                                               "değişiklikleri gözden geçirip yeniden onaylayın.")
    services = request.app.state.services
    try:
        result = _read_transit(request, path)
    except ImportRefused as exc:
        done_with(path)
        return _index_error(request, exc.message)
    rows_bad = sum(1 for i in result.issues if i.code != "duplicate")
    with services.db.begin() as conn:  # the check and the write in one transaction
        plan = store.plan_transit(conn, user.pharmacy_id, result.packs, rows_bad=rows_bad)
        stale = plan.digest != ozet
        unconfirmed = plan.needs_confirmation and onay != "evet"
        if not (stale or unconfirmed):
            store.replace_in_transit(conn, user.pharmacy_id, result.packs, user_id=user.id,
                                     source=result.source_name)
    if stale or unconfirmed:
        return _transit_preview(request, path, (
            "Onayladığınız önizleme artık geçerli değil; değişiklikleri yeniden gözden geçirin."
            if stale else "Bu liste değişikliği açıkça onaylamanızı gerektiriyor."))
    done_with(path)
    with services.db.connect() as conn:
        ctx = _index_context(conn, user, services.today())
    return render(request, "reconcile/index.html", ctx | {"transit_result": result})


@router.get("/mutabakat/{rid}", response_class=HTMLResponse)
def detail(request: Request, rid: int, grup: str = ELIGIBLE, q: str = "",
           sayfa: int = 1) -> HTMLResponse:
    _user, rec = _recon_for(request, rid)
    if grup not in {b.value for b in BUCKETS} | {"kept_out"}:
        raise HTTPException(404, "Böyle bir grup yok.")
    with request.app.state.services.db.connect() as conn:
        ctx = _detail_context(conn, rec, grup, q, max(sayfa, 1), request.app.state.services.today())
    return render(request, "reconcile/detail.html", ctx)


@router.post("/mutabakat/{rid}/cikar")
def keep_out(request: Request, rid: int, gtin: str = Form(...), serial: str = Form(...),
             note: str = Form(""), geri: str = Form("")) -> RedirectResponse:
    """Keep a pack out of the deactivation list with a note (pharmacist only), or put it back."""
    user, rec = _recon_for(request, rid, require_pharmacist(request))
    with request.app.state.services.db.begin() as conn:
        if store.find_pack(conn, rec.id, gtin, serial) is None:
            raise HTTPException(404, "Kutu bu mutabakatta yok.")
        try:
            store.set_override(conn, user.pharmacy_id, gtin, serial, note=note, user_id=user.id,
                               active=not geri)
        except RuleError as exc:
            raise HTTPException(422, exc.message) from None
    return RedirectResponse(f"/mutabakat/{rid}?grup={'kept_out' if not geri else ELIGIBLE}",
                            status_code=303)


@router.get("/mutabakat/{rid}/arada-kalan", response_class=HTMLResponse)
def transit_worklist(request: Request, rid: int) -> HTMLResponse:
    _user, rec = _recon_for(request, rid)
    with request.app.state.services.db.connect() as conn:
        ctx = _transit_context(conn, rec, request.app.state.services.today())
    return render(request, "reconcile/transit.html", ctx)


@router.get("/mutabakat/{rid}/miadi-dolan", response_class=HTMLResponse)
def expired_worklist(request: Request, rid: int) -> HTMLResponse:
    _user, rec = _recon_for(request, rid)
    window = exports.window_of(rec)
    with request.app.state.services.db.connect() as conn:
        packs = exports.export_packs(conn, rec, Bucket.EXPIRED.value)
    return render(request, "reconcile/expired.html", {
        "rec": rec, "packs": packs, "window": window,
        "status": window_status(window, request.app.state.services.today())})


# ------------------------------------------------------------------------------ files


def _audit_export(request: Request, user: User, rec: store.Reconciliation, what: str) -> None:
    """Who took which list out, and when (the karekod file is the one re-imported to deactivate)."""
    from eczane.store.audit import append_event

    with request.app.state.services.db.begin() as conn:
        append_event(conn, user.pharmacy_id, user.id, "reconcile.exported",
                     {"reconciliation_id": rec.id, "what": what})


@router.get("/mutabakat/{rid}/elinizde-olmayan-karekodlar.txt")
def karekod_file(request: Request, rid: int) -> Response:
    user, rec = _recon_for(request, rid)
    with request.app.state.services.db.connect() as conn:
        body = exports.karekod_text(conn, rec)
    _audit_export(request, user, rec, f"karekod_list:{body.count(chr(10)) - 1}")
    return _download(body.encode("utf-8"), f"elinizde-olmayan-karekodlar-{rid}.txt",
                     "text/plain; charset=utf-8")


@router.get("/mutabakat/{rid}/takas.txt")
def exchange_file(request: Request, rid: int, gonderen: str) -> Response:
    _user, rec = _recon_for(request, rid)
    with request.app.state.services.db.connect() as conn:
        files = exports.exchange_texts(conn, rec)
    if gonderen not in files:
        raise HTTPException(404, "Bu gönderen eczanenin arada kalan kutusu yok.")
    return _download(files[gonderen].encode("utf-8"), f"takas-{gonderen}.txt",
                     "text/plain; charset=utf-8")


@router.get("/mutabakat/{rid}/mutabakat.xlsx")
def xlsx_file(request: Request, rid: int) -> Response:
    user, rec = _recon_for(request, rid)
    with request.app.state.services.db.connect() as conn:
        body = exports.xlsx_body(conn, rec, request.app.state.services.today())
    _audit_export(request, user, rec, "xlsx")
    return _download(body, f"mutabakat-{rid}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/mutabakat/{rid}/rapor", response_class=HTMLResponse)
def report(request: Request, rid: int) -> HTMLResponse:
    user, rec = _recon_for(request, rid)
    with request.app.state.services.db.connect() as conn:
        html = exports.report_page(conn, rec, user.display_name, request.app.state.services.today())
    return HTMLResponse(html)


@router.get("/mutabakat/{rid}/rapor.pdf")
def report_pdf(request: Request, rid: int) -> Response:
    from eczane.exports.report import PdfUnavailable, html_to_pdf

    user, rec = _recon_for(request, rid)
    services = request.app.state.services
    with services.db.connect() as conn:
        html = exports.report_page(conn, rec, user.display_name, services.today())
    try:
        pdf = html_to_pdf(html, executable_path=services.settings.chromium)
    except PdfUnavailable as exc:  # no Chromium on the server: say what to install, not a 500
        return PlainTextResponse(exc.message, status_code=503)
    _audit_export(request, user, rec, "report_pdf")
    return _download(pdf, f"mutabakat-raporu-{rid}.pdf", "application/pdf")


def _download(body: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
