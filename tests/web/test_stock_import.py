"""The historic-stock import: all or nothing, per-row errors, recorded source, and the
figures that follow the found dates in the file."""

import hashlib
import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.ledgers import stats
from inspect_app.ledgers.dashboard import dashboard
from inspect_app.ledgers.service import MAJOR, Filters
from inspect_app.models import Hazard, HazardEvent, HazardImport
from tests.factories import make_site, make_user

HEADER = ["统一社会信用代码", "发现日期", "隐患等级", "重大隐患类别", "认定部门", "隐患描述", "状态",
          "整改期限", "销号日期", "销号文书号"]


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def zone(ctx):
    mill = make_site(name="甲机械厂", credit_code="91350583MA2Y000001", site_type="MECH")
    site = make_site(name="乙工地", credit_code="91350583MA2Y000002", site_type="CON")
    return mill, site, make_user("supervisor")


GOOD = [
    ["91350583MA2Y000001", "2023-09-12", "重大", "重大事故隐患", "", "冲压机光电保护被拆除", "已销号",
     "2023-12-11", "2024-03-05", "南雪安核〔2024〕5号"],
    ["91350583MA2Y000001", date(2023, 5, 2), "重大", "重大火灾隐患", "", "仓库疏散通道被封堵",
     "整改中", date(2024, 1, 31), None, None],
    ["91350583MA2Y000002", "2023年11月3日", "重大", "重大事故隐患", "", "高支模未按方案搭设",
     "未整改", "2024/2/1", "", ""],
    ["91350583MA2Y000002", "2024-02-10", "一般", "", "", "临时用电线路乱拉", "已销号",
     "2024-02-25", "2024-02-20", ""],
]


def upload(client, data: bytes, name="2023年台账.xlsx"):
    return client.post("/majors/stock/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_one_bad_row_imports_nothing_and_names_each_problem(client, login, zone):
    *_, sup = zone
    rows = [*GOOD, ["91350583MA2Y999999", "2023-13-01", "严重", "", "", "", "已销号", "2023-01-01",
                    "", ""]]
    login(sup)
    resp = upload(client, workbook(rows))
    assert resp.status_code == 422
    text = resp.text
    assert "No active site has this credit code." in text or "没有" in text
    # Row 6 (header is row 1) is the bad one; every problem of it is listed.
    assert text.count("<td>6</td>") >= 4
    assert count(Hazard) == 0 and count(HazardImport) == 0 and count(HazardEvent) == 0


def test_major_without_regime_and_closed_without_document_are_refused(client, login, zone):
    *_, sup = zone
    rows = [["91350583MA2Y000001", "2023-09-12", "重大", "", "", "隐患甲", "整改中", "2023-12-11",
             "", ""],
            ["91350583MA2Y000001", "2023-09-13", "重大", "重大事故隐患", "", "隐患乙", "已销号",
             "2023-12-11", "2024-01-05", ""],
            ["91350583MA2Y000001", "2023-09-14", "一般", "", "", "隐患丙", "整改中", "2023-09-01",
             "", ""]]
    login(sup)
    resp = upload(client, workbook(rows))
    assert resp.status_code == 422
    for row in ("<td>2</td>", "<td>3</td>", "<td>4</td>"):
        assert row in resp.text
    assert count(Hazard) == 0


def test_good_file_enters_the_stock_by_found_date_and_moves_the_targets(client, login, zone, app):
    mill, site, sup = zone
    login(sup)
    today = date(2026, 12, 1)
    before = dashboard(sup, Filters(), today=today)
    assert before.overall.stock == 0
    assert {t.key: t.state for t in before.targets}["stock_cleared"] == stats.TargetState.MET

    data = workbook(GOOD)
    resp = upload(client, data)
    assert resp.status_code == 200, resp.text
    record = db.session.scalar(select(HazardImport))
    assert record.file_name == "2023年台账.xlsx" and record.rows == 4
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.imported_by_id == sup.id
    hazards = db.session.scalars(select(Hazard).order_by(Hazard.found_on)).all()
    assert [h.found_on for h in hazards] == [date(2023, 5, 2), date(2023, 9, 12), date(2023, 11, 3),
                                             date(2024, 2, 10)]
    assert all(h.import_id == record.id and h.source == "imported" for h in hazards)
    fire, closed, works, general = hazards
    assert (fire.regime, fire.authority, fire.status) == ("fire", "fire", "rectifying")
    assert (works.regime, works.authority, works.status) == ("accident", "housing", "confirmed")
    assert closed.closing_doc_no == "南雪安核〔2024〕5号" and closed.status == "closed"
    assert general.regime == "" and general.level == "general"
    assert all([e.action for e in h.events] == ["import"] for h in hazards)

    after = dashboard(sup, Filters(), today=today)
    assert (after.overall.stock, after.overall.stock_open, after.overall.increment) == (3, 2, 0)
    targets = {t.key: t for t in after.targets}
    assert targets["stock_cleared"].state == stats.TargetState.NOT_MET
    assert targets["stock_cleared"].figure == 2
    # 存量 split by regime: 1 fire, 2 accident.
    assert {r: t.total for r, t in after.by_regime} == {"accident": 2, "fire": 1}
    # The database lists them by regime and by found date.
    page = client.get("/ledgers/major?regime=fire")
    assert "仓库疏散通道被封堵" in page.text and "冲压机光电保护被拆除" not in page.text
    assert MAJOR.filters >= {"regime"}

    # The same file again is refused by its checksum; nothing doubles.
    again = upload(client, data, name="copy.xlsx")
    assert again.status_code == 422 and count(Hazard) == 4 and count(HazardImport) == 1


def test_rows_already_recorded_are_refused(client, login, zone):
    *_, sup = zone
    login(sup)
    assert upload(client, workbook(GOOD[:1])).status_code == 200
    resp = upload(client, workbook(GOOD[:2]))  # a different file holding the same first row
    assert resp.status_code == 422 and "<td>2</td>" in resp.text
    assert count(Hazard) == 1


def test_only_zone_staff_import(client, login, zone):
    login(make_user("inspector"))
    assert upload(client, workbook(GOOD)).status_code == 403
    assert client.get("/majors/stock/template.xlsx").status_code == 403
    assert count(Hazard) == 0
