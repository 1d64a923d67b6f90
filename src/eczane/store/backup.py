"""Backup and restore of one pharmacy's data (``eczane backup`` / ``eczane restore``).

Seed 000 step 3 tells the pharmacist to back up before the stock reset. A backup is one portable
gzip file of JSON lines, readable on SQLite and PostgreSQL alike:

- line 1, the manifest: ``{"format": "eczane-backup", "version": 2, "pharmacy_id", "created_at",
  "schema": <alembic revision>, "tables": {name: row count}, "columns": {name: [columns]},
  "auth": {how the MAC key is made}}``;
- one line per row: ``{"t": table, "r": [values in column order]}``;
- the last line: ``{"end": true, "rows": n, "hmac": <HMAC-SHA256 of every previous line>}``.

The MAC is keyed (:mod:`eczane.store.backup_auth`): by the installation's secret key, or by a
passphrase the pharmacist chose at backup time (scrypt, salt and parameters in ``auth``), so any
edit — a role, a password hash — is refused, and a backup can still move to a new machine.
Version 1 files (an unkeyed SHA-256 anyone can recompute) are refused: their content cannot be
vouched for.

Which tables: every table of ``metadata`` that has a ``pharmacy_id`` column (so tables other
areas add later are included without a change here), plus the pharmacy row itself and the
global ``product`` catalog.

Restore checks the whole file first (gzip, manifest, MAC, counts, known tables and
columns) and refuses a damaged one with a Turkish message before touching the database. Then,
in one transaction, it deletes the pharmacy's rows and inserts the saved ones with their ids —
restoring gives back exactly what was saved. The audit log is append-only: when the current
log already extends the saved one it is kept (nothing of the history is lost); an empty log gets
the saved one; a log that contradicts the saved one is refused. Both actions append an audit
event (``store.backup``, ``store.restore``).
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)

import eczane.store.tables  # noqa: F401  (every area's tables on metadata)
from eczane.domain.formatting import datetime_tr, to_local
from eczane.store import tenant
from eczane.store.audit import append_event, audit_log
from eczane.store.backup_auth import (
    AccountChange,
    BackupAuthError,
    BackupSecret,
    diff_accounts,
    mac_matches,
    new_auth,
    new_mac,
)
from eczane.store.base import metadata
from eczane.store.catalog import product
from eczane.store.core import app_user, pharmacy
from eczane.store.db import act_in_transaction

FORMAT = "eczane-backup"
VERSION = 2

__all__ = ["BackupError", "BackupInfo", "BackupSecret", "account_changes", "backup_time",
           "read_manifest", "restore_backup", "restore_phrase", "write_backup"]


class BackupError(Exception):
    """A backup cannot be written or restored; the message is Turkish and says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class BackupInfo:
    path: Path
    pharmacy_id: int
    tables: dict[str, int]
    hmac: str
    created_at: str
    protected: str = "key"
    """``key`` (this installation's secret key) or ``passphrase``."""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def pharmacy_tables() -> list[Table]:
    """Tables holding a pharmacy's data, parents before children (FK order)."""
    return [t for t in metadata.sorted_tables if "pharmacy_id" in t.c]


def _schema_revision(conn: Connection) -> str:
    try:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")
    except Exception:  # noqa: BLE001 - a database created without Alembic (tests)
        return ""


# ---------------------------------------------------------------- value encoding


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(table: Table, columns: list[str]) -> list[Any]:
    out: list[Any] = []
    for name in columns:
        col_type = table.c[name].type
        if isinstance(col_type, DateTime):
            out.append(lambda v: None if v is None else _parse_dt(v))
        elif isinstance(col_type, Date):
            out.append(lambda v: None if v is None else date.fromisoformat(v))
        elif isinstance(col_type, LargeBinary):
            out.append(lambda v: None if v is None else base64.b64decode(v))
        elif isinstance(col_type, Numeric) and not isinstance(col_type, JSON):
            out.append(lambda v: None if v is None else Decimal(v))
        else:
            out.append(lambda v: v)
    return out


def _parse_dt(v: str) -> datetime:
    d = datetime.fromisoformat(v)
    return d


# ---------------------------------------------------------------- backup


