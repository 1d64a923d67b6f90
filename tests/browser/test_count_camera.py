"""A phone is a scanner too: the count page reads karekods from a camera, in real Chromium.

Chromium's fake camera plays a Y4M video made here from our own karekod labels
(``eczane.karekod_image``); the page decodes the frames with the vendored ZXing WebAssembly
build and sends each code through the same scan endpoint as a USB scanner. The video loops,
so every label is seen many times: each pack must be counted exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from eczane.domain.karekod import Karekod
from eczane.karekod_image import render
from eczane.store import count as store
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.count.conftest import DEMO, seed_catalog

PACKS = [Karekod(p.gtin, p.serial, p.expiry, p.batch) for p in DEMO.on_shelf[:5]]
W, H, FPS = 640, 480, 10
HOLD, GAP = 12, 3
"""Frames each label is held in view, and blank frames between labels (at FPS)."""


def write_y4m(path: Path, images: list[Image.Image]) -> None:
    """A YUV4MPEG2 file: a header, then per frame ``FRAME\\n`` and the raw I420 planes
    (grey picture: Y is the grey level, U and V stay at 128)."""
    chroma = bytes([128]) * (W // 2 * H // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for img in images:
            out.write(b"FRAME\n" + img.tobytes() + chroma + chroma)


def label_frames() -> list[Image.Image]:
    blank = Image.new("L", (W, H), 255)
    frames: list[Image.Image] = []
    for k in PACKS:
        frame = blank.copy()
        label = render(k, module_px=8, caption=False)
        frame.paste(label, ((W - label.width) // 2, (H - label.height) // 2))
        frames += [frame] * HOLD + [blank] * GAP
    return frames


@pytest.fixture
def camera_page(browser, tmp_path):  # type: ignore[no-untyped-def]
    video = tmp_path / "etiketler.y4m"
    write_y4m(video, label_frames())
    cam = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    context = cam.new_context(locale="tr-TR")
    context.grant_permissions(["camera"])
    yield context.new_page()
    context.close()
    cam.close()


def test_every_pack_in_the_video_is_counted_exactly_once(camera_page, live_server):  # type: ignore[no-untyped-def]
    page = camera_page
    seed_catalog(live_server.db)
    p = live_server.pharmacies
    with live_server.db.begin() as conn:
        sid = store.open_session(conn, p.pharmacy_id, p.alice_id, "Kamera sayımı")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.url.endswith("/scan") else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/sayim/{sid}")
    page.click("#camera-toggle")
    expect(page.locator("#camera-video")).to_have_attribute("data-state", "on")

    def counted() -> list[tuple[str, str]]:
        with live_server.db.connect() as conn:
            return [(s.gtin, s.serial) for s in store.active_scans(conn, sid)]

    deadline = time.time() + 60
    while len(counted()) < len(PACKS) and time.time() < deadline:
        page.wait_for_timeout(500)  # lets Playwright deliver the request events
    # the video loops: keep the camera on for another round and see nothing counted twice
    page.wait_for_timeout((len(PACKS) * (HOLD + GAP) / FPS + 1) * 1000)
    assert sorted(counted()) == sorted((k.gtin, k.serial) for k in PACKS), errors
    assert len(posts) == len(PACKS)        # each code sent once from the camera loop
    with live_server.db.connect() as conn:
        assert store.summary(conn, sid)["total"] == len(PACKS)
        devices = {s.device_id for s in store.active_scans(conn, sid)}
    assert all(d.endswith("-kamera") for d in devices)
    expect(page.locator("#camera-video")).to_have_attribute("data-reads", str(len(PACKS)))
    page.click("#camera-toggle")
    expect(page.locator("#camera-video")).to_have_attribute("data-state", "off")


def test_over_plain_http_from_another_machine_the_page_says_https_is_needed(browser, live_server):  # type: ignore[no-untyped-def]
    """A phone opening http://<pc-name>:port is not a secure context: no camera, and why."""
    port = live_server.url.rsplit(":", 1)[1]
    lan = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--host-resolver-rules=MAP eczane-pc.test 127.0.0.1"])
    try:
        page = lan.new_context(locale="tr-TR").new_page()
        p = live_server.pharmacies
        with live_server.db.begin() as conn:
            sid = store.open_session(conn, p.pharmacy_id, p.alice_id, "Telefon")
        base = f"http://eczane-pc.test:{port}"
        page.goto(f"{base}/giris")
        page.fill("input[name=username]", "bob")
        page.fill("input[name=password]", "bob-pw")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/sayim/{sid}")
        expect(page.locator("#camera-toggle")).to_be_disabled()
        expect(page.locator("#camera-status")).to_contain_text("yalnızca HTTPS")
    finally:
        lan.close()
