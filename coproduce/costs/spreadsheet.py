"""Limits on an uploaded spreadsheet, checked by streaming through it before it is parsed.

An XLSX file is a zip archive of XML documents. A small one can unpack to gigabytes, declare
sizes that are not true, hold millions of blank cells that openpyxl fills in, or millions of
shared strings that openpyxl loads before the first row is read. So before openpyxl sees a
workbook, `check_workbook` reads the archive's directory, then decompresses every part in
chunks, counting the bytes it really gets, and parses each XML part as a stream with
defusedxml's SAX parser (no tree is built; a DTD or entity is refused). It stops at the first
limit passed, so a hostile file costs at most the limits' worth of work, and its memory stays
bounded whatever the file holds. `check_csv` does the same for a CSV file's rows and fields.

The limits are in docs/import-format.md; `python -m bench.hostile_uploads` measures the worst
files under them. The cell and shared string limits were chosen so that a workbook at the
limit is still imported, or refused, in a few seconds.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from posixpath import dirname, join, normpath
from typing import IO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

MB = 1024 * 1024
# The archive as a whole.
MAX_ENTRIES = 500
MAX_UNPACKED_BYTES = 100 * MB
MAX_DIRECTORY_BYTES = 1 * MB  # the zip's central directory, read whole by zipfile
# Worksheets. Cells are counted as openpyxl yields them: every cell up to the last one in each
# row, filled or blank, and one for each empty row it yields between rows.
MAX_CELLS = 40_000
MAX_COLUMNS = 100
MAX_SHARED_STRINGS = 30_000
MAX_TEXT_CHARS = 16 * MB  # all the text in the workbook
MAX_TEXT_RUN_CHARS = 256 * 1024  # one piece of text (a cell's value, a shared string)
# XML. openpyxl spends 10 to 60 microseconds on each element of the parts it reads, and an
# import reads the workbook twice, so each part has its own limit; the total bounds this check.
MAX_XML_ELEMENTS = 1_000_000
MAX_SHEET_ELEMENTS = 4 * MAX_CELLS  # a cell, its value, an inline string and its text
MAX_SHARED_STRING_ELEMENTS = 2 * MAX_SHARED_STRINGS + 1_000  # each string, and its text
MAX_PART_ELEMENTS = 20_000  # in any other part: styles, workbook, properties, charts
MAX_XML_DEPTH = 100
MAX_XML_TAG_BYTES = 1 * MB  # a tag, attribute or comment: expat holds it whole
# CSV. The csv module's own default field limit, set explicitly.
MAX_CSV_ROWS = 100_000  # every row is checked before anything is saved: ~25 us a row
MAX_CSV_COLUMNS = MAX_COLUMNS
MAX_CSV_FIELD_CHARS = 131_072
MAX_CSV_LINE_BYTES = 1 * MB

CHUNK_BYTES = 64 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_XML_STARTS = (b"<", codecs.BOM_UTF8 + b"<", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class SpreadsheetRefused(Exception):
    """The file passes a limit, or cannot be read far enough to tell; the message says which,
    in words for the person who uploaded it."""


def _limit(what: str, limit: int, unit: str = "", advice: str = "") -> SpreadsheetRefused:
    return SpreadsheetRefused(f"{what}; the limit is {limit:,}{unit}.{advice}")


_SPLIT = " Split it into several files."


# --- XLSX ----------------------------------------------------------------------------------


def check_workbook(raw: IO[bytes]) -> None:
    """Raise SpreadsheetRefused unless the XLSX workbook in `raw` (a seekable binary file) is
    within every limit. Leaves `raw` at its start."""
    try:
        _check_directory(raw)
        raw.seek(0)
        with zipfile.ZipFile(raw) as archive:
            _WorkbookScan(archive).run()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise SpreadsheetRefused(
            "The file is not a readable XLSX workbook (a damaged zip archive)."
        ) from error
    except RuntimeError as error:  # zipfile's "File is encrypted, password required"
        raise SpreadsheetRefused(
            "The workbook is protected by a password. Save a copy without one and import that."
        ) from error
    finally:
        raw.seek(0)


def _check_directory(raw: IO[bytes]) -> None:
    """Refuse an archive whose directory lists too many entries before zipfile reads it: it
    reads the whole directory into memory, one object per entry."""
    size = raw.seek(0, io.SEEK_END)
    tail_start = max(0, size - (22 + 65_535))  # the end record, after a comment of any length
    raw.seek(tail_start)
    tail = raw.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        raise zipfile.BadZipFile("no end of central directory record")
    _, _, _, _, entries, directory_bytes, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    locator = tail_start + at - 20
    if locator >= 0:  # a ZIP64 end record, whose counts zipfile uses instead
        raw.seek(locator)
        found = raw.read(20)
        if found[:4] == _ZIP64_LOCATOR:
            (offset,) = struct.unpack("<Q", found[8:16])
            raw.seek(offset)
            record = raw.read(56)
            if record[:4] != _ZIP64_EOCD or len(record) < 56:
                raise zipfile.BadZipFile("damaged ZIP64 end record")
            entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ENTRIES:
        raise _limit(f"The workbook has {entries:,} parts inside", MAX_ENTRIES)
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise _limit(
            f"The workbook's list of parts takes {directory_bytes / MB:,.1f} MB",
            MAX_DIRECTORY_BYTES // MB,
            " MB",
        )


class _WorkbookScan:
    """One pass over the archive's parts, keeping the counts that span parts."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.unpacked = 0
        self.elements = 0
        self.text = 0
        self.cells = 0
        self.shared_strings = 0
        self.scanned: set[str] = set()
        self.sheet_titles: dict[str, str] = {}

    def run(self) -> None:
        infos = self.archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _limit(f"The workbook has {len(infos):,} parts inside", MAX_ENTRIES)
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise SpreadsheetRefused(
                "The file is not a readable XLSX workbook (two parts have the same name)."
            )
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNPACKED_BYTES:
            raise _limit(
                f"The workbook unpacks to {declared / MB:,.0f} MB",
                MAX_UNPACKED_BYTES // MB,
                " MB",
                _SPLIT,
            )
        self._read_sheet_titles(set(names))
        for info in infos:
            if info.filename not in self.scanned:
                self.scan(info.filename)

    def _read_sheet_titles(self, names: set[str]) -> None:
        """Sheet titles by part, for messages: the package's relationships name the workbook,
        whose own relationships name each sheet's part."""
        package = self._relationships("_rels/.rels", "", names)
        workbook = next(
            (target for kind, target in package.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if workbook not in names:
            return
        handler = self.scan(workbook)
        parts = self._relationships(
            join(dirname(workbook), "_rels", workbook.rpartition("/")[2] + ".rels"),
            dirname(workbook),
            names,
        )
        for title, relationship in handler.sheets:
            if relationship in parts:
                self.sheet_titles[parts[relationship][1]] = title

    def _relationships(self, part: str, base: str, names: set[str]) -> dict[str, tuple[str, str]]:
        if part not in names:
            return {}
        relationships = self.scan(part).relationships
        return {
            key: (
                kind,
                target.lstrip("/") if target.startswith("/") else normpath(join(base, target)),
            )
            for key, (kind, target) in relationships.items()
        }

    def scan(self, name: str) -> _PartHandler:
        """Decompress one part, counting its bytes, and parse it if it is XML."""
        self.scanned.add(name)
        handler = _PartHandler(self, name)
        parser: DefusedExpatParser | None = None
        with self.archive.open(name) as stream:
            chunk = stream.read(CHUNK_BYTES)
            if chunk.startswith(_XML_STARTS):
                parser = DefusedExpatParser(forbid_dtd=True)
                parser.setContentHandler(handler)
            while chunk:
                self.unpacked += len(chunk)
                if self.unpacked > MAX_UNPACKED_BYTES:
                    raise _limit(
                        f"The workbook unpacks to more than {MAX_UNPACKED_BYTES // MB:,} MB",
                        MAX_UNPACKED_BYTES // MB,
                        " MB",
                        _SPLIT,
                    )
                if parser is not None and not self._feed(parser, handler, chunk):
                    parser = None
                chunk = stream.read(CHUNK_BYTES)
        if parser is not None:
            self._feed(parser, handler, b"", close=True)
        return handler

    def _feed(
        self, parser: DefusedExpatParser, handler: _PartHandler, chunk: bytes, close: bool = False
    ) -> bool:
        """Parse the next chunk of a part; False if the part is not well-formed XML after all.
        That is left for openpyxl to find, if it reads the part: it can get no further into
        it than this check did, and this check counted everything up to there."""
        events = handler.events
        try:
            parser.close() if close else parser.feed(chunk)
        except DefusedXmlException as error:
            raise SpreadsheetRefused(
                f"The workbook's part {handler.part} declares a document type or entity (DTD); "
                "spreadsheets do not need one, and it is refused for safety."
            ) from error
        except SAXException:
            return False
        # Expat holds an unfinished tag, attribute or comment whole, reporting nothing until it
        # ends; text it reports in pieces, which the handler counts.
        handler.quiet_bytes = 0 if handler.events != events else handler.quiet_bytes + len(chunk)
        if handler.quiet_bytes > MAX_XML_TAG_BYTES:
            raise _limit(
                f"The workbook's part {handler.part} has an XML tag or comment longer than "
                f"{MAX_XML_TAG_BYTES // MB} MB",
                MAX_XML_TAG_BYTES // MB,
                " MB",
            )
        return True

    def sheet(self, part: str) -> str:
        return f"sheet '{self.sheet_titles.get(part, part)}'"


_ELEMENT_LIMITS = {"worksheet": MAX_SHEET_ELEMENTS, "sst": MAX_SHARED_STRING_ELEMENTS}


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _column_index(reference: str) -> int | None:
    """The column number of a cell reference such as "AB12", or None if it has no letters."""
    index = 0
    for character in reference:
        if "A" <= character <= "Z":
            index = index * 26 + ord(character) - 64
        elif "a" <= character <= "z":
            index = index * 26 + ord(character) - 96
        else:
            break
        if index > MAX_COLUMNS:
            return index  # far enough to refuse; the rest cannot make it smaller
    return index or None


class _PartHandler(ContentHandler):
    """Counts what one XML part holds, as the parser reports it. What the part is (worksheet,
    shared strings, workbook, relationships) is decided by its root element, not its name, so
    a renamed part is counted all the same."""

    def __init__(self, scan: _WorkbookScan, part: str) -> None:
        super().__init__()
        self.scan = scan
        self.part = part
        self.root: str | None = None
        self.elements = 0
        self.max_elements = MAX_PART_ELEMENTS
        self.depth = 0
        self.events = 0
        self.quiet_bytes = 0
        self.run = 0
        # Worksheet: the current row's number, its last column, and its number of cells.
        self.row = 0
        self.in_row = False
        self.column = 0
        self.row_width = 0
        self.row_cells = 0
        # Workbook: (title, relationship id) per sheet; relationships: id -> (type, target).
        self.sheets: list[tuple[str, str]] = []
        self.relationships: dict[str, tuple[str, str]] = {}

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        self.events += 1
        self.run = 0
        self.depth += 1
        scan = self.scan
        scan.elements += 1
        if scan.elements > MAX_XML_ELEMENTS:
            raise _limit(
                f"The workbook has more than {MAX_XML_ELEMENTS:,} XML elements, far more than "
                "its cells need",
                MAX_XML_ELEMENTS,
            )
        if self.depth > MAX_XML_DEPTH:
            raise _limit(
                f"The workbook's part {self.part} nests XML more than {MAX_XML_DEPTH} levels deep",
                MAX_XML_DEPTH,
            )
        self.elements += 1
        if self.elements > self.max_elements:
            self._too_many_elements()
        local = _local(name)
        if self.root is None:
            self.root = local
            self.max_elements = _ELEMENT_LIMITS.get(local, MAX_PART_ELEMENTS)
        elif self.root == "worksheet":
            if local == "c" and self.in_row:
                self._cell(attrs)
            elif local == "row":
                self._row(attrs)
        elif self.root == "sst":
            if local == "si":
                scan.shared_strings += 1
                if scan.shared_strings > MAX_SHARED_STRINGS:
                    raise _limit(
                        f"The workbook has more than {MAX_SHARED_STRINGS:,} different pieces "
                        "of text (shared strings)",
                        MAX_SHARED_STRINGS,
                    )
        elif self.root == "workbook":
            if local == "sheet":
                relationship = next(
                    (value for key, value in attrs.items() if _local(key) == "id"), ""
                )
                self.sheets.append((attrs.get("name", ""), relationship))
        elif self.root == "Relationships" and local == "Relationship":
            self.relationships[attrs.get("Id", "")] = (
                attrs.get("Type", ""),
                attrs.get("Target", ""),
            )

    def _too_many_elements(self) -> None:
        where = (
            f"The spreadsheet's {self.scan.sheet(self.part)}"
            if self.root == "worksheet"
            else f"The workbook's part {self.part}"
        )
        raise _limit(
            f"{where} has more than {self.max_elements:,} XML elements, far more than its "
            "content needs",
            self.max_elements,
        )

    def _row(self, attrs: AttributesImpl) -> None:
        number = self.row + 1
        declared = attrs.get("r")
        if declared is not None:
            # int() as openpyxl reads it; what it refuses, it refuses as it reads.
            with contextlib.suppress(ValueError):
                number = int(declared)
        # openpyxl yields an empty row for each number skipped.
        if number > self.row + 1:
            self._add_cells(number - self.row - 1)
        self.row = max(self.row, number)
        self.in_row = True
        self.column = 0
        self.row_width = 0
        self.row_cells = 0

    def _cell(self, attrs: AttributesImpl) -> None:
        reference = attrs.get("r")
        column = _column_index(reference) if reference else None
        self.column = column if column is not None else self.column + 1
        if self.column > MAX_COLUMNS:
            raise _limit(
                f"The spreadsheet has more than {MAX_COLUMNS} columns in "
                f"{self.scan.sheet(self.part)}",
                MAX_COLUMNS,
            )
        self.row_width = max(self.row_width, self.column)
        self.row_cells += 1
        if self.scan.cells + max(self.row_width, self.row_cells) > MAX_CELLS:
            self._add_cells(max(self.row_width, self.row_cells))  # refuses: over the limit

    def _add_cells(self, count: int) -> None:
        self.scan.cells += count
        if self.scan.cells > MAX_CELLS:
            raise _limit(
                f"The spreadsheet has more than {MAX_CELLS:,} cells by the end of "
                f"{self.scan.sheet(self.part)} (blank cells before the last one in a row, and "
                "empty rows between rows, count too)",
                MAX_CELLS,
                " cells in the whole workbook",
                " Split it into several files, or save it as CSV UTF-8, which may have more rows.",
            )

    def endElement(self, name: str) -> None:
        self.events += 1
        self.run = 0
        self.depth -= 1
        if self.root == "worksheet" and self.in_row and _local(name) == "row":
            self.in_row = False
            self._add_cells(max(self.row_width, self.row_cells, 1))

    def characters(self, content: str) -> None:
        self.events += 1
        size = len(content)
        self.run += size
        if self.run > MAX_TEXT_RUN_CHARS:
            raise _limit(
                f"The workbook's part {self.part} has a piece of text longer than "
                f"{MAX_TEXT_RUN_CHARS:,} characters",
                MAX_TEXT_RUN_CHARS,
                " characters",
            )
        self.scan.text += size
        if self.scan.text > MAX_TEXT_CHARS:
            raise _limit(
                f"The workbook holds more than {MAX_TEXT_CHARS:,} characters of text",
                MAX_TEXT_CHARS,
                " characters",
            )


# --- CSV -----------------------------------------------------------------------------------


def check_csv(raw: IO[bytes]) -> None:
    """Raise SpreadsheetRefused if the CSV file in `raw` has more rows or columns, or longer
    lines or fields, than the limits allow. Bad bytes and bad quoting are left for the import
    to report by row; this only counts. Leaves `raw` at its start."""
    raw.seek(0)
    try:
        reader = csv.reader(_lines(raw), strict=True)
        rows = 0
        for cells in reader:
            rows += 1
            if rows > MAX_CSV_ROWS + 1:  # and the header
                raise _limit(f"The file has more than {MAX_CSV_ROWS:,} rows", MAX_CSV_ROWS)
            if len(cells) > MAX_CSV_COLUMNS:
                raise _limit(
                    f"Row {rows:,} has more than {MAX_CSV_COLUMNS} columns",
                    MAX_CSV_COLUMNS,
                )
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _limit(
                f"Row {rows + 1} has a value longer than {MAX_CSV_FIELD_CHARS:,} characters",
                MAX_CSV_FIELD_CHARS,
                " characters",
            ) from error
        # Bad quoting: the import reports it with its row.
    finally:
        raw.seek(0)


def csv_field_limit() -> int:
    """Set the csv module's field limit (a process-wide setting) to ours, and return it."""
    csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    return MAX_CSV_FIELD_CHARS


def _lines(raw: IO[bytes]) -> Iterator[str]:
    csv_field_limit()
    number = 0
    while line := raw.readline(MAX_CSV_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_CSV_LINE_BYTES:
            raise _limit(
                f"Line {number:,} of the file is longer than {MAX_CSV_LINE_BYTES // MB} MB",
                MAX_CSV_LINE_BYTES // MB,
                " MB",
            )
        yield line.decode("utf-8", errors="replace")
