"""Vendored browser files are exactly the ones VENDORED.md records (package, version, sha256)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "eczane" / "web" / "static" / "vendor"


def test_every_vendored_file_matches_its_recorded_sha256() -> None:
    text = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| `([0-9a-f]{64})` \|$", text, re.M)
    files = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert {name for name, _ in rows} == files - {"VENDORED.md"}
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "zxing-wasm 3.1.8" in text and "MIT" in text
