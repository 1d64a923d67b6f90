"""The Turkish-Q keyboard layout, and how to read back what a US-layout scanner typed into it.

A keyboard-wedge scanner sends key positions; the PC maps them through its own layout, so a
scanner set up for US typing into a PC set to Turkish-Q delivers ``ü`` where it meant ``]``.
The karekod engine (:func:`eczane.domain.karekod.parse_karekod`) uses this module and warns
``keyboard_layout`` when it did.

>>> typed_on_turkish_q("üd2010869950412001121ı4078876651")
True
>>> us_from_turkish_q("üd2010869950412001121ı4078876651")
']d2010869950412001121i4078876651'
>>> typed_on_turkish_q("]d2010869950412001121140788766")
False
"""

from __future__ import annotations

TURKISH_Q_TO_US: dict[str, str] = {
    # unshifted keys
    "ı": "i", "ğ": "[", "ü": "]", "ş": ";", "i": "'", ",": "\\", "ö": ",", "ç": ".", ".": "/",
    '"': "`", "*": "-", "-": "=",
    # shifted keys
    "Ğ": "{", "Ü": "}", "Ş": ":", "İ": '"', ";": "|", "Ö": "<", "Ç": ">", ":": "?", "é": "~",
    "'": "@", "^": "#", "+": "$", "&": "^", "/": "&", "(": "*", ")": "(", "=": ")", "?": "_",
    "_": "+",
}  # fmt: skip
"""What a US-layout scanner meant, given what a PC set to Turkish-Q received.

A keyboard-wedge scanner sends key positions; the PC maps them through its own layout. Source:
Microsoft's Turkish-Q layout KBDTUQ (learn.microsoft.com/globalization/windows-keyboard-layouts,
"Turkish Q"), transcribed in Mottie/Keyboard ``layouts/ms-Turkish.js``; the problem is described
in ``../shared/research/its.md`` §6 (Keyboard layout). Letters other than ``i`` and all digits
are unchanged, so the GTIN and the date survive; what changes:

- for ``]d2``: ``]`` arrives as ``ü`` (``üd2``); ``[GS]`` as ``ğGSü``, ``{GS}`` as ``ĞGSÜ``,
  ``<GS>`` as ``ÖGSÇ``, ``|`` as ``;``; HRI ``(01)`` as ``)01=``;
- for AIs 21/10 (character set 82): ``i``→``ı``, ``"``→``İ``, ``'``→``i``, ``,``→``ö``,
  ``.``→``ç``, ``/``→``.``, ``;``→``ş``, ``:``→``Ş``, ``<``→``Ö``, ``>``→``Ç``, ``?``→``:``,
  ``-``→``*``, ``=``→``-``, ``&``→``/``, ``(``→``)``, ``)``→``=``, ``*``→``(``, ``+``→``_``,
  ``_``→``?``.

Only a Turkish-only letter (``ı ğ ü ş ö ç İ Ğ Ü Ş Ö Ç é``) proves the mismatch, because the
other outputs are themselves valid characters; so the remapped reading is tried only then.
"""

_FULL = str.maketrans(TURKISH_Q_TO_US)
_LETTERS_ONLY = str.maketrans(
    {k: v for k, v in TURKISH_Q_TO_US.items() if not k.isascii()} | {"İ": "I"}
)
_TURKISH_ONLY = frozenset("ığüşöçİĞÜŞÖÇé")


def typed_on_turkish_q(text: str) -> bool:
    """Whether ``text`` holds a Turkish-only letter (``ı ğ ü ş ö ç İ Ğ Ü Ş Ö Ç é``).

    Only such a letter proves the layout mismatch: the layout's other outputs are valid
    characters themselves (see :data:`TURKISH_Q_TO_US`).
    """
    return not _TURKISH_ONLY.isdisjoint(text)


def us_from_turkish_q(text: str, *, letters_only: bool = False) -> str:
    """What a US-layout scanner typed, given what a PC set to Turkish-Q received.

    Args:
        text: the text as received.
        letters_only: map back only the non-ASCII characters (``İ`` as ``I``) and keep the
            ASCII ones as received: the engine's second reading when the full one fails.

    Returns:
        ``text`` read through :data:`TURKISH_Q_TO_US` (or its non-ASCII part).

    References:
        Microsoft KBDTUQ ("Turkish Q"); ``../shared/research/its.md`` §6 (Keyboard layout).
    """
    return text.translate(_LETTERS_ONLY if letters_only else _FULL)
