"""The evidence pack of one sent İTS notification (denetim dosyası), checked offline.

A pack is a ZIP the pharmacist hands to an inspector or a lawyer (issue 16 part 4). This module
knows its members, writes its manifest and checks a pack from the members' bytes alone (no
files, no database): every member's SHA-256 against the manifest, the audit chain excerpt's
links and hashes, and that every pack sent to İTS was in the approved draft and, for a
deactivation, was not counted (seed 000 step 4: only packs not on hand are deactivated; the
outbox drops a pack counted after the reconciliation, ``eczane.its.service.drop_counted``).

>>> members = {"a.txt": b"merhaba"}
>>> members[MANIFEST] = manifest_bytes(members, {"submission_id": 1})
>>> [f.member for f in check_hashes(members, json.loads(members[MANIFEST]))]
['a.txt']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from eczane.domain.audit import AuditRecord, chain_hash
from eczane.domain.csv_cells import from_cell, to_cell

FORMAT = "eczane-denetim-dosyasi/1"
MANIFEST = "manifest.json"
README = "BENIOKU.txt"
ITS_ORIGINAL = "1-its-stok-dosyasi-ozgun"
"""Prefix of the original İTS stock file as uploaded (its own extension follows)."""
ITS_REGENERATED = "1-its-stok-dosyasi-YENIDEN-URETILDI.xlsx"
"""An older import whose original was not kept: the stored rows written out again."""
COUNT = "2-sayim.xlsx"
REPORT_PDF = "3-mutabakat-raporu.pdf"
REPORT_HTML = "3-mutabakat-raporu.html"
DRAFT = "4-onaylanan-taslak.json"
ANSWERS = "5-its-yanitlari.csv"
CHAIN = "6-denetim-zinciri.jsonl"

ANSWER_COLUMNS = ("GTIN", "Seri no", "SKT", "Parti no", "Ürün", "Durum kodu", "Durum",
                  "İTS sonuç kodu", "İTS açıklaması", "Gönderim zamanı", "Yanıt zamanı",
                  "Paket", "İTS bildirim no")
"""Columns of :data:`ANSWERS` (``;``-separated UTF-8 with BOM: Turkish Excel opens it as is)."""
NOT_SENT = frozenset({"pending", "dropped"})
"""Pack states (``eczane.domain.notify.PackState``) of a pack never sent to İTS."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One check of a pack, with a Turkish sentence for the pharmacist or the inspector."""

    member: str
    """The ZIP member the check is about (the one to name when it fails)."""
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class PackCheck:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def failing(self) -> list[str]:
        """The failing members, each once, in the order found."""
        return list(dict.fromkeys(f.member for f in self.findings if not f.ok))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def manifest_bytes(members: Mapping[str, bytes], meta: Mapping[str, Any],
                   titles: Mapping[str, str] | None = None) -> bytes:
    """The manifest: ``meta`` (ISO times), every member's name, size and SHA-256, and the
    manifest's own SHA-256 (over the same JSON without that field), in one canonical form.

    Any byte changed in the manifest either breaks the JSON, the canonical form or its own hash.
    """
    body = dict(meta)
    body["format"] = FORMAT
    body["members"] = [{"name": n, "size": len(b), "sha256": sha256_hex(b),
                        "title": (titles or {}).get(n, "")}
                       for n, b in sorted(members.items()) if n != MANIFEST]
    body["manifest_sha256"] = sha256_hex(_dump(body))
    return _dump(body)


def check_manifest(data: bytes | None) -> tuple[dict[str, Any] | None, Finding]:
    """Parse the manifest and check its form and its own hash."""
    if data is None:
        return None, Finding(MANIFEST, False, f"{MANIFEST} yok: dosya bir denetim dosyası değil.")
    try:
        body = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError):
        return None, Finding(MANIFEST, False, f"{MANIFEST} okunamıyor (bozuk JSON).")
    if not isinstance(body, dict) or body.get("format") != FORMAT or not isinstance(
            body.get("members"), list) or not all(
            isinstance(m, dict) and isinstance(m.get("name"), str) for m in body["members"]) \
            or not isinstance(body.get("its_file", {}), dict):
        return None, Finding(MANIFEST, False, f"{MANIFEST} tanınmıyor (biçim {FORMAT} değil).")
    own = body.pop("manifest_sha256", None)
    if own != sha256_hex(_dump(body)) or data != _dump({**body, "manifest_sha256": own}):
        return None, Finding(MANIFEST, False, f"{MANIFEST} değiştirilmiş: kendi özeti tutmuyor.")
    return body, Finding(MANIFEST, True, f"{MANIFEST}: biçim ve kendi özeti doğru "
                                         f"({len(body['members'])} dosya listeleniyor).")


