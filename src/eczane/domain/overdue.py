"""Overdue steps of a member pharmacy, as its chamber (eczacı odası) sees them.

A chamber follows its members through the stock equalization (seed 000): count, compare with
the İTS stock, approve and send the notifications, deal with what İTS refused. The thresholds
are data (``data/chamber/overdue.yaml``, with their source); this module only compares dates
and counts. Pure: the caller passes ``today``.

>>> t = Thresholds(no_count_days=30, draft_waiting_days=3, refused_waiting_days=7)
>>> s = MemberSteps(last_count=date(2026, 11, 1), oldest_draft=date(2026, 12, 1),
...                 oldest_unhandled_refusal=None, unhandled_refused=0)
>>> [o.code for o in overdue_steps(s, t, today=date(2026, 12, 6))]
['no_count', 'draft_waiting']
>>> overdue_steps(s, t, today=date(2026, 11, 2))
[]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Thresholds:
    """How many days a step may wait before the chamber sees it as overdue."""

    no_count_days: int
    """No count activity in this many days (or none ever) is overdue."""
    draft_waiting_days: int
    """A draft notification waiting this many days for approval is overdue."""
    refused_waiting_days: int
    """Refused packs left unhandled this many days are overdue."""

    @classmethod
    def parse(cls, data: Any) -> Thresholds:
        """From the YAML mapping; each field a whole number of days ≥ 1, else ``ValueError``.

        >>> Thresholds.parse({"no_count_days": 30, "draft_waiting_days": 3,
        ...                   "refused_waiting_days": 7}).draft_waiting_days
        3
        >>> Thresholds.parse({"no_count_days": 0})
        Traceback (most recent call last):
        ...
        ValueError: overdue.yaml: 'no_count_days' 1 ya da daha büyük bir gün sayısı olmalı (verilen: 0)
        """
        if not isinstance(data, dict):
            raise ValueError("overdue.yaml: bir eşleme (alan: değer) bekleniyor")
        values = {}
        for name in ("no_count_days", "draft_waiting_days", "refused_waiting_days"):
            raw = data.get(name)
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
                raise ValueError(f"overdue.yaml: '{name}' 1 ya da daha büyük bir gün sayısı "
                                 f"olmalı (verilen: {raw!r})")
            values[name] = raw
        return cls(**values)


@dataclass(frozen=True)
class MemberSteps:
    """What the chamber knows of one member's steps (dates are Europe/Istanbul days)."""

    last_count: date | None
    """The day of the latest count activity (a scan, or a count opened); None: never counted."""
    oldest_draft: date | None
    """The day the oldest draft notification still waiting for approval was made."""
    oldest_unhandled_refusal: date | None
    """The day of the oldest refusal by İTS that nothing followed."""
    unhandled_refused: int
    """How many refused packs nothing followed."""


@dataclass(frozen=True)
class Overdue:
    """One overdue step: a machine code and the Turkish sentence the chamber reads."""

    code: str
    message: str


def overdue_steps(steps: MemberSteps, limits: Thresholds, *, today: date) -> list[Overdue]:
    """The overdue steps of one member, in the order of the procedure (seed 000).

    >>> t = Thresholds(30, 3, 7)
    >>> never = MemberSteps(None, None, date(2026, 11, 20), 4)
    >>> [o.message for o in overdue_steps(never, t, today=date(2026, 12, 6))]
    ['Henüz sayım yapılmamış.', "İTS'nin 16 gün önce reddettiği 4 kutu için işlem yapılmamış."]
    """
    out: list[Overdue] = []
    if steps.last_count is None:
        out.append(Overdue("no_count", "Henüz sayım yapılmamış."))
    elif (days := (today - steps.last_count).days) >= limits.no_count_days:
        out.append(Overdue("no_count", f"{days} gündür sayım yapılmamış."))
    if steps.oldest_draft is not None and (
            days := (today - steps.oldest_draft).days) >= limits.draft_waiting_days:
        out.append(Overdue("draft_waiting",
                           f"Taslak bildirim {days} gündür eczacı onayı bekliyor."))
    if steps.unhandled_refused and steps.oldest_unhandled_refusal is not None and (
            days := (today - steps.oldest_unhandled_refusal).days) >= limits.refused_waiting_days:
        out.append(Overdue("refused_unhandled",
                           f"İTS'nin {days} gün önce reddettiği {steps.unhandled_refused} kutu "
                           "için işlem yapılmamış."))
    return out
