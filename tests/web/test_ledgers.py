"""The five lists, their xlsx ledgers and print views, and the major-hazard database."""

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from inspect_app.extensions import db
from inspect_app.ledgers import export, service
from inspect_app.ledgers.dashboard import dashboard
from inspect_app.models import HazardEvent, Referral, Supervision
from inspect_app.timeutil import local_today
from tests.conftest import HX
from tests.factories import make_area, make_grid, make_hazard, make_inspection, make_site, make_user, template

FIVE = ("inspections", "hazards", "rectification", "responsibility", "enforcement")
T0 = datetime(2026, 3, 10, 2, 0)  # naive UTC: 10:00 in the zone


def add_event(hazard, action, actor, at, from_status, to_status, note=""):
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=actor.id, at=at, action=action,
                               from_status=from_status, to_status=to_status, note=note))
    db.session.commit()


@pytest.fixture
def zone(ctx):
    """Two areas with a grid and a site each, their people, hazards, inspections and cases."""
    east, west = make_area("东片区"), make_area("西片区")
    g_east, g_west = make_grid(east, "东一网格"), make_grid(west, "西一网格")
    mill = make_site(g_east, name="甲机械厂", site_type="MECH", principal_name="王五",
                     principal_phone="13900000001", controller_name="钱七")
    diner = make_site(g_west, name="乙餐馆", site_type="NINE", subkind="restaurant",
                      principal_name="赵六", principal_phone="13900000002")
    z = SimpleNamespace(east=east, west=west, g_east=g_east, g_west=g_west, mill=mill, diner=diner)
    z.supervisor = make_user("supervisor", name="监管员")
    z.insp_east = make_user("inspector", grids=[g_east], name="网格员甲")
    z.insp_west = make_user("inspector", grids=[g_west], name="网格员乙")
    z.staff_mill = make_user("enterprise", site=mill, name="安全员甲", position="safety_manager")
    z.staff_diner = make_user("enterprise", site=diner, name="店长乙", position="principal")
    z.worker = make_user("worker", site=mill)
    today = local_today()

    # The mill: an overdue general hazard, and a stock major hazard closed after verification.
    z.overdue = make_hazard(mill, "甲-配电箱门缺失", status="confirmed", found=T0,
                            deadline=today - timedelta(days=3), responsible_name="李四",
                            responsible_phone="13700000001", measures="更换配电箱门",
                            funds=Decimal("300.00"))
    z.closed = make_hazard(mill, "甲-熔炼炉未设紧急排放", level="major", status="closed",
                           source="supervisory", found=datetime(2023, 6, 1, 1, 0),
                           deadline=date(2023, 8, 1), responsible_name="王五",
                           measures="增设紧急排放装置", funds=Decimal("20000.00"),
                           rectified_note="已增设排放装置", rectification_cost=Decimal("18500.50"),
                           closed_at=datetime(2023, 7, 20, 3, 0))
    add_event(z.closed, "submit", z.staff_mill, datetime(2023, 7, 15, 2, 0), "rectifying",
              "submitted")
    add_event(z.closed, "verify", z.insp_east, datetime(2023, 7, 20, 3, 0), "submitted", "closed")

    # The diner: an open major gas hazard under supervision and referred for a fine.
    z.gas = make_hazard(diner, "乙-燃气报警器缺失", level="major", status="rectifying",
                        source="public", found=datetime(2025, 2, 1, 1, 0),
                        deadline=today + timedelta(days=20), responsible_name="赵六",
                        report_state_cause="后厨未装报警器", plan_goal="一周内安装")
    db.session.add(Supervision(hazard_id=z.gas.id, status="active", level="county",
                               office="南安市安委办", doc_no="南安委督〔2025〕3号",
                               due_date=today + timedelta(days=30)))
    db.session.add(Referral(hazard_id=z.gas.id, site_id=diner.id, department="南安市应急管理局",
                            measure="fine", status="closed", case_no="南应急罚〔2025〕12号",
                            outcome="罚款并责令整改", penalty_amount=Decimal("5000.00"),
                            referred_by_id=z.supervisor.id, referred_at=datetime(2025, 3, 1, 2, 0),
                            closed_at=datetime(2025, 4, 1, 2, 0)))
    db.session.add(Referral(hazard_id=z.overdue.id, site_id=mill.id,
                            department="南安市消防救援大队", measure="order_rectify",
                            referred_by_id=z.supervisor.id, referred_at=T0))
    db.session.commit()

    # Submitted at T0, an hour after they were started.
    z.insp_mill = make_inspection(mill, "ent-mech", z.insp_east, ["pass", "fail", "pass"],
                                  submitted=T0, from_scan=True)
    z.insp_diner = make_inspection(diner, "grid-nine", z.insp_west, ["fail", "pass"], submitted=T0)
    make_inspection(mill, "ent-mech", z.insp_east, ["pass"], started=T0 - timedelta(hours=1))  # open
    return z


