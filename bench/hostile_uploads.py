"""`python -m bench.hostile_uploads`: the worst uploads we can build, and what refusing them costs.

Each file is built in memory before it is timed: zip bombs (one that says how far it unpacks,
one whose bulk is in cells), a shared-strings bomb, wide rows, empty-row padding, a DTD, XML
element, depth and tag bombs, an archive of too many parts, and big or wide CSV files; beside
them, a file at each limit, which must still import. Each is imported into a new project
through `transfer.import_file`, the same call the upload page makes: once for the time and the
growth of the process's peak resident memory, and once under tracemalloc for the peak Python
allocation. The run fails if a refusal takes more than MAX_SECONDS of CPU or memory grows by
more than MAX_GROWTH_MB, or if a file is refused (or imported) when it should not be.

The builders are also used by tests/integration/test_upload_limits.py, so the tests and the
figures are about the same files.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from bench.costs_import import traced

MB = 1024 * 1024
MAX_SECONDS = 5.0
MAX_GROWTH_MB = 200

COST_HEADER = (
    "status",
    "category",
    "stage",
    "description",
    "bearer_person",
    "bearer_organisation",
    "payee",
    "defrayed_by",
    "budget_line",
    "date",
    "currency",
    "amount",
    "hours",
    "rate",
)


def cost_values(organisation: str, n: int = 0) -> tuple[str, ...]:
    """A good cost items row for a project of `organisation`."""
    return (
        "planned",
        "travel",
        "2",
        f"Train fares {n}",
        "",
        organisation,
        "",
        "project_budget",
        "",
        "",
        "GBP",
        "12.50",
        "",
        "",
    )


# --- Building workbooks by hand ---------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

type Chunks = Iterable[bytes]


def column_letters(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def text_cell(column: int, row: int, text: str) -> bytes:
    return (
        f'<c r="{column_letters(column)}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    ).encode()


def row_xml(number: int, values: Sequence[str]) -> bytes:
    cells = b"".join(
        text_cell(column, number, value) for column, value in enumerate(values, 1) if value
    )
    return f'<row r="{number}">'.encode() + cells + b"</row>"


def cost_rows(organisation: str, count: int, first: int = 1) -> Iterator[bytes]:
    """The header row and `count` good cost rows, as worksheet XML."""
    yield row_xml(first, COST_HEADER)
    for n in range(count):
        yield row_xml(first + 1 + n, cost_values(organisation, n))


def sheet_part(rows: Chunks, *, dimension: str | None = None, prologue: bytes = b"") -> Chunks:
    yield b'<?xml version="1.0" encoding="UTF-8"?>' + prologue
    yield f'<worksheet xmlns="{_MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def shared_strings_part(strings: Iterable[str], count: int) -> Chunks:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{count}">'.encode()
    for text in strings:
        yield b"<si><t>" + escape(text).encode() + b"</t></si>"
    yield b"</sst>"


def styles_part(formats: int) -> Chunks:
    yield f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_MAIN}">'.encode()
    yield f'<cellXfs count="{formats}">'.encode()
    yield from _times(b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>', formats)
    yield b"</cellXfs></styleSheet>"


_RICH = (
    b'<si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/>'
    b"</rPr><t>bold</t></r></si>"
)
RICH_ELEMENTS = _RICH.count(b"<") - _RICH.count(b"</")


def rich_shared_strings_part(count: int) -> Chunks:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{count}">'.encode()
    yield from _times(_RICH, count)
    yield b"</sst>"


def workbook(
    sheet: Chunks,
    *,
    shared_strings: Chunks | None = None,
    parts: dict[str, Chunks] | None = None,
    title: str = "Costs",
) -> bytes:
    """An XLSX archive with one worksheet, written part by part so a large part is never
    whole in memory."""
    overrides = [
        ("/xl/workbook.xml", f"{_CT}.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{_CT}.worksheet+xml"),
    ]
    relationships = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", f"{_CT}.sharedStrings+xml"))
        relationships.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
        f'xmlns:r="{_DOC_RELS}"><sheets><sheet name="{escape(title)}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
        + "".join(
            f'<Relationship Id="{i}" Type="{_DOC_RELS}/{kind}" Target="{target}"/>'
            for i, kind, target in relationships
        )
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook_xml)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        all_parts: dict[str, Chunks] = {"xl/worksheets/sheet1.xml": sheet}
        if shared_strings is not None:
            all_parts["xl/sharedStrings.xml"] = shared_strings
        all_parts.update(parts or {})
        for name, chunks in all_parts.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in _batched(chunks):
                    part.write(chunk)
    return out.getvalue()


def _batched(chunks: Chunks, size: int = 256 * 1024) -> Iterator[bytes]:
    buffer: list[bytes] = []
    held = 0
    for chunk in chunks:
        buffer.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


def _times(piece: bytes, count: int) -> Iterator[bytes]:
    """`piece` repeated `count` times, in blocks of about 1 MB."""
    per_block = max(1, MB // len(piece))
    while count > 0:
        yield piece * min(count, per_block)
        count -= per_block


def _repeat(piece: bytes, total: int) -> Iterator[bytes]:
    """`piece` repeated to about `total` bytes, in blocks of about 1 MB."""
    block = piece * max(1, MB // len(piece))
    for _ in range(total // len(block)):
        yield block


# --- The hostile files, and the files at each limit ------------------------------------------


class Upload:
    """A file to import: its name, its bytes (built when first asked for), and the words its
    refusal must contain (None: it is within every limit and must import)."""

    def __init__(
        self, label: str, filename: str, build: Callable[[], bytes], refusal: str | None
    ) -> None:
        self.label = label
        self.filename = filename
        self.build = build
        self.refusal = refusal

    @functools.cached_property
    def content(self) -> bytes:
        return self.build()

    def __repr__(self) -> str:
        return self.label


def hostile_uploads(organisation: str) -> Iterator[Upload]:
    """The worst files we can build under the upload size limit, each with its refusal."""
    from coproduce.costs import spreadsheet as limits

    def sheet() -> Chunks:
        return sheet_part(cost_rows(organisation, 2))

    yield Upload(
        "zip bomb, honest sizes (150 MB of zeros)",
        "bomb.xlsx",
        lambda: workbook(sheet(), parts={"xl/media/image1.png": _repeat(b"\0", 150 * MB)}),
        "The workbook unpacks to 150 MB; the limit is 100 MB.",
    )
    filler = text_cell(1, 1, "x") * 1000
    yield Upload(
        "zip bomb of cells (a header, then 99 MB of one cell repeated)",
        "cells-bomb.xlsx",
        lambda: workbook(
            sheet_part(
                itertools.chain(
                    [row_xml(1, COST_HEADER)],
                    (
                        f'<row r="{n}">'.encode() + filler + b"</row>"
                        for n in range(2, 99 * MB // len(filler))
                    ),
                )
            )
        ),
        f"more than {limits.MAX_CELLS:,} cells",
    )
    yield Upload(
        "zip bomb with sizes that lie",
        "liar.xlsx",
        lambda: _lying_sizes(
            workbook(sheet(), parts={"xl/media/image1.png": _repeat(b"\0", 90 * MB)})
        ),
        "not a readable XLSX workbook",
    )
    yield Upload(
        "shared-strings bomb (2,000,000 strings)",
        "strings.xlsx",
        lambda: workbook(
            sheet(), shared_strings=shared_strings_part(map(str, range(2_000_000)), 2_000_000)
        ),
        f"more than {limits.MAX_SHARED_STRINGS:,} different pieces of text",
    )
    yield Upload(
        "text bomb (80 MB in shared strings of 256 K characters)",
        "text.xlsx",
        lambda: workbook(sheet(), shared_strings=shared_strings_part(["y" * 262_144] * 320, 320)),
        f"more than {limits.MAX_TEXT_CHARS:,} characters of text",
    )
    yield Upload(
        "one cell of 2 MB",
        "long-text.xlsx",
        lambda: workbook(sheet_part([row_xml(1, COST_HEADER), row_xml(2, ("z" * 2 * MB,))])),
        f"longer than {limits.MAX_TEXT_RUN_CHARS:,} characters",
    )
    yield Upload(
        "a wide row (a cell in column XFD)",
        "wide.xlsx",
        lambda: workbook(
            sheet_part(
                [row_xml(1, COST_HEADER), b'<row r="2">' + text_cell(16_384, 2, "x") + b"</row>"]
            )
        ),
        f"more than {limits.MAX_COLUMNS} columns in sheet 'Costs'",
    )
    yield Upload(
        "50,000 rows of 16,384 padded cells (one cell at XFD each)",
        "wide-rows.xlsx",
        lambda: workbook(
            sheet_part(b'<row r="%d"><c r="XFD%d"/></row>' % (n, n) for n in range(1, 50_001))
        ),
        f"more than {limits.MAX_COLUMNS} columns in sheet 'Costs'",
    )
    yield Upload(
        "a million empty rows (the last row numbered 1,048,576)",
        "tall.xlsx",
        lambda: workbook(sheet_part([*cost_rows(organisation, 2), row_xml(1_048_576, ("x",))])),
        f"more than {limits.MAX_CELLS:,} cells",
    )
    yield Upload(
        "entity expansion (a DTD, 'billion laughs')",
        "laughs.xlsx",
        lambda: workbook(
            sheet_part(
                [row_xml(1, COST_HEADER)],
                prologue=b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            )
        ),
        "declares a document type or entity (DTD)",
    )
    yield Upload(
        "XML element bomb (5,000,000 empty elements in the document properties)",
        "elements.xlsx",
        lambda: workbook(
            sheet(),
            parts={"docProps/custom.xml": [b"<Properties>", *_repeat(b"<a/>", 20 * MB)]},
        ),
        f"docProps/custom.xml has more than {limits.MAX_PART_ELEMENTS:,} XML elements",
    )
    yield Upload(
        "styles bomb (1,000,000 cell formats)",
        "styles.xlsx",
        lambda: workbook(sheet(), parts={"xl/styles.xml": styles_part(1_000_000)}),
        f"xl/styles.xml has more than {limits.MAX_PART_ELEMENTS:,} XML elements",
    )
    yield Upload(
        "1,000,000 unknown elements in the worksheet",
        "junk.xlsx",
        lambda: workbook(sheet_part([*cost_rows(organisation, 2), *_repeat(b"<x/>", 4 * MB)])),
        f"sheet 'Costs' has more than {limits.MAX_SHEET_ELEMENTS:,} XML elements",
    )
    yield Upload(
        "rich-text shared strings bomb (100,000 formatted strings)",
        "rich.xlsx",
        lambda: workbook(sheet(), shared_strings=rich_shared_strings_part(100_000)),
        f"xl/sharedStrings.xml has more than {limits.MAX_SHARED_STRING_ELEMENTS:,} XML elements",
    )
    parts = limits.MAX_XML_ELEMENTS // (limits.MAX_PART_ELEMENTS - 10) + 1
    yield Upload(
        f"XML elements spread over {parts} parts, each under its own limit",
        "spread.xlsx",
        lambda: workbook(
            sheet(),
            parts={
                f"xl/custom/part{n}.xml": [
                    b"<a>",
                    b"<b/>" * (limits.MAX_PART_ELEMENTS - 10),
                    b"</a>",
                ]
                for n in range(parts)
            },
        ),
        f"more than {limits.MAX_XML_ELEMENTS:,} XML elements",
    )
    yield Upload(
        "XML nested 100,000 deep",
        "deep.xlsx",
        lambda: workbook(
            sheet(), parts={"docProps/core.xml": [b"<a>" * 100_000, b"</a>" * 100_000]}
        ),
        f"more than {limits.MAX_XML_DEPTH} levels deep",
    )
    yield Upload(
        "an attribute of 40 MB",
        "tag.xlsx",
        lambda: workbook(
            sheet(), parts={"docProps/core.xml": [b'<a b="', *_repeat(b"c", 40 * MB), b'"/>']}
        ),
        "XML tag or comment longer than 1 MB",
    )
    yield Upload(
        "an archive of 20,000 parts",
        "parts.xlsx",
        lambda: workbook(sheet(), parts={f"xl/media/p{n}.bin": [b"."] for n in range(20_000)}),
        f"20,005 parts inside; the limit is {limits.MAX_ENTRIES}",
    )
    yield Upload(
        "CSV of 2,000,000 rows",
        "tall.csv",
        lambda: ",".join(COST_HEADER).encode() + b"\r\n" + b",,,\r\n" * 2_000_000,
        f"more than {limits.MAX_CSV_ROWS:,} rows",
    )
    yield Upload(
        "CSV with a 40 MB line",
        "line.csv",
        lambda: ",".join(COST_HEADER).encode() + b"\r\n" + b"x" * 40 * MB + b"\r\n",
        "longer than 1 MB",
    )
    yield Upload(
        "CSV with a row of 100,000 columns",
        "wide.csv",
        lambda: ",".join(COST_HEADER).encode() + b"\r\n" + b"," * 100_000 + b"\r\n",
        f"more than {limits.MAX_CSV_COLUMNS} columns",
    )
    yield Upload(
        "CSV with a quoted field of 900 KB",
        "field.csv",
        lambda: ",".join(COST_HEADER).encode() + b'\r\n"' + b"f" * 900_000 + b'"\r\n',
        f"longer than {limits.MAX_CSV_FIELD_CHARS:,} characters",
    )


def uploads_checked_row_by_row(organisation: str, rows: int = 100_000) -> Iterator[Upload]:
    """A file within every limit whose rows are all bad: each row is checked, and the problems
    counted, so refusing it takes time in proportion to its rows."""
    bad = ",".join(cost_values(f"Not {organisation}")).encode() + b"\r\n"
    yield Upload(
        f"CSV of {rows:,} bad rows",
        "bad.csv",
        lambda: ",".join(COST_HEADER).encode() + b"\r\n" + bad * rows,
        "Row 2, column bearer_organisation",
    )


def uploads_at_the_limits(organisation: str) -> Iterator[Upload]:
    """Files just inside each limit: every one of them imports."""
    from coproduce.costs import spreadsheet as limits

    # Only filled cells are written, so a data row is as wide as its last filled cell.
    data_width = max(n for n, value in enumerate(cost_values(organisation), 1) if value)
    rows = (limits.MAX_CELLS - len(COST_HEADER)) // data_width
    yield Upload(
        f"{len(COST_HEADER) + rows * data_width:,} cells (a cost items sheet of {rows:,} rows)",
        "cells.xlsx",
        lambda: workbook(sheet_part(cost_rows(organisation, rows))),
        None,
    )
    yield Upload(
        f"{limits.MAX_COLUMNS} columns (a blank cell in the last)",
        "columns.xlsx",
        lambda: workbook(
            sheet_part(
                [
                    *cost_rows(organisation, 1),
                    b'<row r="3">'
                    + b"".join(
                        text_cell(c, 3, v) for c, v in enumerate(cost_values(organisation), 1) if v
                    )
                    + f'<c r="{column_letters(limits.MAX_COLUMNS)}3"/>'.encode()
                    + b"</row>",
                ],
                dimension="A1:XFD1048576",  # false, and ignored
            )
        ),
        None,
    )
    yield Upload(
        f"{limits.MAX_SHARED_STRINGS:,} shared strings",
        "strings.xlsx",
        lambda: workbook(
            sheet_part(cost_rows(organisation, 2)),
            shared_strings=shared_strings_part(
                (f"string {n}" for n in range(limits.MAX_SHARED_STRINGS)), limits.MAX_SHARED_STRINGS
            ),
        ),
        None,
    )
    runs = (limits.MAX_TEXT_CHARS - 10_000) // limits.MAX_TEXT_RUN_CHARS
    yield Upload(
        f"{runs * limits.MAX_TEXT_RUN_CHARS / MB:.0f} M characters of shared strings, each at the "
        "longest",
        "text.xlsx",
        lambda: workbook(
            sheet_part(cost_rows(organisation, 2)),
            shared_strings=shared_strings_part(
                (str(n % 10) * limits.MAX_TEXT_RUN_CHARS for n in range(runs)), runs
            ),
        ),
        None,
    )
    yield Upload(
        f"unpacks to just under {limits.MAX_UNPACKED_BYTES // MB} MB",
        "unpacked.xlsx",
        lambda: workbook(
            sheet_part(cost_rows(organisation, 2)),
            parts={"xl/media/image1.png": _repeat(b"\0", limits.MAX_UNPACKED_BYTES - MB)},
        ),
        None,
    )
    junk = limits.MAX_SHEET_ELEMENTS - 1_000
    yield Upload(
        f"{junk:,} unknown XML elements in the worksheet, which openpyxl keeps",
        "junk.xlsx",
        lambda: workbook(sheet_part([*cost_rows(organisation, 2), b"<x/>" * junk])),
        None,
    )
    formats = limits.MAX_PART_ELEMENTS - 1_000
    yield Upload(
        f"{formats:,} cell formats in the styles",
        "styles.xlsx",
        lambda: workbook(
            sheet_part(cost_rows(organisation, 2)),
            parts={"xl/styles.xml": styles_part(formats)},
        ),
        None,
    )
    rich = (limits.MAX_SHARED_STRING_ELEMENTS - 1_000) // RICH_ELEMENTS
    yield Upload(
        f"{rich:,} rich-text shared strings ({rich * RICH_ELEMENTS:,} XML elements)",
        "rich.xlsx",
        lambda: workbook(
            sheet_part(cost_rows(organisation, 2)),
            shared_strings=rich_shared_strings_part(rich),
        ),
        None,
    )


def _lying_sizes(content: bytes) -> bytes:
    """The archive with its largest part claiming, in both its headers, to unpack to 1 KB."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    largest = max(archive.infolist(), key=lambda info: info.file_size)
    data = bytearray(content)
    real = largest.file_size.to_bytes(8, "little")
    # The central directory holds the size in 4 bytes, the local header (written with
    # force_zip64) in 8, whose high 4 bytes are zero: patching the low 4 patches both.
    for at in _find_all(data, real[:4]):
        data[at : at + 4] = (1024).to_bytes(4, "little")
    return bytes(data)


