"""The xlsx writer for queued exports: XlsxWriter in constant-memory mode, the Book interface
of xlsx.py (same kinds, same layout, same escaping), and about twice as fast (bench/export_writers.py).

    book = xlsx_stream.Book(path, progress=lambda rows: ...)
    export.write_with(book, ledger, user, filters)     # sheets and rows as with xlsx.Book
    book.save()

Each row is written to disk as it comes (constant_memory), so memory stays flat at any size;
rows must come in order, which is how a ledger is written anyway. Strings are never read as
formulas or URLs; formula-like text gets Excel's quote prefix, as in xlsx.py.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .xlsx import FORMATS, FORMULA_LEAD, RowCounter, _safe_title, typed

_HEADER = {"bold": True, "bg_color": "#DDE6F0", "border": 1, "border_color": "#999999",
           "align": "center", "valign": "vcenter", "text_wrap": True}


class Sheet:
    def __init__(self, book: "Book", name: str, headers: list[str], kinds: list[str],
                 widths: list[int] | None = None, title: str | None = None,
                 subtitle: str | None = None, autofilter: bool = False):
        self.book = book
        self.ws = ws = book.wb.add_worksheet(_safe_title(name))
        self.kinds = kinds
        self.row = self.rows = 0
        last = max(len(kinds) - 1, 0)
        for n, width in enumerate(widths or [16] * len(kinds)):
            ws.set_column(n, n, width)
        top = (title is not None) + (subtitle is not None)
        if headers:
            ws.freeze_panes(top + 1, 0)
            ws.repeat_rows(top)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        if title is not None:
            ws.set_row(0, 30)
            self._merged(last, title, book.title)
        if subtitle is not None:
            self._merged(last, subtitle, None)
        # A ledger's header gets filter buttons over its rows (set at save, once they are known).
        self.filter_row = top if autofilter and headers else None
        self.last = last
        if headers:
            self.header(headers)

    def finish(self) -> None:
        if self.filter_row is not None:
            self.ws.autofilter(self.filter_row, 0, self.filter_row + self.rows, self.last)

    def _merged(self, last: int, value: str, fmt) -> None:
        if last:
            self.ws.merge_range(self.row, 0, self.row, last, "", fmt)
        self._text(self.row, 0, value, fmt)
        self.row += 1

    def _text(self, r: int, c: int, value: str, fmt=None) -> None:
        # XlsxWriter itself escapes the control characters XML cannot hold (as _xHHHH_).
        if value.startswith(FORMULA_LEAD):
            self.ws.write_string(r, c, value, self.book.quoted)
        else:
            self.ws.write_string(r, c, value, fmt)

    def header(self, labels: list[str]) -> None:
        for c, label in enumerate(labels):
            self._text(self.row, c, label, self.book.header)
        self.row += 1

    def append(self, values, kinds: list[str] | None = None) -> None:
        kinds = kinds or self.kinds
        ws, r, formats = self.ws, self.row, self.book.formats
        for c, (kind, value) in enumerate(zip(kinds, values, strict=False)):
            value = typed(kind, value)
            if value is None:
                continue
            if isinstance(value, str):
                self._text(r, c, value)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, datetime | date):
                ws.write_datetime(r, c, value, formats.get(kind) or formats["date"])
            elif isinstance(value, int | float | Decimal):
                ws.write_number(r, c, value, formats.get(kind))
            else:
                self._text(r, c, str(value))
        self.row += 1
        self.rows += 1
        self.book.appended()

    def blank(self) -> None:
        self.row += 1


class Book(RowCounter):
    """A workbook written to `out` (a path or binary file) on save(). `tmpdir`: where the
    sheets' row files wait until then (the system's temporary folder by default); a queued
    export keeps them in a folder beside its file, which the hourly prune clears after a kill."""

    def __init__(self, out, progress: Callable[[int], None] | None = None,
                 tmpdir: str | None = None):
        self.wb = xlsxwriter.Workbook(out, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "use_future_functions": False, "tmpdir": tmpdir})
        self.formats = {kind: self.wb.add_format({"num_format": fmt})
                        for kind, fmt in FORMATS.items()}
        self.header = self.wb.add_format(_HEADER)
        self.title = self.wb.add_format({"bold": True, "font_size": 16, "align": "center"})
        self.quoted = self.wb.add_format({"quote_prefix": True})
        self.progress = progress
        self.sheets: list[Sheet] = []

    def sheet(self, name: str, headers: list[str], kinds: list[str], **layout) -> Sheet:
        self.sheets.append(sheet := Sheet(self, name, headers, kinds, **layout))
        return sheet

    def save(self) -> None:
        for sheet in self.sheets:
            sheet.finish()
        self.wb.close()

    def discard(self) -> None:
        """After a failure: close and delete the sheets' row files (constant_memory keeps one
        per sheet until save)."""
        for ws in self.wb.worksheets():
            if ws.row_data_fh and not ws.row_data_fh_closed:
                ws.row_data_fh.close()
                ws.row_data_fh_closed = True
            if ws.row_data_filename:
                Path(ws.row_data_filename).unlink(missing_ok=True)
