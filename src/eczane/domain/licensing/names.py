"""Pharmacy names: a new or moved pharmacy's name must differ from every pharmacy in the province.

seed 001 §Eczanelere verilecek isimler madde 1: "12 Nisan 2014 tarihinden sonra açılacak ve
nakil yapılacak eczanelerin isimleri, eczanenin açılacağı il içinde bulunan eczanelerle aynı
isimlerde olamaz." The comparison is Turkish-aware: case with dotted/dotless i (İ/i, I/ı),
Turkish letters, spacing and punctuation, and the "Eczanesi"/"Eczane" suffix are ignored.

>>> name_key("IŞIK ECZANESİ") == name_key("Işık Eczanesi") == name_key("ışık")
True
>>> name_key("Yeni  Şifa Eczanesı") == name_key("yenişifa")
True

The same seed section's sign (tabela) rules, maddeler 2–5, are yes/no questions kept in
``data/licensing/signs.yaml``; :func:`check_signs` answers each with its text and source.

>>> rule = SignRule("totem", "Önünde totem tabela var", False, "… konulamaz.", "seed 001")
>>> [r.ok for r in check_signs((rule,), {"totem": True})], check_signs((rule,), {})[0].ok
([False], None)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import SEED_GUIDE, Reason
from eczane.domain.text import fold

SOURCE = f"{SEED_GUIDE} §Eczanelere verilecek isimler ve eczane tabelası madde 1"
_SUFFIXES = ("eczanesi", "eczane", "ecz")


def name_key(name: str) -> str:
    """The comparison key: folded (Turkish-aware), without the 'Eczanesi' suffix."""
    key = fold(name)
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@dataclass(frozen=True)
class NameResult:
    name: str
    key: str
    same: tuple[str, ...]
    """Existing pharmacies whose name is the same after normalisation."""
    similar: tuple[str, ...]
    """Close but different names (a warning, not a refusal)."""
    reasons: tuple[Reason, ...]
    signs: tuple[Reason, ...] = ()
    """The sign rules answered (seed 001 maddeler 2–5); ``ok`` None = not answered."""

    @property
    def ok(self) -> bool:
        return not self.same

    def to_json(self) -> dict[str, Any]:
        return {"result": "uygun" if self.ok else "ayni_isim", "anahtar": self.key,
                "ayni": list(self.same), "benzer": list(self.similar),
                "tabela": [s.to_json() for s in self.signs],
                "reasons": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True)
class SignRule:
    """One sign rule as a yes/no question."""

    key: str
    question: str
    """The question in Turkish (what the pharmacist answers)."""
    good: bool
    """The answer that complies."""
    text: str
    """The rule's own words."""
    source: str


def check_signs(rules: Iterable[SignRule], answers: dict[str, bool | None]) -> tuple[Reason, ...]:
    """Each sign rule with the pharmacist's answer: complies, does not, or not answered.

    References: seed 001 §Eczanelere verilecek isimler ve eczane tabelası maddeler 2–5.
    """
    out = []
    for r in rules:
        given = answers.get(r.key)
        if given is None:
            ok, verdict = None, "Yanıtlanmadı; kuralı yerinde kontrol edin."
        elif given == r.good:
            ok, verdict = True, "Kurala uygun."
        else:
            ok, verdict = False, "Kurala aykırı."
        out.append(Reason(f"tabela-{r.key}", r.source, f"{r.question}: {verdict} {r.text}", ok))
    return tuple(out)


def check_name(name: str, existing: Iterable[str], *, province: str = "") -> NameResult:
    """Compare ``name`` with every existing pharmacy name of the province.

    Raises:
        ParseError: the name is empty once the suffix is removed.
    References: seed 001 §Eczanelere verilecek isimler madde 1.
    """
    key = name_key(name)
    if not key or key in _SUFFIXES:
        raise ParseError(f"Eczane adı boş veya yalnızca 'Eczanesi' olamaz: {name!r}.",
                         code="bad_name")
    names = [n.strip() for n in existing if n.strip()]
    same = tuple(n for n in names if name_key(n) == key)
    similar = tuple(n for n in names if name_key(n) != key and name_key(n)
                    and difflib.SequenceMatcher(None, key, name_key(n)).ratio() >= 0.85)
    where = f"{province} ilindeki" if province else "ildeki"
    if same:
        msg = (f"'{name}' adı {where} mevcut eczanelerle aynı: " + ", ".join(same)
               + ". Başka bir ad seçin.")
    else:
        msg = f"'{name}' adı {where} {len(names)} eczanenin hiçbiriyle aynı değil."
    reasons = [Reason("isim-ayni-olamaz", SOURCE, msg, not same)]
    if similar:
        reasons.append(Reason("isim-benzer", SOURCE, "Aynı değil ama çok benzer: "
                              + ", ".join(similar) + ". Karışıklık olmaması için odaya "
                              "danışabilirsiniz.", None))
    return NameResult(name, key, same, similar, tuple(reasons))
