"""Reading spreadsheet-like files safely: sniff the real type, refuse bombs, stream rows.

Every importer reads through ``open_table(path)``, which

- looks at the file's bytes, not its name: XLSX/ODS (a zip), XLS (an OLE2 compound file), or text
  (CSV/TXT with ``;``, ``,`` or tab, UTF-8 with or without BOM, or Windows-1254 — the Turkish
  Windows code page that Excel uses for "CSV (virgülle ayrılmış)");
- refuses a 0-byte file, a file whose name says ``.xlsx`` but whose bytes are not a workbook, and a
  zip whose central directory declares more than ``MAX_UNCOMPRESSED`` bytes or a member with a
  compression ratio above ``MAX_RATIO`` (a "zip bomb") — before any XML is inflated;
- yields rows as lists of cell values (str, float, date, datetime) through python-calamine.

Errors are ``ImportRefused`` with a Turkish message and a stable ``code``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_UNCOMPRESSED = 1_500_000_000
"""Total bytes the workbook's parts may inflate to (a 1,000,000-row İTS export is ~250 MB)."""
MAX_RATIO = 250
"""Compression ratio above which a part of more than ``RATIO_MIN_SIZE`` is a bomb (XLSX sheets
compress ~5–30×; zip bombs 1,000× and more)."""
RATIO_MIN_SIZE = 5_000_000
MAX_TEXT_BYTES = 500_000_000

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportRefused(Exception):
    """The file cannot be imported at all (nothing was imported). Message in Turkish."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: pickle (a large import runs in a child process,
        # ``store/offload.py``) rebuilds it and its subclasses from their attributes instead.
        return restore_exception, (type(self), self.args, self.__dict__)


def restore_exception(cls: type[BaseException], args: tuple[Any, ...],
                      state: dict[str, Any]) -> BaseException:
    """An exception rebuilt by pickle without calling its ``__init__`` (see ``__reduce__``)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


@dataclass
class Table:
    """An opened file: its kind, its rows (an iterator, read once) and what the reader noticed."""

    kind: str
    """``xlsx``, ``xls``, ``ods`` or ``csv``."""
    rows: Iterator[list[Any]]
    sheet: str = ""
    encoding: str = ""
    delimiter: str = ""
    total: int | None = None
    """Rows in the sheet (for a progress bar), when known before reading."""
    row_offset: int = 0
    """Rows above the first yielded one (a sheet whose used range starts below row 1)."""
    notes: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path) -> str:
    """The file's real kind from its first bytes (the name's extension is only a hint)."""
    with path.open("rb") as f:
        head = f.read(8)
    if not head:
        raise ImportRefused("Dosya boş (0 bayt). İTS'den yeniden indirin.", code="empty_file")
    if head.startswith(_ZIP):
        return _zip_kind(path)
    if head.startswith(_OLE):
        return "xls"
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise ImportRefused(
            f"'{path.name}' bir Excel dosyası değil (içeriği {path.suffix} biçiminde değil). "
            "Dosya bozuk olabilir veya adı değiştirilmiş olabilir.", code="not_a_workbook")
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused(f"'{path.name}' bozuk bir Excel dosyası (zip okunamadı).",
                            code="bad_zip") from None
    check_zip_bomb(path.name, infos)
    verify_zip_members(path)
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    raise ImportRefused(f"'{path.name}' bir zip dosyası ama Excel çalışma kitabı değil.",
                        code="not_a_workbook")


