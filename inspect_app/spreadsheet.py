"""Reading an uploaded spreadsheet for an import: every row checked, then all created or none.

Shared by the imports of sites and users (admin.imports), workers (people.imports) and historic
hazards (majors.stock). The file is .xlsx, or .csv in UTF-8 or GB18030 (what Chinese Excel
writes); its first row names the template's columns, in Chinese (or the field names). Each
import checks the rows with its own rules and reports every problem by row and column.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from .errors import UserError
from .extensions import db


@dataclass(frozen=True)
class Column:
    header: str  # as in the template
    field: str
    required: bool = False


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it (the header is usually row 1)
    column: str
    message: str


@dataclass
class Report:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: str = ""  # the file as a whole could not be used

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problem

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


def commit(created: int) -> Report:
    """Save the checked rows in one transaction; nothing if someone saved a conflicting record
    (the same credit code, login or phone) a moment ago."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Report(problem=_("Someone saved a conflicting record at the same time; nothing "
                                "was imported. Upload the file again."))
    return Report(created=created)


def read(upload: FileStorage | None) -> list[tuple[int, list[str]]]:
    """The chosen file's rows (read_table), at most the configured IMPORT_MAX_ROWS."""
    if upload is None or not upload.filename:
        raise UserError(_("Choose a file to upload."))
    return read_table(upload, current_app.config["IMPORT_MAX_ROWS"])


def read_table(upload: FileStorage, max_rows: int) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of every non-blank row, the header first."""
    name = (upload.filename or "").lower()
    data = upload.read()
    if not data:
        raise UserError(_("The file is empty."))
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(_("Old .xls workbooks cannot be read: save the file as .xlsx and upload "
                          "it again."))
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        source = _xlsx_rows(data)
    elif name.endswith(".csv"):
        source = _csv_rows(data)
    else:
        raise UserError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    table = []
    try:
        for number, cells in source:
            if any(cells):
                table.append((number, cells))
            if len(table) > max_rows + 1:
                raise UserError(_("The file has more than %(n)s rows: split it into smaller "
                                  "files.", n=max_rows))
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - a corrupt workbook fails in many different ways
        raise UserError(_("This file could not be read as a spreadsheet. Save it again as "
                          ".xlsx or .csv and upload it again.")) from e
    if len(table) < 2:
        raise UserError(_("The file has no rows below the header row."))
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores typed-in phone numbers as numbers
    return str(value).strip()


def _xlsx_rows(data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise UserError(_("This file is not a readable .xlsx workbook.")) from e
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in row]
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    if b"\x00" in data:
        raise UserError(_("This is not a CSV text file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text."))
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, [cell.strip() for cell in row]


def _normal(header: str) -> str:
    return re.sub(r"[\s*]", "", header).replace("（", "(").replace("）", ")").lower()


def _header(number: int, cells: list[str], columns: tuple[Column, ...]) -> dict[int, Column]:
    """Which column holds which field; unknown, repeated or missing columns stop the import."""
    names = {_normal(c.header): c for c in columns} | {c.field: c for c in columns}
    found: dict[int, Column] = {}
    for i, cell in enumerate(cells):
        if not cell:
            continue
        column = names.get(_normal(cell))
        if column is None:
            raise UserError(_("Unknown column “%(name)s” in row %(row)s: use the column names of "
                              "the template.", name=cell, row=number))
        if column in found.values():
            raise UserError(_("The column “%(name)s” appears twice.", name=cell))
        found[i] = column
    if missing := [c.header for c in columns if c.required and c not in found.values()]:
        raise UserError(_("Missing columns: %(names)s.", names="、".join(missing)))
    return found


def rows(table, columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) for each data row."""
    (number, cells), *data = table
    found = _header(number, cells, columns)
    for number, cells in data:
        yield number, {col.field: cells[i] if i < len(cells) else "" for i, col in found.items()}


def row_errors(number: int, problems: dict[str, str], columns) -> list[RowError]:
    """A row's problems ({field: message}) as errors named by the template's headers."""
    headers = {c.field: c.header for c in columns}
    return [RowError(number, headers.get(key, key), message) for key, message in problems.items()]
