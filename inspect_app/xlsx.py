"""The one xlsx writer for every export: streamed, typed, and safe to open.

    book = xlsx.Book()
    sheet = book.sheet("名称", ["日期", "金额", "说明"], ["date", "money", "text"],
                       widths=[12, 12, 40], title="标题", subtitle="筛选条件：全部")
    sheet.append([date(2024, 1, 1), Decimal("12.50"), "=HYPERLINK(...)"])
    return book.response("ascii-name.xlsx", "中文名.xlsx")   # or book.bytes()

- Rows go straight into openpyxl's write-only workbook, so a 100,000-row export never sits in
  memory; the finished file is spooled (on disk when large) and streamed, then deleted.
- Kinds: "date" and "datetime" are real date cells (aware datetimes are shown in the zone's
  local time; ISO strings are parsed), "money" and "percent" numbers with a number format,
  "int" numbers, "text" (anything else) text.
- Text that a spreadsheet would take for a formula (leading `=`, `+`, `-`, `@`, tab or CR) is
  written as a typed string with Excel's quote prefix, so it is shown, never evaluated, even
  after someone edits the cell. Characters XML cannot hold are dropped.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import IO
from urllib.parse import quote

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .timeutil import to_local

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "money": "#,##0.00",
           "percent": "0.0%"}
_THIN = Side(style="thin", color="999999")
HEADER_FONT, TITLE_FONT = Font(bold=True), Font(bold=True, size=16)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)


def typed(kind: str, value):
    """A value as the cell should hold it for its column's kind (None: an empty cell)."""
    if value is None or value == "":
        return None
    if kind in ("date", "datetime") and isinstance(value, str):
        value = datetime.fromisoformat(value) if kind == "datetime" else date.fromisoformat(value)
    if kind == "datetime" and isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)  # Excel has no time zones: local time
    if kind in ("money", "percent", "int") and isinstance(value, str):
        return Decimal(value)
    return value


PROGRESS_EVERY = 1000  # rows between looks at the clock
PROGRESS_SECONDS = 1.0  # at most one report a second (the job page polls every 2 s)


class RowCounter:
    """The queued writers' progress (xlsx_stream, csv_table): rows counted as they are written,
    reported to `progress` every PROGRESS_EVERY of them, at most once in PROGRESS_SECONDS (a
    report is a write to the queue's store, with its own commit)."""

    progress: Callable[[int], None] | None = None
    count = 0
    reported_at = float("-inf")

    def appended(self) -> None:
        self.count += 1
        if self.progress and self.count % PROGRESS_EVERY == 0:
            now = time.monotonic()
            if now - self.reported_at >= PROGRESS_SECONDS:
                self.reported_at = now
                self.progress(self.count)