def check_hashes(members: Mapping[str, bytes], manifest: Mapping[str, Any]) -> list[Finding]:
    """Every listed member is present with its SHA-256; nothing unlisted is in the ZIP."""
    out = []
    listed = {str(m.get("name")): m for m in manifest["members"]}
    for name, m in listed.items():
        data = members.get(name)
        if data is None:
            out.append(Finding(name, False, f"{name}: manifestte var, ZIP'te yok."))
        elif sha256_hex(data) != m.get("sha256") or len(data) != m.get("size"):
            out.append(Finding(name, False, f"{name}: SHA-256 tutmuyor, dosya değiştirilmiş "
                                            f"(beklenen {m.get('sha256')}, bulunan {sha256_hex(data)})."))
        else:
            out.append(Finding(name, True, f"{name}: SHA-256 {m['sha256']} doğru."))
    for name in sorted(set(members) - set(listed) - {MANIFEST}):
        out.append(Finding(name, False, f"{name}: manifestte olmayan dosya eklenmiş."))
    return out


# ---------------------------------------------------------------- the audit chain excerpt


def chain_lines(rows: Iterable[tuple[AuditRecord, str, str]]) -> bytes:
    """The excerpt as JSON lines: each record with its previous hash and its own hash."""
    out = []
    for r, prev, h in rows:
        out.append(json.dumps({"pharmacy_id": r.pharmacy_id, "seq": r.seq, "at": r.at,
                               "user_id": r.user_id, "name": r.name, "payload": r.payload,
                               "prev_hash": prev, "hash": h},
                              ensure_ascii=False, sort_keys=True, default=str))
    return ("\n".join(out) + "\n").encode()


def read_chain(data: bytes) -> list[tuple[AuditRecord, str, str]]:
    rows = []
    for line in data.decode().splitlines():
        if line.strip():
            d = json.loads(line)
            if not isinstance(d, dict) or not isinstance(d.get("payload"), dict):
                raise ValueError("kayıt bir JSON nesnesi değil")
            rows.append((AuditRecord(int(d["pharmacy_id"]), int(d["seq"]), str(d["at"]),
                                     d["user_id"], str(d["name"]), d["payload"]),
                         str(d["prev_hash"]), str(d["hash"])))
    return rows


def check_chain(rows: Sequence[tuple[AuditRecord, str, str]]) -> Finding:
    """Each record's hash covers it and the previous hash; each links to the one before.

    The first record's ``prev_hash`` is the link to the entry before the excerpt: compare it
    (or the last hash) with the pharmacy's live log (``eczane audit verify``).
    """
    if not rows:
        return Finding(CHAIN, False, f"{CHAIN}: denetim kaydı yok.")
    prev = rows[0][1]
    for i, (rec, prev_hash, stored) in enumerate(rows):
        if i and rec.seq != rows[i - 1][0].seq + 1:
            return Finding(CHAIN, False, f"{CHAIN}: kayıt {rows[i - 1][0].seq + 1} eksik "
                                         f"(sonraki kayıt {rec.seq}).")
        if prev_hash != prev:
            return Finding(CHAIN, False, f"{CHAIN}: kayıt {rec.seq} öncekine bağlı değil.")
        if chain_hash(prev_hash, rec) != stored:
            return Finding(CHAIN, False, f"{CHAIN}: kayıt {rec.seq} değiştirilmiş, özeti tutmuyor.")
        prev = stored
    return Finding(CHAIN, True, f"{CHAIN}: {len(rows)} kayıt (sıra {rows[0][0].seq}–"
                                f"{rows[-1][0].seq}) birbirine bağlı, özetler doğru; zincirin "
                                f"önceki kaydı {rows[0][1] or '(başlangıç)'}, son özet {prev}.")


