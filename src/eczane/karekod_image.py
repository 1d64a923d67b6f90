"""Karekod images: render a GS1 DataMatrix to PNG, and find and decode karekods in photos.

Decoding uses zxing-cpp (``zxingcpp.read_barcodes``). Encoding is done here, because the
zxing-cpp wheel's writer cannot put FNC1 in the first position, and without it a DataMatrix is
not a GS1 DataMatrix (scanners report ``]d1`` instead of ``]d2``). The encoder is the ECC 200
algorithm of ISO/IEC 16022:2006: ASCII encodation (§5.2.3, digit pairs as 130+nn, FNC1 = 232,
pad 129 then the 253-state randomised pads of §5.2.3 / Annex B), Reed–Solomon over GF(256)
with the prime polynomial 301 (§5.7, Annex E), the module placement of Annex F, and the
square symbol sizes 10×10 … 48×48 of Table 7 (one Reed–Solomon block each, which holds any
karekod: at most 59 codewords). GS1 General Specifications §5.6.3 (GS1 DataMatrix: FNC1 first,
GS as separator) and §5.6.3.2 (X-dimension 0.255–0.990 mm for healthcare).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from eczane.domain.karekod import GS, Karekod, KarekodResult, parse_karekod

FNC1 = 232
"""The FNC1 codeword of ECC 200 (ISO/IEC 16022 §5.2.4.1, Table 2)."""

# (size, data codewords, error correction codewords, data region size) — ISO/IEC 16022 Table 7
_SIZES = [
    (10, 3, 5, 8),
    (12, 5, 7, 10),
    (14, 8, 10, 12),
    (16, 12, 12, 14),
    (18, 18, 14, 16),
    (20, 22, 18, 18),
    (22, 30, 20, 20),
    (24, 36, 24, 22),
    (26, 44, 28, 24),
    (32, 62, 36, 14),
    (36, 86, 42, 16),
    (40, 114, 48, 18),
    (44, 144, 56, 20),
    (48, 174, 68, 22),
]


def _gf_tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= 0x12D  # x^8 + x^5 + x^3 + x^2 + 1 (ISO/IEC 16022 §5.7.1)
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _rs_ecc(data: list[int], n_ecc: int) -> list[int]:
    """Reed–Solomon check codewords; generator roots α^1 … α^n (ISO/IEC 16022 Annex E)."""
    gen = [1]
    for i in range(1, n_ecc + 1):
        nxt = [0] * (len(gen) + 1)
        for j, g in enumerate(gen):
            nxt[j] ^= g
            if g:
                nxt[j + 1] ^= _EXP[_LOG[g] + i]
        gen = nxt
    ecc = [0] * n_ecc
    for d in data:
        factor = d ^ ecc[0]
        ecc = ecc[1:] + [0]
        if factor:
            lf = _LOG[factor]
            for j in range(n_ecc):
                if gen[j + 1]:
                    ecc[j] ^= _EXP[lf + _LOG[gen[j + 1]]]
    return ecc


def _ascii_codewords(data: str, *, gs1: bool) -> list[int]:
    """ASCII encodation: digit pairs packed, GS as FNC1 when ``gs1`` (ISO/IEC 16022 §5.2.3)."""
    out = [FNC1] if gs1 else []
    i = 0
    while i < len(data):
        ch = data[i]
        if ch.isdigit() and i + 1 < len(data) and data[i + 1].isdigit():
            out.append(130 + int(data[i : i + 2]))
            i += 2
            continue
        if gs1 and ch == GS:
            out.append(FNC1)
        else:
            code = ord(ch)
            if code > 127:
                raise ValueError(f"DataMatrix ASCII encodation cannot carry {ch!r}")
            out.append(code + 1)
        i += 1
    return out


def _pad(codewords: list[int], capacity: int) -> list[int]:
    out = list(codewords)
    if len(out) < capacity:
        out.append(129)
    while len(out) < capacity:
        pseudo = ((149 * (len(out) + 1)) % 253) + 1
        value = 129 + pseudo
        out.append(value if value <= 254 else value - 254)
    return out


def _placement(nrow: int, ncol: int) -> list[list[int]]:
    """ISO/IEC 16022 Annex F: for each module, ``codeword*8 + bit`` (or −1 for fixed 'on')."""
    grid = [[-2] * ncol for _ in range(nrow)]

    def module(r: int, c: int, cw: int, bit: int) -> None:
        if r < 0:
            r += nrow
            c += 4 - ((nrow + 4) % 8)
        if c < 0:
            c += ncol
            r += 4 - ((ncol + 4) % 8)
        grid[r][c] = cw * 8 + bit

    def utah(r: int, c: int, cw: int) -> None:
        for bit, (dr, dc) in enumerate(
            [(-2, -2), (-2, -1), (-1, -2), (-1, -1), (-1, 0), (0, -2), (0, -1), (0, 0)]
        ):
            module(r + dr, c + dc, cw, bit)

    def corner(cw: int, cells: list[tuple[int, int]]) -> None:
        for bit, (r, c) in enumerate(cells):
            module(r if r >= 0 else nrow + r, c if c >= 0 else ncol + c, cw, bit)

    n, r, c = 0, 4, 0
    while True:
        if r == nrow and c == 0:
            corner(n, [(-1, 0), (-1, 1), (-1, 2), (0, -2), (0, -1), (1, -1), (2, -1), (3, -1)])
            n += 1
        elif r == nrow - 2 and c == 0 and ncol % 4:
            corner(n, [(-3, 0), (-2, 0), (-1, 0), (0, -4), (0, -3), (0, -2), (0, -1), (1, -1)])
            n += 1
        elif r == nrow - 2 and c == 0 and ncol % 8 == 4:
            corner(n, [(-3, 0), (-2, 0), (-1, 0), (0, -2), (0, -1), (1, -1), (2, -1), (3, -1)])
            n += 1
        elif r == nrow + 4 and c == 2 and ncol % 8 == 0:
            corner(n, [(-1, 0), (-1, -1), (0, -3), (0, -2), (0, -1), (1, -3), (1, -2), (1, -1)])
            n += 1
        while True:  # sweep up and to the right
            if r < nrow and c >= 0 and grid[r][c] == -2:
                utah(r, c, n)
                n += 1
            r -= 2
            c += 2
            if not (r >= 0 and c < ncol):
                break
        r += 1
        c += 3
        while True:  # sweep down and to the left
            if r >= 0 and c < ncol and grid[r][c] == -2:
                utah(r, c, n)
                n += 1
            r += 2
            c -= 2
            if not (r < nrow and c >= 0):
                break
        r += 3
        c += 1
        if not (r < nrow or c < ncol):
            break
    if grid[nrow - 1][ncol - 1] == -2:  # the unused corner of some sizes: fixed pattern
        grid[nrow - 1][ncol - 1] = grid[nrow - 2][ncol - 2] = -1
        grid[nrow - 1][ncol - 2] = grid[nrow - 2][ncol - 1] = -3
    return grid


def datamatrix_matrix(data: str, *, gs1: bool = True) -> list[list[bool]]:
    """The module matrix (True = dark) of a square ECC 200 DataMatrix, without quiet zone.

    ``data`` is an element string with GS between fields; with ``gs1`` the symbol starts with
    FNC1 and each GS becomes FNC1, which is what makes it a GS1 DataMatrix.
    """
    codewords = _ascii_codewords(data, gs1=gs1)
    fitting = [s for s in _SIZES if len(codewords) <= s[1]]
    if not fitting:
        raise ValueError(f"DataMatrix too long: {len(codewords)} codewords")
    size, n_data, n_ecc, region = fitting[0]
    full = _pad(codewords, n_data)
    full += _rs_ecc(full, n_ecc)
    regions = size // (region + 2)
    mapping = size - 2 * regions  # rows/cols of the mapping matrix (no finder patterns)
    grid = _placement(mapping, mapping)
    bits = [[False] * size for _ in range(size)]
    for r in range(mapping):
        for c in range(mapping):
            v = grid[r][c]
            if v == -1:
                dark = True
            elif v < 0:
                dark = False
            else:
                dark = bool(full[v // 8] & (0x80 >> (v % 8)))
            rr = r + 1 + 2 * (r // region)
            cc = c + 1 + 2 * (c // region)
            bits[rr][cc] = dark
    step = region + 2
    for k in range(regions):
        top, left = k * step, k * step
        for i in range(size):
            # solid L: left column and bottom row of every region; dotted: top row, right column
            bits[i][left] = True
            bits[top + step - 1][i] = True
            bits[top][i] = i % 2 == 0
            bits[i][left + step - 1] = i % 2 == 1
    return bits


def render(k: Karekod, *, module_px: int = 8, quiet: int = 2, caption: bool = True) -> Image.Image:
    """A PNG-ready image of ``k``'s GS1 DataMatrix, with the HRI underneath when ``caption``."""
    bits = datamatrix_matrix(k.element_string())
    n = len(bits)
    side = (n + 2 * quiet) * module_px
    lines = _caption_lines(k) if caption else []
    font = ImageFont.load_default(size=max(10, module_px * 2)) if lines else None
    line_h = (module_px * 2 + 4) if lines else 0
    width = max(side, _text_width(lines, font) + 2 * quiet * module_px)
    img = Image.new("L", (width, side + line_h * len(lines) + (module_px if lines else 0)), 255)
    draw = ImageDraw.Draw(img)
    x0 = (width - side) // 2 + quiet * module_px
    for r, row in enumerate(bits):
        for c, dark in enumerate(row):
            if dark:
                x = x0 + c * module_px
                y = quiet * module_px + r * module_px
                draw.rectangle((x, y, x + module_px - 1, y + module_px - 1), fill=0)
    for i, line in enumerate(lines):
        draw.text((quiet * module_px, side + i * line_h), line, fill=0, font=font)
    return img