def write_backup(conn: Connection, pharmacy_id: int, path: Path, secret: BackupSecret, *,
                 user_id: int | None = None) -> BackupInfo:
    """Write the pharmacy's backup to ``path`` (atomically: a temp file renamed at the end).

    ``secret`` keys the MAC: the installation's secret key, or the passphrase in it when one is
    given. Appends ``store.backup`` to the audit log first (so the backup holds its own record);
    the caller commits. Raises ``BackupError`` for an unknown pharmacy or a short passphrase.
    """
    try:
        auth = new_auth(secret)
        key = secret.mac_key(auth)
    except BackupAuthError as exc:
        raise BackupError(exc.message, code=exc.code) from None
    _check_tenant(pharmacy_id)
    if conn.execute(select(pharmacy.c.id).where(pharmacy.c.id == pharmacy_id)).first() is None:
        raise BackupError(f"{pharmacy_id} numaralı eczane yok.", code="no_pharmacy")
    tables = [pharmacy, product, *pharmacy_tables()]
    counts: dict[str, int] = {}
    for t in tables:
        q = select(func.count()).select_from(t)
        if t is pharmacy:
            q = q.where(pharmacy.c.id == pharmacy_id)
        elif t is not product:
            q = q.where(t.c.pharmacy_id == pharmacy_id)
        counts[t.name] = int(conn.execute(q).scalar_one())
    created = datetime.now(UTC).isoformat()
    append_event(conn, pharmacy_id, user_id, "store.backup",
                 {"file": path.name, "tables": counts, "created_at": created,
                  "protected": auth["kind"]})
    counts["audit_log"] = counts.get("audit_log", 0) + 1
    manifest = {"format": FORMAT, "version": VERSION, "pharmacy_id": pharmacy_id,
                "created_at": created, "schema": _schema_revision(conn), "tables": counts,
                "columns": {t.name: [c.name for c in t.columns] for t in tables}, "auth": auth}
    digest = new_mac(key)
    tmp = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(tmp, "wb", compresslevel=6) as f:
        def put(obj: Any) -> None:
            line = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            digest.update(line)
            f.write(line)

        put(manifest)
        total = 0
        for t in tables:
            q = select(t)
            if t is pharmacy:
                q = q.where(pharmacy.c.id == pharmacy_id)
            elif t is not product:
                q = q.where(t.c.pharmacy_id == pharmacy_id)
            pk = list(t.primary_key.columns)
            if pk:
                q = q.order_by(*pk)
            for row in conn.execute(q):
                put({"t": t.name, "r": [_encode(v) for v in row]})
                total += 1
        end = {"end": True, "rows": total, "hmac": digest.hexdigest()}
        f.write((json.dumps(end) + "\n").encode())
    tmp.chmod(0o600)  # it holds password hashes and the pharmacy's whole stock
    tmp.replace(path)
    return BackupInfo(path, pharmacy_id, counts, str(end["hmac"]), created, auth["kind"])


# ---------------------------------------------------------------- restore


def _lines(path: Path) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as f:
            yield from f
    except FileNotFoundError:
        raise BackupError(f"Yedek dosyası bulunamadı: {path}", code="missing") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"Yedek dosyası bozuk: '{path.name}' açılamadı ({exc}). Başka bir "
                          "yedek deneyin.", code="damaged") from None


