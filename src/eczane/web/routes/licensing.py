"""Eczane açma asistanı pages (/ruhsat/...): calculators that need no login.

A pharmacist planning a pharmacy may have no account, so nothing here reads or writes the
database: each page is a form posted back to itself, turned into the same JSON input the CLI
takes (docs/licensing.md), run through ``eczane.licensing_data`` and rendered. The licence file
tracker keeps its state in the browser (localStorage) and as a downloadable JSON file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from eczane import licensing_data as data
from eczane.domain.errors import EczaneError
from eczane.domain.licensing import deadlines as dl
from eczane.domain.licensing import rights as rt
from eczane.domain.licensing import site as st
from eczane.domain.licensing.ical import to_ics
from eczane.domain.licensing.reasons import num, tl, tr_date
from eczane.domain.licensing.tracker import steps_for
from eczane.domain.text import with_suffix
from eczane.web.render import render

router = APIRouter()
NAV = [("/ruhsat", "Eczane açma")]
ROWS = 6
TOOLS = [
    ("haklar", "Haklarım", "2012 kanunu ve 2014 yönetmeliğine göre açma, devir ve nakil haklarınız."),
    ("puan", "Yerleştirme puanı", "Meslek yılı + Σ(ilçede yıl × ilçe katsayısı); doktora, devir."),
    ("bos-yer", "Boş eczane yeri", "3.500 kişi kuralına göre ilçede kaç eczane açılabilir."),
    ("mekan", "Mekân uygunluğu", "Alan, yükseklik, ruhsat ibaresi, cephe, kapılar, giriş katı, "
     "zemin, laboratuvar."),
    ("evrak", "Ruhsat evrakı", "Serbest ve hastane eczanesi belge listesi, 1 ay kuralı, çıktı."),
    ("takip", "Dosya takibi", "Başvurudan ruhsata adımlar, tarihler, geciken adım."),
    ("harc", "Ruhsat harcı", "2014 İstanbul tablosu ve yıllara göre nüfus dilimleri."),
    ("fizibilite", "Fizibilite", "Açılış maliyeti, başlangıç sermayesi, aylık giderler, kâr "
     "(kaynakta cironun %12'si), grafik."),
    ("sureler", "Süreler ve takvim", "İlandan ruhsata süreler, iş günü hesabı, iCalendar."),
    ("isim", "Eczane adı ve tabela", "Yeni eczanenin adı ildeki eczanelerden farklı mı; tabela "
     "kuralları."),
]


def _today(request: Request) -> date:
    return request.app.state.services.today()  # type: ignore[no-any-return]


async def _page(request: Request, template: str, build: Callable[[FormData], dict[str, Any]],
                run: Callable[[dict[str, Any]], Any], **extra: Any) -> HTMLResponse:
    """GET: the empty form. POST: form → JSON input → domain → the same page with the result."""
    form = await request.form() if request.method == "POST" else FormData(request.query_params)
    ctx: dict[str, Any] = {"form": form, "result": None, "error": None, "today": _today(request),
                           "tl": tl, "trd": tr_date, "num": num, "suffixed": with_suffix}
    ctx.update(extra)
    if request.method == "POST":
        try:
            ctx["result"] = run(build(form))
        except EczaneError as exc:
            ctx["error"] = exc.message
    return render(request, f"licensing/{template}.html", ctx,
                  status_code=422 if ctx["error"] else 200)


def _rows(form: FormData, fields: dict[str, str], required: str) -> list[dict[str, Any]]:
    """Numbered form rows (``ilce_1``, ``yil_1``…) → list of dicts; blank rows are skipped."""
    out = []
    for i in range(1, ROWS + 3):
        row = {key: form.get(f"{name}_{i}", "") for key, name in fields.items()}
        if str(row[required]).strip():
            out.append(row)
    return out


def _tri(form: FormData, key: str) -> bool | None:
    return {"evet": True, "hayir": False}.get(str(form.get(key, "")))


@router.get("/ruhsat", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "licensing/index.html", {"tools": TOOLS})


@router.api_route("/ruhsat/haklar", methods=["GET", "POST"], response_class=HTMLResponse)
async def rights_page(request: Request) -> HTMLResponse:
    def build(f: FormData) -> dict[str, Any]:
        return {"mezuniyet": f.get("mezuniyet"), "kayit_yili": f.get("kayit_yili"),
                "yardimci_eczacilik_ay": f.get("yardimci_eczacilik_ay"),
                "kanun_tarihinde_eczanesi_vardi": _tri(f, "kanun_tarihinde_eczanesi_vardi"),
                "afet_ilani": f.get("afet_ilani") == "on",
                "eczanesiz_yerlesimde_acildi": f.get("eczanesiz_yerlesimde_acildi") == "on",
                "muvazaa_tarihi": f.get("muvazaa_tarihi"),
                "olaylar": _rows(f, {"tur": "olay_tur", "tarih": "olay_tarih"}, "tarih")}

    today = _today(request)
    return await _page(request, "rights", build, lambda d: data.run_rights(d, today=today),
                       events=rt.EVENT_KINDS, rows=ROWS, law=data.law_dates())


@router.api_route("/ruhsat/puan", methods=["GET", "POST"], response_class=HTMLResponse)
async def score_page(request: Request) -> HTMLResponse:
    def build(f: FormData) -> dict[str, Any]:
        return {"meslek_yili": f.get("meslek_yili"), "doktora": f.get("doktora") == "on",
                "devir": f.get("devir") == "on",
                "ilceler": _rows(f, {"ilce": "ilce", "yil": "yil", "katsayi": "katsayi"}, "ilce")}

    return await _page(request, "score", build, data.run_score, rows=ROWS)


@router.api_route("/ruhsat/bos-yer", methods=["GET", "POST"], response_class=HTMLResponse)
async def vacancies_page(request: Request) -> HTMLResponse:
    def build(f: FormData) -> dict[str, Any]:
        return {"nufus": f.get("nufus"), "mevcut_eczane": f.get("mevcut_eczane"),
                "amac": f.get("amac"), "afet_ilani": f.get("afet_ilani") == "on",
                "yerlesimde_eczane_var": f.get("yerlesimde_eczane_yok") != "on"}

    return await _page(request, "vacancies", build, data.run_vacancies,
                       istanbul=data.fee_tables().istanbul_2014)


def _site_input(f: FormData) -> dict[str, Any]:
    out: dict[str, Any] = {
        "bolumler": _rows(f, {"ad": "bolum_ad", "tur": "bolum_tur", "alan_m2": "bolum_alan"},
                          "alan_m2"),
        "islem": f.get("islem") or "acilis", "yukseklik_m": f.get("yukseklik_m"),
        "ruhsat_ibaresi": f.get("ruhsat_ibaresi"), "saglik_kurulusu": f.get("saglik_kurulusu"),
        "devreden_2012_eczaneli": f.get("devreden_2012_eczaneli") == "on",
        "zemin": f.get("zemin") or None,
        "ulasim_merkezi": f.get("ulasim_merkezi") == "on",
        "gecici_yapi": f.get("gecici_yapi") == "on",
        "donanim": {k: _tri(f, f"donanim_{k}") for k in st.EQUIPMENT},
    }
    for key in SITE_TRI:
        out[key] = _tri(f, key)
    return out


SITE_TRI = {"cadde_cephesi": "Cephe ve kapı belediyeye ait cadde/sokak üzerinde",
            "baska_dukkana_kapi": "Bir kapı başka dükkân/mağaza içine açılıyor",
            "lab_disariya_acik": "Laboratuvar doğrudan dışarıya açılıyor",
            "lab_musteriden_ayri": "Laboratuvar müşteri ve hastalardan ayrılmış",
            "bekleme_giris_katinda": "Bekleme yeri giriş katında",
            "banko_giris_katinda": "Banko giriş katında",
            "lab_giris_katinda": "Laboratuvar giriş katında",
            "iptal_edilmemis_ruhsat": "Yerde iptal edilmemiş eski eczane ruhsatı var",
            "afet_belgeli": "Afetten önce ruhsatlı eczane ve hasar belgesi var"}


@router.api_route("/ruhsat/mekan", methods=["GET", "POST"], response_class=HTMLResponse)
async def site_page(request: Request) -> HTMLResponse:
    profiles = data.site_profiles()

    def run(d: dict[str, Any]) -> dict[str, Any]:
        chosen = str(d.pop("_profil") or "yonetmelik-2014")
        main = data.run_site(d, chosen)
        premises = st.Premises.parse(d)
        exemption = data.transfer_exemption()
        return {"main": main,
                "all": [st.check_site(premises, p, exemption) for p in profiles.values()]}

    return await _page(request, "site", lambda f: {**_site_input(f), "_profil": f.get("profil")},
                       run, profiles=profiles, kinds=st.PART_KINDS, tri=SITE_TRI,
                       equipment=st.EQUIPMENT, rows=ROWS + 2, floors=st.FLOOR_MATERIALS,
                       exemption=data.transfer_exemption(), excluded=st.excluded_sentence)


@router.api_route("/ruhsat/evrak", methods=["GET", "POST"], response_class=HTMLResponse)
async def documents_page(request: Request) -> HTMLResponse:
    specs, conditions, _ = data.documents_data()

    def build(f: FormData) -> dict[str, Any]:
        return {"tur": f.get("tur") or "serbest", "ilk_basvuru": f.get("ilk_basvuru"),
                "durumlar": f.getlist("durum"),
                "belgeler": {s.id: f.get(f"belge_{s.id}") for s in specs
                             if f.get(f"belge_{s.id}")}}

    today = _today(request)
    return await _page(request, "documents", build, lambda d: data.run_documents(d, today=today),
                       specs=specs, conditions=conditions)


@router.api_route("/ruhsat/takip", methods=["GET", "POST"], response_class=HTMLResponse)
async def tracker_page(request: Request) -> HTMLResponse:
    specs, _, _ = data.documents_data()

    def build(f: FormData) -> dict[str, Any]:
        kind = f.get("tur") or "serbest"
        steps = {s.key: {"tamam": f.get(f"adim_{s.key}_tamam"), "hedef":
                         f.get(f"adim_{s.key}_hedef"), "not": f.get(f"adim_{s.key}_not")}
                 for s in steps_for(str(kind), True)}
        return {"tur": kind, "eczaci": f.get("eczaci"),
                "yerlestirme_tarihi": f.get("yerlestirme_tarihi"),
                "ruhsat_duzenlendi": f.get("ruhsat_duzenlendi"), "adimlar": steps,
                "belgeler": {s.id: f.get(f"belge_{s.id}") for s in specs
                             if f.get(f"belge_{s.id}")}}

    today = _today(request)
    return await _page(request, "tracker", build, lambda d: data.run_tracker(d, today=today),
                       steps={k: steps_for(k, True) for k in ("serbest", "hastane")},
                       specs=specs, titles=data.document_titles())


@router.api_route("/ruhsat/harc", methods=["GET", "POST"], response_class=HTMLResponse)
async def fees_page(request: Request) -> HTMLResponse:
    def build(f: FormData) -> dict[str, Any]:
        return {"yil": f.get("yil"), "nufus": f.get("nufus"), "ilce": f.get("ilce"),
                "islem": f.get("islem")}

    from eczane.domain.licensing.fees import OPERATIONS

    return await _page(request, "fees", build, data.run_fees, tables=data.fee_tables(),
                       operations=OPERATIONS)


@router.api_route("/ruhsat/fizibilite", methods=["GET", "POST"], response_class=HTMLResponse)
async def feasibility_page(request: Request) -> HTMLResponse:
    defaults = data.feasibility_defaults()

    def build(f: FormData) -> dict[str, Any]:
        return {"sermaye": f.get("sermaye"), "kira": f.get("kira"),
                "stopaj_orani": f.get("stopaj_orani"), "kar_orani": f.get("kar_orani"),
                "ciro": f.get("ciro"), "kar_okumasi": f.get("kar_okumasi"),
                "nakit_sermaye": f.get("nakit_sermaye"),
                "giderler": {i.key: f.get(f"gider_{i.key}") for i in defaults.items}}

    def run(d: dict[str, Any]) -> dict[str, Any]:
        result = data.run_feasibility(d)
        return {"r": result, "chart": _chart(result)}

    from eczane.domain.licensing.feasibility import READINGS

    return await _page(request, "feasibility", build, run, defaults=defaults, readings=READINGS)


def _chart(result: Any, w: int = 640, h: int = 280, pad: int = 50) -> dict[str, Any]:
    """Coordinates of the profit-vs-turnover line for the inline SVG (no JS library)."""
    pts = result.chart(11)
    xs = [float(x) for x, _ in pts]
    ys = [float(y) for _, y in pts]
    lo, hi = min(ys + [0.0]), max(ys + [0.0])
    span_x, span_y = (xs[-1] or 1.0), (hi - lo or 1.0)

    def sx(x: float) -> float:
        return round(pad + (w - 2 * pad) * x / span_x, 1)

    def sy(y: float) -> float:
        return round(h - pad - (h - 2 * pad) * (y - lo) / span_y, 1)

    turnover = result.input.turnover
    return {"w": w, "h": h, "pad": pad, "line": " ".join(f"{sx(x)},{sy(y)}" for x, y in
                                                         zip(xs, ys, strict=True)),
            "zero": sy(0.0),
            "even_x": None if result.break_even is None else sx(float(result.break_even)),
            "you": None if turnover is None else (sx(float(turnover)),
                                                  sy(float(result.monthly_profit))),
            "top": sy(hi), "bottom": sy(lo), "lo": Decimal(str(round(lo, 2))),
            "hi": Decimal(str(round(hi, 2)))}


def _deadline_input(f: FormData) -> dict[str, Any]:
    keys = ("ilan_tarihi", "yerlestirme_tarihi", "oda_teblig_tarihi", "ruhsat_tarihi",
            "tadilat_baslangic", "gecici_kapanis", "kapatma_karari", "muvazaa_tespiti",
            "vefat_tarihi")
    out: dict[str, Any] = {k: f.get(k) for k in keys}
    out.update(kura=f.get("kura") == "on", tatilde_uzat=f.get("tatilde_uzat") == "on",
               es_veya_cocuk=f.get("es_veya_cocuk_yok") != "on",
               cocuk_dogum_tarihleri=[x.strip() for x in str(f.get("cocuklar") or "").split(",")
                                      if x.strip()])
    return out


@router.api_route("/ruhsat/sureler", methods=["GET", "POST"], response_class=HTMLResponse)
async def deadlines_page(request: Request) -> HTMLResponse:
    def run(d: dict[str, Any]) -> dict[str, Any]:
        result, cal = data.run_deadlines(d)
        return {"r": result, "months": _months(result, cal)}

    return await _page(request, "deadlines", _deadline_input, run)


@router.post("/ruhsat/sureler.ics")
async def deadlines_ics(request: Request) -> Response:
    try:
        result, _ = data.run_deadlines(_deadline_input(await request.form()))
    except EczaneError as exc:
        return Response(exc.message, status_code=422, media_type="text/plain; charset=utf-8")
    body = to_ics(dl.ics_events(result, uid_prefix="ruhsat"),
                  dtstamp=datetime.now(UTC))
    return Response(body.encode("utf-8"), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="ruhsat-sureleri.ics"'})


def _months(result: dl.DeadlineResult, cal: dl.WorkCalendar, limit: int = 12) -> list[Any]:
    """Month grids (weeks of days) for the months in which a deadline ends."""
    by_day: dict[date, list[str]] = {}
    for d in result.deadlines:
        by_day.setdefault(d.end, []).append(d.title)
    months = sorted({(d.year, d.month) for d in by_day})[:limit]
    out = []
    for y, m in months:
        first = date(y, m, 1)
        start = first - timedelta(days=first.weekday())
        weeks = []
        day = start
        while day.month == m or day < first:
            week = []
            for _ in range(7):
                week.append({"day": day, "in": day.month == m, "events": by_day.get(day, []),
                             "holiday": cal.holidays.get(day), "half": cal.half_days.get(day),
                             "weekend": day.weekday() >= 5})
                day += timedelta(days=1)
            weeks.append(week)
        out.append({"title": f"{MONTHS[m - 1]} {y}", "weeks": weeks})
    return out


MONTHS = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
          "Ekim", "Kasım", "Aralık")


@router.api_route("/ruhsat/isim", methods=["GET", "POST"], response_class=HTMLResponse)
async def names_page(request: Request) -> HTMLResponse:
    rules = data.sign_rules()

    def build(f: FormData) -> dict[str, Any]:
        return {"ad": f.get("ad"), "il": f.get("il"), "mevcut": str(f.get("mevcut") or ""),
                "tabela": {r.key: _tri(f, f"tabela_{r.key}") for r in rules}}

    return await _page(request, "names", build, data.run_names, sign_rules=rules)
