"""The result as an XLSX workbook (Özet, Sonuçlar, Taban puanlar, Kura), built from the same
data as the JSON result (:func:`~eczane.placement_io.json_io.result_to_json`), written through
the one writer (:mod:`eczane.exports.workbook`): applicant ids, district names and reasons are
text cells, never formulas."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from eczane.domain.licensing.placement import PlacementInput, PlacementResult
from eczane.exports.workbook import Column, Sheet, register, write_workbook
from eczane.placement_io.json_io import result_to_json

register("placement", "applicant_id", "province", "district")


def write_xlsx(target: Path | io.BytesIO, inp: PlacementInput, result: PlacementResult) -> None:
    """Four sheets: Özet, Sonuçlar, Taban puanlar, Kura (streamed, constant memory)."""
    data = result_to_json(inp, result)
    summary = data["summary"]
    lines: list[list[Any]] = [
        ["Kura tohumu", str(result.seed)], ["İlçe", summary["districts"]],
        ["Yer", summary["places"]], ["Başvuru", summary["applicants"]],
        ["Yerleşen", summary["placed"]], ["2. yerleştirmede yerleşen", summary["placed_round2"]],
        ["Boş kalan yer", summary["empty"]], ["Girdi özeti (SHA-256)", summary["input_sha256"]],
        [], *([note] for note in data["notes"])]

    def dec(x: str | None) -> Decimal | None:
        return None if x is None else Decimal(x)

    def cols(titles: list[str], widths: list[int]) -> list[Column]:
        return [Column(t, w) for t, w in zip(titles, widths, strict=True)]

    write_workbook(target, [
        Sheet("Özet", [Column("", 28), Column("", 66)], lines, header_row=False,
              bold_first_column=True),
        Sheet("Sonuçlar", cols(["Başvuru", "Puan", "Sonuç", "Yerleştirme", "İl", "İlçe",
                                "Tercih sırası", "Kura sırası", "Gerekçe"],
                               [14, 9, 18, 11, 16, 18, 12, 11, 70]),
              ([o["id"], dec(o["score"]), o["status_tr"], o["round"], o["province"],
                o["district"], o["preference_rank"],
                f"{o['lottery_position']}/{o['lottery_group']}" if o["lottery_position"] else None,
                o["reason"]] for o in data["outcomes"]), autofilter=False),
        Sheet("Taban puanlar", cols(["İl", "İlçe", "Yer", "1. yerl. dolan", "2. yerl. dolan",
                                     "Boş", "1. yerl. taban", "Taban puan", "En yüksek",
                                     "Tercih eden", "1. tercih olarak"],
                                    [16, 18, 6, 12, 12, 6, 13, 11, 10, 11, 14]),
              ([d["province"], d["district"], d["places"], d["filled_round1"],
                d["filled_round2"], d["empty"], dec(d["base_score_round1"]),
                dec(d["base_score"]), dec(d["top_score"]), d["demand"], d["first_choice"]]
               for d in data["districts"]), autofilter=False),
        Sheet("Kura", cols(["Puan", "Kişi", "Sonucu etkiledi", "İlçeler", "Çekiliş sırası"],
                           [9, 6, 15, 40, 90]),
              ([dec(d["score"]), len(d["order"]), "evet" if d["decisive"] else "hayır",
                ", ".join(d["districts"]), " > ".join(d["order"])] for d in data["lottery"]),
              autofilter=False),
    ], title="Yerleştirme sonucu", comments="eczane — eczacı yerleştirme")