@pytest.fixture
def en(client):
    """Read the pages in English (the msgids the assertions look for)."""
    client.post("/lang/en", data={"next": "/"})
    return client


def sheet_values(resp) -> list[tuple]:
    wb = load_workbook(io.BytesIO(resp.data))
    return list(wb.worksheets[0].iter_rows(values_only=True))


# Who may see what ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/ledgers/", *(f"/ledgers/{s}" for s in FIVE),
                                  *(f"/ledgers/{s}.xlsx" for s in FIVE), "/ledgers/major",
                                  "/ledgers/major.xlsx", "/ledgers/hazards?print=1",
                                  *(f"/ledgers/{s}/total" for s in FIVE), "/ledgers/major/total"])
def test_workers_get_403(client, login, zone, path):
    login(zone.worker)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/ledgers/major", "/ledgers/major.xlsx", "/ledgers/major/total"])
def test_major_database_is_not_for_inspectors(client, login, zone, path):
    login(zone.insp_east)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("slug", FIVE)
@pytest.mark.parametrize("who", ["insp_east", "staff_mill"])
def test_lists_and_exports_show_only_the_users_sites(client, login, zone, slug, who):
    login(getattr(zone, who))
    page = client.get(f"/ledgers/{slug}")
    assert page.status_code == 200
    assert "甲机械厂" in page.text and "乙餐馆" not in page.text
    cells = {str(v) for row in sheet_values(client.get(f"/ledgers/{slug}.xlsx")) for v in row}
    assert "甲机械厂" in cells and "乙餐馆" not in cells
    printed = client.get(f"/ledgers/{slug}?print=1").text
    assert "甲机械厂" in printed and "乙餐馆" not in printed


@pytest.mark.parametrize("slug", FIVE)
def test_supervisors_see_every_site(client, login, zone, slug):
    login(zone.supervisor)
    page = client.get(f"/ledgers/{slug}").text
    assert "甲机械厂" in page and "乙餐馆" in page


def test_enterprise_staff_see_only_their_major_hazards(client, login, zone):
    login(zone.staff_mill)
    page = client.get("/ledgers/major").text
    assert "甲-熔炼炉未设紧急排放" in page and "乙-燃气报警器缺失" not in page
    cells = {str(v) for row in sheet_values(client.get("/ledgers/major.xlsx")) for v in row}
    assert "甲机械厂" in cells and "乙餐馆" not in cells


def test_index_links_every_list(en, login, zone):
    login(zone.insp_east)
    page = en.get("/ledgers/").text
    for slug in FIVE:
        assert f'href="/ledgers/{slug}"' in page
    assert 'href="/ledgers/major"' not in page
    login(zone.supervisor)
    assert 'href="/ledgers/major"' in en.get("/ledgers/").text


# The lists' rows -------------------------------------------------------------------------------

def _rows(zone, slug, user=None, **args):
    ledger = service.LEDGERS[slug]
    filters = service.Filters.from_args(args_of(args), ledger)
    return list(service.rows(ledger, user or zone.supervisor, filters))


def args_of(values: dict):
    from werkzeug.datastructures import MultiDict
    return MultiDict({k: str(v) for k, v in values.items()})


def _by_key(slug, row) -> dict:
    return {c.key: v for c, v in zip(service.LEDGERS[slug].columns, row, strict=True)}


def test_inspection_list_counts_failed_items_and_scan(zone):
    rows = [_by_key("inspections", r) for r in _rows(zone, "inspections")]
    assert len(rows) == 2  # the unsubmitted one is not listed
    mill = next(r for r in rows if r["site"] == "甲机械厂")
    assert (mill["items"], mill["failed"], mill["from_scan"]) == (3, 1, True)
    assert mill["inspector"] == "网格员甲" and mill["version"] == "2.0"
    assert mill["checklist"] == template("ent-mech").title and mill["kind"] == "patrol"
    diner = next(r for r in rows if r["site"] == "乙餐馆")
    assert (diner["items"], diner["failed"], diner["from_scan"]) == (2, 1, False)