def read_manifest(path: Path, secret: BackupSecret) -> dict[str, Any]:
    """Check the whole file (MAC, counts, schema) and return its manifest.

    Nothing in the file is trusted before its MAC is checked: the manifest is read only for the
    key parameters, every line is hashed, and a parse error is reported after the MAC matched.

    Raises:
        BackupError: a damaged, truncated, edited or foreign file, an old unkeyed backup, a
            missing or wrong passphrase — with a Turkish message.
    """
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise BackupError(f"'{path.name}' boş.", code="damaged")
    try:
        manifest = json.loads(first)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"'{path.name}' bir eczane yedeği değil.", code="not_backup")
    if manifest.get("version") == 1:
        raise BackupError(
            "Bu yedek eski biçimde (sürüm 1): sağlaması anahtarsız olduğu için değiştirilip "
            "değiştirilmediği anlaşılamıyor; güvenlik için geri yüklenmez. Yedeği alan "
            "kurulumda eczane'yi güncelleyip yeni bir yedek alın.", code="unkeyed")
    if manifest.get("version") != VERSION:
        raise BackupError(f"Yedek sürümü {manifest.get('version')} desteklenmiyor "
                          f"(beklenen {VERSION}).", code="version")
    try:
        digest = new_mac(secret.mac_key(manifest.get("auth") or {}))
    except BackupAuthError as exc:
        raise BackupError(exc.message, code=exc.code) from None
    digest.update(first)
    seen: dict[str, int] = {}
    end: Any = None
    bad_line = 0
    for n, line in enumerate(lines, start=2):
        if end is not None:
            raise BackupError(f"Yedek dosyası bozuk: son satırdan sonra veri var ({n}. satır).",
                              code="damaged")
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and obj.get("end") is True and "hmac" in obj:
            end = obj
            continue
        digest.update(line)
        if isinstance(obj, dict) and isinstance(obj.get("t"), str):
            seen[obj["t"]] = seen.get(obj["t"], 0) + 1
        elif not bad_line:
            bad_line = n
    if end is None:
        raise BackupError("Yedek dosyası eksik: son satır (doğrulama kodu) yok; dosya yarıda "
                          "kesilmiş.", code="truncated")
    if not mac_matches(digest, end.get("hmac")):
        if (manifest.get("auth") or {}).get("kind") == "passphrase":
            raise BackupError("Yedek doğrulanamadı: parola yanlış ya da dosya yedek alındıktan "
                              "sonra değiştirilmiş. Geri yüklenmedi.", code="mac")
        raise BackupError("Yedek doğrulanamadı: dosya yedek alındıktan sonra değiştirilmiş ya da "
                          "başka bir kurulumun gizli anahtarıyla alınmış. Geri yüklenmedi. "
                          "Başka bir bilgisayara taşınacak yedeği parolayla alın.", code="mac")
    if bad_line:
        raise BackupError(f"Yedek dosyası bozuk: {bad_line}. satır okunamadı.", code="damaged")
    expected = {k: v for k, v in manifest["tables"].items() if v}
    if seen != expected:
        raise BackupError(f"Yedek dosyası bozuk: satır sayıları bildirilenle aynı değil "
                          f"(bildirilen {expected}, bulunan {seen}).", code="counts")
    for name, cols in manifest["columns"].items():
        table = metadata.tables.get(name)
        if table is None:
            raise BackupError(f"Yedekteki '{name}' tablosu bu sürümde yok; yedeği alan sürümle "
                              "geri yükleyin.", code="schema")
        unknown = [c for c in cols if c not in table.c]
        if unknown:
            raise BackupError(f"Yedekteki '{name}' tablosunun sütunları bu sürümde yok: "
                              f"{', '.join(unknown)}.", code="schema")
    manifest["_hmac"] = end["hmac"]
    return manifest


def backup_time(manifest: dict[str, Any]) -> datetime:
    """When the backup was written, in Europe/Istanbul time (what the pharmacist reads)."""
    return to_local(str(manifest["created_at"]))  # type: ignore[return-value]


def restore_phrase(manifest: dict[str, Any]) -> str:
    """The sentence a pharmacist types to restore from the page, naming the backup's time.

    A restore replaces everything entered since the backup, so the page asks for a deliberate
    act that names which backup (like the approval phrase of a notification, issue 6).
    """
    return f"{datetime_tr(manifest['created_at'])} yedeğini geri yükle"


