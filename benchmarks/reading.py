"""Reading workbooks at their worst (``make bench``), each against a baseline in the same run.

The files are the worst the limits let through (IMPORT_MAX_BYTES, IMPORT_MAX_CELLS,
CELL_MAX_CHARS and the per-part budget, at their defaults), each read through
``departments.importing.read_dataset`` with the rating import's columns, in a process
of its own so that its peak memory is its own:

- ``xlsx_read_cells_at_limit``: a sheet of exactly IMPORT_MAX_CELLS cells (accepted);
- ``xlsx_read_strings_at_limit``: IMPORT_MAX_CELLS distinct shared strings (accepted);
- ``xlsx_read_cell_90mb``: one 事由 cell of 90 million characters in a file of under a
  megabyte (refused, by row and column);
- ``xlsx_read_strings_past_limit``: 190 MB of shared strings in a file of under a
  megabyte (refused at the count);
- ``xlsx_read_part_at_budget``: shared strings of distinct 2,000-character reasons up
  to the per-part budget (accepted): the most text a workbook can make us hold;
- ``xlsx_read_empty_rows``: a sheet of nothing but empty rows, up to the element budget
  (refused): what costs a callback without being a cell.

Time lines: ours = the read, baseline = unzipping the same parts and running expat over
them with no handlers (the physical floor of reading that XML at all). Memory lines
(``…_peak``): ours = the reading process's peak resident memory, baseline = the same
process holding the file's bytes without reading them.

``python -m benchmarks.reading``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADERS = ["月份", "职能管理部门", "被考核单位", "类型", "认定条目", "事由", "较大影响"]
ROW = ["2026-03", "ZJJ", "T01", "红旗", "H01", "主动承接多次转办的12345疑难工单，按时办结，群众满意", "否"]


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str) -> None:
    print(f"bench: {name} ours={ours:.3f}{unit} baseline={baseline:.3f}{unit} ratio={ours / baseline:.2f}", flush=True)


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _write(path: Path, sheet: Iterator[bytes], strings: Iterator[bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                        f'Target="xl/workbook.xml" Type="{REL}/officeDocument"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                                            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{REL}/worksheet"/>'
            f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{REL}/sharedStrings"/></Relationships>'
        ))
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)


def _sheet(rows: int, columns: int, index: callable) -> Iterator[bytes]:
    """``rows`` rows of ``columns`` shared-string cells; ``index(row, column)`` picks the string."""
    yield f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    for row in range(1, rows + 1):
        cells = "".join(f'<c r="{_letters(c)}{row}" t="s"><v>{index(row, c)}</v></c>' for c in range(1, columns + 1))
        yield f'<row r="{row}">{cells}</row>'.encode()
    yield b"</sheetData></worksheet>"


def _strings(texts: Iterator[str]) -> Iterator[bytes]:
    yield f'<sst xmlns="{MAIN}">'.encode()
    for text in texts:
        yield f"<si><t>{text}</t></si>".encode()
    yield b"</sst>"


def make_files(folder: Path, cells: int, part_bytes: int) -> dict[str, Path]:
    files = {name: folder / f"{name}.xlsx" for name in (
        "cells_at_limit", "strings_at_limit", "cell_90mb", "strings_past_limit", "part_at_budget", "empty_rows")}
    columns = 50
    headers = HEADERS + [f"备注{n}" for n in range(columns - len(HEADERS))]
    fixed = headers + ROW  # string indices: headers 0..49, then the row's values

    def row_cell(row: int, column: int) -> int:
        if row == 1:
            return column - 1
        return columns + column - 1 if column <= len(ROW) else columns + len(ROW) - 1

    _write(files["cells_at_limit"], _sheet(cells // columns, columns, row_cell), _strings(iter(fixed)))

    # Every cell its own string: as many distinct strings as cells.
    _write(files["strings_at_limit"], _sheet(cells // columns, columns, lambda row, column: (row - 1) * columns + column - 1),
           _strings(iter(headers + [f"文字{n}" for n in range(cells - columns)])))

    def huge(characters: int) -> Iterator[bytes]:
        yield f'<sst xmlns="{MAIN}">'.encode()
        for text in (*HEADERS, *ROW[:5]):
            yield f"<si><t>{text}</t></si>".encode()
        yield b"<si><t>"
        block = b"x" * 1_000_000
        for _ in range(characters // len(block)):
            yield block
        yield "</t></si><si><t>否</t></si></sst>".encode()

    seven = len(HEADERS)
    _write(files["cell_90mb"], _sheet(2, seven, lambda row, column: column - 1 if row == 1 else seven + column - 1),
           huge(90_000_000))

    def many() -> Iterator[bytes]:
        yield f'<sst xmlns="{MAIN}">'.encode()
        for text in fixed:
            yield f"<si><t>{text}</t></si>".encode()
        block = b"<si><t>x</t></si>" * 100_000
        for _ in range(190_000_000 // len(block)):
            yield block
        yield b"</sst>"

    _write(files["strings_past_limit"], _sheet(2, seven, lambda row, column: column - 1 if row == 1 else
                                                  columns + column - 1), many())

    # Distinct reasons of 2,000 characters (6,000 bytes of UTF-8) up to the part budget.
    rng = random.Random(2026)
    alphabet = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(4000))
    reasons = (part_bytes - 10_000) // 6_020
    texts = [alphabet[n % 1000:n % 1000 + 1990] + f"{n:010d}" for n in range(reasons)]

    def reason_cell(row: int, column: int) -> int:
        if row == 1:
            return column - 1
        return seven + reasons + column - 1 if column != 6 else seven + row - 2

    _write(files["part_at_budget"], _sheet(reasons + 1, seven, reason_cell),
           _strings(iter(HEADERS + texts + ROW)))

    def empty_rows() -> Iterator[bytes]:
        yield _sheet(1, seven, lambda row, column: column - 1).__next__()
        yield b'<row r="1">' + b"".join(b'<c r="%s1" t="s"><v>%d</v></c>' % (_letters(c).encode(), c - 1)
                                        for c in range(1, seven + 1)) + b"</row>"
        for start in range(2, 10 * cells, 10_000):
            yield b"".join(b'<row r="%d"/>' % number for number in range(start, start + 10_000))
        yield b"</sheetData></worksheet>"

    _write(files["empty_rows"], empty_rows(), _strings(iter(HEADERS)))
    return files


def _floor(path: Path) -> float:
    """Unzip each part and run expat over it with no handlers."""
    start = time.perf_counter()
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            parser = expat.ParserCreate(namespace_separator=" ")
            with archive.open(member) as part:
                while chunk := part.read(1 << 16):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
    return time.perf_counter() - start


def _child(path: str, read: bool) -> dict:
    """In a process of its own: set Django up, hold the file, read it (or not)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from departments.importing import ImportRejected, read_dataset
    from ratings.resources import RatingResource

    content = Path(path).read_bytes()
    outcome, seconds = "held", 0.0
    if read:
        start = time.perf_counter()
        try:
            dataset = read_dataset(name="bench.xlsx", content=content, required=RatingResource.required_headers,
                                   limits=RatingResource.column_limits)
            outcome = f"accepted {len(dataset):,} rows"
        except ImportRejected as exc:
            outcome = "refused: " + exc.text()[:90]
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb(), "outcome": outcome}


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_child(path: Path, read: bool) -> dict:
    root = Path(__file__).resolve().parent.parent
    code = f"import json, sys; from benchmarks.reading import _child; print(json.dumps(_child({str(path)!r}, {read})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    from departments.importing import PART_RATIO

    with tempfile.TemporaryDirectory(prefix="liangbang-reading-bench-") as folder:
        started = time.perf_counter()
        files = make_files(Path(folder), settings.IMPORT_MAX_CELLS, settings.IMPORT_MAX_BYTES * PART_RATIO)
        note(f"made {len(files)} worst-case workbooks in {time.perf_counter() - started:.1f}s: " + ", ".join(
            f"{name} {path.stat().st_size / 1e6:.1f} MB" for name, path in files.items()))
        for name, path in files.items():
            ours = _run_child(path, read=True)
            held = _run_child(path, read=False)
            note(f"{name}: {ours['outcome']}")
            report(f"xlsx_read_{name}", ours["seconds"], _floor(path), "s")
            report(f"xlsx_read_{name}_peak", ours["peak_mb"], held["peak_mb"], "MB")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m benchmarks.reading", description=__doc__.splitlines()[0]).parse_args(argv)
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