def test_problem_list_shows_level_source_and_overdue(zone):
    rows = {r["id"]: r for r in (_by_key("hazards", r) for r in _rows(zone, "hazards"))}
    assert set(rows) == {zone.overdue.id, zone.closed.id, zone.gas.id}
    assert rows[zone.overdue.id]["overdue"] is True and rows[zone.closed.id]["overdue"] is False
    assert rows[zone.gas.id]["source"] == "public" and rows[zone.gas.id]["level"] == "major"
    assert rows[zone.gas.id]["area"] == "西片区" and rows[zone.gas.id]["grid"] == "西一网格"


@pytest.mark.parametrize(("args", "expected"), [
    ({"level": "major"}, {"closed", "gas"}),
    ({"status": "overdue"}, {"overdue"}),
    ({"status": "open"}, {"overdue", "gas"}),
    ({"status": "closed"}, {"closed"}),
    ({"type": "NINE"}, {"gas"}),
    ({"from": "2025-01-01", "to": "2025-12-31"}, {"gas"}),
    ({"to": "2023-06-01"}, {"closed"}),  # the end day is included
    ({"from": "not-a-date"}, {"overdue", "closed", "gas"}),
])
def test_problem_list_filters(zone, args, expected):
    ids = {r[0] for r in _rows(zone, "hazards", **args)}
    assert ids == {getattr(zone, name).id for name in expected}


def test_area_and_grid_filters(zone):
    east = {r[0] for r in _rows(zone, "hazards", area=zone.east.id)}
    assert east == {zone.overdue.id, zone.closed.id}
    assert {r[0] for r in _rows(zone, "hazards", grid=zone.g_west.id)} == {zone.gas.id}


def test_rectification_list_has_submit_and_verify_from_events(zone):
    rows = {r["id"]: r for r in (_by_key("rectification", r) for r in _rows(zone, "rectification"))}
    closed = rows[zone.closed.id]
    assert closed["submitted_by"] == "安全员甲" and closed["verified_by"] == "网格员甲"
    assert closed["submitted_at"] == datetime(2023, 7, 15, 2, 0)
    assert closed["verified_at"] == datetime(2023, 7, 20, 3, 0)
    assert closed["days"] == 49 and closed["cost"] == Decimal("18500.50")
    assert closed["rectified_note"] == "已增设排放装置" and closed["funds"] == Decimal("20000.00")
    open_one = rows[zone.overdue.id]
    assert open_one["verified_at"] is None and open_one["days"] is None
    assert open_one["overdue"] is True
    assert open_one["responsible"] == "李四" and open_one["measures"] == "更换配电箱门"


def test_rectification_list_leaves_out_unconfirmed_and_rejected(zone):
    make_hazard(zone.mill, "刚上报", status="reported")
    make_hazard(zone.mill, "不是隐患", status="rejected")
    ids = {r[0] for r in _rows(zone, "rectification")}
    assert ids == {zone.overdue.id, zone.closed.id, zone.gas.id}


def test_fixed_on_the_spot_counts_the_checker_as_verifier(zone):
    spot = make_hazard(zone.mill, "灭火器摆放", status="closed", found=T0,
                       closed_at=T0 + timedelta(hours=1))
    add_event(spot, "fix_on_spot", zone.insp_east, T0 + timedelta(hours=1), "reported", "closed")
    row = next(_by_key("rectification", r) for r in _rows(zone, "rectification") if r[0] == spot.id)
    assert row["verified_by"] == "网格员甲" and row["days"] == 0 and row["submitted_at"] is None


def test_responsibility_list_names_everyone_who_answers(zone):
    rows = [_by_key("responsibility", r) for r in _rows(zone, "responsibility")]
    mill = {(r["duty"], r["who"]) for r in rows if r["site"] == "甲机械厂"}
    assert mill == {("principal", "王五"), ("controller", "钱七"), ("safety_manager", "安全员甲"),
                    ("inspector", "网格员甲"), ("hazard", "李四")}  # the closed hazard is done
    diner = {(r["duty"], r["who"]) for r in rows if r["site"] == "乙餐馆"}
    assert ("office", "南安市安委办") in diner and ("hazard", "赵六") in diner
    # The diner's principal account is a different person from the registered principal.
    assert ("principal", "店长乙") in diner and ("principal", "赵六") in diner
    office = next(r for r in rows if r["duty"] == "office")
    assert office["hazard_id"] == zone.gas.id and office["note"] == "南安委督〔2025〕3号"


