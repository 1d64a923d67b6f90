"""Eczacı yerleştirme pages (/yerlestirme): run a placement, read its result, ask "what if".

A run belongs to the pharmacy of the user who made it: its canonical input is saved under
``data_dir/placement`` (``eczane.placement_io.RunStore``) and the result is recomputed when read
(the run is deterministic for its seed). Members of the pharmacy may read runs and ask what-if;
only a pharmacist may start a run (403 for a kalfa); another pharmacy's run is 404.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from eczane.domain.licensing.placement import (
    STATUS_TR,
    PlacementInput,
    PlacementResult,
    run_placement,
)
from eczane.domain.licensing.placement_report import (
    VERDICT_TR,
    Verdict,
    district_table,
    reachable,
    what_if,
)
from eczane.importers.tabular import ImportRefused
from eczane.placement_io import (
    PlacementInputError,
    RunMeta,
    RunStore,
    district_index,
    draw_lines,
    fmt_score,
    load_inputs,
    parse_date,
    parse_score,
    result_to_json,
    summary_of,
    synthetic_input,
    tr_sort_key,
    write_xlsx,
)
from eczane.store.audit import append_event
from eczane.web.auth import current_user, require_pharmacist
from eczane.web.render import render
from eczane.web.uploads import read_upload

router = APIRouter()
NAV = [("/yerlestirme", "Yerleştirme")]
PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store(request: Request) -> RunStore:
    return RunStore(request.app.state.services.settings.data_dir)


def _run(request: Request, run_id: str) -> tuple[RunMeta, PlacementInput, PlacementResult]:
    """The run if it belongs to the user's pharmacy (else 404), with its recomputed result
    (kept for the last three runs read: a national run takes about half a second)."""
    user = current_user(request)
    store = _store(request)
    meta = store.meta(run_id)
    if meta is None or meta.pharmacy_id != user.pharmacy_id:
        raise HTTPException(status_code=404, detail="Bulunamadı.")
    cache = request.app.state.services.extra.setdefault("placement_runs", {})
    if run_id not in cache:
        inp = store.load(run_id)
        _remember(request, run_id, inp, run_placement(inp))
    inp, result = cache[run_id]
    return meta, inp, result


def _remember(request: Request, run_id: str, inp: PlacementInput, result: PlacementResult) -> None:
    cache = request.app.state.services.extra.setdefault("placement_runs", {})
    cache[run_id] = (inp, result)
    while len(cache) > 3:
        cache.pop(next(iter(cache)))


def _save(request: Request, inp: PlacementInput, title: str) -> RedirectResponse:
    user = require_pharmacist(request)
    services = request.app.state.services
    meta = _store(request).save(inp, title=title, pharmacy_id=user.pharmacy_id, user_id=user.id)
    _remember(request, meta.id, inp, run_placement(inp))
    from eczane.placement_io import input_digest

    with services.db.begin() as conn:
        append_event(conn, user.pharmacy_id, user.id, "placement.run",
                     {"run_id": meta.id, "title": title, "seed": str(inp.seed),
                      "applicants": meta.applicants, "places": meta.places,
                      "input_sha256": input_digest(inp.districts, inp.applicants)})
    return RedirectResponse(f"/yerlestirme/kosu/{meta.id}", status_code=303)


@router.get("/yerlestirme", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    user = current_user(request)
    return render(request, "placement/index.html",
                  {"runs": _store(request).list(user.pharmacy_id), "issues": [], "form": {}})


@router.post("/yerlestirme/calistir", response_model=None)
async def upload(request: Request) -> HTMLResponse | RedirectResponse:
    user = require_pharmacist(request)
    form = await request.form()
    files = [f for f in form.getlist("dosyalar") if isinstance(f, UploadFile) and f.filename]
    try:
        uploads = [await read_upload(request, f) for f in files]
    except ImportRefused as exc:
        return render(request, "placement/index.html",
                      {"runs": _store(request).list(user.pharmacy_id), "issues": [exc.message],
                       "form": form}, status_code=422)
    # reading the files and running the placement take a while: off the event loop
    return await run_in_threadpool(_run_upload, request, user, form, uploads)


def _run_upload(request: Request, user: Any, form: Any,
                uploads: list[tuple[str, bytes]]) -> HTMLResponse | RedirectResponse:
    issues: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, data) in enumerate(uploads):
            p = Path(tmp) / str(i) / name
            p.parent.mkdir()
            p.write_bytes(data)
            paths.append(p)
        try:
            ann = parse_date(form.get("ilan_tarihi") or None)
            loaded = load_inputs(paths, seed=(str(form.get("tohum") or "").strip() or None),
                                 announcement_date=ann,
                                 second_round=form.get("ikinci_tur", "evet") == "evet")
        except PlacementInputError as exc:
            issues = [str(x) for x in exc.issues]
        except ValueError as exc:
            issues = [str(exc)]
    if not uploads:
        issues = ["En az bir dosya seçin (ilan ve başvurular)."]
    if issues:
        return render(request, "placement/index.html",
                      {"runs": _store(request).list(user.pharmacy_id), "issues": issues,
                       "form": form}, status_code=422)
    title = str(form.get("baslik") or "").strip() or ", ".join(name for name, _ in uploads)
    return _save(request, loaded.input, title[:120])


@router.post("/yerlestirme/ornek", response_model=None)
async def demo(request: Request) -> RedirectResponse:
    require_pharmacist(request)
    form = await request.form()
    try:
        n = max(1, min(40_000, int(str(form.get("basvuru") or 400))))
        places = max(1, min(5_000, int(str(form.get("yer") or 120))))
        seed = int(str(form.get("tohum") or 1))
    except ValueError:
        raise HTTPException(status_code=422, detail="Sayı bekleniyor.") from None
    inp = synthetic_input(applicants=n, places=places, seed=seed)
    return _save(request, inp, f"Örnek (uydurma) veri: {n} başvuru, {places} yer")


def _grid(rows: list[Any]) -> list[dict[str, Any]]:
    """81 province tiles (plate order, 9 × 9) coloured by their lowest taban puan."""
    idx = district_index()
    provinces: dict[str, dict[str, Any]] = {}
    for info in idx.rows.values():
        provinces.setdefault(info.province, {"code": info.province_code, "name": info.province,
                                             "places": 0, "districts": 0, "base": None})
    for r in rows:
        p = provinces[r.district.province]
        p["places"] += r.district.places
        p["districts"] += 1
        if r.base is not None and (p["base"] is None or r.base < p["base"]):
            p["base"] = r.base
    bases = sorted(p["base"] for p in provinces.values() if p["base"] is not None)
    tiles = []
    for n, p in enumerate(sorted(provinces.values(), key=lambda p: p["code"])):
        level = None
        if p["base"] is not None and bases:
            level = min(4, int(5 * bases.index(p["base"]) / len(bases)))
        tiles.append({**p, "x": (n % 9) * 86, "y": (n // 9) * 50, "level": level,
                      "base_text": fmt_score(p["base"])})
    return tiles


def _cached(request: Request, run_id: str, what: str, make: Callable[[], Any]) -> Any:
    cache = request.app.state.services.extra.setdefault("placement_views", {})
    key = (run_id, what)
    if key not in cache:
        cache[key] = make()
        while len(cache) > 6:
            cache.pop(next(iter(cache)))
    return cache[key]


@router.get("/yerlestirme/kosu/{run_id}", response_class=HTMLResponse)
def show(request: Request, run_id: str, il: str = "", q: str = "", sayfa: int = 1) -> HTMLResponse:
    meta, inp, result = _run(request, run_id)
    rows = _cached(request, run_id, "rows", lambda: list(district_table(inp, result)))
    table = sorted((r for r in rows if not il or r.district.province == il),
                   key=lambda r: (tr_sort_key(r.district.province), tr_sort_key(r.district.name)))
    outcomes = [o for o in result.outcomes if not q or q.strip().lower() in o.applicant_id.lower()]
    start = (max(1, sayfa) - 1) * PAGE
    summary = _cached(request, run_id, "summary", lambda: summary_of(inp, result))
    return render(request, "placement/run.html", {
        "meta": meta, "summary": summary, "notes": result.notes, "il": il, "q": q,
        "table": table if il else table[:200], "table_total": len(table), "tiles": _grid(rows),
        "draws": draw_lines(result), "all_draws": len(result.draws),
        "outcomes": outcomes[start:start + PAGE], "outcomes_total": len(outcomes),
        "page": max(1, sayfa), "pages": max(1, -(-len(outcomes) // PAGE)),
        "labels": {d.key: d.label for d in result.districts}, "STATUS_TR": STATUS_TR,
        "fmt": fmt_score, "whatif": None, "wf": {},
        "bars_max": max((r.base for r in table if r.base is not None), default=Decimal(1)),
    })


@router.get("/yerlestirme/kosu/{run_id}/ne-olurdu", response_class=HTMLResponse)
def whatif(request: Request, run_id: str, puan: str = "", tercihler: str = "",
           basvuru: str = "") -> HTMLResponse:
    meta, inp, result = _run(request, run_id)
    ctx: dict[str, Any] = {"meta": meta, "wf": {"puan": puan, "tercihler": tercihler,
                                                "basvuru": basvuru}, "error": None,
                           "whatif": None, "reach": None, "fmt": fmt_score,
                           "VERDICT_TR": VERDICT_TR}
    try:
        score = parse_score(puan)
        idx = district_index()
        prefs = []
        for n, line in enumerate(tercihler.splitlines(), start=1):
            if line.strip():
                try:
                    prefs.append(idx.resolve(line))
                except ValueError as exc:
                    raise ValueError(f"{n}. tercih: {exc}") from None
        if prefs:
            ctx["whatif"] = what_if(inp, result, score, prefs,
                                    applicant_id=basvuru.strip() or None)
        else:  # no preferences: every district this score would get if written first
            verdicts = reachable(inp, result, score)
            ctx["score_text"] = fmt_score(score)
            ctx["reach"] = {v.value: sorted((d for d, x in verdicts if x is v),
                                            key=lambda d: (tr_sort_key(d.province),
                                                           tr_sort_key(d.name)))
                            for v in (Verdict.GETS, Verdict.LOTTERY)}
    except ValueError as exc:
        ctx["error"] = f"Puan veya tercih anlaşılamadı: {exc}"
    template = ("placement/_whatif.html" if request.headers.get("hx-request")
                else "placement/whatif.html")
    return render(request, template, ctx, status_code=422 if ctx["error"] else 200)


@router.get("/yerlestirme/kosu/{run_id}/sonuc.xlsx")
def export_xlsx(request: Request, run_id: str) -> Response:
    meta, inp, result = _run(request, run_id)
    buf = io.BytesIO()
    write_xlsx(buf, inp, result)
    return Response(buf.getvalue(), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="yerlestirme-{meta.id}.xlsx"'})


@router.get("/yerlestirme/kosu/{run_id}/sonuc.json")
def export_json(request: Request, run_id: str) -> JSONResponse:
    _, inp, result = _run(request, run_id)
    return JSONResponse(result_to_json(inp, result))
