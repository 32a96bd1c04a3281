"""The queued export's fast xlsx writer (xlsx_stream) gives the same workbook as the in-request
writer (xlsx.py, openpyxl) on a generated zone: every ledger, every sheet, cell for cell (value,
type, number format, quote prefix, bold), and the same layout (merged title rows, frozen
header, autofilter, printed header row). Both files are read back with openpyxl."""

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from inspect_app import xlsx_stream
from inspect_app.auth.models import User
from inspect_app.extensions import db
from inspect_app.generate import generate
from inspect_app.hazards.models import Hazard
from inspect_app.ledgers import export, service

TODAY = date(2026, 12, 1)
COUNTED_AT = re.compile(r"统计时间：\d{4}-\d\d-\d\d \d\d:\d\d")
# Text a hostile or careless user typed: formulas, XML's own characters, a control character,
# surrounding spaces. Each must read back as the same text, never a formula.
ODD = ['=HYPERLINK("http://evil.example","click")', "+1-2", "-3", "@SUM(A1)",
       "a & <b> \"c\" 'd'", "bell\x07 ring", "  spaced  ", "\ttabbed"]


@pytest.fixture
def zone(app):
    with app.app_context():
        generate(12, 300, today=TODAY)
        some = select(Hazard.id).order_by(Hazard.id).limit(len(ODD) * 3)
        ids = [*db.session.scalars(some), *db.session.scalars(
            some.where(Hazard.level == "major", Hazard.status != "rejected"))]
        for n, hazard_id in enumerate(dict.fromkeys(ids)):
            db.session.execute(update(Hazard).where(Hazard.id == hazard_id).values(
                description=ODD[n % len(ODD)], location=ODD[(n + 1) % len(ODD)],
                measures=ODD[(n + 2) % len(ODD)]))
        db.session.commit()
        yield


def _cells(ws) -> dict:
    return {c.coordinate: (_counted_at(c.value), c.data_type, c.number_format,
                           bool(c.quotePrefix), bool(c.font.b))
            for row in ws.iter_rows() for c in row if c.value is not None}


def _counted_at(value):
    # The statistics sheet says when it was counted, to the minute: the two files are written
    # a moment apart and may straddle a minute.
    return COUNTED_AT.sub("统计时间：…", value) if isinstance(value, str) else value


def _layout(ws) -> tuple:
    return (ws.title, sorted(str(r) for r in ws.merged_cells.ranges), ws.freeze_panes,
            ws.auto_filter.ref, ws.print_title_rows, ws.page_setup.orientation,
            ws.page_setup.paperSize)


@pytest.mark.parametrize("slug", sorted(service.LEDGERS))
def test_fast_writer_gives_the_same_cells_as_todays(zone, tmp_path, slug):
    ledger = service.LEDGERS[slug]
    supervisor = db.session.scalar(select(User).where(User.username == "bench-supervisor"))
    filters = service.Filters()
    old = io.BytesIO()
    rows = export.write_ledger(ledger, supervisor, filters, old, TODAY)
    path = tmp_path / "fast.xlsx"
    book = xlsx_stream.Book(str(path))
    assert export.write_with(book, ledger, supervisor, filters, TODAY) == rows
    book.save()
    assert rows > 0

    before, after = load_workbook(old), load_workbook(path)
    assert before.sheetnames == after.sheetnames
    for was, now in zip(before.worksheets, after.worksheets, strict=True):
        assert _layout(now) == _layout(was)
        assert [now.column_dimensions[c].width // 1 for c in now.column_dimensions] == \
            [was.column_dimensions[c].width // 1 for c in was.column_dimensions]
        cells, expected = _cells(now), _cells(was)
        assert cells.keys() == expected.keys(), now.title
        for coordinate, cell in expected.items():
            assert cells[coordinate] == cell, (now.title, coordinate)
    values = [v for ws in after.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert any(isinstance(v, datetime) for v in values)  # dates are dates
    if slug in ("hazards", "major"):
        assert set(ODD[:5]) | {"bell ring", "  spaced  ", "\ttabbed"} <= set(values)
