"""``eczane reconcile``: compare an İTS stock file with the packs on hand, from files.

    eczane reconcile --its stok.xlsx --on-hand elde.txt [--catalog urunler.csv]
        [--in-transit arada.csv] [--today 2025-09-01] --json

prints one JSON object ``{"counts": {...}, "buckets": {bucket: [{"gtin", "serial", "reason",
...}]}, "window": {...}}`` with all six buckets. Export options write the karekod text file,
the XLSX workbook and the printable report (HTML or PDF) from the same result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from eczane.cli.common import console, parse_today, print_json, settings


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile_cmd)


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def reconcile_cmd(
    its: Path = typer.Option(..., "--its", help="İTS stok dosyası (Stok İndir XLSX/CSV)."),
    on_hand: Path = typer.Option(..., "--on-hand", help="Elde olan karekodlar (metin/XLSX)."),
    catalog: Path | None = typer.Option(None, "--catalog",
                                        help="Ürün listesi (gtin,name,prescription_class)."),
    in_transit: Path | None = typer.Option(None, "--in-transit",
                                           help="Arada kalanlar (karekod,sender_type,sender)."),
    today: str | None = typer.Option(None, "--today", help="Bugün (YYYY-AA-GG)."),
    json_out: bool = typer.Option(False, "--json", help="Sonucu tek bir JSON nesnesi olarak yaz."),
    window_code: str = typer.Option("75", "--window", help="Deaktivasyon penceresinin kodu."),
    karekod_out: Path | None = typer.Option(None, "--karekod-out",
                                            help="'Elinizde Olmayan Karekodlar' metin dosyası."),
    xlsx_out: Path | None = typer.Option(None, "--xlsx-out", help="Her grup bir sayfa: XLSX."),
    report_out: Path | None = typer.Option(None, "--report-out",
                                           help="İmzalanacak rapor (.pdf veya .html)."),
    pharmacy_name: str = typer.Option("", "--pharmacy-name", help="Raporda eczane adı."),
) -> None:
    """İTS stoğunu eldeki kutularla karşılaştır: her kutu bir grupta, sebebiyle."""
    from eczane.domain.reconcile import Rules, reconcile, window_status
    from eczane.importers.catalog import read_catalog
    from eczane.importers.headers import MappingNeeded
    from eczane.importers.its_stock import read_its_stock
    from eczane.importers.tabular import ImportRefused
    from eczane.importers.transit import read_transit
    from eczane.windows import window_for_code

    day = parse_today(today)
    try:
        window = window_for_code(window_code)
    except LookupError as exc:
        _fail(str(exc))
        raise
    try:
        its_file = read_its_stock(its, today=day)
        known = {r.key for r in its_file.rows}
        onhand_packs, onhand_issues, file_notes = _read_onhand_or_empty(on_hand, day, known)
        cat = read_catalog(catalog) if catalog else None
        transit = read_transit(in_transit, today=day) if in_transit else None
    except MappingNeeded as exc:
        _fail(f"{its.name}: sütunlar tanınmadı; önce web arayüzünde eşleştirin. {exc}")
        raise
    except ImportRefused as exc:
        _fail(exc.message)
        raise
    issues = list(its_file.issues) + onhand_issues
    issues += (cat.issues if cat else []) + (transit.issues if transit else [])
    products = cat.products if cat else []
    rules = Rules.from_window(window, day)
    result = reconcile(
        its_file.rows,
        onhand_packs,
        rules=rules, classes={p.gtin: p.prescription_class for p in products},
        names={p.gtin: p.name for p in products},
        in_transit=transit.packs if transit else (), date_checked=its_file.has_tx_date)
    status = window_status(window, day)
    _exports(result, rules, window, status, day, karekod_out, xlsx_out, report_out,
             pharmacy_name, [its.name, on_hand.name] + ([in_transit.name] if in_transit else []))
    if json_out:
        print_json(_as_json(result, window, status, issues, file_notes))
    else:
        _print_summary(result, status, issues)
        for note in file_notes:
            console.print(note)


def _read_onhand_or_empty(path: Path, day: Any, known: Any) -> tuple[list[Any], list[Any], list[str]]:
    """The packs on hand, row issues and notes.

    A karekod list (any form the on-hand importer reads); else a table with GTIN / serial
    columns (the İTS-stock reader's header detection); an empty file means nothing is on hand
    (said loudly). Other refusals stand.
    """
    from eczane.domain.reconcile import OnHandPack
    from eczane.importers.kinds import WrongFileKind
    from eczane.importers.onhand import read_onhand
    from eczane.importers.tabular import ImportRefused

    try:
        got = read_onhand(path, today=day, known=known)
    except WrongFileKind as exc:  # a GTIN / serial table looks like an İTS list: read it so
        table = _onhand_from_columns(path, day) if exc.kind == "its_stock" else None
        if table is None:
            raise
        return ([OnHandPack(r.gtin, r.serial, r.expiry, r.batch) for r in table.rows],
                list(table.issues), [f"{path.name}: GTIN/seri no sütunlarından okundu."])
    except ImportRefused as exc:
        if exc.code == "not_a_list":   # most lines are no karekod: maybe GTIN/serial columns
            table = _onhand_from_columns(path, day)
            if table is None:
                raise
            return ([OnHandPack(r.gtin, r.serial, r.expiry, r.batch) for r in table.rows],
                    list(table.issues), [f"{path.name}: GTIN/seri no sütunlarından okundu."])
        if exc.code not in ("empty_file", "no_rows"):
            raise
        return [], [], [f"{path.name}: elde karekod yok; İTS'deki her kutu elde yok sayıldı. "
                        "Sayım dosyasını kontrol edin."]
    if not got.karekods and got.issues:
        table = _onhand_from_columns(path, day)
        if table is not None:
            return ([OnHandPack(r.gtin, r.serial, r.expiry, r.batch) for r in table.rows],
                    list(table.issues), [f"{path.name}: GTIN/seri no sütunlarından okundu."])
    return ([OnHandPack(k.gtin, k.serial, k.expiry, k.batch) for k in got.karekods],
            list(got.issues), list(got.notes))


def _onhand_from_columns(path: Path, day: Any) -> Any:
    from eczane.importers.headers import MappingNeeded
    from eczane.importers.its_stock import read_its_stock
    from eczane.importers.tabular import ImportRefused

    try:
        table = read_its_stock(path, today=day)
    except (ImportRefused, MappingNeeded):
        return None
    return table if table.rows else None


def _as_json(result: Any, window: Any, status: Any, issues: list[Any],
             file_notes: list[str]) -> dict[str, Any]:
    from eczane.domain.reconcile import BUCKETS

    buckets: dict[str, list[dict[str, Any]]] = {b.value: [] for b in BUCKETS}
    for p in result.packs:
        buckets[p.bucket.value].append({
            "gtin": p.gtin, "serial": p.serial, "reason": p.reason.value,
            "notes": list(p.notes), "expiry": p.expiry.isoformat() if p.expiry else None,
            "batch": p.batch, "product_name": p.product_name,
            "last_tx_date": p.last_tx_date.isoformat() if p.last_tx_date else None,
            "sender_type": p.sender_type or None, "sender": p.sender or None,
        })
    return {
        "counts": result.counts,
        "buckets": buckets,
        "window": {"code": window.code, "name": window.name, "open": status.open,
                   "state": status.state, "message": status.message,
                   "records_before": window.records_before.isoformat()
                   if window.records_before else None,
                   "open_until": window.open_until.isoformat() if window.open_until else None},
        "date_checked": result.date_checked,
        "notes": ([] if result.date_checked else [
            "date_unchecked: İTS dosyasında işlem tarihi yok; tarih kontrolü yapılmadı "
            "(kapsam dışı kutuları İTS kendisi reddeder)."]) + file_notes,
        "issues": [{"row": i.row_no, "column": i.column, "code": i.code, "message": i.message}
                   for i in issues],
    }


def _exports(result: Any, rules: Any, window: Any, status: Any, day: Any,
             karekod_out: Path | None, xlsx_out: Path | None, report_out: Path | None,
             pharmacy_name: str, sources: list[str]) -> None:
    if not (karekod_out or xlsx_out or report_out):
        return
    from eczane.exports.packs import group_results

    by_bucket = group_results(result.packs, rules)
    if karekod_out:
        from eczane.exports.karekod_list import write_karekod_list

        n = write_karekod_list(karekod_out, by_bucket["not_on_hand_eligible"])
        console.print(f"{karekod_out}: {n} karekod yazıldı.")
    if xlsx_out:
        from eczane.exports.xlsx import write_xlsx

        write_xlsx(xlsx_out, by_bucket, title="İTS stok mutabakatı", window_text=status.message)
        console.print(f"{xlsx_out}: yazıldı.")
    if report_out:
        from eczane.exports.report import ReportData, report_html, report_pdf

        data = ReportData(pharmacy_name or "Eczane", "", day, window, status, rules,
                          result.counts, by_bucket, date_checked=result.date_checked,
                          sources=sources)
        if report_out.suffix.lower() == ".pdf":
            from eczane.exports.report import PdfUnavailable

            try:
                report_out.write_bytes(report_pdf(data, executable_path=settings().chromium))
            except PdfUnavailable as exc:
                console.print(f"[red]{exc.message}[/red]")
                raise typer.Exit(1) from None
        else:
            report_out.write_text(report_html(data), encoding="utf-8")
        console.print(f"{report_out}: yazıldı.")


def _print_summary(result: Any, status: Any, issues: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from eczane.domain.reconcile import BUCKET_LABELS_TR, BUCKETS

    out = Console()
    out.print(status.message)
    table = Table("Grup", "Kutu")
    for b in BUCKETS:
        table.add_row(BUCKET_LABELS_TR[b], str(result.counts[b.value]))
    out.print(table)
    if not result.date_checked:
        out.print("İTS dosyasında işlem tarihi yok: tarih kontrolü yapılmadı (date_unchecked).")
    if issues:
        out.print(f"{len(issues)} satır sorunu (ayrıntı: --json).")
