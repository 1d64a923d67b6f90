"""``eczane karekod parse --jsonl`` / ``decode`` / ``label``: the interfaces outside checks use."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eczane.cli import app
from eczane.domain.karekod import Karekod
from tests.domain.karekod_strategies import karekods

runner = CliRunner()
TODAY = "2026-11-23"
# its.md §6 (itstools.biz.tr example)
PACK = Karekod("08699504120011", "14078876651", date(2012, 12, 31), "K0016")
PACK_JSON = {
    "ok": True,
    "gtin": "08699504120011",
    "serial": "14078876651",
    "expiry": "2012-12-31",
    "batch": "K0016",
}
AMBIGUOUS = "010869950412001121A1727113010X1727113010B1"


def run_jsonl(inputs: list[str], *args: str) -> list[dict[str, object]]:
    stdin = "".join(json.dumps(s) + "\n" for s in inputs)
    result = runner.invoke(app, ["karekod", "parse", "--jsonl", "--today", TODAY, *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parse_jsonl_answers_each_line_in_order_with_the_exact_shape() -> None:
    inputs = [
        "]d2" + PACK.element_string() + "\r\n",
        PACK.hri(),
        "",
        "01086995041200122114078876651\x1d1712123110K0016",
        AMBIGUOUS,
        PACK.element_string("|"),
    ]
    out = run_jsonl(inputs)
    assert out[0] == PACK_JSON
    assert out[1] == PACK_JSON
    assert out[2] == {"ok": False, "error": "empty", "message": "Karekod boş: okutulan veri yok."}
    assert out[3] == {
        "ok": False,
        "error": "check_digit",
        "message": "GTIN (01) 08699504120012 kontrol hanesi hatalı: son hane 1 olmalı, 2 okundu.",
    }
    assert out[4]["error"] == "ambiguous" and set(out[4]) == {"ok", "error", "message"}
    assert out[5] == PACK_JSON


def test_parse_jsonl_reports_a_line_that_is_not_a_json_string_and_keeps_going() -> None:
    stdin = "not json\n42\n" + json.dumps(PACK.element_string()) + "\n"
    result = runner.invoke(app, ["karekod", "parse", "--jsonl", "--today", TODAY], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["ok"] for line in lines] == [False, False, True]
    assert lines[0] == {
        "ok": False,
        "error": "syntax",
        "message": '1. satır bir JSON dizgesi değil (örnek: "0108699…").',
    }
    assert lines[1]["message"].startswith("2. satır")


def test_details_add_candidates_and_known_packs_resolve_them(tmp_path: Path) -> None:
    [detailed] = run_jsonl([AMBIGUOUS], "--details")
    serials = sorted(c["serial"] for c in detailed["candidates"])  # type: ignore[union-attr]
    assert serials == ["A", "A1727113010X"]
    known = tmp_path / "stok.csv"
    known.write_text("08699504120011,A1727113010X\n", encoding="utf-8")
    [resolved] = run_jsonl([AMBIGUOUS], "--known", str(known))
    assert resolved == {
        "ok": True,
        "gtin": "08699504120011",
        "serial": "A1727113010X",
        "expiry": "2027-11-30",
        "batch": "B1",
    }


def test_the_installed_command_reads_stdin_and_writes_stdout() -> None:
    stdin = json.dumps(PACK.element_string()) + "\n" + json.dumps("x") + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "eczane.cli", "karekod", "parse", "--jsonl"],
        input=stdin.encode(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert lines[0] == PACK_JSON
    assert lines[1]["error"] == "syntax"


def test_label_writes_a_png_that_decode_reads_back(tmp_path: Path) -> None:
    png = tmp_path / "etiket.png"
    result = runner.invoke(
        app,
        [
            "karekod", "label", "--gtin", PACK.gtin, "--serial", PACK.serial,
            "--expiry", "2012-12-31", "--batch", PACK.batch, "-o", str(png), "--today", TODAY,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    decoded = runner.invoke(app, ["karekod", "decode", str(png), "--today", TODAY])
    assert decoded.exit_code == 0, decoded.output
    assert [json.loads(line) for line in decoded.stdout.splitlines()] == [
        {"file": str(png), **PACK_JSON}
    ]


def test_label_refuses_an_invalid_karekod(tmp_path: Path) -> None:
    png = tmp_path / "x.png"
    result = runner.invoke(
        app, ["karekod", "label", "01086995041200122114078876651", "-o", str(png)]
    )
    assert result.exit_code == 1
    assert not png.exists()


def test_decode_reports_files_without_a_code(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "bos.png"
    Image.new("L", (100, 100), 255).save(blank)
    result = runner.invoke(app, ["karekod", "decode", str(blank), str(tmp_path / "yok.png")])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {
            "file": str(blank),
            "ok": False,
            "error": "not_found",
            "message": "Görüntüde karekod (DataMatrix) bulunamadı.",
        },
        {
            "file": str(tmp_path / "yok.png"),
            "ok": False,
            "error": "not_found",
            "message": "Dosya bulunamadı.",
        },
    ]


def test_parse_takes_arguments_or_raw_stdin_lines() -> None:
    by_arg = runner.invoke(app, ["karekod", "parse", PACK.hri(), "--today", TODAY])
    assert [json.loads(line) for line in by_arg.stdout.splitlines()] == [PACK_JSON]
    raw = "]d2" + PACK.element_string() + "\r\n" + PACK.element_string("{GS}") + "\n"
    by_stdin = runner.invoke(app, ["karekod", "parse", "--today", TODAY], input=raw)
    assert [json.loads(line) for line in by_stdin.stdout.splitlines()] == [PACK_JSON, PACK_JSON]


def test_parse_says_a_linear_barcode_is_not_a_drug_karekod() -> None:
    # issue 14 finding 9: the engine's message, so the CLI says what the count page says
    out = run_jsonl(["8699504120011"])
    assert out == [{
        "ok": False,
        "error": "not_karekod",
        "message": "Bu bir ilaç karekodu değil (kutu üzerindeki 2B karekodu okutun): "
                   "çizgili barkod (EAN-13) okundu.",
    }]


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    karekods(date(2026, 11, 23)).map(lambda k: k.element_string()),
    karekods(date(2026, 11, 23)).map(lambda k: "]d2" + k.element_string() + "\r\n"),
    st.text(max_size=40),
))
def test_parse_jsonl_writes_exactly_what_json_would_for_any_input(text: str) -> None:
    # the CLI unquotes common lines and writes plain packs without json; the bytes must not differ
    from eczane.cli.karekod_stream import _json_string, _jsonl_stream, _line, result_json
    from eczane.domain.karekod import parse_karekod

    today = date(2026, 11, 23)
    result = parse_karekod(text, today=today)
    for details in (False, True):
        expected = json.dumps(result_json(result, details=details), ensure_ascii=False) + "\n"
        assert _line(result, details) == expected
        for line in (json.dumps(text), json.dumps(text, ensure_ascii=False)):
            assert _json_string(line) == text
            written: list[str] = []
            _jsonl_stream([line + "\n"], written.append, today, None, details)
            assert written == [expected]


@pytest.mark.parametrize("line", ['"a\\\\u001d"', '"a\\\\r"', '"\\u001D\\t"', '"x"y"', '"\t"', "'x'",
                                  '["x"]', '"\\u00e7"'])
def test_jsonl_lines_with_other_escapes_are_read_as_json_reads_them(line: str) -> None:
    from eczane.cli.karekod_stream import _json_string

    try:
        expected = json.loads(line)
    except json.JSONDecodeError:
        expected = None
    assert _json_string(line) == (expected if isinstance(expected, str) else None)


def run_main(args: list[str], stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "eczane.cli", *args], input=stdin.encode(),
                          capture_output=True, timeout=60, cwd=tmp_path)


def test_the_fast_start_writes_what_the_typer_command_writes(tmp_path: Path) -> None:
    # `eczane karekod parse` runs without Typer when it knows every option; same bytes out
    known = tmp_path / "stok.csv"
    known.write_text("08699504120011,A1727113010X\n", encoding="utf-8")
    inputs = ["]d2" + PACK.element_string() + "\r\n", AMBIGUOUS, "8699504120011", "", "x"]
    stdin = "".join(json.dumps(s) + "\n" for s in inputs) + "not json\n"
    for args in (["--jsonl"], ["--jsonl", "--details"], ["--jsonl", f"--known={known}"],
                 ["--details", "--known", str(known), "--jsonl"], [], [PACK.hri(), AMBIGUOUS]):
        full = ["karekod", "parse", "--today", TODAY, *args]
        typer_out = runner.invoke(app, full, input=stdin)
        assert typer_out.exit_code == 0, typer_out.output
        fast = run_main(full, stdin, tmp_path)
        assert fast.returncode == 0, fast.stderr
        assert fast.stdout.decode() == typer_out.stdout, args


def test_help_and_unknown_options_and_bad_dates_are_left_to_typer() -> None:
    from eczane.cli.karekod_stream import fast_main

    for args in (["--help"], ["--nope"], ["--today", "2026-13-01"], ["--today"],
                 ["--known", "/yok/boyle/dosya"], ["-h"]):
        assert fast_main(args) is False, args


class _Chunked:
    """A binary stream whose ``read1`` hands out the data in the given chunk sizes."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes = data, sizes or [len(data) or 1]

    def read1(self, _n: int) -> bytes:
        size = self.sizes.pop(0) if len(self.sizes) > 1 else self.sizes[0]
        out, self.data = self.data[:size], self.data[size:]
        return out


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(['a', 'ç', '"', '\r', '\n', '\x1d', '\u2028', '1']), max_size=40),
       st.lists(st.integers(1, 7), max_size=12))