def restore_backup(conn: Connection, path: Path, secret: BackupSecret, *,
                   user_id: int | None = None, pharmacy_id: int | None = None) -> BackupInfo:
    """Restore a backup into the database (in the caller's transaction).

    The file is authenticated whole first (:func:`read_manifest`), and the rows are inserted
    only if the file read again still carries the same MAC. ``pharmacy_id``, when given, must
    equal the backup's (a guard against restoring the wrong pharmacy's file). Raises
    ``BackupError``; on any error nothing is changed.
    """
    manifest = read_manifest(path, secret)
    pid = int(manifest["pharmacy_id"])
    if pharmacy_id is not None and pharmacy_id != pid:
        raise BackupError(f"Bu yedek {pid} numaralı eczanenin; {pharmacy_id} numaralı eczaneye "
                          "geri yüklenemez.", code="wrong_pharmacy")
    acting = tenant.current()
    if acting is not None and acting != pid:
        raise BackupError(f"Bu yedek {pid} numaralı eczanenin; {acting} numaralı eczaneye "
                          "geri yüklenemez.", code="wrong_pharmacy")
    act_in_transaction(conn, pid)  # installation-wide restore: from here on, for this pharmacy
    tables = {name: metadata.tables[name] for name in manifest["columns"]}
    saved_audit = [row for name, row in _rows(path, manifest) if name == "audit_log"]
    keep_audit = _audit_decision(conn, pid, manifest, saved_audit)
    _its_guard(conn, pid, path, manifest)
    accounts = account_changes(conn, path, manifest)
    scoped = pharmacy_tables()
    try:
        with conn.begin_nested():
            for t in reversed(scoped):
                if t.name == "audit_log" and keep_audit:
                    continue
                conn.execute(delete(t).where(t.c.pharmacy_id == pid))
            batch: dict[str, list[dict[str, Any]]] = {}
            decoders = {n: _decoder(tables[n], manifest["columns"][n]) for n in tables}
            order = [pharmacy.name, product.name] + [t.name for t in scoped]
            rows_by_table: dict[str, list[dict[str, Any]]] = {n: [] for n in order}
            for name, row in _rows(path, manifest):
                if name == "audit_log" and keep_audit:
                    continue
                cols = manifest["columns"][name]
                rows_by_table[name].append(
                    {c: dec(v) for c, dec, v in zip(cols, decoders[name], row, strict=True)})
            if _file_mac(path, secret, manifest) != manifest["_hmac"]:
                raise BackupError("Yedek dosyası denetimden sonra değişti; geri yüklenmedi.",
                                  code="mac")
            batch = rows_by_table
            _restore_pharmacy(conn, batch.pop(pharmacy.name, []))
            _restore_products(conn, batch.pop(product.name, []))
            for t in scoped:
                rows = batch.get(t.name, [])
                for i in range(0, len(rows), 1000):
                    conn.execute(insert(t), rows[i:i + 1000])
            _bump_sequences(conn, scoped)
            append_event(conn, pid, user_id, "store.restore", {
                "file": path.name, "backup_created_at": manifest["created_at"],
                "tables": manifest["tables"], "audit_kept": keep_audit,
                "accounts": [c.to_json() for c in accounts]})
    except BackupError:
        raise
    except Exception as exc:  # noqa: BLE001 - any database refusal → nothing changed
        raise BackupError(f"Geri yükleme yapılamadı, hiçbir şey değiştirilmedi: {exc}",
                          code="conflict") from None
    return BackupInfo(path, pid, dict(manifest["tables"]), str(manifest["_hmac"]),
                      manifest["created_at"], str(manifest["auth"]["kind"]))


def _check_tenant(pid: int) -> None:
    """A backup of ``pid`` runs acting for ``pid`` (or for no pharmacy, on one installation):
    acting for another pharmacy, row-level security would show it none of ``pid``'s rows and
    the backup would be empty."""
    current = tenant.current()
    if current is not None and current != pid:
        raise BackupError(f"{pid} numaralı eczanenin yedeği {current} numaralı eczane adına "
                          "alınamaz.", code="wrong_pharmacy")


def _file_mac(path: Path, secret: BackupSecret, manifest: dict[str, Any]) -> str:
    """The MAC of the file as it is now (every line but the last)."""
    digest = new_mac(secret.mac_key(manifest["auth"]))
    previous: bytes | None = None
    for line in _lines(path):
        if previous is not None:
            digest.update(previous)
        previous = line
    return digest.hexdigest()


