"""The streaming checks on uploaded spreadsheets (coproduce.costs.spreadsheet), at their edges:
a file exactly at a limit passes, one more is refused; cells are counted as openpyxl yields
them, padding included."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
from openpyxl import load_workbook

from bench.hostile_uploads import COST_HEADER, row_xml, shared_strings_part, sheet_part, workbook
from coproduce.costs import spreadsheet
from coproduce.costs.spreadsheet import SpreadsheetRefused, check_csv, check_workbook


def refusal(content: bytes) -> str | None:
    try:
        check_workbook(io.BytesIO(content))
    except SpreadsheetRefused as refused:
        return str(refused)
    return None


def yielded_cells(content: bytes) -> int:
    """How many values openpyxl yields for the first sheet, as the import reads it."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    return sum(max(1, len(row)) for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    "rows",
    [
        [row_xml(1, ("a", "", "", "b"))],  # blank cells before the last one are padded
        [row_xml(1, ("a",)), row_xml(5, ("b", "c"))],  # and empty rows between rows yielded
        [b'<row r="2"><c r="C2"><v>1</v></c><c><v>2</v></c></row>'],  # a cell after C is D
        [b"<row><c><v>1</v></c></row><row><c/><c/><c/></row>"],  # rows and cells unnumbered
    ],
)
def test_cells_are_counted_as_openpyxl_yields_them(
    rows: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = workbook(sheet_part(rows))
    cells = yielded_cells(content)

    monkeypatch.setattr(spreadsheet, "MAX_CELLS", cells)
    at_the_limit = refusal(content)
    monkeypatch.setattr(spreadsheet, "MAX_CELLS", cells - 1)
    over = refusal(content)

    assert at_the_limit is None
    assert over is not None
    assert f"more than {cells - 1:,} cells by the end of sheet 'Costs'" in over


def test_a_column_at_the_limit_passes_and_one_past_it_is_refused() -> None:
    at = workbook(sheet_part([b'<row r="1"><c r="CV1"/></row>']))  # column 100
    past = workbook(sheet_part([b'<row r="1"><c r="CW1"/></row>']))

    assert refusal(at) is None
    assert refusal(past) == (
        "The spreadsheet has more than 100 columns in sheet 'Costs'; the limit is 100."
    )


def test_shared_strings_at_the_limit_pass_and_one_more_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_SHARED_STRINGS", 10)
    sheet = sheet_part([row_xml(1, COST_HEADER)])

    def strings(count: int) -> bytes:
        return workbook(sheet, shared_strings=shared_strings_part(map(str, range(count)), count))

    assert refusal(strings(10)) is None
    assert refusal(strings(11)) == (
        "The workbook has more than 10 different pieces of text (shared strings); the limit is 10."
    )


def test_a_renamed_shared_strings_part_is_counted_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_SHARED_STRINGS", 10)
    content = workbook(
        sheet_part([row_xml(1, ("a",))]),
        parts={"xl/elsewhere.bin": shared_strings_part(map(str, range(11)), 11)},
    )

    assert "more than 10 different pieces of text" in (refusal(content) or "")


def test_unpacked_bytes_are_counted_not_taken_from_the_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = workbook(
        sheet_part([row_xml(1, ("a",))]), parts={"xl/media/a.bin": [b"\0" * 2 * spreadsheet.MB]}
    )
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", spreadsheet.MB)
    # The directory's sizes, as the check reads them, claim nothing at all.
    real_infolist = zipfile.ZipFile.infolist

    def claiming_nothing(self: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        infos = [copy.copy(info) for info in real_infolist(self)]
        for info in infos:
            info.file_size = 0
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", claiming_nothing)

    assert refusal(content) == (
        "The workbook unpacks to more than 1 MB; the limit is 1 MB. Split it into several files."
    )


def test_a_damaged_archive_is_refused_as_unreadable() -> None:
    content = workbook(sheet_part([row_xml(1, ("a",))]))

    assert refusal(content[: len(content) // 2]) == (
        "The file is not a readable XLSX workbook (a damaged zip archive)."
    )


def csv_refusal(content: bytes) -> str | None:
    try:
        check_csv(io.BytesIO(content))
    except SpreadsheetRefused as refused:
        return str(refused)
    return None


def test_csv_at_each_limit_passes_and_past_it_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_CSV_ROWS", 3)

    assert csv_refusal(b"h\n1\n2\n3\n") is None
    assert csv_refusal(b"h\n1\n2\n3\n4\n") == "The file has more than 3 rows; the limit is 3."
    assert csv_refusal(b"," * 99 + b"\n") is None
    assert csv_refusal(b"," * 100 + b"\n") == "Row 1 has more than 100 columns; the limit is 100."
    field = spreadsheet.MAX_CSV_FIELD_CHARS
    assert csv_refusal(b'h\n"' + b"x" * field + b'"\n') is None
    assert csv_refusal(b'h\n"' + b"x" * (field + 1) + b'"\n') == (
        f"Row 2 has a value longer than {field:,} characters; the limit is {field:,} characters."
    )


def test_a_csv_with_bad_bytes_or_quotes_is_left_for_the_import_to_report() -> None:
    assert csv_refusal(b"h\n\xff\xfe\n") is None
    assert csv_refusal(b'h\n"unclosed\n') is None
