"""The evidence pack (denetim dosyası) of one sent İTS notification, built from the store.

One ZIP per submission (issue 16 part 4): the İTS stock file that was compared (the original as
uploaded when it was kept, ``eczane.store.originals``; else its stored rows written out again and
named so), the count export, the reconciliation report (PDF, or the HTML when no Chromium is
available), the approved draft, each pack's İTS answer with its time, the audit chain excerpt
from the İTS file's import to the last result, a Turkish BENIOKU.txt and a manifest with every
member's SHA-256. The members and their checks are ``eczane.domain.evidence``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from eczane.domain import evidence as ev
from eczane.domain.audit import AuditRecord
from eczane.domain.formatting import datetime_tr
from eczane.domain.notify import PackState
from eczane.exports.workbook import Column, Sheet, register, write_workbook
from eczane.store import outbox as ob

register("evidence", "product_name", "batch", "serial")


class EvidenceError(Exception):
    """Why no evidence pack can be made for this submission (Turkish)."""


@dataclass(frozen=True)
class EvidencePack:
    filename: str
    body: bytes
    manifest_sha256: str
    members: tuple[str, ...]
    report_is_pdf: bool
    its_original: bool


def sent_count(conn: Connection, submission_id: int) -> int:
    counts = ob.state_counts(conn, submission_id)
    return sum(n for s, n in counts.items() if s not in ev.NOT_SENT)


def build_evidence(conn: Connection, submission_id: int, *, data_dir: Path, today: date,
                   prepared_by: str = "", now: datetime | None = None,
                   chromium: str = "") -> EvidencePack:
    """The ZIP for a sent submission. Raises :class:`EvidenceError`.

    ``chromium``: the ``chromium`` setting (``ECZANE_CHROMIUM``) that prints the report; where
    it cannot print (:class:`eczane.exports.pdf.PdfUnavailable`), the report is the same page
    as HTML and BENIOKU.txt says so."""
    from eczane.store.reconcile import get_reconciliation

    sub = ob.get_submission(conn, submission_id)
    if sub is None:
        raise EvidenceError("Bildirim bulunamadı.")
    if sub.status not in ("approved", "done") or not sent_count(conn, submission_id):
        raise EvidenceError("Denetim dosyası yalnızca İTS'ye gönderilmiş bir bildirim için "
                            "hazırlanır; bu bildirimden henüz hiçbir kutu gönderilmedi.")
    rec = get_reconciliation(conn, sub.pharmacy_id, sub.recon_id) if sub.recon_id else None
    if rec is None or rec.its_snapshot_id is None:
        raise EvidenceError("Bu bildirim bir karşılaştırmadan hazırlanmadı (örneğin bir iptal): "
                            "denetim dosyası karşılaştırılan İTS dosyasıyla birlikte verilir.")
    at = now or datetime.now(UTC)
    members: dict[str, bytes] = {}
    its_name, its_meta = _its_file(conn, rec, data_dir, members)
    members[ev.COUNT] = _count_file(conn, rec)
    report_name = _report(conn, rec, today, prepared_by, members, chromium)
    members[ev.DRAFT] = _draft(conn, sub)
    chain = _chain(conn, sub, rec)
    members[ev.ANSWERS] = _answers(conn, sub, chain)
    members[ev.CHAIN] = ev.chain_lines(chain)
    members[ev.README] = readme_text(sub, rec, its_meta, report_name, chain, at).encode()
    meta = {"created_at": at.isoformat(), "pharmacy_id": sub.pharmacy_id,
            "submission_id": sub.id, "kind": sub.kind, "reason_code": sub.reason_code,
            "reconciliation_id": rec.id, "its_file": its_meta,
            "report": "pdf" if report_name == ev.REPORT_PDF else "html",
            "chain": {"first_seq": chain[0][0].seq, "last_seq": chain[-1][0].seq,
                      "prev_hash": chain[0][1], "last_hash": chain[-1][2]}}
    members[ev.MANIFEST] = ev.manifest_bytes(members, meta, TITLES | {its_name: its_meta["title"]})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, members[name])
    digest = json.loads(members[ev.MANIFEST])["manifest_sha256"]
    return EvidencePack(f"denetim-dosyasi-bildirim-{sub.id}.zip", buf.getvalue(), digest,
                        tuple(sorted(members)), report_name == ev.REPORT_PDF,
                        bool(its_meta["original"]))


TITLES = {
    ev.COUNT: "Sayım dökümü (XLSX)",
    ev.REPORT_PDF: "Mutabakat raporu (PDF)",
    ev.REPORT_HTML: "Mutabakat raporu (HTML; PDF üretilemedi)",
    ev.DRAFT: "Onaylanan taslak (JSON)",
    ev.ANSWERS: "Kutu kutu İTS yanıtları (CSV)",
    ev.CHAIN: "Denetim kaydı zinciri kesiti (JSON satırları)",
    ev.README: "Bu dosyanın açıklaması",
}


def _its_file(conn: Connection, rec: Any, data_dir: Path,
              members: dict[str, bytes]) -> tuple[str, dict[str, Any]]:
    from eczane.store.catalog import get_snapshot
    from eczane.store.originals import read_original

    snap = get_snapshot(conn, rec.its_snapshot_id)
    if snap is None:
        raise EvidenceError("Karşılaştırılan İTS stok listesi bulunamadı.")
    original = read_original(data_dir, rec.pharmacy_id, snap.sha256)
    if original is not None and ev.sha256_hex(original) == snap.sha256:
        ext = Path(snap.source_name).suffix.lower()
        name = ev.ITS_ORIGINAL + (ext if ext.isascii() and len(ext) <= 6 else "")
        members[name] = original
        title = f"İTS stok dosyası, yüklendiği gibi ({snap.source_name})"
    else:
        name = ev.ITS_REGENERATED
        members[name] = its_rows_xlsx(conn, snap.id)
        title = (f"İTS stok dosyasının saklanan satırlarından YENİDEN ÜRETİLDİ (özgün dosya "
                 f"{snap.source_name} saklanmamış)")
    return name, {"member": name, "original": original is not None and name != ev.ITS_REGENERATED,
                  "snapshot_id": snap.id, "source_name": snap.source_name, "sha256": snap.sha256,
                  "imported_at": _iso(snap.imported_at), "rows": snap.row_count, "title": title}


def its_rows_xlsx(conn: Connection, snapshot_id: int) -> bytes:
    """A snapshot's stored rows written out again (an import whose original was not kept)."""
    from eczane.store.catalog import snapshot_rows

    buf = io.BytesIO()
    cols = [Column("GTIN", 16, "text"), Column("Seri no", 22, "text"), Column("SKT", 12),
            Column("Parti no", 16, "text"), Column("Ürün adı", 40),
            Column("Son işlem tarihi", 14), Column("Dosyadaki satır")]
    write_workbook(buf, [Sheet("İTS stok", cols, (
        [r.gtin, r.serial, r.expiry, r.batch, r.product_name, r.last_tx_date, r.row_no]
        for r in snapshot_rows(conn, snapshot_id)))], title=f"İTS stok #{snapshot_id} (yeniden)")
    return buf.getvalue()