def _rows(path: Path, manifest: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    for n, line in enumerate(_lines(path)):
        if n == 0:
            continue
        obj = json.loads(line)
        if obj.get("end"):
            return
        yield obj["t"], obj["r"]


def _audit_decision(conn: Connection, pid: int, manifest: dict[str, Any],
                    saved: list[list[Any]]) -> bool:
    """True: keep the current audit log (it extends the saved one). False: take the saved one."""
    cols = manifest["columns"]["audit_log"]
    si, hi = cols.index("seq"), cols.index("hash")
    saved_chain = [(int(r[si]), str(r[hi])) for r in saved]
    current = [(int(s), str(h)) for s, h in conn.execute(
        select(audit_log.c.seq, audit_log.c.hash).where(audit_log.c.pharmacy_id == pid)
        .order_by(audit_log.c.seq))]
    if not current:
        return False
    if current[:len(saved_chain)] == saved_chain:
        return True
    raise BackupError("Geri yükleme reddedildi: bu veritabanının denetim kaydı yedektekiyle "
                      "çelişiyor (kayıtlar silinemez). Yedeği boş bir veritabanına yükleyin.",
                      code="audit_conflict")


_NOT_SENT = ("pending", "dropped")


def _its_guard(conn: Connection, pid: int, path: Path, manifest: dict[str, Any]) -> None:
    """Refuse a restore that would forget a pack İTS was (or may have been) told about."""
    from eczane.store.outbox import submission_pack as sp

    cols = manifest["columns"].get(sp.name)
    saved: dict[tuple[int, str, str], str] = {}
    if cols:
        i, g, s, st = (cols.index(c) for c in ("submission_id", "gtin", "serial", "state"))
        saved = {(int(r[i]), str(r[g]), str(r[s])): str(r[st])
                 for name, r in _rows(path, manifest) if name == sp.name}
    told = conn.execute(
        select(sp.c.submission_id, sp.c.gtin, sp.c.serial, sp.c.state)
        .where(sp.c.pharmacy_id == pid, (sp.c.attempts > 0) | sp.c.state.not_in(_NOT_SENT))
        .order_by(sp.c.submission_id, sp.c.gtin, sp.c.serial)
        .with_for_update()).all()
    lost = [r for r in told if saved.get((r.submission_id, r.gtin, r.serial)) != r.state]
    if lost:
        first = lost[0]
        raise BackupError(
            f"Geri yükleme reddedildi: bu yedek alındıktan sonra İTS'ye {len(lost)} kutu "
            f"bildirildi ya da bildirimi sürüyor (ilki: bildirim {first.submission_id}, GTIN "
            f"{first.gtin}, seri {first.serial}). Yedek yüklenirse bu bilgi kaybolur ve aynı "
            "kutular İTS'ye yeniden gönderilebilir. Bildirimler bittikten sonra yeni bir yedek "
            "alın ve onu kullanın.", code="its_sent_since")


def _restore_pharmacy(conn: Connection, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        exists = conn.execute(select(pharmacy.c.id).where(pharmacy.c.id == r["id"])).first()
        if exists is None:
            conn.execute(insert(pharmacy).values(**r))
        else:
            conn.execute(pharmacy.update().where(pharmacy.c.id == r["id"]).values(**r))


def _restore_products(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The catalog is shared: add products missing here, never overwrite newer catalog data."""
    have = {g for (g,) in conn.execute(select(product.c.gtin))}
    new = [r for r in rows if r["gtin"] not in have]
    for i in range(0, len(new), 1000):
        conn.execute(insert(product), new[i:i + 1000])


def _bump_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: move id sequences past the restored ids."""
    if conn.dialect.name != "postgresql":
        return
    names = [pharmacy, *tables]
    for t in names:
        if "id" not in t.c or not t.c.id.primary_key or not t.c.id.autoincrement:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}).scalar()
        if seq:
            # Row-level security shows this pharmacy's ids only: never move a sequence back
            # below the other pharmacies' ids.
            conn.execute(text(f"SELECT setval('{seq}', GREATEST((SELECT COALESCE(MAX(id), 0) "
                              f"FROM {t.name}), (SELECT last_value FROM {seq}), 1))"))


def account_changes(conn: Connection, path: Path, manifest: dict[str, Any]
                    ) -> list[AccountChange]:
    """Who could log in differently were this (verified) backup restored, compared to now."""
    pid = int(manifest["pharmacy_id"])
    cols = manifest["columns"].get(app_user.name, [])
    saved = [dict(zip(cols, r, strict=True)) for name, r in _rows(path, manifest)
             if name == app_user.name]
    current = [dict(r._mapping) for r in conn.execute(
        select(app_user).where(app_user.c.pharmacy_id == pid))]
    return diff_accounts(saved, current)
