"""Turkish-aware text normalisation, on purpose.

``"İ".lower()`` in Python is ``"i̇"`` (i + combining dot), and ``"I".lower()`` is ``"i"`` where
Turkish wants ``"ı"``. For matching headers, names and words we fold to a plain ASCII key:
Turkish case mapping first, then the letters ç ğ ı ö ş ü to c g i o s u, then only letters and
digits are kept.

>>> fold("Son Kullanma Tarihi")
'sonkullanmatarihi'
>>> fold("SERİ NO") == fold("Seri No") == fold("seri-no")
True
>>> tr_lower("IŞIK İLAÇ")
'ışık ilaç'
>>> tr_upper("ilaç")
'İLAÇ'
"""

from __future__ import annotations

import unicodedata

_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_UPPER = str.maketrans({"i": "İ", "ı": "I"})
_ASCII = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"})


def tr_lower(text: str) -> str:
    """Lower-case with Turkish rules (I → ı, İ → i)."""
    return text.translate(_LOWER).lower()


def tr_upper(text: str) -> str:
    """Upper-case with Turkish rules (i → İ, ı → I)."""
    return text.translate(_UPPER).upper()


def fold(text: str) -> str:
    """A comparison key: Turkish lower case, Turkish letters to ASCII, only [a-z0-9] kept."""
    low = tr_lower(unicodedata.normalize("NFC", text)).translate(_ASCII)
    low = unicodedata.normalize("NFKD", low)
    return "".join(ch for ch in low if ch.isascii() and ch.isalnum())