def test_enforcement_list_and_status_filter(zone):
    rows = [_by_key("enforcement", r) for r in _rows(zone, "enforcement")]
    fine = next(r for r in rows if r["measure"] == "fine")
    assert fine["case_no"] == "南应急罚〔2025〕12号" and fine["penalty"] == Decimal("5000.00")
    assert fine["hazard_id"] == zone.gas.id and fine["level"] == "major"
    assert fine["referred_by"] == "监管员"
    assert [r[10] for r in _rows(zone, "enforcement", status="referred")] == ["order_rectify"]
    assert [r[10] for r in _rows(zone, "enforcement", level="major")] == ["fine"]


# Pages, fragments and print --------------------------------------------------------------------

def test_list_page_full_then_fragment(en, login, zone):
    login(zone.supervisor)
    full = en.get("/ledgers/hazards")
    assert full.status_code == 200 and "<html" in full.text and 'id="results"' in full.text
    assert "甲-配电箱门缺失" in full.text and 'class="table-wrap"' in full.text
    frag = en.get("/ledgers/hazards?level=major", headers=HX)
    assert frag.text.lstrip().startswith('<div id="results">') and "<html" not in frag.text
    assert "甲-配电箱门缺失" not in frag.text and "乙-燃气报警器缺失" in frag.text
    assert "HX-Request" in frag.headers["Vary"]
    # Export and print links keep the filters.
    assert "/ledgers/hazards?print=1&amp;level=major" in frag.text
    assert 'href="/ledgers/hazards/export?level=major"' in frag.text


def test_the_total_comes_apart_from_the_page(en, login, zone):
    """A page reads only its rows; its total (and the in-request .xlsx it allows) is loaded by
    htmx from a route of its own, a plain page without JavaScript."""
    login(zone.supervisor)
    page = en.get("/ledgers/hazards?level=major", headers=HX).text
    assert "2 rows" not in page and ".xlsx?" not in page
    url = re.search(r'id="ledger-total"[^>]*hx-get="([^"]+)"', page)[1].replace("&amp;", "&")
    assert url == "/ledgers/hazards/total?level=major"
    assert f'<a href="{url.replace("&", "&amp;")}">Count the rows</a>' in page  # noscript
    frag = en.get(url, headers=HX).text
    assert frag.lstrip().startswith('<span id="ledger-total">') and "<html" not in frag
    assert "2 rows" in frag and 'href="/ledgers/hazards.xlsx?level=major"' in frag
    full = en.get("/ledgers/hazards/total").text
    assert "<html" in full and "3 rows" in full and 'href="/ledgers/hazards"' in full
    assert "2 sites" in en.get("/ledgers/responsibility/total", headers=HX).text
    major = en.get(re.search(r'hx-get="([^"]+/total[^"]*)"', en.get("/ledgers/major").text)[1])
    assert major.status_code == 200 and "2 rows" in major.text
    assert 'href="/ledgers/major.xlsx"' in major.text


