"""Saved placement runs on disk (``data_dir/placement/``), for the what-if and the web page."""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eczane.domain.licensing.placement import PlacementInput
from eczane.placement_io.json_io import input_from_json, input_to_json


@dataclass(frozen=True)
class RunMeta:
    id: str
    pharmacy_id: int | None
    user_id: int | None
    created_at: str
    title: str
    applicants: int
    places: int
    seed: str


class RunStore:
    """Saved runs under ``data_dir/placement/``: ``<id>.json`` (canonical input) and
    ``<id>.meta.json``. The result is recomputed on load (the run is deterministic)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "placement"

    def save(self, inp: PlacementInput, *, title: str, pharmacy_id: int | None = None,
             user_id: int | None = None, run_id: str | None = None) -> RunMeta:
        self.dir.mkdir(parents=True, exist_ok=True)
        rid = run_id or uuid.uuid4().hex[:12]
        meta = RunMeta(rid, pharmacy_id, user_id, datetime.now(UTC).isoformat(timespec="seconds"),
                       title, len(inp.applicants), sum(d.places for d in inp.districts),
                       str(inp.seed))
        self._write(self.dir / f"{rid}.json", input_to_json(inp))
        self._write(self.dir / f"{rid}.meta.json", meta.__dict__)
        return meta

    @staticmethod
    def _write(path: Path, obj: Any) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def meta(self, run_id: str) -> RunMeta | None:
        if not re.fullmatch(r"[0-9a-z_-]{1,40}", run_id):
            return None
        path = self.dir / f"{run_id}.meta.json"
        if not path.exists():
            return None
        return RunMeta(**json.loads(path.read_text(encoding="utf-8")))

    def load(self, run_id: str) -> PlacementInput:
        return input_from_json(json.loads((self.dir / f"{run_id}.json").read_text("utf-8")))

    def list(self, pharmacy_id: int | None) -> list[RunMeta]:
        if not self.dir.exists():
            return []
        metas = [RunMeta(**json.loads(p.read_text(encoding="utf-8")))
                 for p in self.dir.glob("*.meta.json")]
        return sorted((m for m in metas if m.pharmacy_id == pharmacy_id),
                      key=lambda m: m.created_at, reverse=True)
