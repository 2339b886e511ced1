"""Import and export of cost items and time as CSV or XLSX; the layouts are in
docs/import-format.md.

An import never holds the file in memory. It reads the file twice: the first pass checks every
row and collects the problems; only a file without problems is read again, checked again under
the project lock (so nothing changed in between), and written in batches inside one transaction.
A file is imported whole or not at all, and leaves one audit event.

Bulk writes skip `full_clean()` for speed. The rules that span a row's cells are the services'
own (`services.cost_item_problems`, `services.priced`), and its cautions the forms' own
(`costs.cautions`); the cell parsers check what the models' field validators do. Time is costed
by `services.time_entry_for`, exactly as time logged in the browser.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import math
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import IO, Any, Literal, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from coproduce.accounts.models import User
from coproduce.audit.services import audit_record
from coproduce.catalogue.models import Stage
from coproduce.core.spreadsheets import defused, undefused
from coproduce.core.warnings import Caution, NeedsConfirmation
from coproduce.costs import cautions as cost_cautions
from coproduce.costs import services, spreadsheet
from coproduce.costs.models import (
    Activity,
    ActivityKind,
    CostCategory,
    CostItem,
    CostStatus,
    DefrayedBy,
    TimeEntry,
    total_hours,
)
from coproduce.costs.money import CURRENCIES, validate_currency
from coproduce.projects.models import Membership, Project
from coproduce.projects.services import lock_project

type Layout = Literal["costs", "time"]
type FileFormat = Literal["csv", "xlsx"]
type Source = str | os.PathLike[str] | IO[bytes]

MAX_FILE_BYTES: int = settings.COPRODUCE_MAX_IMPORT_BYTES
# What an XLSX workbook may unpack to, and hold, is limited in spreadsheet.py, checked before
# openpyxl reads it; so are a CSV file's rows, columns, lines and fields.
MAX_ROWS = spreadsheet.MAX_CSV_ROWS
MAX_PROBLEMS_LISTED = 100
BATCH_SIZE = 2_000
# Digits before the point that a cost item's amount can hold (15 in all, 4 after the point).
AMOUNT_WHOLE_DIGITS = 15 - 4
PROGRESS_EVERY = 1_000
# Excel holds numbers as binary floating point, exact to 15 significant digits. Longer
# amounts are exported as text so that they come back exactly.
XLSX_EXACT_DIGITS = 15
MAX_CONTRIBUTIONS = 2_147_483_647  # the largest PositiveIntegerField on every database

COST_COLUMNS = (
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
HOUR_COLUMNS = ("attendance_hours", "preparation_hours", "administration_hours", "follow_up_hours")
TIME_COLUMNS = (
    "date",
    "stage",
    "person",
    "activity_title",
    "activity_kind",
    "description",
    *HOUR_COLUMNS,
    "contributions",
    "defrayed_by",
)
LAYOUT_COLUMNS: dict[Layout, tuple[str, ...]] = {"costs": COST_COLUMNS, "time": TIME_COLUMNS}
REQUIRED_COLUMNS: dict[Layout, tuple[str, ...]] = {
    "costs": ("status", "category", "stage", "description", "defrayed_by", "currency"),
    "time": ("date", "stage", "person"),
}
LAYOUT_NAMES: dict[Layout, str] = {"costs": "cost items", "time": "time"}
# Columns people may expect in a time file; time is costed from each member's terms instead.
TIME_COSTING_COLUMNS = frozenset({"rate", "cost", "currency", "amount"})

ZERO = Decimal(0)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE_NUMBER = re.compile(r"\+?\d+")
_ZIP_MAGIC = b"PK\x03\x04"
# Characters XML 1.0, and so XLSX, cannot hold: control characters other than tab and line
# breaks, lone surrogates, and U+FFFE and U+FFFF.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and other Office 97 files


# --- Results and problems ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file. Rows count the header as row 1, as spreadsheets
    number them; `row` is None for the file as a whole and `column` for a whole row."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportRejected(Exception):
    """The file was not imported, and nothing was saved. `problems` lists at most
    MAX_PROBLEMS_LISTED of them; `total` counts them all."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__(str(self))

    @property
    def unlisted(self) -> int:
        return self.total - len(self.problems)

    def __str__(self) -> str:
        lines = [str(problem) for problem in self.problems]
        if self.unlisted:
            lines.append(f"... and {self.unlisted:,} more.")
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    layout: Layout
    rows: int
    cost_items: int = 0
    activities: int = 0
    time_entries: int = 0


@dataclass(frozen=True)
class Progress:
    """How far an import has got. The total is known once the file has been checked."""

    phase: Literal["checking", "saving"]
    rows_done: int
    rows_total: int | None


type ProgressCallback = Callable[[Progress], None]


