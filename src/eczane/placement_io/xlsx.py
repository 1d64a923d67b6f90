"""The result as an XLSX workbook (Özet, Sonuçlar, Taban puanlar, Kura), built from the same
data as the JSON result (:func:`~eczane.placement_io.json_io.result_to_json`)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eczane.domain.licensing.placement import PlacementInput, PlacementResult
from eczane.placement_io.json_io import result_to_json


def write_xlsx(target: Path | io.BytesIO, inp: PlacementInput, result: PlacementResult) -> None:
    """Four sheets: Özet, Sonuçlar, Taban puanlar, Kura (XlsxWriter, constant memory)."""
    import xlsxwriter

    data = result_to_json(inp, result)
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": isinstance(
        target, io.BytesIO)})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Özet")
    summary = data["summary"]
    lines = [("Kura tohumu", str(result.seed)), ("İlçe", summary["districts"]),
             ("Yer", summary["places"]), ("Başvuru", summary["applicants"]),
             ("Yerleşen", summary["placed"]), ("2. yerleştirmede yerleşen",
                                                summary["placed_round2"]),
             ("Boş kalan yer", summary["empty"]), ("Girdi özeti (SHA-256)",
                                                  summary["input_sha256"])]
    for r, (k, v) in enumerate(lines):
        ws.write(r, 0, k, bold)
        ws.write(r, 1, v)
    for j, note in enumerate(data["notes"], start=len(lines) + 1):
        ws.write(j, 0, note)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 66)

    def sheet(name: str, header: list[str], rows: Iterable[list[Any]], widths: list[int]) -> None:
        s = wb.add_worksheet(name)
        for c, h in enumerate(header):
            s.write(0, c, h, bold)
            s.set_column(c, c, widths[c])
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if v is not None:
                    s.write(r, c, v)
        s.freeze_panes(1, 0)

    def dec(x: str | None) -> float | None:
        return None if x is None else float(x)

    sheet("Sonuçlar", ["Başvuru", "Puan", "Sonuç", "Yerleştirme", "İl", "İlçe", "Tercih sırası",
                       "Kura sırası", "Gerekçe"],
          ([o["id"], dec(o["score"]), o["status_tr"], o["round"], o["province"], o["district"],
            o["preference_rank"],
            f"{o['lottery_position']}/{o['lottery_group']}" if o["lottery_position"] else None,
            o["reason"]] for o in data["outcomes"]), [14, 9, 18, 11, 16, 18, 12, 11, 70])
    sheet("Taban puanlar", ["İl", "İlçe", "Yer", "1. yerl. dolan", "2. yerl. dolan", "Boş",
                            "1. yerl. taban", "Taban puan", "En yüksek", "Tercih eden",
                            "1. tercih olarak"],
          ([d["province"], d["district"], d["places"], d["filled_round1"], d["filled_round2"],
            d["empty"], dec(d["base_score_round1"]), dec(d["base_score"]), dec(d["top_score"]),
            d["demand"], d["first_choice"]] for d in data["districts"]),
          [16, 18, 6, 12, 12, 6, 13, 11, 10, 11, 14])
    sheet("Kura", ["Puan", "Kişi", "Sonucu etkiledi", "İlçeler", "Çekiliş sırası"],
          ([dec(d["score"]), len(d["order"]), "evet" if d["decisive"] else "hayır",
            ", ".join(d["districts"]), " > ".join(d["order"])] for d in data["lottery"]),
          [9, 6, 15, 40, 90])
    wb.close()