def _find_all(data: bytearray, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


# --- Running them --------------------------------------------------------------------------


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as workdir:
        failures = run(Path(workdir))
    if failures:
        print("\nFAILED:\n" + "\n".join(f"  {failure}" for failure in failures))
        sys.exit(1)


def run(workdir: Path) -> list[str]:
    os.environ["COPRODUCE_DATA_DIR"] = str(workdir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.costs_import import make_team, new_project
    from coproduce.costs.transfer import ImportRejected, import_file

    settings.DEBUG = False  # DEBUG keeps every SQL statement, which would look like growth
    call_command("migrate", verbosity=0)
    team = make_team()
    organisation = team.organisation.name
    print(
        f"limits: {MAX_SECONDS:.0f} s of CPU and {MAX_GROWTH_MB} MB of memory growth for each "
        "refusal; each file is imported into a new project"
    )
    failures: list[str] = []

    def attempt(upload: Upload) -> Callable[[], str | None]:
        def work() -> str | None:
            project = new_project(team)
            try:
                import_file(
                    by=team.lead,
                    project=project,
                    path_or_file=io.BytesIO(upload.content),
                    filename=upload.filename,
                )
            except ImportRejected as rejected:
                return str(rejected)
            return None

        return work

    for heading, uploads in (
        ("Refused", hostile_uploads(organisation)),
        (
            "Refused after checking every row (time grows with the rows, up to the row limit)",
            uploads_checked_row_by_row(organisation),
        ),
        ("Within the limits: imported", uploads_at_the_limits(organisation)),
    ):
        print(f"\n{heading}:")
        for upload in uploads:
            size = len(upload.content)  # built now, so that building it is not measured
            work = attempt(upload)
            seconds, cpu, growth, outcome = measured(work)
            traced_peak = traced(work)
            print(
                f"  {upload.label}: {size / 1024:,.0f} KB file, "
                f"{seconds:.2f} s ({cpu:.2f} s CPU), peak traced {traced_peak / MB:.1f} MB, "
                f"RSS grew {growth / MB:.1f} MB",
                flush=True,
            )
            if upload.refusal is None and outcome is not None:
                failures.append(f"{upload.label}: refused: {outcome}")
            if upload.refusal is not None and (outcome is None or upload.refusal not in outcome):
                failures.append(f"{upload.label}: expected {upload.refusal!r}, got {outcome!r}")
            # CPU seconds, not wall-clock ones: on a shared machine the latter measure the
            # neighbours too.
            if upload.refusal is not None and cpu > MAX_SECONDS:
                failures.append(f"{upload.label}: took {cpu:.1f} s of CPU")
            if max(growth, traced_peak) > MAX_GROWTH_MB * MB:
                failures.append(
                    f"{upload.label}: memory grew {max(growth, traced_peak) / MB:.0f} MB"
                )
    return failures


def measured(work: Callable[[], str | None]) -> tuple[float, float, int, str | None]:
    """Seconds taken, seconds of this process's CPU (fewer on a busy machine), how far the
    peak resident memory rose above the resident memory before (bytes), and what `work`
    returned."""
    reset = _reset_peak_rss()
    before = _rss() if reset else _peak_rss()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, max(0, _peak_rss() - before), outcome


def _reset_peak_rss() -> bool:
    """Start the kernel's record of peak resident memory afresh (Linux), so each file's growth
    is its own; elsewhere the peak only ever rises, and growth below it is not seen."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss() -> int:
    return _status("VmRSS") or 0


def _peak_rss() -> int:
    peak = _status("VmHWM")
    if peak is not None:
        return peak
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


if __name__ == "__main__":
    main()
