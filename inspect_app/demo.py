"""A demo zone that makes a newcomer's first minute real.

2 areas, 6 grids, 36 sites covering every site type and risk colour, a user for every role,
a few finished inspections and open hazards. Loaded by `flask demo load`.
"""

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from .admin.service import create_user
from .checklists.loader import load_all
from .checklists.service import templates_for
from .extensions import db
from .hazards.workflow import default_deadline
from .inspections import service as inspections
from .inspections.models import Result
from .roles import Position, Role
from .sites.models import Area, Grid, Site
from .sites.types import NINE_KINDS, RISK_ORDER, SITE_TYPES
from .timeutil import local_today, utcnow

DEMO_PASSWORD = "demo1234"
# Shown by `make run` and in the README.
# Names are people's names only: the role and position say what they are (a signature, a
# site's principal or a notification reads "王德明", never "主要负责人 王德明").
DEMO_LOGINS = [
    ("inspector1", Role.INSPECTOR, "林志强", "13800000001"),
    ("inspector2", Role.INSPECTOR, "陈秀英", "13800000002"),
    ("supervisor", Role.SUPERVISOR, "黄建华", "13800000003"),
    ("admin", Role.ADMIN, "系统管理员", "13800000004"),
    ("boss", Role.ENTERPRISE, "王德明", "13800000005"),
    ("safety", Role.ENTERPRISE, "李美玲", "13800000006"),
    ("worker", Role.WORKER, "张伟", "13800000007"),
]
DEMO_PIN = "2580"  # workers log in with phone + PIN (13800000007, 13800000011–14)

AREAS = {"雪峰片区": ["雪峰一网格", "雪峰二网格", "雪峰三网格"],
         "南区片区": ["南区一网格", "南区二网格", "南区三网格"]}

NAMES = ["鑫盛", "华泰", "宏达", "永兴", "恒源", "金丰", "泉峰", "佳美", "福盛", "安达", "顺发",
         "晋安", "协和", "荣昌", "兴隆", "博远", "新宇", "瑞祥"]
SUFFIX = {"GM": "贸易有限公司", "MET": "冶金有限公司", "NF": "铝业有限公司", "BM": "石材有限公司",
          "MECH": "机械有限公司", "LIGHT": "鞋业有限公司", "TEX": "纺织有限公司",
          "TOB": "烟叶加工厂", "HAZ": "化工有限公司", "GASU": "餐饮店", "GASOP": "燃气有限公司",
          "CON": "建设工程项目部", "SCON": "装修工程", "NINE": "", "SELF": "加工点",
          "MIX": "五金店", "PDP": "购物广场", "WH": "仓储有限公司"}
# Where on a site a patrol found each problem: with the item's requirement, every patrol
# hazard reads differently.
PLACES = ["一号车间", "二号车间", "成品仓库", "配电房", "装卸区", "办公楼一层", "楼顶", "后门通道",
          "原料堆场", "食堂后厨", "员工宿舍", "空压机房", "危废暂存间"]
NINE_SUFFIX = {"shop": "便利店", "restaurant": "小吃店", "hotel": "旅馆", "entertainment": "KTV",
               "workshop": "小作坊", "clinic": "诊所", "school": "托管班", "salon": "理发店",
               "internet": "网吧"}


def _sites(grids: list[Grid]) -> list[Site]:
    rng = random.Random(2024)
    specs = [(code, "") for code in SITE_TYPES] + [("NINE", k) for k in NINE_KINDS]
    specs += [("MECH", ""), ("LIGHT", ""), ("BM", ""), ("TEX", ""), ("GASU", ""), ("SELF", ""),
              ("NINE", "shop"), ("NINE", "restaurant")]
    sites = []
    for n, (code, kind) in enumerate(specs):
        name = f"南安{NAMES[n % len(NAMES)]}{NINE_SUFFIX.get(kind) or SUFFIX[code]}"
        if n >= len(NAMES):
            name = f"雪峰{NAMES[(n * 7) % len(NAMES)]}{NINE_SUFFIX.get(kind) or SUFFIX[code]}"
        features = {"BM": "DUST", "LIGHT": "DUST", "MECH": "SE", "HAZ": "CS"}.get(code, "")
        sites.append(Site(
            name=name, site_type=code, subkind=kind, features=features,
            credit_code=f"91350583MA{n:02d}X{rng.randrange(10**5):05d}" if code not in
            ("NINE", "SELF", "SCON") else None,
            address=f"南安市雪峰开发区{['工业路', '创业大道', '兴业街', '南环路'][n % 4]}{n + 1}号",
            size_class=["large", "medium", "small"][n % 3] if code not in ("NINE", "SELF")
            else "small",
            principal_name=f"负责人{n + 1:02d}", principal_phone=f"1395950{n:04d}",
            controller_name=f"实控人{n + 1:02d}", controller_phone=f"1386060{n:04d}",
            grid=grids[n % len(grids)], risk_color=RISK_ORDER[n % 4],
        ))
    return sites


