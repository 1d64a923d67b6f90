"""Display helpers for the placement pages and CLI: scores with a Turkish decimal comma, the
lottery as printed lines, and Turkish alphabetical order.

>>> from decimal import Decimal
>>> fmt_score(Decimal("42.25")), fmt_score(None)
('42,25', '—')
"""

from __future__ import annotations

from decimal import Decimal

from eczane.domain.licensing.placement import PlacementResult, score_key

# tr_sort_key (Turkish alphabetical order: Çankaya after Cide, İzmir after Iğdır) lives in
# eczane.domain.text and is re-exported from here for the placement pages and CLI.
from eczane.domain.text import tr_sort_key as tr_sort_key


def fmt_score(d: Decimal | None) -> str:
    """``Decimal('42.25')`` → ``'42,25'`` (Turkish decimal comma); None → ``'—'``."""
    return "—" if d is None else score_key(d).replace(".", ",")


def draw_lines(result: PlacementResult, *, only_decisive: bool = True) -> list[str]:
    """The lottery as printed lines (kura tutanağı)."""
    names = {d.key: d.label for d in result.districts}
    out = []
    for d in result.draws:
        if only_decisive and not d.decisive:
            continue
        where = ", ".join(names[k] for k in d.districts) or "sonucu etkilemedi"
        out.append(f"Puan {fmt_score(d.score)} ({len(d.order)} kişi; {where}): "
                   + " > ".join(d.order))
    return out
