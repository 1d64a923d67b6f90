"""``eczane its-simulator``, ``eczane notify …`` (İTS outbox), ``eczane audit verify`` (the
chain, or an evidence pack offline: ``--pack``) and ``eczane audit evidence``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from eczane.cli.common import (
    act_for_owner,
    console,
    database,
    parse_today,
    print_json,
    settings,
)

notify_app = typer.Typer(help="İTS bildirimleri: oluştur, onayla, gönder, durum.",
                         no_args_is_help=True)
audit_app = typer.Typer(help="Denetim kaydı (hash zinciri).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("its-simulator")(its_simulator)
    app.add_typer(notify_app, name="notify")
    app.add_typer(audit_app, name="audit")


def its_simulator(
    host: str = typer.Option("127.0.0.1", help="Dinlenecek adres."),
    port: int = typer.Option(8100, help="Port."),
    demo: bool = typer.Option(False, help="Demo eczanenin İTS kutularını yükle."),
    db: str = typer.Option("", help="Durumu bu SQLite dosyasında sakla (boş: yalnızca bellek)."),
    today: str = typer.Option("", help="Simülatörün bugünü (YYYY-AA-GG)."),
    latency_ms: int = typer.Option(0, help="Her isteğe eklenen gecikme (ms)."),
    error_rate: float = typer.Option(0.0, help="Bildirimlerin bu oranı 503 alır (işlenmeden)."),
    timeout_rate: float = typer.Option(0.0, help="Bu oran yanıtsız bekler, işlenmez."),
    drop_rate: float = typer.Option(0.0, help="Bu oran işlenir ama yanıtı kaybolur."),
    late_rate: float = typer.Option(0.0, help="Bu oran geç işlenir (istemci vazgeçtikten sonra)."),
    partial_rate: float = typer.Option(0.0, help="Kutuların bu oranı geçici hata (90000) alır."),
    hang_s: float = typer.Option(3.0, help="Zaman aşımı hatasında bekleme süresi (s)."),
    seed: int | None = typer.Option(None, help="Hata enjeksiyonu için rastgele tohum."),
) -> None:
    """İTS simülatörü: aynı protokol, kanunun kuralları ve hata enjeksiyonu."""
    from eczane.its.simulator import serve

    console.print(f"İTS simülatörü http://{host}:{port} (demo={'evet' if demo else 'hayır'})")
    serve(host, port, demo=demo, db_path=db or None, today=parse_today(today or None),
          faults=dict(latency_ms=latency_ms, error_rate=error_rate, timeout_rate=timeout_rate,
                      drop_rate=drop_rate, late_rate=late_rate, partial_rate=partial_rate, hang_s=hang_s, seed=seed))


def _user(conn: Any, username: str) -> Any:
    from sqlalchemy import select

    from eczane.store.core import app_user
    from eczane.store.users import User

    row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    if row is None:
        console.print(f"[red]Kullanıcı yok: {username}[/red]")
        raise SystemExit(2)
    from eczane.store import tenant

    tenant.set_current(row.pharmacy_id)  # the command acts for the user's pharmacy
    return User(row.id, row.pharmacy_id, row.username, row.display_name, row.role)


@notify_app.command("credentials")
def credentials(user: str = typer.Option(..., help="Eczane kullanıcısı (eczacı)."),
                gln: str = typer.Option(..., help="Eczanenin 13 haneli GLN'si."),
                its_username: str = typer.Option(..., help="İTS kullanıcı adı (GLN ile başlar)."),
                ) -> None:
    """İTS kullanıcı bilgilerini şifreli kaydeder; parola stdin'den okunur, asla yazdırılmaz."""
    from eczane.its.credentials import CredentialError, ItsCredentials, save_credentials

    password = sys.stdin.readline().rstrip("\n")
    s = settings()
    db = database(s)
    with db.begin() as conn:
        u = _user(conn, user)
        if not u.is_pharmacist:
            console.print("[red]Yalnızca eczacı İTS bilgilerini girebilir.[/red]")
            raise SystemExit(2)
        try:
            save_credentials(conn, u.pharmacy_id, ItsCredentials(gln, its_username, password),
                             s.resolved_secret_key())
        except CredentialError as exc:
            console.print(f"[red]{exc}[/red]")
            raise SystemExit(2) from None
    console.print("[green]İTS bilgileri şifreli olarak kaydedildi.[/green]")


