"""Placement adapter: read announcements and applications (CSV/XLSX/JSON), the shipped district
data, write results (JSON, XLSX), and keep runs on disk for the what-if and the web page.

Data flows one way: files → :func:`load_inputs` → ``PlacementInput`` (domain) →
``run_placement`` → :func:`result_to_json` / :func:`write_xlsx`. Formats: ``docs/placement.md``.

Where the code lives (each module imports only from those above it):

- ``districts.py``: the shipped district list and :class:`DistrictIndex` (``İstanbul/Kadıköy``…);
- ``inputs.py``: reading the files into a ``PlacementInput``, with every bad row reported;
- ``json_io.py``: canonical JSON of an input and of a result, and the run summary;
- ``display.py``: Turkish score format, the lottery as lines, Turkish sort order;
- ``xlsx.py``: the result as a workbook; ``runs.py``: saved runs (:class:`RunStore`);
- ``synthetic.py``: a made-up national run for demos and the benchmark.

This file only re-exports their public names, so that callers (CLI, web, bench, tests) keep one
import path, ``from eczane.placement_io import …``, whichever module a name lives in.
"""

from __future__ import annotations

from eczane.placement_io.display import draw_lines, fmt_score, tr_sort_key
from eczane.placement_io.districts import (
    DISTRICTS_CSV,
    PROVINCE_ALIASES,
    DistrictIndex,
    DistrictInfo,
    district_index,
)
from eczane.placement_io.inputs import (
    Issue,
    Loaded,
    PlacementInputError,
    announcement_csv,
    announcement_from_counts,
    input_digest,
    load_inputs,
    parse_bool,
    parse_date,
    parse_score,
)
from eczane.placement_io.json_io import (
    FORMAT_IN,
    FORMAT_OUT,
    input_from_json,
    input_to_json,
    result_to_json,
    summary_of,
)
from eczane.placement_io.runs import RunMeta, RunStore
from eczane.placement_io.synthetic import synthetic_input
from eczane.placement_io.xlsx import write_xlsx

__all__ = [
    "DISTRICTS_CSV",
    "FORMAT_IN",
    "FORMAT_OUT",
    "PROVINCE_ALIASES",
    "DistrictIndex",
    "DistrictInfo",
    "Issue",
    "Loaded",
    "PlacementInputError",
    "RunMeta",
    "RunStore",
    "announcement_csv",
    "announcement_from_counts",
    "district_index",
    "draw_lines",
    "fmt_score",
    "input_digest",
    "input_from_json",
    "input_to_json",
    "load_inputs",
    "parse_bool",
    "parse_date",
    "parse_score",
    "result_to_json",
    "summary_of",
    "synthetic_input",
    "tr_sort_key",
    "write_xlsx",
]
