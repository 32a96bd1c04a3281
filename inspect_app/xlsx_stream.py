"""The xlsx writer for queued exports: the Book interface of xlsx.py (same kinds, same layout,
same escaping), with each row's XML written straight into the zip as it comes.

    book = xlsx_stream.Book(path, progress=lambda rows: ...)
    export.write_with(book, ledger, user, filters)     # sheets and rows as with xlsx.Book
    book.save()

Why not a library: a 100,000-row ledger spent most of its time in the writers' per-cell
calls (about 12 µs a cell in openpyxl, 8 µs in XlsxWriter); here a row is one join of f-strings
(bench/export_writers.py). Memory stays flat at any size: nothing but the current sheet's
unflushed rows is held. The parts written are those XlsxWriter writes in constant-memory mode
(inline strings, no shared-string table), less the optional theme and document properties.

- Sheets are written one after another: a new sheet finishes the one before (its rows, then
  its autofilter and merged title rows); appending to a finished sheet is an error.
- Kinds as in xlsx.py (typed()): real date cells, numbers with their number format.
- Strings are only ever inline text: nothing is read as a formula or a URL. Formula-like text
  gets Excel's quote prefix (shown, never evaluated, even after an edit), as in xlsx.py, and
  characters XML cannot hold are dropped.
"""

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from .xlsx import FORMATS, FORMULA_LEAD, RowCounter, _safe_title, typed

MAX_ROWS = 1_048_576  # Excel's limit per sheet
MAX_TEXT = 32_767  # characters in one cell
FLUSH_EVERY = 256  # rows joined into one compressed write

# Cell styles, as indexes into styles.xml's cellXfs below.
TITLE, HEADER, QUOTED = 1, 2, 7
NUMBER_STYLE = {"date": 3, "datetime": 4, "money": 5, "percent": 6}
_QUOTED = f' s="{QUOTED}"'
_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (1900 date system, after 1900-03-01)

# XML escapes, and the control characters an xlsx file cannot hold (openpyxl's
# ILLEGAL_CHARACTERS_RE, which xlsx.text drops), in one str.translate; only for text that has
# any (the search is some 20× cheaper than translating Chinese text that needs nothing).
_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
         **dict.fromkeys((*range(0, 9), 11, 12, *range(14, 32)))}
_ATTR = {**_TEXT, ord('"'): "&quot;"}
_UNSAFE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_TYPED_KINDS = frozenset({"date", "datetime", "money", "percent", "int"})


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    return value.translate(_TEXT) if _UNSAFE.search(value) else value


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _width(chars: float) -> float:
    """Excel's stored width for `chars` characters of the default font (XlsxWriter's rule)."""
    return int((int(chars * 7 + 0.5) + 5) / 7 * 256) / 256 if chars >= 1 else chars