@notify_app.command("create")
def create(user: str = typer.Option(..., help="Kullanıcı adı."),
           kind: str = typer.Option("deactivation", help="deactivation | expiry | acceptance"),
           reason: str = typer.Option("", help="Deaktivasyon nedeni (boş: türün varsayılanı)."),
           ) -> None:
    """Son karşılaştırmadan bir bildirim taslağı (kuru çalıştırma) oluşturur; hiçbir şey gönderilmez."""
    from eczane.its.service import NotifyError, create_from_reconciliation, progress

    db = database()
    try:
        with db.begin() as conn:
            sid = create_from_reconciliation(conn, _user(conn, user), kind, reason or None)
            print_json({"submission": sid, **progress(conn, sid)})
    except NotifyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(2) from None


@notify_app.command("approve")
def approve(submission_id: int, user: str = typer.Option(..., help="Onaylayan eczacı."),
            confirm: str = typer.Option(..., help='Örn. "87 kutuyu deaktive et".'),
            today: str = typer.Option("", help="Bugün (YYYY-AA-GG).")) -> None:
    """Taslağı onaylar (eczacı, güncel karşılaştırma, açık süre, yazılı onay)."""
    from eczane.its.service import approve_submission

    s = settings()
    db = database(s)
    with db.begin() as conn:
        res = approve_submission(conn, submission_id, user=_user(conn, user), confirmation=confirm,
                                 today=parse_today(today or None), settings=s)
    if not res.ok:
        for prob in res.problems:
            console.print(f"[red]{prob.message}[/red]")
        raise SystemExit(1)
    print_json({"submission": submission_id, "approved": True, "batches": res.batches})


@notify_app.command("send")
def send(submission_id: int = typer.Argument(0, help="Yalnızca bu bildirim (0: hepsi)."),
         today: str = typer.Option("", help="Bugün (YYYY-AA-GG)."),
         lease_s: float = typer.Option(0, help="Paket kilidi süresi (0: ayardan)."),
         max_seconds: float = typer.Option(0, help="En fazla bu kadar çalış (0: bitene kadar)."),
         ) -> None:
    """Onaylı bildirimleri İTS'ye gönderir (outbox işçisi); kesilirse kaldığı yerden sürer."""
    from rich.progress import Progress

    from eczane.its.outbox import Worker
    from eczane.store.outbox import open_batch_count

    s = settings()
    db = database(s)
    worker = Worker(db, s, today=parse_today(today or None), lease_s=lease_s or None)
    with db.connect() as conn:
        total = open_batch_count(conn, submission_id=submission_id or None)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("İTS'ye gönderiliyor", total=total or 1)
        stats = worker.run(submission_id=submission_id or None, max_seconds=max_seconds or None,
                           on_batch=lambda st: bar.update(task, completed=min(st.batches, total)))
    worker.close()
    print_json({"batches": stats.batches, "sends": stats.sends, "status_checks": stats.status_checks,
                "retries": stats.retries, "ambiguous": stats.ambiguous,
                "accepted_by_status": stats.accepted_by_status, "login_refused": stats.login_refused,
                "errors": stats.errors[-5:]})
    if stats.login_refused:
        console.print("[red]İTS, eczanenin İTS kullanıcı adını ya da parolasını reddetti; "
                      "gönderim durdu, kutular sırada bekliyor (hiçbiri gönderilmedi). "
                      "Bilgileri Bildirimler sayfasında düzeltin: kaydedince gönderim sürer.[/red]")
        raise SystemExit(1)


@notify_app.command("status")
def status(submission_id: int,
           pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                               help="Eczane numarası (tek eczane varsa gerekmez).")
           ) -> None:
    """Bir bildirimin kutu durumlarını JSON olarak yazar."""
    from eczane.its.service import progress
    from eczane.store.outbox import get_submission

    db = database()
    act_for_owner(db, pharmacy, lambda c: get_submission(c, submission_id) is not None)
    with db.connect() as conn:
        sub = get_submission(conn, submission_id)
        if sub is None:
            console.print("[red]Bildirim bulunamadı.[/red]")
            raise SystemExit(2)
        print_json({"submission": submission_id, "kind": sub.kind, "reason": sub.reason_code,
                    "status": sub.status, **progress(conn, submission_id)})