def _count_file(conn: Connection, rec: Any) -> bytes:
    src = rec.onhand_source
    if src.get("count_session_id"):
        from eczane.exports.count import count_xlsx
        from eczane.store import count as cstore

        session = cstore.get_session(conn, int(src["count_session_id"]))
        if session is not None:
            return count_xlsx(conn, session)
    from eczane.store.catalog import onhand_pack

    rows = conn.execute(select(onhand_pack.c.gtin, onhand_pack.c.serial, onhand_pack.c.expiry,
                               onhand_pack.c.batch).where(
        onhand_pack.c.import_id == src.get("onhand_import_id")).order_by(
        onhand_pack.c.gtin, onhand_pack.c.serial))
    buf = io.BytesIO()
    write_workbook(buf, [Sheet("Karekodlar", [Column("GTIN", 16, "text"),
                                              Column("Seri no", 22, "text"), Column("SKT", 12),
                                              Column("Parti no", 16, "text")],
                               ([r.gtin, r.serial, r.expiry, r.batch] for r in rows))],
                   title="Elde olan karekodlar")
    return buf.getvalue()


def _report(conn: Connection, rec: Any, today: date, prepared_by: str,
            members: dict[str, bytes], chromium: str) -> str:
    from eczane.exports import from_store
    from eczane.exports import report as report_mod

    html = from_store.report_page(conn, rec, prepared_by, today)
    try:
        members[ev.REPORT_PDF] = report_mod.html_to_pdf(html, executable_path=chromium)
        return ev.REPORT_PDF
    except report_mod.PdfUnavailable:  # no Chromium here: the same report as HTML, said in BENIOKU
        members[ev.REPORT_HTML] = html.encode()
        return ev.REPORT_HTML


