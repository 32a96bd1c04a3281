"""The queued exports' writers keep xlsx.py's promises: typed cells, formula-like text shown and
never run, the same header; CSV escapes formulas too and opens in Excel (BOM)."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from openpyxl import load_workbook

from inspect_app import csv_table, xlsx, xlsx_stream

KINDS = ["int", "date", "datetime", "money", "text", "percent"]
ROW = [7, date(2024, 3, 1), datetime(2024, 3, 1, 2, 30, tzinfo=UTC), Decimal("12.50"),
       '=HYPERLINK("http://evil.example")', Decimal("0.25")]


def test_xlsx_stream_book_types_cells_and_escapes_formulas(tmp_path):
    path = tmp_path / "a.xlsx"
    seen = []
    book = xlsx_stream.Book(str(path), progress=seen.append)
    sheet = book.sheet("问题清单", ["序号", "日期", "时间", "金额", "说明", "比例"], KINDS,
                       title="问题清单", subtitle="筛选条件：全部", autofilter=True)
    for _ in range(xlsx.PROGRESS_EVERY):
        sheet.append(ROW)
    sheet.append([None, "2024-05-06", None, "3", "bell\x07 text"])
    book.save()
    assert seen == [xlsx.PROGRESS_EVERY]
    ws = load_workbook(path).worksheets[0]
    assert ws["A1"].value == "问题清单" and ws["A2"].value == "筛选条件：全部"
    assert [c.value for c in ws[3]] == ["序号", "日期", "时间", "金额", "说明", "比例"]
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:F{4 + xlsx.PROGRESS_EVERY}"  # header and every row
    row = ws[4]
    assert row[0].value == 7 and row[1].is_date and row[1].value.date() == date(2024, 3, 1)
    assert row[2].value == datetime(2024, 3, 1, 10, 30)  # local time, Asia/Shanghai
    assert row[3].value == 12.5 and row[3].number_format == "#,##0.00"
    assert row[4].data_type == "s" and row[4].quotePrefix and row[4].value.startswith("=")
    last = ws[4 + xlsx.PROGRESS_EVERY]
    assert last[1].value.date() == date(2024, 5, 6) and last[3].value == 3
    assert last[4].value.startswith("bell")


def test_csv_book_writes_first_sheet_with_bom_and_escapes(tmp_path):
    path = tmp_path / "a.csv"
    book = csv_table.Book(str(path))
    sheet = book.sheet("问题清单", ["序号", "日期", "时间", "金额", "说明", "比例"], KINDS)
    sheet.append(ROW)
    book.sheet("统计分析", ["分类"], ["text"]).append(["dropped"])  # only the .xlsx has it
    book.save()
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows == [["序号", "日期", "时间", "金额", "说明", "比例"],
                    ["7", "2024-03-01", "2024-03-01 10:30", "12.50",
                     '\'=HYPERLINK("http://evil.example")', "25.0%"]]


class Code(StrEnum):
    A = "alpha"


def test_xlsx_stream_sheets_one_after_another_and_odd_values(tmp_path):
    path = tmp_path / "b.xlsx"
    book = xlsx_stream.Book(str(path))
    first = book.sheet("一", ["a", "b", "c", "d"], ["text", "int", "text", "text"])
    first.append([Code.A, True, "x" * (xlsx_stream.MAX_TEXT + 10), "@x"])
    second = book.sheet("二", [], ["text"])  # finishes the first: its rows are complete
    with pytest.raises(RuntimeError):
        first.append(["late"])
    second.append(["-1"], kinds=["text"])
    book.save()
    one, two = load_workbook(path).worksheets
    row = one[2]
    assert row[0].value == "alpha" and row[1].value is True
    assert len(row[2].value) == xlsx_stream.MAX_TEXT and row[3].quotePrefix
    assert one.max_row == 2 and two["A1"].value == "-1" and two["A1"].quotePrefix
    assert two.freeze_panes is None and one.freeze_panes == "A2"