class Sheet:
    def __init__(self, book: "Book", index: int, name: str, headers: list[str], kinds: list[str],
                 widths: list[int] | None = None, title: str | None = None,
                 subtitle: str | None = None, autofilter: bool = False):
        self.book, self.index, self.name = book, index, _safe_title(name)
        self.kinds = kinds
        self.columns = [_letters(c) for c in range(max(len(kinds), 1))]
        self.row = self.rows = 0
        self.last = max(len(kinds) - 1, 0)
        self.top = (title is not None) + (subtitle is not None)
        self.has_header = bool(headers)
        # A ledger's header gets filter buttons over its rows (set when the sheet is finished).
        self.filter_row = self.top if autofilter and headers else None
        self.merged: list[int] = []
        self.pending: list[str] = []
        self.done = False
        self.file: IO[bytes] = book.zip.open(f"xl/worksheets/sheet{index + 1}.xml", "w")
        view = '<sheetView workbookViewId="0"' + (' tabSelected="1"' if index == 0 else "")
        if headers:  # a list freezes its header; a form-like sheet has none
            split = self.top + 1
            view += (f'><pane ySplit="{split}" topLeftCell="A{split + 1}" activePane="bottomLeft"'
                     ' state="frozen"/><selection pane="bottomLeft"/></sheetView>')
        else:
            view += "/>"
        cols = "".join(f'<col min="{n}" max="{n}" width="{_width(w)}" customWidth="1"/>'
                       for n, w in enumerate(widths or [16] * len(kinds), start=1))
        self.file.write(
            ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
             'http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
             'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetPr>'
             f'<pageSetUpPr fitToPage="1"/></sheetPr><sheetViews>{view}</sheetViews>'
             '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
             + "<sheetData>").encode())
        if title is not None:
            self._merged(title, TITLE, ' ht="30" customHeight="1"')
        if subtitle is not None:
            self._merged(subtitle, 0)
        if headers:
            self.header(headers)

    def _merged(self, value: str, style: int, height: str = "") -> None:
        if self.last:
            self.merged.append(self.row + 1)
        self._line(f'<row r="{self.row + 1}"{height}>{self._string("A", value, style)}</row>')

    def _string(self, column: str, value: str, style: int = 0) -> str:
        if value.startswith(FORMULA_LEAD):
            style = QUOTED
        s = f' s="{style}"' if style else ""
        return (f'<c r="{column}{self.row + 1}"{s} t="inlineStr"><is>'
                f'<t xml:space="preserve">{_text(value)}</t></is></c>')

    def _line(self, xml: str) -> None:
        if self.done:
            raise RuntimeError(f"sheet {self.name!r} is finished: write sheets one at a time")
        if self.row >= MAX_ROWS:
            raise OverflowError(f"more than {MAX_ROWS:,} rows for one sheet")
        self.pending.append(xml)
        self.row += 1
        if len(self.pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.file.write("".join(self.pending).encode())
            self.pending.clear()

    def header(self, labels: list[str]) -> None:
        """A row styled as the header (also mid-sheet, for a form-like sheet's second table)."""
        self._line(f'<row r="{self.row + 1}">'
                   + "".join(self._string(self._column(c), label, HEADER)
                             for c, label in enumerate(labels)) + "</row>")

    def _column(self, c: int) -> str:
        while c >= len(self.columns):
            self.columns.append(_letters(len(self.columns)))
        return self.columns[c]

    def append(self, values, kinds: list[str] | None = None) -> None:
        """One row, each value written as its column's kind (or this row's own `kinds`, for
        form-like sheets whose rows differ); a short row leaves the rest empty."""
        kinds = kinds or self.kinds
        if len(kinds) > len(self.columns):
            self._column(len(kinds) - 1)
        r = self.row + 1
        cells = []
        for column, kind, value in zip(self.columns, kinds, values, strict=False):
            if value is None or value == "":
                continue
            if kind in _TYPED_KINDS:
                value = typed(kind, value)
            t = type(value)
            if t is str:  # most cells: one type check, one translate
                s = _QUOTED if value.startswith(FORMULA_LEAD) else ""
                cells.append(f'<c r="{column}{r}"{s} t="inlineStr"><is>'
                             f'<t xml:space="preserve">{_text(value)}</t></is></c>')
            else:
                cells.append(self._cell(column, r, kind, value, t))
        self._line(f'<row r="{r}">{"".join(cells)}</row>')
        self.rows += 1
        self.book.appended()

    def _cell(self, column: str, r: int, kind: str, value, t: type) -> str:
        if t is int or t is Decimal or t is float:
            style = NUMBER_STYLE.get(kind)
            s = f' s="{style}"' if style else ""
            return f'<c r="{column}{r}"{s}><v>{value}</v></c>'
        if t is datetime:
            seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
            serial = value.toordinal() - _EPOCH + seconds / 86400
            return f'<c r="{column}{r}" s="{NUMBER_STYLE.get(kind, 3)}"><v>{serial!r}</v></c>'
        if t is date:
            return (f'<c r="{column}{r}" s="{NUMBER_STYLE.get(kind, 3)}">'
                    f"<v>{value.toordinal() - _EPOCH}</v></c>")
        if t is bool:
            return f'<c r="{column}{r}" t="b"><v>{int(value)}</v></c>'
        # A subclass (a StrEnum code, an IntEnum) as its plain type; anything else as text.
        if isinstance(value, str):
            return self._string(column, str.__str__(value))
        for plain in (bool, datetime, date, int, float, Decimal):
            if isinstance(value, plain):
                if plain in (bool, int, float, Decimal):
                    value = plain(value)
                return self._cell(column, r, kind, value, plain)
        return self._string(column, str(value))

    def blank(self) -> None:
        self._line(f'<row r="{self.row + 1}"/>')

    def finish(self) -> None:
        """The rows' end, then what depends on them: the autofilter and the merged rows."""
        if self.done:
            return
        self._flush()
        last = self.columns[self.last]
        tail = "</sheetData>"
        if self.filter_row is not None:
            tail += f'<autoFilter ref="{self.filter_ref}"/>'
        if self.merged:
            tail += (f'<mergeCells count="{len(self.merged)}">'
                     + "".join(f'<mergeCell ref="A{r}:{last}{r}"/>' for r in self.merged)
                     + "</mergeCells>")
        tail += ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
                 ' footer="0.3"/><pageSetup paperSize="9" fitToHeight="0"'
                 ' orientation="landscape"/></worksheet>')
        self.file.write(tail.encode())
        self.file.close()
        self.done = True

    @property
    def filter_ref(self) -> str:
        top = self.filter_row + 1
        return f"A{top}:{self.columns[self.last]}{top + self.rows}"

    def defined_names(self) -> list[str]:
        """The sheet's names in workbook.xml: its filter range, its printed header row."""
        sheet = _attr("'" + self.name.replace("'", "''") + "'")
        names = []
        if self.filter_row is not None:
            top = self.filter_row + 1
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{self.index}"'
                         f' hidden="1">{sheet}!$A${top}:${self.columns[self.last]}$'
                         f"{top + self.rows}</definedName>")
        if self.has_header:
            n = self.top + 1
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{self.index}">'
                         f"{sheet}!${n}:${n}</definedName>")
        return names