def test_stdin_is_split_into_the_lines_text_mode_reading_gives(text: str, sizes: list[int]) -> None:
    # the batched reader (one write per batch) must see exactly the lines `for line in stdin` saw
    import io
    from types import SimpleNamespace

    from eczane.cli.karekod_stream import _line_batches

    data = text.encode("utf-8")
    expected = [line.removesuffix("\n")
                for line in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None)]
    fake = SimpleNamespace(buffer=_Chunked(data, list(sizes)), encoding="utf-8", errors="strict")
    got = [line for batch in _line_batches(fake) for line in batch]
    assert got == expected


def test_parse_jsonl_answers_a_line_before_stdin_closes() -> None:
    # a program that feeds one karekod and waits for its answer must get it (no deadlock)
    proc = subprocess.Popen([sys.executable, "-m", "eczane.cli", "karekod", "parse", "--jsonl",
                             "--today", TODAY], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    import threading

    guard = threading.Timer(60, proc.kill)  # a deadlock fails the test instead of hanging it
    guard.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps(PACK.element_string()) + "\n").encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline()) == PACK_JSON  # stdin still open
        proc.stdin.write(b'"x"\n')
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["error"] == "syntax"
        assert proc.wait(timeout=60) == 0
    finally:
        guard.cancel()
        proc.kill()