def load() -> bool:
    """Create the demo zone once; returns False when data is already there."""
    if db.session.scalar(select(Area.id).limit(1)) is not None:
        return False
    load_all()
    grids = []
    for area_name, grid_names in AREAS.items():
        area = Area(name=area_name)
        db.session.add(area)
        grids += [Grid(name=g, area=area) for g in grid_names]
    sites = _sites(grids)
    db.session.add_all(sites)
    db.session.flush()
    enterprise = next(s for s in sites if s.site_type == "MECH")
    users = {}
    for username, role, name, phone in DEMO_LOGINS:
        site_id = enterprise.id if role in (Role.ENTERPRISE, Role.WORKER) else None
        position = {"boss": Position.PRINCIPAL, "safety": Position.SAFETY_MANAGER}.get(username)
        users[username] = create_user(username=username, role=role, name=name, phone=phone,
                                      password=DEMO_PASSWORD, site_id=site_id, position=position,
                                      commit=False)
    users["inspector1"].grids = grids[:3]
    users["inspector2"].grids = grids[3:]
    # The demo enterprise's principal is the principal account's person, and it was registered
    # a year ago (so its duties have a past: one of them is overdue).
    enterprise.principal_name = users["boss"].name
    enterprise.principal_phone = users["boss"].phone
    enterprise.created_at = utcnow() - timedelta(days=365)
    db.session.commit()
    from .shifts.demo import load_teams
    load_teams(enterprise, users["worker"], users["safety"])
    _finished_inspections(users, sites)
    _enterprise_demo(users["boss"].site, users["boss"], users["safety"], users["supervisor"])
    _self_checks(users["boss"].site, users["boss"])
    _stock_major_hazards(users["boss"].site, users["safety"], users["supervisor"])
    return True


def _finished_inspections(users, sites) -> None:
    """A few submitted patrols, most items passing, some failing (open hazards)."""
    rng = random.Random(7)
    inspector = users["inspector1"]
    mine = [s for s in sites if s.grid in inspector.grids]
    found = 0
    for n, site in enumerate(mine[:6]):
        fitting = templates_for(site, inspector)
        if not fitting:
            continue
        inspection = inspections.start(inspector, site, fitting[0].id, from_scan=True)
        inspection.started_at = utcnow() - timedelta(days=40 - n * 5, minutes=30)
        for item in inspection.items:
            result = Result.FAIL if rng.random() < 0.08 else (
                Result.NA if rng.random() < 0.1 else Result.PASS)
            note = ""
            if result == Result.FAIL:
                note = f"{PLACES[found % len(PLACES)]}：未做到“{item.requirement[:60]}”"
                found += 1
            inspections.record_answer(inspector, inspection, item.id, result, note)
        inspections.submit(inspector, inspection.id)
        # Backdate the patrol so the demo queue shows overdue hazards beside fresh ones.
        inspection.submitted_at = inspection.started_at + timedelta(minutes=25)
        for hazard in inspection.hazards:
            hazard.created_at = inspection.submitted_at
            hazard.found_on = local_today(inspection.submitted_at)
            hazard.deadline = default_deadline(hazard.level, hazard.found_on,
                                               current_app.config["HAZARD_DEADLINE_DAYS"])
            for event in hazard.events:
                event.at = inspection.submitted_at
        db.session.commit()
        # The older patrols' first hazard was confirmed by the supervisor the next day: the
        # enterprise's inbox then holds notifications of that day, not of today.
        if inspection.hazards and n < 3:
            _confirm_on(inspection.hazards[0], users["supervisor"],
                        inspection.submitted_at + timedelta(days=1))


def _confirm_on(hazard, supervisor, when) -> None:
    """Confirm `hazard` as of `when`, its notifications dated then too."""
    from werkzeug.datastructures import MultiDict

    from .hazards import forms as hazard_forms
    from .hazards import lifecycle
    from .hazards.service import _link
    from .notifications.models import Notification

    found = hazard.found_on
    form = MultiDict({"level": hazard.level, "regime": hazard.regime or "accident",
                      "responsible_name": hazard.site.principal_name,
                      "responsible_phone": hazard.site.principal_phone,
                      "deadline": default_deadline(hazard.level, found, current_app.config[
                          "HAZARD_DEADLINE_DAYS"]).isoformat(),
                      "measures": "限期整改，整改前设警示标志", "funds": "2000",
                      "interim_measures": "设置警戒区，专人监护"})
    lifecycle.perform(supervisor, hazard.id, "confirm", hazard_forms.transition("confirm", form),
                      now=when)
    db.session.execute(update(Notification).where(Notification.link == _link(hazard),
                                                  Notification.created_at > when)
                       .values(created_at=when))
    db.session.commit()