class Sheet:
    """One write-only sheet: optional title and subtitle rows, a header row, then rows."""

    def __init__(self, book: "Book", name: str, headers: list[str], kinds: list[str],
                 widths: list[int] | None = None, title: str | None = None,
                 subtitle: str | None = None, autofilter: bool = False):
        self.ws = ws = book.wb.create_sheet(_safe_title(name))
        self.kinds = kinds
        last = get_column_letter(len(kinds))
        top = 1 + (title is not None) + (subtitle is not None)
        # A ledger's header gets filter buttons over its rows (set at save: rows are streamed).
        self.filter_from = f"A{top}" if autofilter and headers else None
        self.last_column = last
        # Everything about the sheet's layout is written before its first row.
        for n, width in enumerate(widths or [16] * len(kinds), start=1):
            ws.column_dimensions[get_column_letter(n)].width = width
        if headers:  # a list freezes and prints its header; a form-like sheet has none
            ws.freeze_panes = f"A{top + 1}"
            ws.print_title_rows = f"{top}:{top}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if title is not None:
            ws.row_dimensions[1].height = 30
            ws.merged_cells.add(f"A1:{last}1")
            ws.append([self._cell(title, font=TITLE_FONT, alignment=Alignment(horizontal="center"))])
        if subtitle is not None:
            row = top - 1
            ws.merged_cells.add(f"A{row}:{last}{row}")
            ws.append([self._cell(subtitle)])
        if headers:
            self.header(headers)
        # One style per number format, registered once; each data cell gets a copy of it
        # (Cell(style_array=...) copies), as setting number_format per cell looks it up each time.
        self.styles = {kind: self._cell(None, number_format=fmt)._style
                       for kind, fmt in FORMATS.items()}
        self.rows = 0

    def header(self, labels: list[str]) -> None:
        """A row styled as the header (also mid-sheet, for a form-like sheet's second table)."""
        self.ws.append([self._cell(h, font=HEADER_FONT, fill=_HEADER_FILL, border=_HEADER_BORDER,
                                   alignment=_CENTER_WRAP) for h in labels])

    def _cell(self, value, **style):
        cell = WriteOnlyCell(self.ws, text(value) if isinstance(value, str) else value)
        if isinstance(value, str) and value.startswith(FORMULA_LEAD):
            cell.data_type, cell.quotePrefix = "s", True
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    def append(self, values, kinds: list[str] | None = None) -> None:
        """One row, each value written as its column's kind (or this row's own `kinds`, for
        form-like sheets whose rows differ); a short row leaves the rest empty."""
        kinds = kinds or self.kinds
        values = list(values) + [None] * (len(kinds) - len(values))
        out = []
        for kind, value in zip(kinds, values, strict=True):
            value = typed(kind, value)
            if value is not None and kind in FORMATS:
                value = Cell(self.ws, row=1, column=1, value=value, style_array=self.styles[kind])
            elif isinstance(value, str):
                value = self._cell(value) if value.startswith(FORMULA_LEAD) else text(value)
            out.append(value)
        self.ws.append(out)
        self.rows += 1

    def blank(self) -> None:
        self.ws.append([])

    def finish(self) -> None:
        """Settle what depends on the row count (the write-only sheet writes it at save)."""
        if self.filter_from:
            top = int(self.filter_from[1:])
            self.ws.auto_filter.ref = f"{self.filter_from}:{self.last_column}{top + self.rows}"


def text(value: str) -> str:
    """Text without the characters an xlsx file cannot hold (a stray \\x0b breaks the file)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _safe_title(name: str) -> str:
    return "".join(c for c in name if c not in "[]:*?/\\")[:31] or "Sheet"


class Book:
    """A streamed workbook of Sheets."""

    def __init__(self):
        self.wb = Workbook(write_only=True)
        self.sheets: list[Sheet] = []

    def sheet(self, name: str, headers: list[str], kinds: list[str], **layout) -> Sheet:
        self.sheets.append(sheet := Sheet(self, name, headers, kinds, **layout))
        return sheet

    def _write(self, out) -> None:
        for sheet in self.sheets:
            sheet.finish()
        self.wb.save(out)

    def save(self, out: str | IO[bytes]) -> None:
        self._write(out)

    def bytes(self) -> bytes:
        import io
        buf = io.BytesIO()
        self._write(buf)
        return buf.getvalue()

    def response(self, ascii_name: str, display_name: str | None = None):
        """The workbook as a download, spooled to a temporary file deleted once it is sent."""
        # Small files stay in memory; big ones roll over to an unnamed file on disk.
        tmp = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - _chunks closes it
        try:
            self._write(tmp)
        except BaseException:
            tmp.close()
            raise
        size = tmp.tell()
        tmp.seek(0)
        resp = current_app.response_class(_chunks(tmp), mimetype=MIMETYPE, direct_passthrough=True)
        resp.content_length = size
        # RFC 5987: the Chinese name for browsers, an ASCII one for the rest (as send_file does).
        names = {"filename": ascii_name}
        if display_name and display_name != ascii_name:
            names["filename*"] = f"UTF-8''{quote(display_name)}"
        resp.headers.set("Content-Disposition", "attachment", **names)
        resp.cache_control.no_store = True  # names and phone numbers: not for shared caches
        return resp


def _chunks(file: IO[bytes], size: int = 64 * 1024):
    """The file's bytes; closing (so deleting) it after the last one, or if the client leaves."""
    try:
        while data := file.read(size):
            yield data
    finally:
        file.close()
