"""The assistant-pharmacist (yardımcı eczacılık) rule, read both ways seed 001 states it.

seed 001 says it twice, differently:

* §giriş: "2012 yılında yapılan bir düzenleme ile birlikte 2012 yılından sonra bu bölümden mezun
  olan eczacılar, 1 yıl yardımcı eczacılık yapmadan eczane açamıyor." (and "diplomanın 2012
  yılından öncesine ait ise bu düzenleme kapsamında değilsiniz") — by **graduation**;
* §'2013 ve daha sonraki yıllarda': "2013 ve daha sonraki yıllarda eczacılık fakültelerine
  kaydını yaptıranlar, mezun olduktan sonra ... en az bir yıl ... çalışmaları gerekmektedir." —
  by **enrolment**, which is also the regulation's definition (research §1.2, Yönetmelik
  4(1)(v) [C]).

The rights check decides by enrolment (the regulation's wording); both readings are shown with
their sources, and a warning is added where they disagree for the pharmacist.

>>> from datetime import date
>>> r = assistant_readings(date(2016, 6, 30), 2011, graduated_after=2012, enrolled_from=2013)
>>> [(x.key, x.required) for x in r], readings_disagree(r)
([('mezuniyet', True), ('kayit', False)], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eczane.domain.licensing.reasons import RESEARCH, SEED_GUIDE

S_GRADUATION = (f"{SEED_GUIDE} §giriş ('2012 yılından sonra bu bölümden mezun olan eczacılar, 1 "
                "yıl yardımcı eczacılık yapmadan eczane açamıyor')")
S_ENROLMENT = (f"{SEED_GUIDE} §'2013 ve daha sonraki yıllarda eczacılık fakültelerine kaydını "
               f"yaptıranlar'; {RESEARCH} §1.2 (Yönetmelik md. 4(1)(v))")


@dataclass(frozen=True)
class AssistantReading:
    key: str
    """``mezuniyet`` (by graduation) or ``kayit`` (by enrolment)."""
    rule: str
    """The reading in Turkish."""
    source: str
    required: bool | None
    """Whether this reading requires the assistantship of this pharmacist; None = not known."""
    used: bool
    """This is the reading the rights check applies."""

    def to_json(self) -> dict[str, Any]:
        return {"okuma": self.key, "kural": self.rule, "kaynak": self.source,
                "gerekir": self.required, "kullanilan": self.used}


def assistant_readings(graduation: date | None, enrolment_year: int | None, *,
                       graduated_after: int, enrolled_from: int) -> tuple[AssistantReading, ...]:
    """Both readings for one pharmacist.

    Args:
        graduation: diploma date; None = still a student (will graduate later).
        enrolment_year: year of enrolment; None = not given.
        graduated_after: 2012 (data: rules.yaml ``assistant_graduation_after``).
        enrolled_from: 2013 (data: rules.yaml ``assistant_enrolment_year``).
    References: seed 001 (both sentences quoted in the module docstring).
    """
    by_grad = True if graduation is None else graduation.year > graduated_after
    if enrolment_year is not None:
        by_enrol: bool | None = enrolment_year >= enrolled_from
    elif graduation is not None and graduation.year < enrolled_from:
        by_enrol = False  # graduated before 2013: enrolled before it too
    else:
        by_enrol = None
    return (
        AssistantReading("mezuniyet", f"{graduated_after} yılından sonra mezun olanlar en az 1 "
                         "yıl yardımcı eczacılık yapar", S_GRADUATION, by_grad, False),
        AssistantReading("kayit", f"{enrolled_from} ve sonrasında fakülteye kaydolanlar en az 1 "
                         "yıl yardımcı eczacılık yapar", S_ENROLMENT, by_enrol, True),
    )


def readings_disagree(readings: tuple[AssistantReading, ...]) -> bool:
    """True when both readings are known and give different answers for this pharmacist."""
    values = {r.required for r in readings}
    return None not in values and len(values) > 1
