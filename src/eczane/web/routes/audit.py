"""Denetim kaydı: the pharmacy's hash-chained audit log, newest first, and its verification."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from eczane.accounts.events import EVENT_LABELS as ACCOUNT_EVENT_LABELS
from eczane.domain.audit_text import describe
from eczane.store import tenant
from eczane.store.audit import audit_log, verify
from eczane.store.core import app_user
from eczane.web.auth import check_pharmacy, current_user
from eczane.web.render import render

router = APIRouter()
NAV = [("/denetim", "Denetim kaydı")]
PAGE = 100
EVENT_LABELS = {
    "count.opened": "Sayım açıldı", "count.paused": "Sayım duraklatıldı",
    "count.resumed": "Sayıma devam edildi", "count.closed": "Sayım kapatıldı",
    "count.scan_undone": "Okutma geri alındı", "count.imported": "Sayıma dosyadan okutma eklendi",
    "count.import_rejects_cleared": "Dosyadan gelen okunamayan satırlar temizlendi",
    "imports.its_stock": "İTS stok listesi içe aktarıldı", "imports.onhand": "Karekod listesi içe aktarıldı",
    "imports.catalog": "İlaç kataloğu yüklendi", "store.backup": "Yedek alındı",
    "store.restore": "Yedekten geri yüklendi",
    "catalog.restored": "İlaç kataloğu önceki sürümüne döndürüldü",
    "reconcile.run": "Mutabakat (karşılaştırma) yapıldı",
    "reconcile.transit_imported": "Arada kalan listesi yüklendi",
    "reconcile.override_set": "Kutu deaktivasyon listesinden çıkarıldı",
    "reconcile.override_cleared": "Kutu deaktivasyon listesine geri alındı",
    "reconcile.exported": "Mutabakat dışa aktarıldı",
    "notify.credentials_saved": "İTS kullanıcı bilgileri kaydedildi",
    "notify.submission_created": "Bildirim taslağı hazırlandı",
    "notify.submission_approved": "Bildirim eczacı tarafından onaylandı",
    "notify.approval_refused": "Onay reddedildi",
    "notify.submission_cancelled": "Bildirim iptal edildi",
    "notify.submission_superseded": "Taslak yenilendi (yerine yeni taslak)",
    "notify.batch_sending": "İTS'ye gönderiliyor", "notify.batch_result": "İTS sonucu alındı",
    "notify.batch_failed": "İTS gönderimi başarısız", "notify.batch_blocked": "Gönderim durduruldu",
    "notify.its_login_refused": "İTS girişi reddedildi, gönderim durdu",
    "notify.its_login_accepted": "İTS girişi yeniden kabul edildi",
    "notify.status_checked": "İTS durum sorgusu", "notify.pack_dropped": "Sayılan kutu bildirimden çıkarıldı",
    "placement.run": "Yerleştirme simülasyonu çalıştırıldı",
    **ACCOUNT_EVENT_LABELS,
}
"""Turkish words for the event codes the areas write (the code stays shown beside it)."""


@router.get("/denetim", response_class=HTMLResponse)
def index(request: Request, sayfa: int = 1, dogrula: int = 0) -> HTMLResponse:
    user = current_user(request)
    sayfa = max(1, sayfa)
    q = (select(audit_log, app_user.c.display_name)
         .select_from(audit_log.outerjoin(app_user, app_user.c.id == audit_log.c.user_id))
         .where(audit_log.c.pharmacy_id == user.pharmacy_id)
         .order_by(audit_log.c.seq.desc()).limit(PAGE).offset((sayfa - 1) * PAGE))
    with request.app.state.services.db.connect() as conn:
        rows = list(conn.execute(q))
        total = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.pharmacy_id == user.pharmacy_id)).scalar_one()
        check = verify(conn, user.pharmacy_id) if dogrula else None
    return render(request, "notify/audit_index.html", {
        "rows": rows, "total": total, "check": check, "page": sayfa, "labels": EVENT_LABELS,
        "describe": describe,
        "pages": max(1, (total + PAGE - 1) // PAGE)})


@router.get("/denetim/{event_id}", response_class=HTMLResponse)
def event(request: Request, event_id: int) -> HTMLResponse:
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        row = conn.execute(
            select(audit_log, app_user.c.display_name)
            .select_from(audit_log.outerjoin(app_user, app_user.c.id == audit_log.c.user_id))
            .where(audit_log.c.id == event_id, tenant.scoped(audit_log))).first()
    if row is None:
        raise HTTPException(404, "Kayıt bulunamadı.")
    check_pharmacy(user, row.pharmacy_id)
    return render(request, "notify/audit_event.html", {
        "row": row, "labels": EVENT_LABELS, "sentence": describe(row.name, row.payload)})