class _Problems:
    """Problems found so far: the first MAX_PROBLEMS_LISTED kept, all of them counted."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_PROBLEMS_LISTED:
            self.listed.append(Problem(row, column, message))

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.listed, self.count)


class _Cautions:
    """Cautions found so far, by row: the first MAX_PROBLEMS_LISTED kept, all of them counted."""

    def __init__(self) -> None:
        self.listed: list[Caution] = []
        self.count = 0

    def add(self, row: int, cautions: Sequence[Caution]) -> None:
        self.count += len(cautions)
        room = MAX_PROBLEMS_LISTED - len(self.listed)
        self.listed += [caution.at_row(row) for caution in cautions[:room]]


def _reject(message: str) -> ImportRejected:
    """A problem with the file as a whole."""
    return ImportRejected([Problem(None, None, message)])


class _Unreadable(Exception):
    """The file cannot be read past this point (bad encoding, broken CSV or XLSX): at the row
    being read, or, `whole_file`, at all."""

    def __init__(self, message: str, *, whole_file: bool = False) -> None:
        super().__init__(message)
        self.whole_file = whole_file


# --- Import -------------------------------------------------------------------------------


def import_file(
    *,
    by: User,
    project: Project,
    path_or_file: Source,
    filename: str | None = None,
    progress: ProgressCallback | None = None,
    confirmed: bool = False,
    seen: str | None = None,
) -> ImportResult:
    """Import a cost items or time file (CSV or XLSX) into the project, all rows or none.

    The layout is recognised from the header row. Raises ImportRejected, having saved nothing,
    when anything is wrong; NeedsConfirmation, having saved nothing, when rows have cautions
    (the forms' own, from costs.cautions) and the import is not `confirmed`. Given `seen`, the
    digest of the cautions the person was shown (NeedsConfirmation.digest), `confirmed`
    confirms those only: if the file's rows now raise others, it asks again.
    `filename` names the file in the audit log and decides its type by
    its extension (.csv or .xlsx); it defaults to the path's name.
    """
    name = filename or _name_of(path_or_file)
    file_format = _check_container(path_or_file, name)
    checked = _first_pass(path_or_file, file_format, project, progress)
    if checked.cautions.count:
        asked = NeedsConfirmation(checked.cautions.listed, checked.cautions.count)
        if not confirmed or (seen is not None and asked.digest != seen):
            raise asked
    with transaction.atomic():
        lock_project(project.pk)
        result = _second_pass(
            path_or_file, file_format, project=project, by=by, checked=checked, progress=progress
        )
        audit_record(
            by=by,
            action="costs.import",
            target=project,
            changes={
                "rows": {"from": None, "to": result.rows},
                "file": {"from": None, "to": name},
                "layout": {"from": None, "to": result.layout},
            },
        )
    return result


def _name_of(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return PurePath(source).name
    return PurePath(str(getattr(source, "name", "") or "upload")).name


def _check_container(source: Source, filename: str) -> FileFormat:
    """The file's format, after the checks that need no parsing: size, type, emptiness."""
    size = _size(source)
    if size == 0:
        raise _reject("The file is empty: it has no header row and no data.")
    if size > MAX_FILE_BYTES:
        raise _reject(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into several files."
        )
    extension = PurePath(filename).suffix.lower()
    with _opened(source) as raw:
        head = raw.read(4)
        if extension == ".xlsx":
            if head != _ZIP_MAGIC:
                raise _reject("The file's name ends in .xlsx, but it is not an XLSX workbook.")
            _check_workbook(raw)
            return "xlsx"
    if extension == ".csv":
        if head == _ZIP_MAGIC:
            raise _reject(
                "The file's name ends in .csv, but it is a zipped file such as an XLSX "
                "workbook. Rename it to .xlsx, or save it as CSV UTF-8."
            )
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _reject("The file is UTF-16 text. Save it as CSV UTF-8 and try again.")
        with _opened(source) as raw:
            _check_limits(spreadsheet.check_csv, raw)
        return "csv"
    if head == _OLE_MAGIC:
        raise _reject("This is an old Excel (.xls) file. Save it as .xlsx or as CSV UTF-8.")
    shown = f"'{extension}'" if extension else "without an extension"
    raise _reject(f"The file type {shown} is not supported: use .csv (UTF-8) or .xlsx.")


def _size(source: Source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.stat(source).st_size
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def _check_workbook(raw: IO[bytes]) -> None:
    """Refuse a workbook over the limits before openpyxl reads any of it."""
    _check_limits(spreadsheet.check_workbook, raw)


def _check_limits(check: Callable[[IO[bytes]], None], raw: IO[bytes]) -> None:
    try:
        check(raw)
    except spreadsheet.SpreadsheetRefused as error:
        raise _reject(str(error)) from error


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as raw:
            yield raw
    else:
        source.seek(0)
        yield source


@contextmanager
def _table(source: Source, file_format: FileFormat) -> Iterator[Iterator[Sequence[object]]]:
    """The file's rows, header first, read as a stream."""
    with _opened(source) as raw:
        rows = _csv_rows(raw) if file_format == "csv" else _xlsx_rows(raw)
        try:
            yield rows
        finally:
            rows.close()


def _csv_rows(raw: IO[bytes]) -> Generator[Sequence[object], None, None]:
    spreadsheet.csv_field_limit()
    try:
        yield from csv.reader(_utf8_lines(raw), strict=True)
    except csv.Error as error:
        raise _Unreadable(
            f"This is not valid CSV ({error}). Check the quotes in this row."
        ) from error


def _utf8_lines(raw: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, line endings kept for the csv module. Decoding line by line
    (a newline byte is never part of a longer UTF-8 character) names the row of a bad byte."""
    first = True
    for line in raw:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Unreadable(
                "The file is not UTF-8 text from this row on. Save it as CSV UTF-8 and try again."
            ) from error
        if first:
            text = text.removeprefix("\ufeff")  # the byte order mark of Excel's "CSV UTF-8"
            first = False
            if not text:
                continue
        yield text


def _xlsx_rows(raw: IO[bytes]) -> Generator[Sequence[object], None, None]:
    try:
        # data_only: a formula cell gives the value the spreadsheet last calculated;
        # keep_links=False: external links are neither read nor kept.
        workbook = load_workbook(raw, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises zip, XML, key and value errors alike
        raise _Unreadable("The file is not a readable XLSX workbook.", whole_file=True) from error
    try:
        if not workbook.worksheets:
            raise _Unreadable("The workbook has no worksheet.", whole_file=True)
        try:
            sheet = workbook.worksheets[0]
            # The dimension the file declares may be false; openpyxl would pad every row to it.
            sheet.reset_dimensions()
            yield from sheet.iter_rows(min_row=1, values_only=True)
        except _Unreadable:
            raise
        except Exception as error:
            raise _Unreadable("The workbook is damaged from this row on.") from error
    finally:
        workbook.close()


@dataclass
class _Checked:
    """What the first pass learnt: the layout, the header, and the activities in the file."""

    layout: Layout
    columns: dict[str, int]
    rows: int
    activities: dict[tuple[str, datetime.date, int, str], int]
    cautions: _Cautions


def _first_pass(
    source: Source, file_format: FileFormat, project: Project, progress: ProgressCallback | None
) -> _Checked:
    problems = _Problems()
    lookups = _Lookups.of(project)
    with _table(source, file_format) as table:
        header = _read_header(table, problems)
        if header is None:
            raise problems.rejected()
        layout, columns, width = header
        checker = _checker(layout, columns, width, file_format, lookups, problems)
        # Cautions are asked about once, here; the second pass saves what was confirmed.
        checker.cautions = _Cautions()
        rows = _check_rows(
            table, checker, problems, phase="checking", total=None, progress=progress
        )
    if problems.count:
        raise problems.rejected()
    if rows == 0:
        raise _reject("The file has a header row but no data rows: there is nothing to import.")
    return _Checked(layout, columns, rows, checker.activities, checker.cautions)


def _check_rows(
    table: Iterator[Sequence[object]],
    checker: _Checker,
    problems: _Problems,
    *,
    phase: Literal["checking", "saving"],
    total: int | None,
    progress: ProgressCallback | None,
    write: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Check (and, given `write`, write) every data row; the number of rows with data."""
    done = 0
    number = 1
    try:
        for number, cells in enumerate(table, start=2):
            if number > MAX_ROWS + 1:
                problems.add(None, None, f"The file has more than {MAX_ROWS:,} rows. Split it up.")
                break
            if not any(cells) and _blank(cells):
                continue
            values = checker.check(number, cells)
            done += 1
            if values is not None and write is not None:
                write(values)
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(Progress(phase, done, total))
    except _Unreadable as error:
        problems.add(None if error.whole_file else number + 1, None, str(error))
    if progress is not None:
        progress(Progress(phase, done, total if total is not None else done))
    return done


def _blank(cells: Sequence[object]) -> bool:
    return all(cell is None or cell == "" for cell in cells)


def _read_header(
    table: Iterator[Sequence[object]], problems: _Problems
) -> tuple[Layout, dict[str, int], int] | None:
    """The layout the header row names, with each column's position, or None with problems."""
    try:
        cells = next(table, None)
    except _Unreadable as error:
        problems.add(None if error.whole_file else 1, None, str(error))
        return None
    if cells is None:
        problems.add(None, None, "The file is empty: it has no header row and no data.")
        return None
    if _blank(cells):
        problems.add(1, None, "The first row is empty: it must name the columns.")
        return None
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        name = "" if cell is None else str(cell).strip().lstrip("\ufeff").lower()
        name = re.sub(r"[\s-]+", "_", name)
        if not name:
            continue
        if name in columns:
            problems.add(1, name, "This column appears twice.")
        columns[name] = position
    layout = _layout_of(columns)
    if layout is None:
        problems.add(
            1,
            None,
            "The first row must name the columns of the cost items layout or of the time "
            f"layout (see docs/import-format.md); it has: {', '.join(columns) or 'nothing'}.",
        )
        return None
    expected = LAYOUT_COLUMNS[layout]
    for name in columns:
        if name in expected:
            continue
        if layout == "time" and name in TIME_COSTING_COLUMNS:
            problems.add(
                1,
                name,
                "The time layout has no rate, cost or currency: time is costed at the rate in "
                "each member's terms, so every hour has a rate with a cited source.",
            )
        else:
            problems.add(
                1,
                name,
                f"This is not a column of the {LAYOUT_NAMES[layout]} layout. "
                f"Its columns are: {', '.join(expected)}.",
            )
    for name in REQUIRED_COLUMNS[layout]:
        if name not in columns:
            problems.add(1, name, f"This column is missing; the {LAYOUT_NAMES[layout]} needs it.")
    if layout == "costs" and not {"bearer_person", "bearer_organisation"} & columns.keys():
        problems.add(
            1, "bearer_person", "Add a bearer_person or a bearer_organisation column, or both."
        )
    if problems.count:
        return None
    return layout, columns, len(cells)


def _layout_of(columns: dict[str, int]) -> Layout | None:
    names = set(columns)
    costs_only = names & (set(COST_COLUMNS) - set(TIME_COLUMNS))
    time_only = names & (set(TIME_COLUMNS) - set(COST_COLUMNS))
    if len(costs_only) > len(time_only):
        return "costs"
    if len(time_only) > len(costs_only):
        return "time"
    return None


def _second_pass(
    source: Source,
    file_format: FileFormat,
    *,
    project: Project,
    by: User,
    checked: _Checked,
    progress: ProgressCallback | None,
) -> ImportResult:
    """Check every row again under the project lock, and write it. Any problem now (the file
    or the project changed since the first pass) rolls the whole import back."""
    problems = _Problems()
    lookups = _Lookups.of(project)
    writer: _Writer = (
        _CostWriter(project, by) if checked.layout == "costs" else _TimeWriter(project, by, checked)
    )
    with _table(source, file_format) as table:
        header = _read_header(table, problems)
        if header is None or header[:2] != (checked.layout, checked.columns):
            raise _reject("The file changed while it was being imported. Try again.")
        checker = _checker(
            checked.layout, checked.columns, header[2], file_format, lookups, problems
        )
        checker.activities = dict(checked.activities)
        checker.activities_fixed = True
        rows = _check_rows(
            table,
            checker,
            problems,
            phase="saving",
            total=checked.rows,
            progress=progress,
            write=writer.add,
        )
    if problems.count:
        raise problems.rejected()
    if rows != checked.rows:
        raise _reject("The file changed while it was being imported. Try again.")
    writer.flush()
    return writer.result(rows)


# --- Checking rows --------------------------------------------------------------------------


def _choices(choices: type[models.TextChoices]) -> dict[str, str]:
    """Accepted spellings, lower-cased: each code and each label."""
    accepted: dict[str, str] = {}
    for value, label in choices.choices:
        accepted[str(label).lower()] = value
        accepted[value.lower()] = value
    return accepted


STATUSES = _choices(CostStatus)
CATEGORIES = _choices(CostCategory)
PAYERS = _choices(DefrayedBy)
ACTIVITY_KINDS = _choices(ActivityKind)
# Parsed values are remembered per column (dates, people, hours repeat down a file), up to this
# many distinct texts, so memory stays bounded however long the file is.
CACHE_LIMIT = 4_096


@dataclass
class _Lookups:
    """The project's stages, people and organisations, loaded once per pass."""

    stages: dict[int, int]
    emails: dict[str, list[int]]
    names: dict[str, list[int]]
    organisations: dict[str, int]
    member_bits: dict[int, int]
    project: Project

    @classmethod
    def of(cls, project: Project) -> _Lookups:
        emails: dict[str, list[int]] = {}
        names: dict[str, list[int]] = {}
        members = Membership.objects.filter(project=project).order_by("person_id")
        person_ids = []
        for person_id, email, login, name in members.values_list(
            "person_id", "person__email", "person__user__email", "person__name"
        ):
            person_ids.append(person_id)
            # The person's contact email, or failing that their login's: either names them.
            for address in {(email or "").strip().lower(), (login or "").strip().lower()} - {""}:
                emails.setdefault(address, []).append(person_id)
            names.setdefault(name.strip(), []).append(person_id)
        return cls(
            stages=dict(Stage.objects.values_list("number", "pk")),
            emails=emails,
            names=names,
            organisations={
                name: pk
                for pk, name in services.project_organisations(project).values_list("pk", "name")
            },
            member_bits={person_id: 1 << n for n, person_id in enumerate(person_ids)},
            project=project,
        )


class _Fault:
    """What is wrong with a cell's value; remembered like a good value, so a bad value repeated
    down the file is parsed once."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


type _Parser = Callable[[object], object]
"""A cell's raw value to its model value: None when empty, or a _Fault."""


def _text(max_length: int, *, unescape: bool, required: bool = False) -> _Parser:
    def parse(raw: object) -> object:
        value = raw.strip() if type(raw) is str else _as_text(raw)
        if unescape:
            value = undefused(value)  # the apostrophe a CSV export put before a formula
        if not value:
            return _Fault("This cell is empty, and it is required.") if required else ""
        if len(value) > max_length:
            return _Fault(f"Too long: {len(value):,} characters; at most {max_length}.")
        if "\x00" in value:
            return _Fault("This contains a NUL character, which cannot be stored.")
        return value

    return parse


def _choice(accepted: dict[str, str], *, required: bool) -> _Parser:
    def parse(raw: object) -> object:
        value = _as_text(raw)
        if not value:
            return (
                _Fault(f"This cell is empty; give one of: {_codes(accepted)}.")
                if required
                else None
            )
        code = accepted.get(value.lower())
        return code or _Fault(f"'{_shown(value)}' is not one of: {_codes(accepted)}.")

    return parse


def _stage(stages: dict[int, int]) -> _Parser:
    def parse(raw: object) -> object:
        number = _as_whole_number(raw)
        stage_id = stages.get(number) if number is not None else None
        if stage_id is not None:
            return stage_id
        shown = _shown(_as_text(raw))
        if not shown:
            return _Fault("This cell is empty; give the stage number, 1 to 7.")
        return _Fault(f"'{shown}' is not a stage number: use 1 to 7.")

    return parse


def _date(*, required: bool) -> _Parser:
    def parse(raw: object) -> object:
        if isinstance(raw, datetime.datetime):
            if raw.time() != datetime.time(0):
                return _Fault(f"{raw.isoformat()} has a time of day; give a date only.")
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        value = _as_text(raw)
        if not value:
            return (
                _Fault("This cell is empty; give a date such as 2025-03-31.") if required else None
            )
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return _Fault(
                f"'{_shown(value)}' is not a date. Write it as year-month-day, such as 2025-03-31."
            )

    return parse


def _decimal(*, max_digits: int, places: int, minimum: Decimal, too_small: str) -> _Parser:
    """As the model's DecimalField and its MinValueValidator; trailing zeros past `places` are
    accepted (1.500 is 1.50), other extra places are not."""
    whole_digits = max_digits - places
    step = Decimal(1).scaleb(-places)

    def parse(raw: object) -> object:
        value = _as_decimal(raw)
        if value is None:
            text = _as_text(raw)
            if not text:
                return None
            return _Fault(
                f"'{_shown(text)}' is not a number. Write it like 1234.56: a full stop for "
                "decimals, no thousands separators, no currency sign."
            )
        if value < minimum:
            return _Fault(too_small)
        if value.adjusted() >= whole_digits:
            return _Fault(f"{value} is too large: at most {whole_digits} digits before the point.")
        exact = value.quantize(step)
        if exact != value:
            return _Fault(f"{value} has more than {places} decimal places.")
        return exact if exact else abs(exact)  # no negative zero

    return parse


def _person(lookups: _Lookups, *, unescape: bool, required: bool = False) -> _Parser:
    text = _text(254, unescape=unescape)

    def parse(raw: object) -> object:
        value = text(raw)
        if isinstance(value, _Fault):
            return value
        if not value:
            if required:
                return _Fault("This cell is empty; give the person's email or exact name.")
            return None
        assert isinstance(value, str)
        by_email = lookups.emails.get(value.lower())
        found = by_email if by_email is not None else lookups.names.get(value)
        if found is None:
            return _Fault(f"No member of this project has the email or name '{value}'.")
        if len(found) > 1:
            how = "the email" if by_email is not None else "the name"
            instead = "their exact name" if by_email is not None else "their email address"
            return _Fault(
                f"{len(found)} members of this project have {how} '{value}': use {instead}."
            )
        return found[0]

    return parse


def _organisation(lookups: _Lookups, *, unescape: bool) -> _Parser:
    text = _text(200, unescape=unescape)

    def parse(raw: object) -> object:
        value = text(raw)
        if isinstance(value, _Fault) or not value:
            return value or None
        organisation_id = lookups.organisations.get(str(value))
        return organisation_id or _Fault(
            f"'{value}' is not the host organisation or an organisation of a project member."
        )

    return parse


def _currency(raw: object) -> object:
    code = _as_text(raw).upper()
    if not code:
        return _Fault("This cell is empty; give an ISO 4217 code such as GBP.")
    if code not in CURRENCIES:
        try:
            validate_currency(code)
        except ValidationError as error:
            return _Fault(error.messages[0])
    return code


def _count(raw: object) -> object:
    value = _as_whole_number(raw)
    if value is not None:
        return value if value <= MAX_CONTRIBUTIONS else _Fault(f"{value} is too large.")
    text = _as_text(raw)
    if not text:
        return None
    if text.startswith("-") and _WHOLE_NUMBER.fullmatch(text[1:]):
        return _Fault("Contributions cannot be negative.")
    return _Fault(f"'{_shown(text)}' is not a whole number.")


def _checker(
    layout: Layout,
    columns: dict[str, int],
    width: int,
    file_format: FileFormat,
    lookups: _Lookups,
    problems: _Problems,
) -> _Checker:
    kind = _CostChecker if layout == "costs" else _TimeChecker
    return kind(columns, width, file_format, lookups, problems)


class _Checker:
    """Reads one row's cells into model values, recording a problem for each bad cell."""

    def __init__(
        self,
        columns: dict[str, int],
        width: int,
        file_format: FileFormat,
        lookups: _Lookups,
        problems: _Problems,
    ) -> None:
        self.width = width
        self.is_csv = file_format == "csv"
        self.lookups = lookups
        self.problems = problems
        self.number = 0
        self.cells: Sequence[object] = ()
        self.bad: set[str | None] = set()
        # Each column, in layout order: its name, its position in the row, its parser, and its
        # cache of parsed values (None where values rarely repeat).
        self.spec: list[tuple[str, int | None, _Parser, dict[str, object] | None]] = [
            (name, columns.get(name), parse, {} if cached else None)
            for name, (parse, cached) in self.parsers().items()
        ]
        self.positions = {name: position for name, position, _, _ in self.spec}
        # Activities by (title, date, stage id, kind), numbered in the order they first appear.
        # The second pass starts from the first pass's numbering and may not add to it.
        self.activities: dict[tuple[str, datetime.date, int, str], int] = {}
        self.activities_fixed = False
        # The people at each activity, one bit per project member: a few bytes an activity,
        # however many rows the file has.
        self.attendance: dict[int, int] = {}
        # Set for the pass that asks about cautions (the first).
        self.cautions: _Cautions | None = None
        # Contributor payments in the earlier rows, by (payee, currency): a payment is checked
        # against the benefit thresholds counting them, as if they were already saved.
        self.pending: dict[tuple[int, str], list[tuple[datetime.date, Decimal]]] = {}

    # The model attribute each column's value goes to, in layout order.
    fields: tuple[str, ...] = ()

    def parsers(self) -> dict[str, tuple[_Parser, bool]]:
        """Each column's parser, in layout order, and whether its values repeat enough to be
        worth remembering."""
        raise NotImplementedError

    def check(self, number: int, cells: Sequence[object]) -> dict[str, Any] | None:
        raise NotImplementedError

    def start(self, number: int, cells: Sequence[object]) -> bool:
        """Begin a row; False if its shape is wrong, so its cells cannot be trusted."""
        self.number = number
        self.cells = cells
        self.bad = set()
        width = self.width
        if len(cells) > width and not _blank(cells[width:]):
            self.fail(
                None,
                f"This row has values in {len(cells)} columns, but the header names only {width}.",
            )
            return False
        if self.is_csv and len(cells) < width:
            self.fail(
                None,
                f"This row has {len(cells)} cells, but the header has {width}. Is a comma or a "
                "line break in a cell without quotes around it?",
            )
            return False
        return True

    def fail(self, column: str | None, message: str) -> None:
        self.problems.add(self.number, column, message)
        self.bad.add(column)

    def raw(self, column: str) -> object:
        position = self.positions[column]
        cells = self.cells
        return cells[position] if position is not None and position < len(cells) else None

    def parse(self) -> dict[str, Any]:
        """The row's model values by field (None where a cell is empty or bad), recording a
        problem for each bad cell. One loop for the whole row: this runs for every row twice."""
        cells = self.cells
        width = len(cells)
        parsed: list[object] = []
        for column, position, parse, cache in self.spec:
            raw = cells[position] if position is not None and position < width else None
            if cache is not None and type(raw) is str:
                result = cache.get(raw, cache)  # the cache itself marks "not seen yet"
                if result is cache:
                    result = parse(raw)
                    if len(cache) < CACHE_LIMIT:
                        cache[raw] = result
            else:
                result = parse(raw)
            if type(result) is _Fault:
                self.fail(column, result.message)
                result = None
            parsed.append(result)
        return dict(zip(self.fields, parsed, strict=True))

    def ok(self) -> bool:
        return not self.bad


class _CostChecker(_Checker):
    fields = tuple(
        f"{column}_id"
        if column in {"stage", "bearer_person", "bearer_organisation", "payee"}
        else column
        for column in COST_COLUMNS
    )

    def parsers(self) -> dict[str, tuple[_Parser, bool]]:
        lookups, unescape = self.lookups, self.is_csv
        return {
            "status": (_choice(STATUSES, required=True), True),
            "category": (_choice(CATEGORIES, required=True), True),
            "stage": (_stage(lookups.stages), True),
            "description": (_text(300, unescape=unescape, required=True), False),
            "bearer_person": (_person(lookups, unescape=unescape), True),
            "bearer_organisation": (_organisation(lookups, unescape=unescape), True),
            "payee": (_person(lookups, unescape=unescape), True),
            "defrayed_by": (_choice(PAYERS, required=True), True),
            "budget_line": (_text(120, unescape=unescape), True),
            "date": (_date(required=False), True),
            "currency": (_currency, True),
            "amount": (
                _decimal(
                    max_digits=CostItem._meta.get_field("amount").max_digits,
                    places=4,
                    minimum=ZERO,
                    too_small="An amount cannot be negative.",
                ),
                True,
            ),
            "hours": (
                _decimal(
                    max_digits=8,
                    places=2,
                    minimum=Decimal("0.01"),
                    too_small="Hours must be more than zero.",
                ),
                True,
            ),
            "rate": (
                _decimal(
                    max_digits=12, places=2, minimum=ZERO, too_small="A rate cannot be negative."
                ),
                True,
            ),
        }

    def check(self, number: int, cells: Sequence[object]) -> dict[str, Any] | None:
        if not self.start(number, cells):
            return None
        values = self.parse()
        self.across_columns(values)
        if not self.ok():
            return None
        if self.cautions is not None and values["status"] == CostStatus.ACTUAL:
            self.caution(values)
        return values

    def caution(self, values: dict[str, Any]) -> None:
        """The cautions a form would raise for this row (costs.cautions), counting the
        contributor payments in the rows above it."""
        assert self.cautions is not None
        item = cost_cautions.NewCost(
            project=self.lookups.project,
            status=values["status"],
            category=values["category"],
            date=values["date"],
            payee_id=values["payee_id"],
            amount=values["amount"],
            currency=values["currency"],
        )
        key = (values["payee_id"], values["currency"])
        payment = values["category"] == CostCategory.CONTRIBUTOR_PAYMENT
        found = cost_cautions.cost_item_cautions(
            item, pending=self.pending.get(key, ()) if payment else ()
        )
        if found:
            self.cautions.add(self.number, found)
        if payment:
            self.pending.setdefault(key, []).append((values["date"], values["amount"]))

    def across_columns(self, values: dict[str, Any]) -> None:
        """The rules that span columns: the service's own (services.cost_item_problems and
        services.priced), given the row's values. A rule about a cell already reported as
        bad is not applied to it."""
        bad = self.bad
        problems = services.cost_item_problems(
            status=values["status"],
            category=values["category"],
            date=values["date"],
            has_payee=values["payee_id"] is not None,
            has_bearer_person=values["bearer_person_id"] is not None,
            has_bearer_organisation=values["bearer_organisation_id"] is not None,
        )
        # What each rule reads: it is left out when one of those cells was bad.
        reads = {
            "bearer_person": {"bearer_person", "bearer_organisation"},
            "payee": {"payee", "status", "category"},
            "date": {"date", "status"},
        }
        for column, message in problems.items():
            if not reads.get(column, {column}) & bad:
                self.fail(column, message)
        if not {"hours", "rate", "amount"} & bad:
            try:
                values["amount"] = services.priced(
                    values["hours"], values["rate"], values["amount"]
                )
            except ValidationError as error:
                self.fail_with(error)
            else:
                if values["amount"].adjusted() >= AMOUNT_WHOLE_DIGITS:
                    self.fail(
                        "amount", f"Hours x rate is {_plain(values['amount'])}, too large to store."
                    )

    def fail_with(self, error: ValidationError) -> None:
        """A service's errors as problems of the row, each message once (a rule about two
        fields names both, but one problem is enough)."""
        said: set[str] = set()
        for column, messages in error.message_dict.items():
            for message in messages:
                if message not in said:
                    said.add(message)
                    self.fail(column, message)


class _TimeChecker(_Checker):
    fields = tuple(
        f"{column}_id" if column in {"stage", "person"} else column for column in TIME_COLUMNS
    )

    def parsers(self) -> dict[str, tuple[_Parser, bool]]:
        lookups, unescape = self.lookups, self.is_csv
        hours = _decimal(
            max_digits=6, places=2, minimum=ZERO, too_small="Hours cannot be negative."
        )
        return {
            "date": (_date(required=True), True),
            "stage": (_stage(lookups.stages), True),
            "person": (_person(lookups, unescape=unescape, required=True), True),
            "activity_title": (_text(200, unescape=unescape), False),
            "activity_kind": (_choice(ACTIVITY_KINDS, required=False), True),
            "description": (_text(200, unescape=unescape), False),
            **{column: (hours, True) for column in HOUR_COLUMNS},
            "contributions": (_count, True),
            "defrayed_by": (_choice(PAYERS, required=False), True),
        }

    def check(self, number: int, cells: Sequence[object]) -> dict[str, Any] | None:
        if not self.start(number, cells):
            return None
        values = self.parse()
        title = values.pop("activity_title")
        kind = values.pop("activity_kind")
        values["activity"] = None
        for column in HOUR_COLUMNS:
            values[column] = values[column] or ZERO
        values["defrayed_by"] = values["defrayed_by"] or ""  # the member's payer, by default
        bad = self.bad
        if not bad.intersection(HOUR_COLUMNS) and not any(
            values[column] for column in HOUR_COLUMNS
        ):
            self.fail(None, f"Give some hours: at least one of {', '.join(HOUR_COLUMNS)}.")
        if title and kind is None and "activity_kind" not in bad:
            self.fail(
                "activity_kind",
                f"Say what kind of activity this was: one of {_codes(ACTIVITY_KINDS)}.",
            )
        elif kind is not None and not title and "activity_title" not in bad:
            self.fail(
                "activity_kind",
                "An activity kind needs an activity_title. Leave both empty for time that was "
                "not spent at an activity.",
            )
        if not self.ok():
            return None
        if title:
            key = (title, values["date"], values["stage_id"], kind)
            values["activity"] = self.attend(key, values["person_id"])
            if values["activity"] is None:
                return None
        return values

    def attend(self, key: tuple[str, datetime.date, int, str], person_id: int) -> int | None:
        """The activity's number in the file, marking the person as attending it once."""
        activity = self.activities.get(key)
        if activity is None:
            if self.activities_fixed:
                self.fail(None, "The file changed while it was being imported. Try again.")
                return None
            activity = self.activities[key] = len(self.activities)
        attended = self.attendance.get(activity, 0)
        bit = self.lookups.member_bits[person_id]
        if attended & bit:
            title, date, _, _ = key
            self.fail(
                "person",
                f"{_as_text(self.raw('person'))} is listed twice for the activity '{title}' "
                f"on {date.isoformat()}: give each person one row per activity.",
            )
            return None
        self.attendance[activity] = attended | bit
        return activity


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _as_decimal(value: object) -> Decimal | None:
    """The exact number a cell holds, never through binary floating point except where the
    spreadsheet itself stored a float (XLSX), read back by its shortest exact repr."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    return None


def _as_whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _as_text(value)
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def _plain(value: Decimal) -> str:
    """A number as people write it: 20 rather than 20.0000."""
    return format(value.normalize(), "f")


def _codes(accepted: dict[str, str]) -> str:
    return ", ".join(dict.fromkeys(accepted.values()))


def _shown(value: str) -> str:
    """A cell's text in a message, cut short."""
    return value if len(value) <= 60 else value[:57] + "..."


# --- Writing ------------------------------------------------------------------------------


class _Inserter:
    """Saves new rows of a model with one prepared INSERT run for a whole batch.

    This is bulk_create without its costs that dominate at 100,000 rows: building a model
    object for every row and compiling SQL for every value. A row is a mapping of column
    attribute names (`stage_id`) to values; what it leaves out takes the field's default, as a
    new object would. Values reach the driver as bulk_create would send them: dates through
    the backend's adapter, auto_now timestamps set once for the import. Only the field types
    these models use are supported; another type is an error, not a guess.
    """

    AS_IS = frozenset(
        {"CharField", "TextField", "ForeignKey", "PositiveIntegerField", "IntegerField"}
    )

    def __init__(self, model: type[models.Model], *, now: datetime.datetime) -> None:
        ops = connection.ops
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.defaults: dict[str, object] = {}
        self.timestamps: dict[str, object] = {}
        self.adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, field in enumerate(fields):
            kind = field.get_internal_type()
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.timestamps[field.attname] = ops.adapt_datetimefield_value(now)
                continue
            if field.has_default() and callable(field.default):
                raise TypeError(f"{model.__name__}.{field.name}: a callable default")
            self.defaults[field.attname] = field.get_default()
            if kind == "DateField":
                self.adapters.append((index, ops.adapt_datefield_value))
            elif kind == "DecimalField" and not _decimals_pass_through(ops):
                self.adapters.append(
                    (
                        index,
                        functools.partial(
                            ops.adapt_decimalfield_value,
                            max_digits=field.max_digits,  # type: ignore[attr-defined]
                            decimal_places=field.decimal_places,  # type: ignore[attr-defined]
                        ),
                    )
                )
            elif kind not in self.AS_IS and kind != "DecimalField":
                raise TypeError(f"{model.__name__}.{field.name}: {kind} is not supported here")
        self.pick = operator.itemgetter(*(field.attname for field in fields))
        quote = ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(cast(str, field.column)) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        defaults, timestamps, adapters = self.defaults, self.timestamps, self.adapters
        prepared = []
        for values in rows:
            row = list(self.pick({**defaults, **values, **timestamps}))
            for index, adapt in adapters:
                if row[index] is not None:
                    row[index] = adapt(row[index])
            prepared.append(row)
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared)


def _decimals_pass_through(ops: BaseDatabaseOperations) -> bool:
    """Whether the backend hands decimals to its driver unchanged, as Django's base operations
    (which SQLite and PostgreSQL keep) do; then there is no need to call it for every value."""
    adapt = type(ops).adapt_decimalfield_value
    return adapt is BaseDatabaseOperations.adapt_decimalfield_value


class _Writer:
    """Collects checked rows and inserts them in batches."""

    def __init__(self, project: Project, by: User, model: type[models.Model]) -> None:
        self.project = project
        self.by = by
        self.now = timezone.now()
        self.inserter = _Inserter(model, now=self.now)
        self.batch: list[dict[str, Any]] = []
        self.saved = 0

    def add(self, values: dict[str, Any]) -> None:
        self.batch.append(self.row(values))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def row(self, values: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def flush(self) -> None:
        self.inserter.insert(self.batch)
        self.saved += len(self.batch)
        self.batch = []

    def result(self, rows: int) -> ImportResult:
        raise NotImplementedError


class _CostWriter(_Writer):
    def __init__(self, project: Project, by: User) -> None:
        super().__init__(project, by, CostItem)

    def row(self, values: dict[str, Any]) -> dict[str, Any]:
        values["project_id"] = self.project.pk
        values["created_by_id"] = self.by.pk
        return values

    def result(self, rows: int) -> ImportResult:
        return ImportResult("costs", rows, cost_items=self.saved)


class _TimeWriter(_Writer):
    def __init__(self, project: Project, by: User, checked: _Checked) -> None:
        super().__init__(project, by, TimeEntry)
        self.terms = services.costing(project)
        self.activity_ids = _create_activities(project, by, checked.activities, now=self.now)

    def row(self, values: dict[str, Any]) -> dict[str, Any]:
        activity = values.pop("activity")
        # Costed as time logged in the browser is (services.time_entry_for): the member's terms
        # when the entry is made. Without building a model object, which at 100,000 rows is
        # a large share of the import's time.
        costing = self.terms[values["person_id"]]
        values.update(costing.priced(total_hours(values)))
        values["defrayed_by"] = values.get("defrayed_by") or costing.payer
        values["project_id"] = self.project.pk
        values["activity_id"] = self.activity_ids[activity] if activity is not None else None
        values["created_by_id"] = self.by.pk
        return values

    def result(self, rows: int) -> ImportResult:
        return ImportResult(
            "time", rows, activities=len(self.activity_ids), time_entries=self.saved
        )


def _create_activities(
    project: Project,
    by: User,
    keys: dict[tuple[str, datetime.date, int, str], int],
    *,
    now: datetime.datetime,
) -> list[int]:
    """Create the file's activities (without an organiser); their ids by their number in the
    file. The new ids are read back by each activity's key, which is unique in the import."""
    if not keys:
        return []
    inserter = _Inserter(Activity, now=now)
    batch: list[dict[str, Any]] = []
    for title, date, stage_id, kind in keys:
        batch.append(
            {
                "project_id": project.pk,
                "created_by_id": by.pk,
                "title": title,
                "date": date,
                "stage_id": stage_id,
                "kind": kind,
            }
        )
        if len(batch) >= BATCH_SIZE:
            inserter.insert(batch)
            batch = []
    inserter.insert(batch)
    ids = [0] * len(keys)
    created = Activity.objects.filter(project=project, created_by=by, created_at=now)
    for pk, *key in created.values_list("pk", "title", "date", "stage_id", "kind").iterator(
        chunk_size=BATCH_SIZE
    ):
        ids[keys[cast(tuple[str, datetime.date, int, str], tuple(key))]] = pk
    if not all(ids):
        raise RuntimeError("Some imported activities could not be found again.")
    return ids


# --- Export -------------------------------------------------------------------------------


def export(
    *,
    project: Project,
    kind: Layout,
    format: FileFormat,
    out: IO[bytes] | io.TextIOBase,
) -> int:
    """Write the project's cost items or time to `out` as CSV or XLSX; the number of rows.

    CSV may go to a text or a binary stream (as UTF-8); XLSX needs a binary one. Rows are read
    from the database in chunks and written as they come.
    """
    columns = LAYOUT_COLUMNS[kind]
    rows = _cost_rows(project) if kind == "costs" else _time_rows(project)
    if format == "csv":
        return _write_csv(columns, rows, out)
    if isinstance(out, io.TextIOBase):
        raise TypeError("XLSX is binary: give a file opened in binary mode.")
    return _write_xlsx(columns, rows, out, title="Cost items" if kind == "costs" else "Time")


def _person_labels(project: Project) -> dict[int, str]:
    """How the file names each member: their email (their own, or their login's) when they
    have one that no other member shares, otherwise their name."""
    rows = Membership.objects.filter(project=project).values_list(
        "person_id", "person__email", "person__user__email", "person__name"
    )
    members = [
        (person_id, (email or login or "").strip().lower(), name)
        for person_id, email, login, name in rows
    ]
    emails = Counter(email for _, email, _ in members if email)
    return {
        person_id: email if email and emails[email] == 1 else name
        for person_id, email, name in members
    }


def _labelled(labels: dict[int, str], person_id: int | None, email: str, name: str) -> str:
    if person_id is None:
        return ""
    return labels.get(person_id) or email or name


def _cost_rows(project: Project) -> Iterator[tuple[object, ...]]:
    labels = _person_labels(project)
    items = (
        CostItem.objects.filter(project=project)
        .order_by("pk")
        .values_list(
            "status",
            "category",
            "stage__number",
            "description",
            "bearer_person_id",
            "bearer_person__email",
            "bearer_person__name",
            "bearer_organisation__name",
            "payee_id",
            "payee__email",
            "payee__name",
            "defrayed_by",
            "budget_line",
            "date",
            "currency",
            "amount",
            "hours",
            "rate",
        )
    )
    for item in items.iterator(chunk_size=BATCH_SIZE):
        (
            status,
            category,
            stage,
            description,
            bearer_id,
            bearer_email,
            bearer_name,
            organisation,
            payee_id,
            payee_email,
            payee_name,
            *rest,
        ) = item
        yield (
            status,
            category,
            stage,
            description,
            _labelled(labels, bearer_id, bearer_email, bearer_name),
            organisation,
            _labelled(labels, payee_id, payee_email, payee_name),
            *rest,
        )


def _time_rows(project: Project) -> Iterator[tuple[object, ...]]:
    labels = _person_labels(project)
    entries = (
        TimeEntry.objects.filter(project=project)
        .order_by("pk")
        .values_list(
            "date",
            "stage__number",
            "person_id",
            "person__email",
            "person__name",
            "activity__title",
            "activity__kind",
            "description",
            *HOUR_COLUMNS,
            "contributions",
            "defrayed_by",
        )
    )
    for date, stage, person_id, email, name, *rest in entries.iterator(chunk_size=BATCH_SIZE):
        yield (date, stage, _labelled(labels, person_id, email, name), *rest)


def _write_csv(
    columns: Sequence[str], rows: Iterator[tuple[object, ...]], out: IO[bytes] | io.TextIOBase
) -> int:
    text = out if isinstance(out, io.TextIOBase) else io.TextIOWrapper(out, "utf-8", newline="")
    writer = csv.writer(cast(IO[str], text))
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
        count += 1
    if isinstance(text, io.TextIOWrapper) and text is not out:
        text.flush()
        text.detach()  # leave the caller's binary stream open
    return count


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return defused(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _write_xlsx(
    columns: Sequence[str], rows: Iterator[tuple[object, ...]], out: IO[bytes], *, title: str
) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def _xlsx_cell(sheet: Any, value: object) -> object:
    if isinstance(value, str):
        text = _NOT_IN_XML.sub("", value)
        if text.startswith("="):  # text, never a formula
            cell = WriteOnlyCell(sheet, text)
            cell.data_type = "s"
            return cell
        return text
    if isinstance(value, Decimal) and len(value.normalize().as_tuple().digits) > XLSX_EXACT_DIGITS:
        return format(value, "f")
    return value