def test_boosted_navigation_gets_the_full_page(client, login, zone):
    login(zone.supervisor)
    resp = client.get("/ledgers/hazards", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in resp.text


def test_more_appends_the_next_rows(client, login, zone, app):
    login(zone.supervisor)
    app.config["LEDGER_PAGE_SIZE"] = 2
    try:
        first = client.get("/ledgers/hazards")
        assert first.text.count("<tr>") == 3  # the header row and 2 rows
        assert 'id="more"' in first.text
        link = re.search(r'id="more".*?href="([^"]+)"', first.text, re.S)[1].replace("&amp;", "&")
        more = client.get(link, headers=HX)
        assert more.text.lstrip().startswith("<tr>") and 'id="more"' not in more.text
        assert more.text.count("<tr>") == 1
    finally:
        app.config["LEDGER_PAGE_SIZE"] = 50


def test_cells_are_escaped_and_hazard_numbers_link_on_screen_only(en, login, zone):
    """The rows' cells are written in Python (service.cells): every value escaped, a hazard
    number linked to its hazard on the screen and plain in print."""
    zone.overdue.description = '<b>门</b> & "锁"'
    db.session.commit()
    login(zone.supervisor)
    screen = en.get("/ledgers/hazards").text
    assert '<td class="k-text k-long">&lt;b&gt;门&lt;/b&gt; &amp; &#34;锁&#34;</td>' in screen
    assert "<b>门</b>" not in screen
    link = f'<td class="k-hazard"><a href="/hazards/{zone.overdue.id}">{zone.overdue.id}</a></td>'
    assert link in screen
    printed = en.get("/ledgers/hazards?print=1").text
    assert f'<td class="k-hazard">{zone.overdue.id}</td>' in printed and link not in printed
    assert "&lt;b&gt;门&lt;/b&gt;" in printed and "<b>门</b>" not in printed


def test_a_kept_filter_form_follows_the_readers_scope_language_and_filters(
        app, client, login, zone, monkeypatch):
    """The filter form is rendered once a minute per scope, language, list and filters
    (web.filter_form): with memos on, an inspector never gets the supervisor's grids, an
    English reader never the Chinese form, and a filter set shows as selected."""
    from inspect_app import memo
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()

    def form(path="/ledgers/hazards"):
        return re.search(r'<form class="filters ledger-filters".*?</form>', client.get(path).text,
                         re.S)[0]
    try:
        login(zone.supervisor)
        zh = form()
        assert "西一网格" in zh and "东一网格" in zh and "全部网格" in zh
        assert form() == zh  # kept
        level = form("/ledgers/hazards?level=major")
        assert '<option value="major" selected>' in level and level != zh
        assert '<option value="major" selected>' not in form()
        other = form("/ledgers/rectification")
        assert 'action="/ledgers/rectification"' in other and "regime" not in other
        login(zone.insp_east)
        mine = form()
        assert "东一网格" in mine and "西一网格" not in mine
        client.post("/lang/en", data={"next": "/"})
        en = form()
        assert "All grids" in en and "东一网格" in en and "西一网格" not in en
    finally:
        memo.clear_all()


def test_print_view_is_a_standalone_a4_page(en, login, zone):
    login(zone.supervisor)
    resp = en.get("/ledgers/rectification?print=1&level=major")
    assert resp.status_code == 200
    assert "print.css" in resp.text and 'class="topbar"' not in resp.text
    assert "甲-熔炼炉未设紧急排放" in resp.text and "甲-配电箱门缺失" not in resp.text
    assert "Level: Major" in resp.text and "Prepared by" in resp.text


def test_print_view_and_xlsx_name_the_same_filters(en, login, zone):
    """One list of the filters in words (service.filter_words): the regime too, in both."""
    login(zone.supervisor)
    args = "level=major&regime=accident&type=MECH"
    heading = en.get(f"/ledgers/hazards?print=1&{args}").text
    assert "Level: Major" in heading and "Industry: Industry &amp; trade: machinery" in heading
    assert "Regime: Major accident hazard (重大事故隐患)" in heading
    ws = load_workbook(io.BytesIO(en.get(f"/ledgers/hazards.xlsx?{args}").data)).worksheets[0]
    assert "筛选条件：行业：工贸：机械；隐患等级：重大；隐患类别：重大事故隐患" in ws["A2"].value


def test_print_view_is_capped(en, login, zone, app):
    login(zone.supervisor)
    app.config["LEDGER_PRINT_MAX_ROWS"] = 1
    try:
        resp = en.get("/ledgers/hazards?print=1")
        assert "Only the first 1 rows are printed" in resp.text
    finally:
        app.config["LEDGER_PRINT_MAX_ROWS"] = 2000


def test_print_css_is_served(client):
    with client.get("/static/print.css") as resp:
        assert resp.status_code == 200 and b"@page" in resp.data and b"A4" in resp.data


# The xlsx ledgers ------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", [*FIVE, "major"])
def test_every_column_has_a_chinese_header(slug):
    keys = [c.key for c in service.LEDGERS[slug].columns]
    assert list(export.HEADERS[slug]) == keys


def test_problem_list_xlsx_is_a_ledger(en, login, zone):
    login(zone.supervisor)
    resp = en.get("/ledgers/hazards.xlsx?level=major")  # the UI is in English: the file is not
    assert resp.status_code == 200 and resp.mimetype == export.XLSX
    today = local_today().isoformat()
    disposition = resp.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('问题清单')}_{today}.xlsx" in disposition
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert ws["A1"].value == "问题清单"
    assert "筛选条件：隐患等级：重大" in ws["A2"].value and f"导出日期：{today}" in ws["A2"].value
    assert "范围：全园区" in ws["A2"].value
    assert [c.value for c in ws[3]] == list(export.HAZARD_HEADERS.values())
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:P5"  # filter buttons over the header and both rows
    assert "A1:P1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["H"].width == 40  # the description
    data = [dict(zip(export.HAZARD_HEADERS, (c for c in row), strict=True))
            for row in ws.iter_rows(min_row=4)]
    assert len(data) == 2
    gas = next(r for r in data if r["id"].value == zone.gas.id)
    # The page's words (labels.py rendered in Chinese), not a second wording for the file.
    assert gas["level"].value == "重大" and gas["source"].value == "群众举报"
    assert gas["status"].value == "整改中" and gas["overdue"].value == "否"
    assert gas["site_type"].value == "九小场所"
    # The found day in the zone (found_on), not when the record was keyed in.
    assert gas["found_on"].is_date and gas["found_on"].value == datetime(2025, 2, 1)
    assert gas["deadline"].is_date and gas["deadline"].value.date() == zone.gas.deadline
    assert gas["closed_at"].value is None