# ---------------------------------------------------------------- the packs


def answer_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of :data:`ANSWERS` as :func:`answers_csv` was given them."""
    text = data.decode("utf-8-sig")
    return [{k: from_cell(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text), delimiter=";")]


def answers_csv(rows: Iterable[Sequence[str]]) -> bytes:
    """:data:`ANSWERS`; a value a spreadsheet would run as a formula leaves as text
    (:func:`eczane.domain.csv_cells.to_cell`)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(ANSWER_COLUMNS)
    w.writerows([to_cell(v) if isinstance(v, str) else v for v in row] for row in rows)
    return ("\ufeff" + buf.getvalue()).encode()


def sent_keys(answers: Sequence[Mapping[str, str]]) -> list[tuple[str, str]]:
    return [(r["GTIN"], r["Seri no"]) for r in answers if r.get("Durum kodu") not in NOT_SENT]


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def xlsx_sheet_rows(data: bytes, sheet: str) -> list[list[str]]:
    """The cells of one sheet of an XLSX as text (stdlib only: an XLSX is a ZIP of XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t"))
                      for si in root.findall("m:si", _NS)]
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        rid = next((s.get(_REL) for s in book.iter(f"{{{_NS['m']}}}sheet")
                    if s.get("name") == sheet), None)
        if rid is None:
            raise ValueError(f"'{sheet}' sayfası yok")
        target = targets[rid].lstrip("/")
        ws = ElementTree.fromstring(z.read(target if target.startswith("xl/") else "xl/" + target))
    rows = []
    for row in ws.iter(f"{{{_NS['m']}}}row"):
        cells: dict[int, str] = {}
        for c in row.findall("m:c", _NS):
            col = _col_index(c.get("r", "A1"))
            kind = c.get("t")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(f"{{{_NS['m']}}}t"))
            else:
                v = c.find("m:v", _NS)
                value = "" if v is None or v.text is None else v.text
                if kind == "s" and value:
                    value = shared[int(value)]
            cells[col] = value
        rows.append([cells.get(i, "") for i in range(max(cells, default=-1) + 1)])
    return rows


def _col_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    n = 0
    for ch in letters.group(0) if letters else "A":
        n = n * 26 + ord(ch) - 64
    return n - 1


def counted_keys(count_xlsx: bytes) -> set[tuple[str, str]]:
    """(GTIN, serial) of every pack on the count export's "Karekodlar" sheet."""
    rows = xlsx_sheet_rows(count_xlsx, "Karekodlar")
    if not rows:
        return set()
    head = rows[0]
    g, s = head.index("GTIN"), head.index("Seri no")
    return {(r[g], r[s]) for r in rows[1:] if len(r) > max(g, s) and r[g]}


def _keys_text(keys: Iterable[tuple[str, str]]) -> str:
    ks = sorted(keys)
    more = f" ve {len(ks) - 5} kutu daha" if len(ks) > 5 else ""
    return ", ".join(f"{g}/{s}" for g, s in ks[:5]) + more