def _draft(conn: Connection, sub: Any) -> bytes:
    from eczane.store import recount as rc
    from eczane.store.users import get_user

    approver = get_user(conn, sub.approved_by) if sub.approved_by else None
    creator = get_user(conn, sub.created_by)
    packs = ob.submission_packs(conn, sub.id)

    def pack(r: Any) -> dict[str, Any]:
        return {"gtin": r.gtin, "serial": r.serial, "expiry": _iso(r.expiry), "batch": r.batch,
                "product_name": r.product_name}

    body = {"submission": {
        "id": sub.id, "kind": sub.kind, "reason_code": sub.reason_code,
        "description": sub.description, "reconciliation_id": sub.recon_id,
        "reconciliation_day": _iso(sub.recon_today), "created_at": _iso(sub.created_at),
        "created_by": creator.display_name if creator else "",
        "approved_at": _iso(sub.approved_at), "approved_by_id": sub.approved_by,
        "approved_by": approver.display_name if approver else "",
        "confirmation": sub.confirmation_text, "status": sub.status},
        # Approval cuts the packs then pending into batches: those are the approved draft.
        "approved_packs": [pack(r) for r in packs if r.batch_key],
        "dropped_before_approval": [{**pack(r), "why": r.result_text or ""}
                                    for r in packs if not r.batch_key]}
    recount = rc.get(conn, sub.pharmacy_id, sub.id)
    if recount is not None:  # Son kontrol (issue 16): how many packs the recount saved
        saved = rc.summary(conn, recount)
        body["son_kontrol"] = {"status": recount.status, "blind": bool(recount.blind),
                               "packs_before": saved.before, "saved_packs": saved.saved,
                               "started_at": _iso(recount.started_at),
                               "finished_at": _iso(recount.finished_at),
                               "sentence": saved.message}
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode()


def _chain(conn: Connection, sub: Any, rec: Any) -> list[tuple[AuditRecord, str, str]]:
    """The pharmacy's audit rows from the İTS file's import to this submission's last event."""
    from eczane.store.audit import audit_log

    t = audit_log.c
    marks = conn.execute(select(t.seq, t.name, t.payload).where(
        t.pharmacy_id == sub.pharmacy_id, t.name.in_(
            ["imports.its_stock", "notify.batch_result", "notify.batch_failed",
             "notify.submission_approved", "notify.batch_sending"])).order_by(t.seq)).all()
    first = next((m.seq for m in marks if m.name == "imports.its_stock"
                  and (m.payload or {}).get("snapshot_id") == rec.its_snapshot_id), 1)
    last = max((m.seq for m in marks if (m.payload or {}).get("submission") == sub.id),
               default=None)
    if last is None:
        raise EvidenceError("Denetim kaydında bu bildirimin gönderimi yok.")
    rows = conn.execute(select(audit_log).where(t.pharmacy_id == sub.pharmacy_id,
                                                t.seq >= first, t.seq <= last).order_by(t.seq))
    return [(AuditRecord(r.pharmacy_id, r.seq, r.at, r.user_id, r.name, r.payload),
             r.prev_hash, r.hash) for r in rows]


def _answers(conn: Connection, sub: Any, chain: list[tuple[AuditRecord, str, str]]) -> bytes:
    answered: dict[str, str] = {}
    for r, _, _ in chain:
        if r.name in ("notify.batch_result", "notify.batch_failed") \
                and r.payload.get("submission") == sub.id:
            answered[str(r.payload.get("batch"))] = r.at
    rows = []
    for p in ob.submission_packs(conn, sub.id):
        state = PackState(p.state)
        sent = state.value not in ev.NOT_SENT
        rows.append([p.gtin, p.serial, _iso(p.expiry), p.batch, p.product_name, state.value,
                     state.label_tr, p.result_code or "", p.result_text or "",
                     _iso(p.last_attempt_at) if sent else "",
                     answered.get(p.batch_key or "", "") if sent else "", p.batch_key or "",
                     p.notification_id or ""])
    return ev.answers_csv(rows)


def _iso(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime) and v.tzinfo is None:
        v = v.replace(tzinfo=UTC)  # SQLite returns naive UTC
    return str(v.isoformat())


