"""Drug catalog values: prescription classes.

Colour prescriptions (red = narcotic, green = psychotropic, purple and orange = blood-derived
and clotting-factor products) are excluded from the 75 stok eşitleme deactivation.
References: seed 000 ("renkli reçeteli ilaçlar hariç"); ``../shared/research/its.md`` §6.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PrescriptionClass(StrEnum):
    """Reçete türü of a product."""

    NORMAL = "normal"
    RED = "red"
    GREEN = "green"
    ORANGE = "orange"
    PURPLE = "purple"

    @property
    def is_colour(self) -> bool:
        return self is not PrescriptionClass.NORMAL

    @property
    def label_tr(self) -> str:
        return _LABELS_TR[self]

    @classmethod
    def parse(cls, text: str) -> PrescriptionClass:
        """Accept the English code or the Turkish word ("kırmızı", "YEŞİL", "beyaz"...)."""
        from eczane.domain.text import fold

        key = fold(text)
        for member, words in _SYNONYMS.items():
            if key == member.value or key in words:
                return member
        from eczane.domain.errors import ParseError

        raise ParseError(f"Bilinmeyen reçete türü: {text!r}", code="bad_class")


_LABELS_TR = {
    PrescriptionClass.NORMAL: "Normal (beyaz)",
    PrescriptionClass.RED: "Kırmızı reçete",
    PrescriptionClass.GREEN: "Yeşil reçete",
    PrescriptionClass.ORANGE: "Turuncu reçete",
    PrescriptionClass.PURPLE: "Mor reçete",
}

_SYNONYMS = {
    PrescriptionClass.NORMAL: {"normal", "beyaz", "white", "normalrecete", "beyazrecete"},
    PrescriptionClass.RED: {"kirmizi", "kirmizirecete"},
    PrescriptionClass.GREEN: {"yesil", "yesilrecete"},
    PrescriptionClass.ORANGE: {"turuncu", "turuncurecete"},
    PrescriptionClass.PURPLE: {"mor", "morrecete"},
}


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the catalog, by GTIN."""

    gtin: str
    name: str
    prescription_class: PrescriptionClass | None
    """None when the class is not known (never guessed)."""
    form: str = ""
    manufacturer: str = ""