def test_rectification_xlsx_has_money_as_numbers(client, login, zone):
    login(zone.supervisor)
    ws = load_workbook(io.BytesIO(client.get("/ledgers/rectification.xlsx").data)).worksheets[0]
    assert ws["A1"].value == "整改销号清单"
    header = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == zone.closed.id)
    cost = row[header.index("整改费用（元）")]
    assert cost.value == pytest.approx(18500.50) and cost.data_type == "n"
    assert cost.number_format == "#,##0.00"
    assert row[header.index("复查销号时间")].is_date
    assert row[header.index("复查人")].value == "网格员甲"
    assert row[header.index("整改用时（天）")].value == 49


def test_scoped_export_says_whose_rows_it_holds(client, login, zone):
    login(zone.insp_east)
    rows = sheet_values(client.get("/ledgers/inspections.xlsx"))
    assert "范围：东一网格" in rows[1][0]
    assert [r[4] for r in rows[3:]] == ["甲机械厂"]


def test_text_that_looks_like_a_formula_stays_text(client, login, zone):
    make_hazard(zone.mill, "=HYPERLINK(\"http://evil\")\x0b")
    login(zone.supervisor)
    ws = load_workbook(io.BytesIO(client.get("/ledgers/hazards.xlsx").data)).worksheets[0]
    cell = next(r[7] for r in ws.iter_rows(min_row=4) if str(r[7].value).startswith("="))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil")'


def test_empty_export_still_has_title_and_headers(client, login, zone):
    login(zone.supervisor)
    rows = sheet_values(client.get("/ledgers/enforcement.xlsx?from=2030-01-01"))
    assert rows[0][0] == "执法清单" and "移送时间：2030-01-01 至 不限" in rows[1][0]
    assert list(rows[2]) == list(export.ENFORCEMENT_HEADERS.values()) and len(rows) == 3


# The major-hazard database ---------------------------------------------------------------------

def test_major_page_shows_dashboard_report_parts_and_supervision(en, login, zone):
    login(zone.supervisor)
    page = en.get("/ledgers/major")
    assert page.status_code == 200
    text = page.text
    assert "甲-熔炼炉未设紧急排放" in text and "乙-燃气报警器缺失" in text
    assert "甲-配电箱门缺失" not in text  # general
    assert "<strong>2</strong> major hazards" in text
    assert "<strong>1</strong> under supervision" in text
    # The gas hazard's report has its state and goal, the rest is missing.
    assert "Missing: Harm and difficulty, Measures, Funds and materials" in text
    assert 'id="target-stock_cleared"' in text and 'target-dynamic_zero' in text
    assert "Stock" in text and "Increment" in text and "100.0%" in text