def _attr(value: str) -> str:
    return value.translate(_ATTR)


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_BORDER = "".join(f'<{side} style="thin"><color rgb="FF999999"/></{side}>'
                  for side in ("left", "right", "top", "bottom"))
_NUM_FMT_IDS = {kind: 164 + n for n, kind in enumerate(NUMBER_STYLE)}
# cellXfs in index order: 0 plain, TITLE, HEADER, then NUMBER_STYLE's kinds (3-6), QUOTED.
_XFS = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
        ' applyAlignment="1"><alignment horizontal="center"/></xf>',
        '<xf numFmtId="0" fontId="2" fillId="2" borderId="1" xfId="0" applyFont="1"'
        ' applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center"'
        ' vertical="center" wrapText="1"/></xf>',
        *(f'<xf numFmtId="{_NUM_FMT_IDS[kind]}" fontId="0" fillId="0" borderId="0" xfId="0"'
          ' applyNumberFormat="1"/>' for kind in NUMBER_STYLE),
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>']
STYLES = (
    f"{_HEAD}<styleSheet {_NS}>"
    f'<numFmts count="{len(NUMBER_STYLE)}">'
    + "".join(f'<numFmt numFmtId="{_NUM_FMT_IDS[k]}" formatCode="{_attr(FORMATS[k])}"/>'
              for k in NUMBER_STYLE)
    + f'</numFmts><fonts count="3"><font>{_FONT}</font>'
    f'<font><b/><sz val="16"/><name val="Calibri"/><family val="2"/></font>'
    f"<font><b/>{_FONT}</font></fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill'
    ' patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor'
    ' rgb="FFDDE6F0"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f"<border>{_BORDER}<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{len(_XFS)}">{"".join(_XFS)}</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/></styleSheet>')
assert len(_XFS) == QUOTED + 1 and all(NUMBER_STYLE[k] == 3 + n for n, k in enumerate(NUMBER_STYLE))


class Book(RowCounter):
    """A workbook written into `out` (a path or a seekable binary file) as rows come; save()
    adds the workbook's own parts and closes it."""

    def __init__(self, out, progress: Callable[[int], None] | None = None):
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
        self.progress = progress
        self.sheets: list[Sheet] = []

    def sheet(self, name: str, headers: list[str], kinds: list[str], **layout) -> Sheet:
        if self.sheets:
            self.sheets[-1].finish()  # one sheet at a time: the zip has one open part
        self.sheets.append(sheet := Sheet(self, len(self.sheets), name, headers, kinds, **layout))
        return sheet

    def save(self) -> None:
        if self.sheets:
            self.sheets[-1].finish()
        n = len(self.sheets)
        sheets = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{s.index + 1}"'
                         f' r:id="rId{s.index + 1}"/>' for s in self.sheets)
        names = "".join(name for s in self.sheets for name in s.defined_names())
        self._part("xl/workbook.xml",
                   f'<workbook {_NS} xmlns:r="{_REL}"><workbookPr/><bookViews><workbookView/>'
                   f"</bookViews><sheets>{sheets}</sheets>"
                   + (f"<definedNames>{names}</definedNames>" if names else "")
                   + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
        self._part("xl/styles.xml", STYLES, head=False)
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet"'
                       f' Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))
        self._part("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships">{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles"'
                   ' Target="styles.xml"/></Relationships>')
        self._part("_rels/.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
                   ' Target="xl/workbook.xml"/></Relationships>')
        office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml"'
                            f' ContentType="{office}.worksheet+xml"/>' for i in range(n))
        self._part("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml"'
                   ' ContentType="application/xml"/><Override PartName="/xl/workbook.xml"'
                   f' ContentType="{office}.sheet.main+xml"/><Override'
                   f' PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>{overrides}'
                   "</Types>")
        self.zip.close()

    def _part(self, name: str, xml: str, head: bool = True) -> None:
        self.zip.writestr(name, (_HEAD + xml if head else xml).encode())

    def discard(self) -> None:
        """After a failure: close the file (the caller deletes it)."""
        for sheet in self.sheets:
            if not sheet.file.closed:
                sheet.file.close()
        self.zip.close()