def readme_text(sub: Any, rec: Any, its: dict[str, Any], report_name: str,
                chain: list[tuple[AuditRecord, str, str]], at: datetime) -> str:
    """BENIOKU.txt: what each file is, in Turkish, and how to check the pack."""
    from eczane.domain.notify import Kind

    kind_tr = {Kind.DEACTIVATION.value: "deaktivasyon", Kind.EXPIRY.value: "miadı dolan (40)",
               Kind.ACCEPTANCE.value: "mal alım", Kind.CANCEL.value: "deaktivasyon iptali"}
    its_line = (f"{its['member']}\n    Karşılaştırılan İTS stok dosyası, yüklendiği gibi "
                f"(“{its['source_name']}”). SHA-256: {its['sha256']}.\n    Bu özet, denetim "
                "zincirindeki 'imports.its_stock' kaydında da yazılıdır."
                if its["original"] else
                f"{its['member']}\n    DİKKAT: Bu dosya YENİDEN ÜRETİLMİŞTİR. Özgün İTS dosyası "
                f"(“{its['source_name']}”, SHA-256 {its['sha256']}) özgün dosyaların saklanmasından "
                "önce yüklendiği için saklanmamıştır;\n    burada veritabanında saklanan satırları "
                "(GTIN, seri no, SKT, parti, ürün, son işlem tarihi) yeni bir XLSX'e yazılmıştır. "
                "Özet özgün dosyanınkiyle aynı değildir.")
    report_line = (f"{ev.REPORT_PDF}\n    Mutabakat (karşılaştırma) raporu, eczacının imzalayıp "
                   "sakladığı çıktı." if report_name == ev.REPORT_PDF else
                   f"{ev.REPORT_HTML}\n    Mutabakat raporu. Dosya hazırlanırken PDF üretilemedi "
                   "(Chromium bulunamadı ya da çalışmadı); aynı rapor HTML olarak verilmiştir, bir tarayıcıda açılıp "
                   "yazdırılabilir.")
    return "\n".join([
        f"DENETİM DOSYASI — İTS BİLDİRİMİ #{sub.id}",
        "",
        f"Bildirim türü: {kind_tr.get(sub.kind, sub.kind)}"
        + (f", neden kodu {sub.reason_code}" if sub.reason_code else ""),
        f"Karşılaştırma: #{rec.id}, {rec.today:%d.%m.%Y}",
        f"Dosyanın hazırlandığı zaman: {datetime_tr(at)} (manifestte ISO biçiminde)",
        "",
        "Bu ZIP, eczane programının İTS'ye gönderdiği bir bildirimin kanıtlarını içerir.",
        "Her dosyanın SHA-256 özeti manifest.json'da yazılıdır; manifestin kendi özeti de içindedir.",
        "",
        "DOSYALAR",
        "",
        its_line,
        "",
        (f"{ev.COUNT}\n    Karşılaştırmada kullanılan sayımın dökümü (Özet, Ürünler, Karekodlar, "
         "Geri alınanlar, Okunamayanlar)." if rec.onhand_source.get("count_session_id") else
         f"{ev.COUNT}\n    Karşılaştırmada sayım yerine kullanılan, eczane programından alınan "
         "karekod listesi (Karekodlar sayfası).")
        + "\n    Deaktivasyonda gönderilen hiçbir kutu bu listede olmamalıdır.",
        "",
        report_line,
        "",
        f"{ev.DRAFT}\n    Onaylanan taslak: hangi kutular, kim onayladı, ne zaman, yazılan onay "
        "metni.\n    'approved_packs' onay anında gönderilmek üzere ayrılan kutulardır; "
        "'dropped_before_approval' onaydan önce çıkarılanlardır\n    (Son kontrolde rafta "
        "bulunanlar 'Son kontrolde rafta bulundu' notuyla); 'son_kontrol' varsa\n    onaydan "
        "önceki hedefli yeniden sayımın kaç kutuyu deaktive edilmekten kurtardığını söyler.",
        "",
        f"{ev.ANSWERS}\n    Her kutu için İTS'nin yanıtı: durum, İTS sonuç kodu ve açıklaması, "
        "gönderim ve yanıt zamanı (ISO, UTC),\n    paket ve İTS bildirim numarası. Excel'de "
        "açılır (noktalı virgülle ayrılmış, UTF-8).\n    = + - @ ya da ' ile başlayan bir değerin "
        "(ör. böyle başlayan bir seri no) başına\n    kesme işareti (') konur: Excel onu formül "
        "olarak çalıştırmaz, metin gösterir; değer işaretten sonrasıdır.",
        "",
        f"{ev.CHAIN}\n    Eczanenin denetim kaydından kesit: İTS dosyasının yüklenmesinden bu "
        f"bildirimin son sonucuna kadar\n    {len(chain)} kayıt (sıra {chain[0][0].seq}–"
        f"{chain[-1][0].seq}). Her kaydın özeti, kendisini ve önceki kaydın özetini kapsar;\n"
        f"    ilk kaydın 'prev_hash' alanı zincirin önceki kaydına bağlantıdır "
        f"({chain[0][1] or 'zincirin başı'}).\n    Son özet ({chain[-1][2]}) eczanenin canlı "
        "denetim kaydıyla karşılaştırılabilir.",
        "",
        "manifest.json\n    Her dosyanın adı, boyutu ve SHA-256 özeti; bildirim, eczane ve zincir "
        "bilgileri (zamanlar ISO 8601).",
        "",
        "NASIL DOĞRULANIR",
        "",
        "    eczane audit verify --pack denetim-dosyasi.zip",
        "",
        "Bu komut internete bağlanmadan şunları denetler: her dosyanın özeti manifestle aynı mı, "
        "zincir kesiti\nbağlantıları ve özetleriyle sağlam mı, İTS dosyasının özeti zincirdeki "
        "yükleme kaydında mı, onay\nzincirdeki onayla aynı mı, gönderilen her kutu onaylanan "
        "taslakta mı ve (deaktivasyonda) hiçbiri\nsayımda değil mi. Bozuk bir dosyanın adını "
        "yazar ve sıfırdan farklı bir kodla çıkar.",
        "",
    ])