def test_major_page_filters_swap_results(en, login, zone):
    login(zone.supervisor)
    frag = en.get(f"/ledgers/major?area={zone.west.id}", headers=HX)
    assert frag.text.lstrip().startswith('<div id="results">')
    assert "乙-燃气报警器缺失" in frag.text and "甲-熔炼炉未设紧急排放" not in frag.text
    assert "<strong>1</strong> major hazards" in frag.text


def test_major_export_has_rows_and_statistics(client, login, zone):
    login(zone.supervisor)
    wb = load_workbook(io.BytesIO(client.get("/ledgers/major.xlsx").data))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "重大事故隐患数据库" and ws.freeze_panes == "A4"
    header = [c.value for c in ws[3]]
    assert header == list(export.MAJOR_HEADERS.values())
    rows = {r[0]: dict(zip(export.MAJOR_HEADERS, r, strict=True))
            for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows[zone.closed.id]["stock"] == "存量" and rows[zone.gas.id]["stock"] == "增量"
    gas = rows[zone.gas.id]
    assert gas["supervision"] == "督办中" and gas["office"] == "南安市安委办"
    assert rows[zone.gas.id]["report_state_cause"] == "后厨未装报警器"
    assert rows[zone.gas.id]["report"].startswith("缺少：危害程度和整改难度")  # the page's words
    assert rows[zone.closed.id]["supervision"] == "未督办"
    # Funds, and the enforcement that came of the hazard (the fine, closed, with its penalty).
    assert rows[zone.closed.id]["funds"] == 20000 and rows[zone.closed.id]["enforcement"] is None
    assert (gas["enforcement"], gas["case_status"]) == ("罚款", "已结案")
    assert gas["case_no"] == "南应急罚〔2025〕12号" and gas["penalty"] == 5000
    assert ws.auto_filter.ref == f"A3:{ws.cell(3, len(header)).column_letter}{3 + len(rows)}"
    figures = wb["统计分析"]
    first = [c.value for c in figures[4]]
    assert first[:7] == ["合计", "全部", 2, 1, 1, 0, 1]
    assert figures["J4"].value == 1 and figures["J4"].number_format == "0.0%"
    targets = list(wb["三年行动目标"].iter_rows(min_row=4, values_only=True))
    assert [t[4] for t in targets][0] == "已达成"  # the stock is cleared
    assert targets[0][1] == datetime(2024, 12, 31)


def test_dashboard_splits_stock_at_midnight_in_the_zone(zone):
    # 2023-12-31 23:59 in the zone is stock; a minute later (2024-01-01 00:00) is increment.
    make_hazard(zone.mill, "跨年前", level="major", status="confirmed",
                found=datetime(2023, 12, 31, 15, 59))
    make_hazard(zone.mill, "跨年后", level="major", status="confirmed",
                found=datetime(2023, 12, 31, 16, 0))
    board = dashboard(zone.supervisor, service.Filters(), today=date(2026, 6, 1),
                            cutoff=date(2023, 12, 31))
    assert (board.overall.stock, board.overall.increment) == (2, 2)
    assert board.overall.stock_open == 1
    assert [(name, t.total) for name, t in board.by_area] == [("东片区", 3), ("西片区", 1)]
    assert [(code, t.total) for code, t in board.by_industry] == [("MECH", 3), ("NINE", 1)]


def test_dashboard_respects_scope_and_cutoff_config(zone, app):
    board = dashboard(zone.staff_diner, service.Filters())
    assert board.overall.total == 1 and board.by_area == [("西片区", board.overall)]
    app.config["MAJOR_STOCK_CUTOFF"] = "2025-12-31"
    try:
        assert dashboard(zone.supervisor, service.Filters()).overall.stock == 2
    finally:
        app.config["MAJOR_STOCK_CUTOFF"] = "2023-12-31"


def test_rejected_major_hazards_are_not_in_the_database(zone):
    make_hazard(zone.mill, "误报", level="major", status="rejected")
    ids = {r[0] for r in _rows(zone, "major")}
    assert ids == {zone.closed.id, zone.gas.id}
    assert dashboard(zone.supervisor, service.Filters()).overall.total == 2


def test_major_print_view_includes_the_dashboard(en, login, zone):
    login(zone.staff_diner)
    resp = en.get("/ledgers/major?print=1")
    assert resp.status_code == 200 and 'id="dashboard"' in resp.text
    assert "乙-燃气报警器缺失" in resp.text and "甲-熔炼炉未设紧急排放" not in resp.text

