"""Every export goes through the one xlsx writer: `=HYPERLINK(…)` is shown as text, never run,
and dates are real date cells (opened back with openpyxl, cell types checked)."""

import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from inspect_app.demo import load
from inspect_app.extensions import db
from inspect_app.models import Hazard, User
from inspect_app.shifts.models import WorkerReport
from tests.factories import log_in

EVIL = '=HYPERLINK("http://evil.example","click")'


def _check(data: bytes) -> tuple[int, int]:
    """(formula-like cells, date cells) of a workbook; fails on any live formula."""
    book = load_workbook(io.BytesIO(data))
    evil = dates = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    evil += cell.value == EVIL
                dates += bool(getattr(cell, "is_date", False) and cell.value is not None)
    return evil, dates


def _login(client, username):
    with client.application.app_context():
        log_in(client, db.session.scalar(select(User.id).where(User.username == username)))


def test_every_export_escapes_formulas_and_writes_date_cells(app, client):
    with app.app_context():
        load()
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        # Text a hostile user controls, in every hazard and worker report.
        db.session.execute(update(Hazard).values(description=EVIL, location=EVIL))
        db.session.execute(update(WorkerReport).values(reward_note=EVIL))
        db.session.commit()
        majors_year = min(h.found_on.year for h in db.session.scalars(
            select(Hazard).where(Hazard.site_id == boss.site_id, Hazard.level == "major")))

    _login(client, "supervisor")
    for slug in ("inspections", "hazards", "rectification", "responsibility", "enforcement"):
        resp = client.get(f"/ledgers/{slug}.xlsx")
        assert resp.status_code == 200, slug
        evil, dates = _check(resp.data)
        assert dates > 0 or slug == "enforcement", slug  # the demo refers nothing to enforcement
        assert evil > 0 or slug in ("inspections", "enforcement"), slug
    evil, dates = _check(client.get("/ledgers/major.xlsx").data)
    assert evil > 0 and dates > 0

    _login(client, "boss")
    evil, dates = _check(client.get("/shifts/rewards.xlsx").data)
    assert evil > 0 and dates > 0  # the hazard reported and the note; the report's time
    resp = client.get(f"/enterprise/statistics.xlsx?year={majors_year}&quarter=0")
    assert resp.status_code == 200
    evil, dates = _check(resp.data)
    assert evil > 0 and dates > 0  # major hazards' descriptions; found/deadline/closed dates