def check_zip_bomb(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose declared sizes would blow up memory (checked before inflating)."""
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ImportRefused(
                f"'{name}' reddedildi: içindeki '{info.filename}' {info.compress_size:,} bayttan "
                f"{info.file_size:,} bayta açılıyor ({ratio:,.0f} kat). Bu bir 'zip bombası' "
                "olabilir; İTS'nin verdiği dosyayı değiştirmeden yükleyin.", code="zip_bomb")
    if total > MAX_UNCOMPRESSED:
        raise ImportRefused(
            f"'{name}' reddedildi: açılınca {total:,} bayt olacak (sınır {MAX_UNCOMPRESSED:,}). "
            "Bu bir 'zip bombası' olabilir.", code="zip_bomb")


def verify_zip_members(path: Path) -> None:
    """Inflate every part once, in 1 MB steps, never past its declared size.

    ``check_zip_bomb`` trusts the sizes the zip declares; a forged zip can declare 1 MB for a part
    that inflates to gigabytes. Python's zipfile stops at the declared size and then checks the
    CRC, so a lie is caught here with bounded memory, before calamine sees the file.
    """
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as f:
                    while chunk := f.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_UNCOMPRESSED:
                            raise ImportRefused(
                                f"'{path.name}' reddedildi: açılınca {MAX_UNCOMPRESSED:,} bayttan "
                                "büyük. Bu bir 'zip bombası' olabilir.", code="zip_bomb")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise ImportRefused(
            f"'{path.name}' reddedildi: içindeki bir parça bildirdiğinden farklı açılıyor "
            f"({exc}). Dosya bozuk ya da bir 'zip bombası' olabilir; İTS'nin verdiği dosyayı "
            "değiştirmeden yükleyin.", code="zip_bomb") from None


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    """Open a file for row iteration (see the module docstring)."""
    kind = sniff(path)
    if kind == "csv":
        return _open_text(path)
    return _open_workbook(path, kind, sheet)


def _open_workbook(path: Path, kind: str, sheet: str | None) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if not names:
            raise ImportRefused(f"'{path.name}' içinde hiç sayfa yok.", code="no_sheet")
        if sheet is not None and sheet not in names:
            raise ImportRefused(f"'{path.name}' içinde '{sheet}' sayfası yok "
                                f"(sayfalar: {', '.join(names)}).", code="no_sheet")
        chosen, ws = _pick_sheet(wb, names, sheet)
        rows = ws.iter_rows()
        offset = int(ws.start[0]) if ws.start else 0
    except ImportRefused:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportRefused(f"'{path.name}' okunamadı: dosya bozuk veya şifreli ({exc}).",
                            code="unreadable") from None
    notes = [] if len(names) == 1 else [f"'{chosen}' sayfası okundu (sayfalar: {', '.join(names)})."]
    return Table(kind, iter(rows), sheet=chosen, total=int(ws.height), row_offset=offset,
                 notes=notes)


def _pick_sheet(wb: Any, names: list[str], wanted: str | None) -> tuple[str, Any]:
    """The wanted sheet, else the first one with data (each sheet is parsed once)."""
    if wanted is not None:
        return wanted, wb.get_sheet_by_name(wanted)
    first = None
    for name in names:
        ws = wb.get_sheet_by_name(name)
        if first is None:
            first = (name, ws)
        if ws.height > 0 and ws.width > 0:
            return name, ws
    assert first is not None
    return first


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text export: UTF-8 (BOM or not), else Windows-1254 (Turkish). Returns (text, enc)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace"), "cp1254"


def _open_text(path: Path) -> Table:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise ImportRefused(f"'{path.name}' çok büyük ({size:,} bayt).", code="too_large")
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(f"'{path.name}' bir metin (CSV) dosyası değil.", code="not_text")
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return Table("csv", (list(r) for r in reader), encoding=encoding, delimiter=delimiter,
                 total=text.count("\n") + 1)


def sniff_delimiter(text: str) -> str:
    """``;`` (Turkish Excel), ``,`` or tab: the one that splits the first lines most evenly."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    best, best_score = ";", -1
    for d in (";", "\t", ","):
        counts = [ln.count(d) for ln in lines]
        if not counts or max(counts) == 0:
            continue
        score = sum(1 for c in counts if c == max(counts)) * 10 + max(counts)
        if score > best_score:
            best, best_score = d, score
    return best


KIND_TR = {
    "pdf": "bir PDF belgesi", "zip": "bir Excel çalışma kitabı ya da zip arşivi",
    "ole": "eski biçim bir Office dosyası (XLS/DOC)", "gzip": "sıkıştırılmış bir dosya (gzip)",
    "image": "bir resim", "binary": "bir metin dosyası değil (ikili veri)", "text": "bir metin dosyası",
}
"""What a file's first bytes say it is, in the pharmacist's words (for refusals)."""

_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1d\x1e\x04\x1a")
"""Control bytes a text export or scanner dump may hold: tab, line ends, form feed, the GS1
separators GS/RS/EOT and a DOS end-of-file."""


def content_kind(head: bytes) -> str:
    r"""The kind of a file from its first bytes (up to 64 KB are looked at).

    ``text`` is what a karekod list, a scanner dump or a CSV is: no NUL byte (unless UTF-16
    with a BOM) and no more than 1 % other control bytes. Everything else is named by its
    magic number (``pdf``, ``zip`` — XLSX/ODS are zips —, ``ole``, ``gzip``, ``image``) or is
    ``binary``.

    >>> content_kind(b"%PDF-1.7\n...")
    'pdf'
    >>> content_kind(b"0108699536080008211S1\x1d17271231101\r\n")
    'text'
    >>> content_kind(bytes(range(256)))
    'binary'
    """
    head = head[:65536]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((_ZIP, b"PK\x05\x06")):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" in head:
        return "binary"
    controls = sum(1 for b in head if b < 0x20 and b not in _TEXT_CONTROLS)
    return "binary" if controls > len(head) // 100 else "text"
