"""The quarterly statistics table (16号令 第14条): overdue only past the deadline as of the
period's end or today, actual cost apart from planned funds, 五落实 and 督办 counts, regimes."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from inspect_app import periods
from inspect_app.enterprise import statistics
from inspect_app.extensions import db
from inspect_app.hazards import service as hazards
from inspect_app.models import Supervision
from tests.factories import make_site


@pytest.fixture
def site(ctx):
    return make_site(site_type="MECH")


def hazard(site, level, found: date, deadline: date, closed: date | None = None, **fields):
    at = datetime.combine(found, datetime.min.time()) + timedelta(hours=4)  # noon in the zone
    h = hazards.report(site_id=site.id, description=f"{level} 隐患", level=level,
                       source="self_check", reporter=None, now=at)
    h.deadline, h.status = deadline, "rectifying"
    if closed:
        h.closed_at, h.status = datetime.combine(closed, datetime.min.time()) + timedelta(hours=4), \
            "closed"
    for key, value in fields.items():
        setattr(h, key, value)
    db.session.commit()
    return h


def test_mid_quarter_counts_no_hazard_overdue_before_its_deadline(site):
    # The audit's case: on 2026-12-01, Q4 showed 2 overdue whose deadlines are 12-08 and 12-16.
    today = date(2026, 12, 1)
    hazard(site, "major", date(2026, 10, 9), date(2026, 12, 8))
    hazard(site, "general", date(2026, 11, 20), date(2026, 12, 16))
    hazard(site, "general", date(2026, 10, 2), date(2026, 11, 30))  # overdue since 12-01
    figures = statistics.statistics(site, 2026, 4, today=today)
    assert figures["overdue_major"] == 0 and figures["overdue_general"] == 1
    assert figures["as_of"] == "2026-12-01"
    # Once the quarter has ended, the end of the quarter is the day they are counted on.
    after = statistics.statistics(site, 2026, 4, today=date(2027, 1, 5))
    assert after["overdue_major"] == 1 and after["overdue_general"] == 2


def test_found_date_not_record_date_decides_the_period(site):
    h = hazard(site, "major", date(2026, 10, 9), date(2026, 12, 8))
    h.found_on = date(2023, 5, 1)  # a stock hazard keyed in later
    db.session.commit()
    assert statistics.statistics(site, 2026, 4, today=date(2026, 12, 1))["found_major"] == 0
    assert statistics.statistics(site, 2023, 2, today=date(2026, 12, 1))["found_major"] == 1


def test_actual_cost_and_planned_funds_are_separate(site):
    hazard(site, "general", date(2026, 7, 2), date(2026, 7, 20), closed=date(2026, 7, 10),
           rectification_cost=Decimal("800"), decision_funds=Decimal("3000"))
    hazard(site, "general", date(2026, 7, 3), date(2026, 7, 20), closed=date(2026, 7, 11),
           decision_funds=Decimal("500"))  # no actual cost recorded: not counted as spent
    figures = statistics.statistics(site, 2026, 3, today=date(2026, 12, 1))
    assert figures["rectification_money"] == 800 and figures["planned_funds"] == 3500


def test_open_majors_counted_by_five_in_place_supervision_level_and_regime(site):
    done = hazard(site, "major", date(2026, 10, 2), date(2026, 12, 30), responsible_name="王五",
                  decision_measures="停机", decision_funds=Decimal("1000"), decision_plan="预案")
    hazard(site, "major", date(2026, 10, 3), date(2026, 12, 30), responsible_name="王五",
           regime="fire")
    db.session.add(Supervision(hazard_id=done.id, status="active", level="county",
                               office="南安市安委办"))
    db.session.commit()
    figures = statistics.statistics(site, 2026, 4, today=date(2026, 12, 1))
    assert figures["five_in_place"] == {"responsibility": 2, "measures": 1, "funds": 1,
                                        "deadline": 2, "plan": 1}
    assert figures["supervised"] == {"zone": 0, "county": 1, "city": 0, "province": 0}
    assert figures["regimes"] == {"accident": {"found": 1, "open": 1},
                                  "fire": {"found": 1, "open": 1}}


def test_signed_table_keeps_its_analysis_and_records_its_submission(client, login, site):
    from sqlalchemy import select

    from inspect_app.enterprise.models import StatisticsConfirmation
    from inspect_app.timeutil import local_today
    from tests.factories import make_user

    boss = make_user("enterprise", site=site, position="principal", name="王德明")
    last = periods.last_ended("quarter", local_today())
    year, number = last.start.year, last.number
    login(boss)
    period = {"year": year, "quarter": number}
    # Submission before signing: refused, nothing recorded.
    early = client.post("/enterprise/statistics/submitted",
                        data={**period, "submitted_to": "雪峰开发区安监办",
                              "submitted_on": local_today().isoformat()})
    assert early.status_code == 409
    assert client.post("/enterprise/statistics/confirm", data={
        **period, "signed_name": "王德明"}).status_code == 422  # the analysis is required
    assert db.session.scalar(select(StatisticsConfirmation)) is None
    assert client.post("/enterprise/statistics/confirm", data={
        **period, "signed_name": "王德明", "analysis": "本季度无重大隐患新增"}).status_code == 302
    future = (local_today() + timedelta(days=1)).isoformat()
    assert client.post("/enterprise/statistics/submitted", data={
        **period, "submitted_to": "雪峰开发区安监办", "submitted_on": future}).status_code == 422
    resp = client.post("/enterprise/statistics/submitted", data={
        **period, "submitted_to": "雪峰开发区安监办", "submitted_on": local_today().isoformat()})
    assert resp.status_code == 302
    record = db.session.scalar(select(StatisticsConfirmation))
    db.session.refresh(record)
    assert record.analysis == "本季度无重大隐患新增"
    assert (record.submitted_to, record.submitted_on, record.submitted_by_id) == (
        "雪峰开发区安监办", local_today(), boss.id)
    page = client.get(f"/enterprise/statistics?year={year}&quarter={number}").text
    assert "雪峰开发区安监办" in page and "本季度无重大隐患新增" in page
    again = client.post("/enterprise/statistics/submitted", data={
        **period, "submitted_to": "别处", "submitted_on": local_today().isoformat()})
    assert again.status_code == 409


def test_xlsx_has_the_open_majors_five_in_place_supervision_and_regimes_as_the_page(
        client, login, site):
    import io
    import re

    from openpyxl import load_workbook

    from tests.factories import make_user

    done = hazard(site, "major", date(2026, 10, 2), date(2026, 12, 30), responsible_name="王五",
                  decision_measures="停机", decision_funds=Decimal("1000"), decision_plan="预案")
    hazard(site, "major", date(2026, 10, 3), date(2026, 12, 30), responsible_name="王五",
           regime="fire")
    db.session.add(Supervision(hazard_id=done.id, status="active", level="county",
                               office="南安市安委办"))
    db.session.commit()
    login(make_user("enterprise", site=site, position="principal"))
    period = {"year": 2026, "quarter": 4}
    page = client.get("/enterprise/statistics", query_string=period).text
    table = page.split('id="five-in-place"')[1].split("</table>")[0]
    on_page = [(label, value) for label, value in
               re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", table)]
    resp = client.get("/enterprise/statistics.xlsx", query_string=period)
    assert resp.status_code == 200
    rows = [[c for c in row if c is not None] for row in
            load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]
    in_book = {row[0]: " / ".join(str(v) for v in row[1:]) for row in rows if row}
    assert len(on_page) == 5 + 4 + 2
    for label, value in on_page:  # every row of the page, with the same words and figures
        assert in_book.get(label) == value, label
    assert in_book["资金"] == "1" and in_book["挂牌督办：县（市、区）"] == "1"
    assert in_book["重大火灾隐患: 发现 / 未销号"] == "1 / 1"
