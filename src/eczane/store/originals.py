"""Original files as uploaded, content-addressed per pharmacy: ``data_dir/files/<pharmacy>/<sha256>``.

The İTS stock file a reconciliation compared is evidence (issue 16 part 4, denetim dosyası):
the rows are in the database, the file itself is kept here from the import on, so the
evidence pack can hand over the very bytes whose SHA-256 the audit log recorded. Same content,
same name: importing a file twice keeps one copy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def original_path(data_dir: Path, pharmacy_id: int, sha256: str) -> Path:
    return Path(data_dir) / "files" / str(int(pharmacy_id)) / sha256


def keep_original(data_dir: Path, pharmacy_id: int, src: Path, sha256: str) -> Path:
    """Copy ``src`` under its SHA-256 (atomically: a temporary file renamed into place)."""
    dest = original_path(data_dir, pharmacy_id, sha256)
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, Path(src).open("rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def read_original(data_dir: Path, pharmacy_id: int, sha256: str) -> bytes | None:
    """The kept original, or None when it was not kept (an import older than this feature)."""
    path = original_path(data_dir, pharmacy_id, sha256)
    return path.read_bytes() if path.is_file() else None
