"""Real GS1 DataMatrix PNGs: rendered by our encoder, decoded by zxing-cpp, parsed back."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from PIL import Image, ImageFilter

from eczane.domain.karekod import Karekod
from eczane.karekod_image import _SIZES, datamatrix_matrix, decode, decode_files, render
from tests.domain.karekod_strategies import karekods

TODAY = date(2026, 11, 23)
# its.md §6 (itstools.biz.tr example)
PACK = Karekod("08699504120011", "14078876651", date(2012, 12, 31), "K0016")
# the longest a karekod gets: 20-character serial and batch outside the digit-pair fast path
LONGEST = Karekod("08699504120011", "ABCDEFGHIJKLMNOPQRST", date(2030, 1, 31), "abcdefghij-./:;<=>?_")


def png_roundtrip(img: Image.Image) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return Image.open(buf).convert("L")


def read_one(img: Image.Image) -> Karekod | None:
    found = decode(img, today=TODAY)
    assert len(found) == 1, found
    return found[0].result.value


def test_a_rendered_label_is_a_gs1_datamatrix_carrying_the_element_string() -> None:
    found = decode(png_roundtrip(render(PACK)), today=TODAY)
    assert [f.text for f in found] == ["]d2" + PACK.element_string()]
    assert found[0].result.value == PACK


@settings(max_examples=40, deadline=None)
@given(karekods(TODAY))
def test_generated_packs_survive_render_and_decode(k: Karekod) -> None:
    assert read_one(png_roundtrip(render(k, module_px=4, caption=False))) == k


@pytest.mark.parametrize("angle", [90, 180, 270, 17, 45, -30])
def test_rotated_labels_decode(angle: int) -> None:
    img = render(PACK, module_px=6).rotate(angle, expand=True, fillcolor=255)
    assert read_one(img) == PACK


@pytest.mark.parametrize("factor", [0.6, 1.5, 3.0])
def test_scaled_labels_decode(factor: float) -> None:
    img = render(LONGEST, module_px=6)
    size = (round(img.width * factor), round(img.height * factor))
    assert read_one(img.resize(size, Image.Resampling.BILINEAR)) == LONGEST


def test_a_noisy_blurred_jpeg_photo_decodes() -> None:
    rng = np.random.default_rng(7557)
    img = render(PACK, module_px=8).rotate(8, expand=True, fillcolor=255)
    arr = np.asarray(img, dtype=np.float64)
    arr = arr * 0.7 + 40 + rng.normal(0, 25, arr.shape)  # low contrast, sensor noise
    salt = rng.random(arr.shape) < 0.01
    arr[salt] = 255 - arr[salt]
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=60)
    buf.seek(0)
    assert read_one(Image.open(buf).convert("L")) == PACK


def test_several_codes_on_one_scan_are_all_found(tmp_path: Path) -> None:
    packs = [PACK, LONGEST, Karekod("08699536080017", "DEMO000001A", date(2027, 6, 30), "L1234")]
    tiles = [render(k, module_px=5) for k in packs]
    sheet = Image.new("L", (sum(t.width for t in tiles) + 60, max(t.height for t in tiles) + 40), 255)
    x = 20
    for t in tiles:
        sheet.paste(t, (x, 20))
        x += t.width + 10
    path = tmp_path / "tarama.png"
    sheet.save(path)
    [(got_path, found)] = list(decode_files([path], today=TODAY))
    assert got_path == path
    assert sorted(str(f.result.value) for f in found) == sorted(str(k) for k in packs)


def test_an_image_without_a_code_yields_nothing() -> None:
    assert decode(Image.new("L", (200, 200), 255), today=TODAY) == []


@pytest.mark.parametrize(("size", "n_data"), [(s[0], s[1]) for s in _SIZES])
def test_every_symbol_size_encodes_and_decodes(size: int, n_data: int) -> None:
    # ISO/IEC 16022 Table 7: fill each size to capacity (one uppercase letter = one codeword)
    data = "A" * n_data
    bits = datamatrix_matrix(data, gs1=False)
    assert len(bits) == size
    img = Image.new("L", (size + 4, size + 4), 255)
    px = img.load()
    assert px is not None
    for r, row in enumerate(bits):
        for c, dark in enumerate(row):
            if dark:
                px[c + 2, r + 2] = 0
    img = img.resize(((size + 4) * 4, (size + 4) * 4), Image.Resampling.NEAREST)
    import zxingcpp

    found = zxingcpp.read_barcodes(img)
    assert [f.text for f in found] == [data]


def test_data_beyond_the_largest_size_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        datamatrix_matrix("A" * 175, gs1=False)