def check_packs(members: Mapping[str, bytes], manifest: Mapping[str, Any]) -> list[Finding]:
    """Sent packs ⊆ approved draft; a deactivation's sent packs ∩ count = ∅."""
    try:
        draft = json.loads(members[DRAFT].decode())
        approved = {(p["gtin"], p["serial"]) for p in draft["approved_packs"]}
        kind = dict(draft.get("submission", {})).get("kind")
    except (KeyError, ValueError, TypeError, AttributeError):
        return [Finding(DRAFT, False, f"{DRAFT} okunamıyor.")]
    try:
        sent = sent_keys(answer_rows(members[ANSWERS]))
    except (KeyError, ValueError, UnicodeDecodeError, csv.Error):
        return [Finding(ANSWERS, False, f"{ANSWERS} okunamıyor.")]
    out = []
    extra = set(sent) - approved
    if extra:
        out.append(Finding(ANSWERS, False, f"{ANSWERS}: {len(extra)} gönderilen kutu onaylanan "
                                           f"taslakta yok: {_keys_text(extra)}."))
    else:
        out.append(Finding(ANSWERS, True, f"{ANSWERS}: gönderilen {len(sent)} kutunun hepsi "
                                          f"onaylanan taslakta ({len(approved)} kutu)."))
    if kind != "deactivation":
        out.append(Finding(COUNT, True, "Bu bildirim deaktivasyon değil: sayımda bulunan kutu da "
                                        "bildirilebilir, sayım karşılaştırması yapılmadı."))
        return out
    try:
        counted = counted_keys(members[COUNT])
    except Exception:  # noqa: BLE001 - any damage to the XLSX (zip, deflate, XML, indexes) is "unreadable"
        return [*out, Finding(COUNT, False, f"{COUNT} okunamıyor (Karekodlar sayfası).")]
    both = set(sent) & counted
    if both:
        out.append(Finding(ANSWERS, False, f"{ANSWERS}: {len(both)} kutu hem İTS'ye deaktivasyon "
                                           f"için gönderilmiş hem sayımda ({COUNT}) var: "
                                           f"{_keys_text(both)}."))
    else:
        out.append(Finding(COUNT, True, f"{COUNT}: gönderilen kutuların hiçbiri sayımda değil "
                                        f"(sayımda {len(counted)} kutu)."))
    return out


def check_links(members: Mapping[str, bytes], manifest: Mapping[str, Any],
                chain: Sequence[tuple[AuditRecord, str, str]]) -> list[Finding]:
    """The chain names the İTS file's SHA-256 and the approval the draft shows."""
    out = []
    its = manifest.get("its_file", {})
    imported = [r for r, _, _ in chain if r.name == "imports.its_stock"
                and r.payload.get("snapshot_id") == its.get("snapshot_id")]
    name = str(its.get("member", ""))
    if not imported or imported[0].payload.get("sha256") != its.get("sha256"):
        out.append(Finding(name, False, f"{name}: denetim zincirinde bu İTS dosyasının yüklenmesi "
                                        "(aynı SHA-256 ile) yok."))
    elif its.get("original") and sha256_hex(members.get(name, b"")) != its.get("sha256"):
        out.append(Finding(name, False, f"{name}: SHA-256 zincirdeki yüklenen dosyanınkiyle aynı değil."))
    else:
        out.append(Finding(name, True, f"{name}: zincirde {imported[0].seq}. kayıtta SHA-256 "
                                       f"{its.get('sha256')} ile yüklenmiş."))
    try:
        sub = dict(json.loads(members[DRAFT].decode())["submission"])
    except (KeyError, ValueError, TypeError):
        return [*out, Finding(DRAFT, False, f"{DRAFT} okunamıyor.")]
    approvals = [r for r, _, _ in chain if r.name == "notify.submission_approved"
                 and r.payload.get("submission") == sub.get("id")]
    if not approvals or approvals[-1].payload.get("confirmation") != sub.get("confirmation") \
            or approvals[-1].user_id != sub.get("approved_by_id"):
        out.append(Finding(DRAFT, False, f"{DRAFT}: onay (kim, onay metni) zincirdeki onay "
                                         "kaydıyla aynı değil."))
    else:
        out.append(Finding(DRAFT, True, f"{DRAFT}: onay zincirin {approvals[-1].seq}. kaydında, "
                                        f"onay metni “{sub.get('confirmation')}”."))
    return out


def verify_members(members: Mapping[str, bytes]) -> PackCheck:
    """Check a pack from its members' bytes (name → bytes); see the module docstring."""
    manifest, first = check_manifest(members.get(MANIFEST))
    if manifest is None:
        return PackCheck((first,))
    found = [first, *check_hashes(members, manifest)]
    try:
        chain = read_chain(members.get(CHAIN, b""))
    except (ValueError, KeyError, TypeError):
        return PackCheck((*found, Finding(CHAIN, False, f"{CHAIN} okunamıyor.")))
    found.append(check_chain(chain))
    found += check_packs(members, manifest)
    found += check_links(members, manifest, chain)
    return PackCheck(tuple(found))


def verify_zip(data: bytes) -> PackCheck:
    """Check a pack given as the ZIP's bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = {n: z.read(n) for n in z.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        return PackCheck((Finding("(zip)", False, f"ZIP okunamıyor: {exc}"),))
    return verify_members(members)
