"""Build ``src/eczane/data/districts/districts.csv`` (81 provinces, 973 districts, ADNKS 2023).

main → read the raw sources (``scripts/sources/turkiye-veritabani/``, see PROVENANCE.md) →
verify them → write the CSV. Nothing is typed by hand and nothing is fetched.

    .venv/bin/python scripts/build_districts.py           # write the CSV
    .venv/bin/python scripts/build_districts.py --check   # exit 1 if the CSV is not up to date

Checks before writing: SHA-256 of each raw file (as recorded in PROVENANCE.md), 81 provinces,
973 districts, unique district codes, every district's province exists, and the district
populations of each province sum exactly to that province's population.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from pathlib import Path

from eczane.domain.text import fold, tr_lower, tr_upper

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "scripts" / "sources" / "turkiye-veritabani"
OUT = ROOT / "src" / "eczane" / "data" / "districts" / "districts.csv"

SHA256 = {
    "districts.csv": "49cdacb8c24112a9a655c08fb36e3d8d7bfd11120c5641b130ce36f72cf8abd4",
    "provinces.csv": "dfa984e4d3e0c7665929ccbf8abf5c501162c7363bd468ba89ad05062e32dcff",
}
YEAR = 2023
VALID_FROM = "2024-02-06"
"""TÜİK published the ADNKS 2023 results on 6 February 2024."""
SOURCE = ("TÜİK ADNKS 2023 (31.12.2023) via github.com/furkanipek/turkiye-veritabani "
          "dumps/202403/districts.csv @fc3144fa")
COLUMNS = ["province_code", "province", "district_code", "district", "key", "population",
           "year", "valid_from", "source"]


class SourceError(Exception):
    pass


def title_tr(upper: str) -> str:
    """``'KARŞIYAKA'`` → ``'Karşıyaka'``, ``'19 MAYIS'`` → ``'19 Mayıs'`` (Turkish casing)."""
    return " ".join(tr_upper(w[:1]) + tr_lower(w[1:]) for w in upper.split(" "))


def district_key(province: str, district: str) -> str:
    """The key preferences use: ``'istanbul/kadikoy'`` (folded, see eczane.domain.text.fold)."""
    return f"{fold(province)}/{fold(district)}"


def read_raw(name: str) -> list[dict[str, str]]:
    data = (RAW / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise SourceError(f"{name}: SHA-256 {digest} is not the recorded {SHA256[name]}")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def build() -> list[dict[str, str]]:
    provinces = read_raw("provinces.csv")
    districts = read_raw("districts.csv")
    if len(provinces) != 81:
        raise SourceError(f"expected 81 provinces, got {len(provinces)}")
    if len(districts) != 973:
        raise SourceError(f"expected 973 districts, got {len(districts)}")
    pmap = {int(p["provinceID"]): p for p in provinces}
    sums: dict[int, int] = {}
    codes: set[int] = set()
    for d in districts:
        code, pid = int(d["districtID"]), int(d["provinceID"])
        if code in codes:
            raise SourceError(f"district code {code} twice")
        codes.add(code)
        if pid not in pmap:
            raise SourceError(f"district {code}: unknown province {pid}")
        sums[pid] = sums.get(pid, 0) + int(d["population"])
    for pid, p in pmap.items():
        if sums.get(pid) != int(p["population"]):
            raise SourceError(f"{p['name']}: districts sum to {sums.get(pid)}, "
                              f"province says {p['population']}")
    rows = []
    for d in districts:
        pid = int(d["provinceID"])
        province = title_tr(pmap[pid]["name"])
        name = title_tr(d["name"])
        rows.append({"province_code": f"{pid:02d}", "province": province,
                     "district_code": d["districtID"], "district": name,
                     "key": district_key(province, name), "population": d["population"],
                     "year": str(YEAR), "valid_from": VALID_FROM, "source": SOURCE})
    rows.sort(key=lambda r: (r["province_code"], fold(r["district"])))
    keys = [r["key"] for r in rows]
    if len(set(keys)) != len(keys):
        raise SourceError("two districts fold to the same key")
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check the CSV is up to date")
    args = ap.parse_args(argv)
    try:
        text = render(build())
    except SourceError as exc:
        print(f"source check failed: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run scripts/build_districts.py", file=sys.stderr)
            return 1
        print("districts.csv is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - 1} districts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
