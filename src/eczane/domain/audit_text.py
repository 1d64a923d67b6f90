"""An audit event in a Turkish sentence, for the Denetim kaydı pages (issue 14 finding 10).

The log keeps its machine record (event code, JSON payload with ISO times); people read a
sentence: ``count.imported session=2 … worker=…`` becomes "2 numaralı sayıma “dump.txt”
dosyasından okutma eklendi: 120 satır, 118 yeni kutu, 2 tekrar, 0 okunamayan satır." Numbers of
things use the Turkish grouping, times are Europe/Istanbul ``dd.mm.yyyy HH:MM``
(:mod:`eczane.domain.formatting`). An event with no sentence here, or whose payload lacks a
field the sentence needs, is shown as Turkish field names and values (:func:`details`), never
as ``key=value``.

>>> describe("count.imported", {"session": 2, "source": "dump.txt", "lines": 1200, "added": 1198,
...          "duplicates": 2, "problems": 0, "worker": "w-1"})
'2 numaralı sayıma “dump.txt” dosyasından okutma eklendi: 1.200 satır, 1.198 yeni kutu, 2 tekrar, 0 okunamayan satır.'
>>> describe("store.restore", {"file": "y.gz", "backup_created_at": "2026-12-04T11:43:00+00:00"})
'“y.gz” yedeği geri yüklendi (yedeğin tarihi 04.12.2026 14:43).'
>>> describe("unknown.event", {"rows": 3, "today": "2026-12-04", "ok": True})
'Satır: 3 · Gün: 04.12.2026 · ok: evet'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eczane.domain.formatting import date_tr, datetime_tr, number_tr

SENTENCES: dict[str, str] = {
    "count.opened": "“{name}” adlı {session} numaralı sayım açıldı.",
    "count.paused": "{session} numaralı sayım duraklatıldı.",
    "count.resumed": "{session} numaralı sayıma devam edildi.",
    "count.closed": "{session} numaralı sayım kapatıldı: {total} kutu.",
    "count.scan_undone": "{session} numaralı sayımda bir okutma geri alındı (GTIN {gtin}, seri "
                         "{serial}).",
    "count.imported": "{session} numaralı sayıma “{source}” dosyasından okutma eklendi: {lines} "
                      "satır, {added} yeni kutu, {duplicates} tekrar, {problems} okunamayan satır.",
    "imports.its_stock": "İTS stok listesi “{source_name}” yüklendi ({snapshot_id} numaralı "
                         "liste): {rows} kutu, {issues} sorunlu satır, {duplicates} tekrar.",
    "imports.onhand": "Karekod listesi “{source_name}” yüklendi ({import_id} numaralı liste): "
                      "{rows} kutu, {issues} sorunlu satır, {duplicates} tekrar.",
    "imports.catalog": "İlaç kataloğu “{source_name}” yüklendi: {products} ürün, {issues} "
                       "sorunlu satır.",
    "store.backup": "Yedek alındı: “{file}”.",
    "store.restore": "“{file}” yedeği geri yüklendi (yedeğin tarihi {backup_created_at}).",
    "reconcile.run": "{reconciliation_id} numaralı mutabakat yapıldı ({its_snapshot_id} "
                     "numaralı İTS listesiyle, {today} günü için).",
    "reconcile.transit_imported": "Arada kalan listesi yüklendi: {packs} kutu.",
    "reconcile.override_set": "GTIN {gtin}, seri {serial} kutusu deaktivasyon listesinden "
                              "çıkarıldı. Not: “{note}”.",
    "reconcile.override_cleared": "GTIN {gtin}, seri {serial} kutusu deaktivasyon listesine "
                                  "geri alındı.",
    "reconcile.exported": "{reconciliation_id} numaralı mutabakat dışa aktarıldı ({what}).",
    "notify.credentials_saved": "İTS kullanıcı bilgileri kaydedildi (GLN {gln}, kullanıcı "
                                "{username}).",
    "notify.submission_created": "{submission} numaralı bildirim taslağı hazırlandı: {packs} "
                                 "kutu.",
    "notify.submission_approved": "{submission} numaralı bildirim onaylandı: {packs} kutu, "
                                  "{batches} parti. Yazılan onay: “{confirmation}”.",
    "notify.approval_refused": "{submission} numaralı bildirimin onayı reddedildi.",
    "notify.submission_cancelled": "{submission} numaralı bildirim iptal edildi.",
    "notify.batch_sending": "{submission} numaralı bildirimin {packs} kutusu İTS'ye "
                            "gönderiliyor ({attempt}. deneme).",
    "notify.batch_result": "{submission} numaralı bildirim için İTS sonucu alındı: {states}.",
    "notify.evidence_downloaded": "{submission} numaralı bildirimin denetim dosyası indirildi "
                                  "(manifest özeti {manifest_sha256}).",
    "notify.batch_failed": "{submission} numaralı bildirim İTS'ye gönderilemedi: {error}.",
    "notify.batch_blocked": "{submission} numaralı bildirimin gönderimi durduruldu: {states}.",
    "notify.its_login_refused": "İTS, eczanenin kullanıcı adını ya da parolasını reddetti "
                                "({submission} numaralı bildirim gönderilirken): {error}. "
                                "Gönderim yeni bilgiler kaydedilene kadar durdu.",
    "notify.its_login_accepted": "İTS girişi yeniden kabul edildi; {submission} numaralı "
                                 "bildirimin gönderimi sürüyor.",
    "notify.status_checked": "{submission} numaralı bildirim için İTS'ye durum soruldu: {states}.",
    "notify.pack_dropped": "GTIN {gtin}, seri {serial} kutusu sayıldığı için {submission} "
                           "numaralı bildirimden çıkarıldı.",
    "notify.recount_started": "{submission} numaralı deaktivasyon taslağı için son kontrol "
                              "başlatıldı: {packs} kutu aranacak.",
    "notify.recount_pack_found": "GTIN {gtin}, seri {serial} kutusu son kontrolde rafta "
                                 "bulundu ve {submission} numaralı taslaktan çıkarıldı.",
    "notify.recount_finished": "{submission} numaralı taslağın son kontrolü bitti: {saved} kutu "
                               "rafta bulunup deaktive edilmekten kurtarıldı; taslakta "
                               "{remaining} kutu kaldı ({packs} kutudan).",
    "placement.run": "Yerleştirme simülasyonu çalıştırıldı: “{title}”, {applicants} başvuru, "
                     "{places} yer, kura tohumu {seed}.",
}
"""Event code → sentence; ``{field}`` is a payload field, formatted by :func:`value_tr`."""

FIELD_LABELS: dict[str, str] = {
    "session": "Sayım no", "name": "Ad", "source": "Kaynak", "source_name": "Dosya",
    "lines": "Satır", "added": "Yeni kutu", "duplicates": "Tekrar", "problems": "Okunamayan",
    "rows": "Satır", "issues": "Sorunlu satır", "products": "Ürün", "packs": "Kutu",
    "file": "Dosya", "tables": "Tablolar", "created_at": "Oluşturulma",
    "backup_created_at": "Yedeğin tarihi", "reconciliation_id": "Mutabakat no",
    "its_snapshot_id": "İTS listesi no", "snapshot_id": "İTS listesi no",
    "import_id": "Liste no", "today": "Gün", "counts": "Sayılar", "window": "Pencere",
    "window_open": "Pencere açık", "submission": "Bildirim no", "kind": "Tür",
    "reason": "Sebep kodu", "batch": "Parti", "attempt": "Deneme", "states": "Durumlar",
    "codes": "İTS kodları", "error": "Hata", "gtin": "GTIN", "serial": "Seri",
    "note": "Not", "what": "Ne", "title": "Başlık", "seed": "Kura tohumu",
    "applicants": "Başvuru", "places": "Yer", "total": "Toplam", "confirmation": "Onay metni",
    "batches": "Parti sayısı", "username": "Kullanıcı", "gln": "GLN", "protected": "Koruma",
    "accounts": "Hesap değişiklikleri", "audit_kept": "Denetim kaydı korundu",
    "saved": "Kurtarılan kutu", "remaining": "Kalan kutu", "blind": "Kör sayım",
}
"""Payload field → Turkish label (for :func:`details`); an unknown field shows its code."""

_COUNTS = {"lines", "added", "duplicates", "problems", "rows", "issues", "products", "packs",
           "applicants", "places", "total", "batches", "raf", "acik_recete", "undone", "rejected", "saved", "remaining"}
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STATES = {"pending": "bekliyor", "sending": "gönderiliyor", "accepted": "kabul",
           "refused": "ret", "retry": "tekrar denenecek", "unknown": "bilinmiyor",
           "dropped": "çıkarıldı"}


def value_tr(key: str, value: Any) -> str:
    """One payload value as a person reads it."""
    if isinstance(value, bool):
        return "evet" if value else "hayır"
    if value is None:
        return "—"
    if isinstance(value, int) and key in _COUNTS:
        return number_tr(value)
    if isinstance(value, str):
        if _ISO_TIME.match(value):
            try:
                return datetime_tr(value)
            except ValueError:
                return value
        if _ISO_DATE.match(value):
            return date_tr(value)
        return value
    if isinstance(value, Mapping):
        parts = [f"{_STATES.get(str(k), FIELD_LABELS.get(str(k), str(k)))} "
                 f"{value_tr(str(k) if str(k) in _COUNTS else 'packs', v)}"
                 for k, v in value.items()]
        return ", ".join(parts) if parts else "yok"
    if isinstance(value, list | tuple):
        return ", ".join(value_tr(key, v) for v in value) if value else "yok"
    return str(value)


def details(payload: Mapping[str, Any]) -> str:
    """Every field as ``Etiket: değer``, joined by `` · ``."""
    return " · ".join(f"{FIELD_LABELS.get(k, k)}: {value_tr(k, v)}" for k, v in payload.items())


def describe(name: str, payload: Mapping[str, Any]) -> str:
    """The event as a Turkish sentence (or its fields in Turkish when no sentence fits)."""
    sentence = SENTENCES.get(name)
    if sentence is not None:
        needed = re.findall(r"{(\w+)}", sentence)
        if all(k in payload for k in needed):
            return sentence.format_map({k: value_tr(k, payload[k]) for k in needed})
    if isinstance(payload.get("açıklama"), str):  # events that carry their own sentence (accounts)
        return str(payload["açıklama"])
    return details(payload)
