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


# Turkish alphabetical order. The 29 letters of the Turkish alphabet, in the order of the TDK
# alphabet (Türk Dil Kurumu, "Alfabe": a b c ç d e f g ğ h ı i j k l m n o ö p r s ş t u ü v y
# z), with q, w and x — not Turkish letters, but common in drug names — each placed right after
# its Latin neighbour as in the Unicode CLDR Turkish collation (tr.xml tailors only ç ğ ı İ ö ş
# ü into the root order a…z, which keeps p < q < r and v < w < x < y).
TR_ALPHABET = "abcçdefgğhıijklmnoöpqrsştuüvwxyz"
_RANK = {ch: i for i, ch in enumerate(TR_ALPHABET)}

_SPACE, _PUNCT, _NUMBER, _LETTER, _OTHER = 0, 0, 1, 2, 3

SortKey = tuple[tuple[tuple[int, ...], ...], str, str]


def tr_sort_key(text: str) -> SortKey:
    """A sort key putting names in Turkish alphabetical order.

    ``sorted(names, key=tr_sort_key)`` orders names as a Turkish dictionary or phone book
    does: ``c < ç < d``, ``g < ğ < h``, ``ı < i``, ``o < ö < p``, ``s < ş < t``, ``u < ü < v``;
    case does not matter, with Turkish case rules (``I`` is the capital of ``ı``, ``İ`` of
    ``i``). Spaces and punctuation come before digits, digits before letters (CLDR root order);
    a run of digits compares by its value, so "PAROL 500 MG" comes before "PAROL 1000 MG". The
    letters q, w, x sort after p, v, w; â î û and other accented Latin letters (é, ä) sort with
    their base letter; letters of other scripts come after z. Runs of spaces count as one, and
    leading or trailing spaces are ignored.

    Ties on all that (case, accents, leading zeros) are broken by the lower-cased text, then by
    the text itself, so the order is total and repeatable.

    Args:
        text: any text (a product, pharmacy, district or province name).

    Returns:
        A tuple to compare; only its order is meaningful.

    References:
        TDK alphabet (29 letters); Unicode CLDR collation for ``tr`` (placement of q, w, x and
        of the dotless ı before i); Python's code-point order, which this replaces, puts Ç, İ,
        Ö, Ş, Ü after Z.

    >>> sorted(["Zinco", "İzmir", "Çankaya", "Cide", "Iğdır", "Ödemiş", "Ordu"], key=tr_sort_key)
    ['Cide', 'Çankaya', 'Iğdır', 'İzmir', 'Ordu', 'Ödemiş', 'Zinco']
    >>> sorted(["PAROL 1000 MG", "PAROL 500 MG", "PAROL FORT", "PAROL"], key=tr_sort_key)
    ['PAROL', 'PAROL 500 MG', 'PAROL 1000 MG', 'PAROL FORT']
    >>> tr_sort_key("ŞEKER")[0] == tr_sort_key("şeker")[0]
    True
    """
    low = tr_lower(unicodedata.normalize("NFC", text)).strip()
    primary: list[tuple[int, ...]] = []
    i, n = 0, len(low)
    while i < n:
        ch = low[i]
        if ch.isdecimal():
            j = i
            while j < n and low[j].isdecimal():
                j += 1
            primary.append((_NUMBER, int(low[i:j])))
            i = j
            continue
        i += 1
        if ch.isspace():
            if primary and primary[-1] != (_SPACE, 32):
                primary.append((_SPACE, 32))
        elif ch in _RANK:
            primary.append((_LETTER, _RANK[ch]))
        else:
            # é → e + ´, ﬁ → f i, the stray dot of "i̇" (Python's "İ".lower()) → nothing.
            for part in unicodedata.normalize("NFKD", ch):
                if unicodedata.combining(part):
                    continue
                if part in _RANK:
                    primary.append((_LETTER, _RANK[part]))
                elif part.isalpha():
                    primary.append((_OTHER, ord(part)))
                else:
                    primary.append((_PUNCT, ord(part)))
    return tuple(primary), low, text
