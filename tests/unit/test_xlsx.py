"""The one xlsx writer: formula-like text is shown, never run; dates are dates; money numbers."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from inspect_app import xlsx


def _roundtrip(rows, kinds):
    book = xlsx.Book()
    sheet = book.sheet("表", [f"c{i}" for i in range(len(kinds))], kinds, title="标题",
                       subtitle="说明")
    for row in rows:
        sheet.append(row)
    return load_workbook(io.BytesIO(book.bytes())).worksheets[0]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_like_text_is_a_quoted_string(lead):
    value = f'{lead}HYPERLINK("http://evil","x")'
    ws = _roundtrip([[value]], ["text"])
    cell = ws["A4"]
    assert cell.data_type == "s" and cell.quotePrefix is True
    assert cell.value.lstrip("\t\r") == value.lstrip("\t\r")  # openpyxl trims nothing else


def test_dates_datetimes_and_money_are_typed_cells():
    ws = _roundtrip([[date(2024, 1, 2), datetime(2024, 1, 2, 0, 30), Decimal("1234.50"),
                      "2024-03-04", "plain\x0btext", None]],
                    ["date", "datetime", "money", "date", "text", "text"])
    a, b, c, d, e, f = ws[4]
    assert a.is_date and a.value == datetime(2024, 1, 2) and a.number_format == "yyyy-mm-dd"
    # Stored as naive UTC, written in the zone's local time (UTC+8).
    assert b.is_date and b.value == datetime(2024, 1, 2, 8, 30)
    assert c.data_type == "n" and c.value == 1234.5 and c.number_format == "#,##0.00"
    assert d.is_date and d.value == datetime(2024, 3, 4)
    assert e.value == "plaintext" and f.value is None
    assert ws["A1"].value == "标题" and ws["A3"].value == "c0" and ws.freeze_panes == "A4"
