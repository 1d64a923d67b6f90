"""The plain text karekod file pharmacy programs import back (seed 000 step 4).

Seed 000: the vendor's program writes the "not on hand" karekods to a text file whose first line
is the header "Elinizde Olmayan Karekodlar"; the pharmacist checks it, removes the header and
loads it in the loss screen ("Zayi Olanlar", İTS type "Stok Eşitle"). One GS1 element string per
line (01-21-17-10 with GS after the variable-length serial), CRLF line ends, UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from eczane.domain.text import tr_sort_key
from eczane.exports.packs import ExportPack

HEADER = "Elinizde Olmayan Karekodlar"
GS = "\x1d"


def karekod_list_text(packs: Iterable[ExportPack], *, header: str | None = HEADER,
                      gs: str = GS) -> str:
    """The file's text: optional header line, then one element string per pack, sorted."""
    lines = [header] if header else []
    lines += [p.element_string(gs) for p in sorted(packs, key=lambda p: (p.gtin, p.serial))]
    return "".join(line + "\r\n" for line in lines)


def write_karekod_list(path: Path | str, packs: Iterable[ExportPack], *,
                       header: str | None = HEADER, gs: str = GS) -> int:
    """Write the file; returns the number of karekods written."""
    text = karekod_list_text(packs, header=header, gs=gs)
    Path(path).write_bytes(text.encode("utf-8"))
    return text.count("\r\n") - (1 if header else 0)


def exchange_files(packs: Iterable[ExportPack], *, gs: str = GS) -> dict[str, str]:
    """Seed 000 step 1 ("Karekodları Dosyaya Kopyala"): per sending pharmacy, the karekods to
    paste into that pharmacy's exchange screen. Keys are sender names; no header line."""
    by_sender: dict[str, list[ExportPack]] = {}
    for p in packs:
        if p.sender_type == "eczane":
            by_sender.setdefault(p.sender or "Bilinmeyen eczane", []).append(p)
    return {s: karekod_list_text(ps, header=None, gs=gs)
            for s, ps in sorted(by_sender.items(), key=lambda kv: tr_sort_key(kv[0]))}