def _self_checks(site, boss) -> None:
    """This period's principal-led check and fire inspection, done a few days ago; the monthly
    staff check was not done (nor last month's), so the enterprise has one overdue duty."""
    from .enterprise import checks
    from .enterprise.schedule import Duty

    back = min(3, local_today().day - 1)  # inside this month: both show as done
    for duty, days_ago in ((Duty.PRINCIPAL_CHECK, back), (Duty.FIRE_INSPECTION, max(back - 1, 0))):
        fitting = checks.templates_for_duty(site, boss, duty)
        inspection = checks.start_check(boss, duty, fitting[0].id, boss.name, True)
        for item in inspection.items:
            inspections.record_answer(boss, inspection, item.id, Result.PASS, "")
        inspections.submit(boss, inspection.id)
        inspection.submitted_at = utcnow() - timedelta(days=days_ago, minutes=5)
        inspection.started_at = inspection.submitted_at - timedelta(minutes=35)
        db.session.commit()


def _enterprise_demo(site, boss, safety, supervisor) -> None:
    """Two self-assessments (below, then above the bar), a grade, model posts, drills and
    training hours for the demo enterprise, backdated so the pages have a history."""
    from .enterprise import standard
    from .enterprise.models import Drill, ModelPost, StandardGrade, Training, TrainingAttendance

    today, now = local_today(), utcnow()
    std = standard.standard_templates(site)[0]  # std-small covers the 工贸 types
    for days_ago, share in ((300, 0.5), (30, 0.85)):
        draft = standard.start_assessment(safety, std.id)
        standard.save_scores(safety, draft.id,
                             {i.id: round((i.weight or 0) * share) for i in std.items}, {})
        standard.submit_assessment(safety, draft.id)
        draft.started_at = draft.submitted_at = now - timedelta(days=days_ago)
    db.session.add(StandardGrade(site_id=site.id, grade="level3", document_no="南雪安〔2025〕3号",
                                 granted_on=today - timedelta(days=20), recorded_by_id=supervisor.id,
                                 expires_on=today - timedelta(days=20) + timedelta(days=3 * 365)))
    db.session.add_all([
        ModelPost(site_id=site.id, name="数控冲压岗", holder="张伟", proposed_by_id=safety.id,
                  description="定置管理、班前每人一分钟、五想五不干", recognised_by_id=supervisor.id,
                  recognised_at=now - timedelta(days=10)),
        ModelPost(site_id=site.id, name="焊接岗", holder="陈志明", proposed_by_id=safety.id),
        Drill(site_id=site.id, kind="fire", title="车间火灾疏散演练", created_by_id=safety.id,
              planned_on=today - timedelta(days=60), done_on=today - timedelta(days=58),
              participants=46, lessons="二楼西侧疏散较慢，已增设疏散指示标志"),
        Drill(site_id=site.id, kind="comprehensive", title="机械伤害综合应急演练",
              created_by_id=safety.id, planned_on=today + timedelta(days=25)),
        Drill(site_id=site.id, kind="special", title="有限空间作业专项应急演练",
              created_by_id=safety.id, planned_on=today - timedelta(days=152),
              done_on=today - timedelta(days=150), participants=18,
              lessons="监护人与作业人员联络信号需统一"),
    ])
    for days_ago, topic, kind, hours, people in (
            (400, "主要负责人和安全管理人员初次培训", "initial", 32, (boss, safety)),
            (90, "年度再培训：重大事故隐患判定标准", "refresher", 8, (boss, safety)),
            (15, "有限空间作业安全", "refresher", 4, (boss,))):
        db.session.add(Training(
            site_id=site.id, topic=topic, kind=kind, hours=hours, trainer="南安市应急管理局",
            held_on=today - timedelta(days=days_ago), created_by_id=safety.id,
            attendance=[TrainingAttendance(user_id=p.id, hours=hours) for p in people]))
    db.session.commit()


def _stock_major_hazards(site, safety, supervisor) -> None:
    """The plan's "stock": major hazards found in 2023, loaded through the stock import (the
    same path a zone uses for its paper register), two of them closed in 2024."""
    import io

    from openpyxl import Workbook
    from werkzeug.datastructures import FileStorage

    from .majors import stock

    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in stock.COLUMNS])
    for row in (
            ("2023-09-12", "重大", "重大事故隐患", "", "冲压机光电保护装置被拆除", "已销号",
             "2023-12-11", "2024-03-05", "南雪安核〔2024〕5号"),
            ("2023-11-03", "重大", "重大事故隐患", "", "喷漆间防爆电气失效", "已销号",
             "2024-02-01", "2024-01-28", "南雪安核〔2024〕2号"),
            ("2023-06-20", "一般", "", "", "车间消防通道堆放物料", "已销号",
             "2023-07-05", "2023-06-28", "")):
        sheet.append([site.credit_code, *row])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    report = stock.run(FileStorage(buffer, filename="2023年隐患台账.xlsx"), supervisor)
    assert report.ok, (report.problem, report.errors)