@audit_app.command("verify")
def verify(pharmacy_id: int = typer.Option(0, "--pharmacy", "--pharmacy-id",
                                           help="Yalnızca bu eczane (0: hepsi)."),
           pack: Path | None = typer.Option(None, "--pack", help="Bir denetim dosyasını (ZIP) "
                                            "veritabanı olmadan doğrula.")) -> None:
    """Denetim kaydının hash zincirini ya da bir denetim dosyasını doğrular; bozuksa çıkış kodu 1."""
    if pack is not None:
        raise SystemExit(verify_pack(pack))
    from sqlalchemy import select

    from eczane.store.audit import verify as verify_chain
    from eczane.store.core import pharmacy

    db = database()
    bad = False
    from eczane.store import tenant

    with db.connect() as conn:
        ids = [pharmacy_id] if pharmacy_id else [r.id for r in conn.execute(select(pharmacy.c.id))]
    for pid in ids:
        with tenant.acting_for(pid), db.connect() as conn:
            check = verify_chain(conn, pid)
            bad |= not check.ok
            print_json({"pharmacy": pid, "ok": check.ok, "checked": check.checked,
                        "first_bad_seq": check.first_bad_seq, "message": check.message})
    raise SystemExit(1 if bad else 0)


def verify_pack(path: Path) -> int:
    """Print every check of an evidence pack in Turkish; 0 when all pass, 1 naming the failures."""
    from eczane.domain.evidence import verify_zip

    if not path.is_file():
        console.print(f"[red]Dosya yok: {path}[/red]")
        return 2
    check = verify_zip(path.read_bytes())
    for f in check.findings:
        console.print(f"{'[green]TAMAM[/green]' if f.ok else '[red]HATA[/red] '} {f.message}",
                      highlight=False, soft_wrap=True)
    if check.ok:
        console.print(f"[green]Denetim dosyası doğrulandı: {path.name}[/green]")
        return 0
    console.print(f"[red]Denetim dosyası DOĞRULANAMADI; bozuk: {', '.join(check.failing)}[/red]",
                  highlight=False, soft_wrap=True)
    return 1


@audit_app.command("evidence")
def evidence(submission: int = typer.Option(..., "--submission", help="Bildirim numarası."),
             out: Path = typer.Option(..., "--out", help="Yazılacak ZIP dosyası."),
             pharmacy: int | None = typer.Option(None, "--pharmacy",
                                                 help="Eczane numarası (tek eczane varsa gerekmez)."),
             today: str = typer.Option("", help="Bugün (YYYY-AA-GG).")) -> None:
    """Gönderilmiş bir bildirimin denetim dosyasını (ZIP) hazırlar."""
    from eczane.cli.common import resolve_pharmacy
    from eczane.exports.evidence import EvidenceError, build_evidence
    from eczane.store.audit import append_event
    from eczane.store.outbox import get_submission
    from eczane.store.tenant import acting_for

    s = settings()
    db = database(s)
    pid = resolve_pharmacy(db, pharmacy)
    with acting_for(pid):
        with db.connect() as conn:
            sub = get_submission(conn, submission)
            if sub is None or sub.pharmacy_id != pid:
                console.print(f"[red]{pid} numaralı eczanenin {submission} numaralı bildirimi yok.[/red]")
                raise SystemExit(2)
            try:
                pack = build_evidence(conn, submission, data_dir=s.data_dir,
                                      today=parse_today(today or None), chromium=s.chromium)
            except EvidenceError as exc:
                console.print(f"[red]{exc}[/red]")
                raise SystemExit(1) from None
        out.write_bytes(pack.body)
        with db.begin() as conn:
            append_event(conn, pid, None, "notify.evidence_downloaded",
                         {"submission": submission, "manifest_sha256": pack.manifest_sha256,
                          "report_pdf": pack.report_is_pdf, "its_original": pack.its_original,
                          "via": "cli"})
    print_json({"submission": submission, "out": str(out), "members": list(pack.members),
                "manifest_sha256": pack.manifest_sha256, "report_pdf": pack.report_is_pdf,
                "its_original": pack.its_original})
