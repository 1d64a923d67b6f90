"""Files of karekods, one per line: the title line, and when a file is no karekod list at all.

One rule for every place that reads such a file — a scanner's memory dump imported into a
count (page ``/sayim/{id}/ice-aktar`` and ``eczane count import``) and the pharmacy program's
on-hand list (page ``/ithalat/liste``, ``eczane its onhand``, ``eczane reconcile --on-hand``):

- **The title line.** Seed 000 step 4: the pharmacy program writes the list with a title line
  ("Elinizde Olmayan Karekodlar") that must be removed before re-import; scanner software writes
  one too ("Sayım Karekodları"). The first non-empty line, when it has letters and no digit, is
  that title: skipped and named in the result, never a karekod nor an unreadable scan. Any
  later line is read as a karekod (a karekod always carries digits: GTIN, AI numbers).
- **Not a list.** When more than half of the content lines (blank lines and the title aside) are
  not karekods, the file is refused whole with the count of bad lines and a sample — a PDF read
  as text, a price list, a wrong export — and nothing is stored. A line counts as a karekod when
  the karekod engine reads it, or finds several readings of it (``ambiguous``: a karekod whose
  separator was lost, which the importer may still resolve); a duplicate is still a karekod.

>>> split_title([(1, ""), (2, "Sayım Karekodları"), (3, "0108699536080008211S1")])
((2, 'Sayım Karekodları'), [(3, '0108699536080008211S1')])
>>> split_title([(1, "0108699536080008211S1"), (2, "Elinizde Olmayan Karekodlar")])[0] is None
True
>>> refusal("liste.txt", 3, [(1, "merhaba 1"), (2, "%PDF-1.7")]) is not None
True
>>> refusal("liste.txt", 4, [(1, "merhaba 1"), (2, "x 2")]) is None  # half is not most
True
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from eczane.domain.karekod import parse_karekod

SAMPLE = 3
"""Bad lines quoted in a refusal."""
SHOWN = 40
"""Characters of a bad line quoted in a refusal."""

Line = tuple[int, str]
"""(line number from 1, the line's text without its line end)."""


def is_title(text: str) -> bool:
    """A title line has letters and no digit ("Sayım Karekodları", "Elinizde Olmayan …")."""
    text = text.strip(" \t\ufeff")
    return any(ch.isalpha() for ch in text) and not any(ch.isdigit() for ch in text)


def split_title(lines: Sequence[Line]) -> tuple[Line | None, list[Line]]:
    """The title line (if the first non-empty line is one) and the other non-empty lines."""
    content = [(no, text) for no, text in lines if text.strip(" \t\ufeff")]
    if content and is_title(content[0][1]):
        return content[0], content[1:]
    return None, content


def is_karekod(text: str, *, today: date) -> bool:
    """The karekod engine reads the line (or finds several readings of it)."""
    result = parse_karekod(text.strip(" \t\ufeff"), today=today, its_case=True)
    return result.value is not None or (result.error is not None
                                        and result.error.code == "ambiguous")


def shown(text: str) -> str:
    """A line as quoted in a message: control characters as ``·``, at most ``SHOWN`` long."""
    out = "".join(ch if ch.isprintable() else "·" for ch in text[:SHOWN])
    return out + ("…" if len(text) > SHOWN else "")


def refusal(name: str, content_lines: int, bad: Sequence[Line]) -> str | None:
    """The Turkish refusal when most content lines are not karekods, else None.

    Args:
        name: the file's name as the pharmacist knows it.
        content_lines: lines read, without blank lines and the title line.
        bad: the lines the karekod engine could not read, (number, text).
    """
    if not bad or 2 * len(bad) <= content_lines:
        return None
    sample = ", ".join(f"{no}. satır “{shown(text)}”" for no, text in bad[:SAMPLE])
    return (f"'{name}' bir karekod listesi değil: {content_lines} satırdan {len(bad)} tanesi "
            f"karekod olarak okunamadı (örnek: {sample}). Hiçbir şey kaydedilmedi; okuyucunun ya "
            "da eczane programının verdiği karekod dosyasını seçin.")