def _caption_lines(k: Karekod) -> list[str]:
    return [f"(01) {k.gtin}", f"(21) {k.serial}", f"(17) {k.expiry:%d.%m.%Y}  (10) {k.batch}"]


def _text_width(lines: list[str], font: Any) -> int:
    if not lines:
        return 0
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    return max(int(probe.textlength(line, font=font)) for line in lines)


@dataclass(frozen=True)
class Decoded:
    """One DataMatrix found in an image."""

    text: str
    """What the symbol carries, with the symbology identifier in front (``]d2…``) and GS."""
    result: KarekodResult
    """The karekod engine's reading of ``text``."""
    position: tuple[tuple[int, int], ...]
    """Corners in pixels (top-left, top-right, bottom-right, bottom-left)."""


def decode(image: Image.Image | Any, *, today: date) -> list[Decoded]:
    """Every DataMatrix zxing-cpp finds in ``image`` (PIL image or numpy array), parsed."""
    import zxingcpp

    found = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix),
        text_mode=zxingcpp.TextMode.Plain,
    )
    out = []
    for code in found:
        text = code.symbology_identifier + code.text
        p = code.position
        corners = tuple(
            (pt.x, pt.y) for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        )
        out.append(Decoded(text, parse_karekod(text, today=today), corners))
    return out


def decode_files(paths: Iterable[Path], *, today: date) -> Iterable[tuple[Path, list[Decoded]]]:
    """Open each image file (any format Pillow reads) and decode it."""
    for path in paths:
        with Image.open(path) as img:
            yield path, decode(img.convert("L"), today=today)
