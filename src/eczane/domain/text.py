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
from decimal import Decimal

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


# Suffixes after a number written in digits ("%12'si", "3'ü", "1.000'i"). Turkish attaches the
# case ending to the number *as it is read aloud*, so the ending follows the last word of the
# reading: 12 = "on iki" → iki → 'si; 40 = "kırk" → 'ı; 1.000 = "bin" → 'i; 12,5 = "on iki
# virgül beş" → 'i. Vowel harmony (TDK Yazım Kılavuzu, "Kesme İşareti" 3: "Sayılara getirilen
# ekler ... kesme işaretiyle ayrılır", with harmony by the pronounced number) and the d/t
# alternation after a voiceless consonant (f s t k ç ş h p) decide the letters.

_UNITS = ("sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz")
_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan")
_SCALES = ("", "bin", "milyon", "milyar", "trilyon", "katrilyon", "kentilyon")
_VOWELS = "aıoueiöü"
_VOICELESS = "fstkçşhp"

SUFFIX_CASES = ("possessive", "accusative", "dative", "locative", "ablative", "genitive")
"""possessive -(s)I "%12'si", accusative -(y)I "12'yi", dative -(y)A "12'ye", locative -DA
"12'de", ablative -DAn "12'den", genitive -(n)In "12'nin"."""


def _last_word(digits: str) -> str:
    """The last word of a whole number read aloud in Turkish ("40" → "kırk", "2000" → "bin")."""
    n = int(digits or "0")
    if n == 0:
        return _UNITS[0]
    scale = 0
    while n % 1000 == 0:
        n //= 1000
        scale += 1
    group = n % 1000
    if group % 10:
        word = _UNITS[group % 10]
    elif group % 100:
        word = _TENS[group % 100 // 10]
    else:
        word = "yüz"
    return _SCALES[scale] if scale else word  # 2.000 = "iki bin" → bin


def number_reading_end(number: object) -> str:
    """The last word of ``number`` as read aloud: the word its suffix harmonises with.

    ``number`` is an int, a Decimal or a Turkish-formatted text ("%12", "1.000", "12,5"); a
    decimal part is read after "virgül" as a whole number ("0,05" → "beş").

    >>> [number_reading_end(x) for x in ("%12", "40", "1.000", "2000000", "12,50", 0)]
    ['iki', 'kırk', 'bin', 'milyon', 'elli', 'sıfır']
    """
    if isinstance(number, Decimal):
        text = format(number, "f").replace(".", ",")
    elif isinstance(number, int):
        text = str(number)
    else:
        text = str(number)
    text = text.strip().lstrip("%+-−").strip()
    whole, _, frac = text.partition(",")
    whole = whole.replace(".", "").replace(" ", "")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not a number in Turkish notation: {number!r}")
    return _last_word(frac.lstrip("0") or ("0" if frac else whole))


def numeral_suffix(number: object, case: str = "possessive") -> str:
    """The apostrophe and case ending for a number written in digits.

    Args:
        number: an int, a Decimal or Turkish-formatted text ("%12", "1.000", "12,5").
        case: one of :data:`SUFFIX_CASES`.

    Returns:
        The ending with its apostrophe, e.g. ``"'si"``.

    Raises:
        ValueError: ``number`` is not a number, or ``case`` is unknown.

    References:
        TDK Yazım Kılavuzu, "Kesme İşareti" (endings on numbers written in digits follow the
        number as read), "Ünlü uyumu", "Ünsüz benzeşmesi" (d → t after f s t k ç ş h p).

    >>> [numeral_suffix(x) for x in ("%12", "%10", "%40", 3, 6, 100, "1.000")]
    ["'si", "'u", "'ı", "'ü", "'sı", "'ü", "'i"]
    >>> numeral_suffix(5, "locative"), numeral_suffix(3, "ablative"), numeral_suffix(2, "dative")
    ("'te", "'ten", "'ye")
    """
    if case not in SUFFIX_CASES:
        raise ValueError(f"unknown case {case!r}; expected one of {', '.join(SUFFIX_CASES)}")
    word = number_reading_end(number)
    vowel = next(ch for ch in reversed(word) if ch in _VOWELS)
    i4 = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}[vowel]
    a2 = "a" if vowel in "aıou" else "e"
    ends_vowel = word[-1] in _VOWELS
    d = "t" if word[-1] in _VOICELESS else "d"
    ending = {
        "possessive": ("s" if ends_vowel else "") + i4,
        "accusative": ("y" if ends_vowel else "") + i4,
        "dative": ("y" if ends_vowel else "") + a2,
        "locative": d + a2,
        "ablative": d + a2 + "n",
        "genitive": ("n" if ends_vowel else "") + i4 + "n",
    }[case]
    return "'" + ending


def with_suffix(number: object, case: str = "possessive") -> str:
    """``number`` as given (text) or ``str(number)`` followed by :func:`numeral_suffix`.

    >>> with_suffix("%12"), with_suffix("1.000.000", "accusative")
    ("%12'si", "1.000.000'u")
    """
    return f"{number}{numeral_suffix(number, case)}"
