"""The CSV writer offered beside .xlsx: the Book interface of xlsx.py, first sheet only.

The list's header row (the ledger's labels) and its rows, UTF-8 with a byte-order mark so that
Excel and WPS open the Chinese text correctly. Dates as ISO dates, times in the zone's local
time, money as plain numbers, codes already in words (export.cell_value). Text that a
spreadsheet would run as a formula gets a leading apostrophe. A workbook's extra sheets (the
major-hazard statistics) exist only in the .xlsx. Title rows are left out: a CSV is for
machines, and its first line must be the header.
"""

import csv
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from .xlsx import FORMULA_LEAD, RowCounter, typed


def cell(kind: str, value) -> str:
    value = typed(kind, value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")  # typed(): already local, naive
    if isinstance(value, date):
        return value.isoformat()
    if kind == "percent" and isinstance(value, int | float | Decimal):
        return f"{Decimal(value) * 100:.1f}%"
    value = str(value)
    return "'" + value if value.startswith(FORMULA_LEAD) else value


class Sheet:
    def __init__(self, book: "Book", headers: list[str], kinds: list[str]):
        self.book, self.kinds, self.rows = book, kinds, 0
        self.writer = csv.writer(book.file) if book.file else None
        if self.writer and headers:
            self.writer.writerow(headers)

    def header(self, labels: list[str]) -> None:
        if self.writer:
            self.writer.writerow(labels)

    def append(self, values, kinds: list[str] | None = None) -> None:
        self.rows += 1
        if self.writer:
            self.writer.writerow([cell(k, v) for k, v in zip(kinds or self.kinds, values,
                                                             strict=False)])
            self.book.appended()

    def blank(self) -> None:
        if self.writer:
            self.writer.writerow([])


class Book(RowCounter):
    def __init__(self, path: str, progress: Callable[[int], None] | None = None):
        self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - save closes
        self.file = self._file  # the first sheet writes; later ones are dropped
        self.progress = progress

    def sheet(self, name: str, headers: list[str], kinds: list[str], **layout) -> Sheet:
        """A sheet (layout options such as title or autofilter have no CSV form)."""
        sheet = Sheet(self, headers, kinds)
        self.file = None
        return sheet

    def save(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()
