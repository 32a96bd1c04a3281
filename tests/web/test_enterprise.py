"""Enterprise self-management through HTTP: due checks, self-checks and their major findings,
standardization, model posts, drills, training, statistics, reminders, and isolation."""

import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from inspect_app import periods
from inspect_app.enterprise import checks, drills, reports, schedule, statistics, training
from inspect_app.enterprise.models import (
    Drill,
    ModelPost,
    SelfCheck,
    StandardAssessment,
    StatisticsConfirmation,
    Training,
)
from inspect_app.extensions import db
from inspect_app.hazards import service as hazards
from inspect_app.models import Hazard, Inspection, Notification, Site, User
from inspect_app.timeutil import local_today, utcnow
from tests.conftest import HX
from tests.factories import jpeg_bytes, make_grid, make_hazard, make_site, make_user, template


def _section(html: str, key: str) -> str:
    """One section of the work queue on the home page ("" when it is not there)."""
    m = re.search(rf'<section class="work-section" id="work-{key}">(.*?)</section>', html, re.S)
    return m.group(1) if m else ""


def _written_reports(html: str) -> list[int]:
    """The hazards the queue asks a written report of."""
    return [int(i) for i in re.findall(r'id="work-written_reports-(\d+)"', html)]


@pytest.fixture
def firm(ctx):
    """A light-industry enterprise with combustible dust (high-risk), its principal and
    safety manager, a worker, and the zone's supervisor, admin and grid inspector."""
    grid = make_grid()
    site = make_site(grid, site_type="LIGHT", features="DUST", risk_color="yellow",
                     created_at=utcnow() - timedelta(days=800))
    return {
        "site": site,
        "boss": make_user("enterprise", site=site, position="principal", name="王德明"),
        "safety": make_user("enterprise", site=site, position="safety_manager", name="李美玲"),
        "worker": make_user("worker", site=site, name="张伟"),
        "supervisor": make_user("supervisor"),
        "admin": make_user("admin"),
        "inspector": make_user("inspector", grids=[grid]),
    }


@pytest.fixture
def rival(ctx):
    """Another enterprise with its own principal."""
    site = make_site(site_type="MECH", risk_color="blue")
    return {"site": site, "boss": make_user("enterprise", site=site, position="principal")}


def _start(client, duty="principal_check", slug="ent-dust", **form):
    data = {"duty": duty, "template": template(slug).id, "led_by": "王德明",
            "principal_present": "1"} | form
    resp = client.post("/enterprise/checks/start", data=data)
    assert resp.status_code == 302, resp.text
    return int(resp.location.rsplit("/", 1)[1])


def _run(client, inspection_id, fail=(), photo=None):
    """Answer every item (failing the given ones, with a note and optional photo) and submit."""
    inspection = db.session.get(Inspection, inspection_id)
    for item in inspection.items:  # those that apply to the site
        result = "fail" if item.id in fail else "pass"
        data = {"result": result} | ({"note": f"{item.code} 不合格"} if result == "fail" else {})
        assert client.post(f"/inspections/{inspection_id}/items/{item.id}", data=data,
                           headers=HX).status_code == 200
        if result == "fail" and photo:
            resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                               data={"photo": (io.BytesIO(photo), "x.jpg"),
                                     "upload_key": f"key-{item.id}-abcdef"},
                               content_type="multipart/form-data", headers=HX)
            assert resp.status_code == 200, resp.text
    resp = client.post(f"/inspections/{inspection_id}/submit")
    assert resp.status_code == 302, resp.text
    db.session.expire_all()


# Home and the schedule --------------------------------------------------------------------------

def test_enterprise_home_is_where_enterprise_users_land(client, login, firm):
    login(firm["boss"])
    assert client.get("/").location.endswith("/enterprise/")
    page = client.get("/enterprise/")
    assert page.status_code == 200 and firm["site"].name in page.text
    # DUST makes it high-risk: the principal's check is monthly, and nothing is done yet.
    month = periods.period_of("month", local_today()).key
    assert 'id="due-principal_check"' in page.text and month in page.text
    assert "due-overdue" in page.text  # last month was missed too
    assert 'name="led_by"' in page.text and 'name="principal_present"' in page.text
    assert "HX-Request" in page.headers["Vary"]


@pytest.mark.parametrize("role", ["worker", "inspector", "supervisor"])
def test_only_enterprise_users_have_an_enterprise_home(client, login, firm, role):
    login(firm[role])
    assert client.get("/enterprise/").status_code == 403


def test_self_check_records_leader_and_principal_and_fulfils_the_duty(client, login, firm):
    login(firm["safety"])
    inspection_id = _start(client, duty="staff_check", slug="ent-gm-general", led_by="李美玲",
                           principal_present="")
    inspection = db.session.get(Inspection, inspection_id)
    assert inspection.kind == "self_check" and inspection.led_by == "李美玲"
    assert not inspection.principal_present
    assert db.session.scalar(select(SelfCheck.duty).where(
        SelfCheck.inspection_id == inspection_id)) == "staff_check"
    # Starting again resumes the same run (and updates who leads it).
    assert _start(client, duty="staff_check", slug="ent-gm-general", led_by="王德明",
                  principal_present="1") == inspection_id
    assert db.session.get(Inspection, inspection_id).principal_present
    _run(client, inspection_id)
    items = {i.duty: i for i in checks.due_for(db.session.get(Site, firm["site"].id))}
    assert items["staff_check"].state == "done"
    # One check counts once: the principal took part, yet it is the staff check only.
    assert items["principal_check"].state != "done"
    assert items["fire_inspection"].state != "done"
    page = client.get("/enterprise/checks").text
    assert f"/inspections/{inspection_id}" in page and "王德明" in page


def test_principal_led_check_needs_the_principal(client, login, firm):
    """A refused start is the one error idiom: the home page again (422) with the check's form
    open, the message beside its field and what was typed kept; an htmx request gets a toast."""
    login(firm["safety"])
    resp = client.post("/enterprise/checks/start", data={
        "duty": "principal_check", "template": template("ent-dust").id, "led_by": "王师傅"})
    assert resp.status_code == 422 and 'id="principal_present-error"' in resp.text
    assert 'value="王师傅"' in resp.text
    assert resp.text.count('role="alert"') == 1  # one summary, the message beside the field
    resp = client.post("/enterprise/checks/start", data={
        "duty": "nonsense", "template": template("ent-dust").id, "principal_present": "1"})
    summary = re.search(r'role="alert">(.*?)</p>', resp.text, re.S).group(1)
    assert resp.status_code == 422 and "<br>" in summary  # no field to mark: the summary says it
    # A checklist for another kind of site is refused by the engine, at the checklist.
    resp = client.post("/enterprise/checks/start", data={
        "duty": "staff_check", "template": template("ent-haz").id})
    assert resp.status_code == 422 and 'id="template-error"' in resp.text
    resp = client.post("/enterprise/checks/start", headers=HX, data={
        "duty": "principal_check", "template": template("ent-dust").id})
    assert resp.status_code == 422 and resp.headers["HX-Reswap"] == "none"
    assert unquote(resp.headers["X-Message"])
    assert db.session.scalar(select(func.count(Inspection.id))) == 0
    assert db.session.scalar(select(func.count(SelfCheck.id))) == 0


def test_refused_assessment_start_and_htmx_score_change(client, login, firm, rival):
    """Starting with rules that do not apply: the standardization page again (422) saying so;
    a bad score changed on the page (htmx) is told in a toast and nothing is saved."""
    login(firm["safety"])
    resp = client.post("/enterprise/standard/start", data={"template": template("ent-dust").id})
    summary = re.search(r'role="alert">(.*?)</p>', resp.text, re.S).group(1)
    assert resp.status_code == 422 and "<br>" in summary  # saying why
    assert 'action="/enterprise/standard/start"' in resp.text  # the page, with its start buttons
    resp = client.post("/enterprise/standard/start", data={"template": "99999999999"})
    assert resp.status_code == 422 and resp.text.count('role="alert"') == 1
    assert db.session.scalar(select(func.count(StandardAssessment.id))) == 0
    resp = client.post("/enterprise/standard/start", headers=HX,
                       data={"template": template("ent-dust").id})
    assert resp.status_code == 422 and unquote(resp.headers["X-Message"])
    assert db.session.scalar(select(func.count(StandardAssessment.id))) == 0
    resp = client.post("/enterprise/standard/start", data={"template": template("std-small").id})
    assessment_id = int(resp.location.rsplit("/", 1)[1])
    first = db.session.get(StandardAssessment, assessment_id).template.items[0]
    for bad in ("lots", "-1", str(first.weight + 1), "NaN"):
        resp = client.post(f"/enterprise/standard/{assessment_id}", headers=HX,
                           data={f"item-{first.id}": bad})
        assert resp.status_code == 422 and resp.headers["HX-Reswap"] == "none", bad
        assert unquote(resp.headers["X-Message"]), bad
    db.session.expire_all()
    assert db.session.get(StandardAssessment, assessment_id).scores == []
    resp = client.post(f"/enterprise/standard/{assessment_id}", headers=HX,
                       data={f"item-{first.id}": str(first.weight)})
    assert resp.status_code == 200 and 'id="score-total"' in resp.text


# A major finding reaches the zone ---------------------------------------------------------------

def test_major_self_finding_is_reported_to_the_zone_at_once(client, login, firm):
    login(firm["boss"])
    inspection_id = _start(client)
    inspection = db.session.get(Inspection, inspection_id)
    major = next(i for i in inspection.items if i.is_major)
    _run(client, inspection_id, fail={major.id}, photo=jpeg_bytes())

    hazard = db.session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
    assert (hazard.level, hazard.source, hazard.site_id) == ("major", "self_check", firm["site"].id)
    assert len(hazard.photos) == 1
    # In the supervisors' major-hazard database (the queue, major only) …
    queue = hazards.queue(db.session.get(User, firm["supervisor"].id),
                          hazards.Filters(level="major"))
    assert [h.id for h in queue.hazards] == [hazard.id]
    # … and the supervisors and admins were told at once; the grid inspector was not.
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "major_self_report")))
    assert told == {firm["supervisor"].id, firm["admin"].id}
    asked = db.session.scalar(select(Notification).where(Notification.kind == "major_report_due"))
    assert asked.user_id == firm["boss"].id
    assert asked.link == f"/enterprise/hazards/{hazard.id}/report"

    # The enterprise sees it on its home page (its queue) and in its own lists, report incomplete.
    home = client.get("/enterprise/").text
    assert _written_reports(home) == [hazard.id] and asked.link in _section(home, "written_reports")
    lists = client.get("/enterprise/hazards").text
    assert f'id="hazard-{hazard.id}"' in lists and "不合格" in lists
    assert f'id="hazard-{hazard.id}"' in client.get("/enterprise/hazards?list=rectification").text
    fragment = client.get("/enterprise/hazards?list=rectification", headers=HX).text
    assert fragment.lstrip().startswith('<section id="lists">')

    # The three-part written report.
    report = {name: f"{name} 内容" for name, _label, _part in reports.REPORT_FIELDS}
    partial = report | {"plan_emergency": ""}
    assert client.post(asked.link, data=partial).status_code == 302
    assert "plan_emergency" in reports.report_missing(db.session.get(Hazard, hazard.id))
    assert not db.session.scalar(select(Notification.id).where(Notification.kind == "major_report"))
    assert client.post(asked.link, data=report | {"funds": "12000"}).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Hazard, hazard.id)
    assert saved.report_state_cause == "report_state_cause 内容" and float(saved.funds) == 12000
    assert reports.report_missing(saved) == []
    assert _written_reports(client.get("/enterprise/").text) == []
    done = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "major_report")))
    assert done == {firm["supervisor"].id, firm["admin"].id}

    # Supervisors see the self-report and the report; they cannot write it.
    login(firm["supervisor"])
    overview = client.get("/enterprise/overview").text
    assert f"/hazards/{hazard.id}" in overview and firm["site"].name in overview
    assert "report_harm_difficulty 内容" in client.get(asked.link).text
    assert client.post(asked.link, data=report).status_code == 403


def test_major_self_check_hazard_from_outside_a_request_alerts_the_zone_on_commit(firm):
    """The same rule holds for any path that records a self-check finding (CLI, imports),
    and a rolled-back finding alerts nobody."""
    site_id = firm["site"].id
    hazards.report(site_id=site_id, description="液氨管道泄漏", level="major",
                   source="self_check", reporter=None)
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    hazards.report(site_id=site_id, description="液氨管道泄漏", level="major",
                   source="self_check", reporter=None)
    hazards.report(site_id=site_id, description="巡查发现", level="major", source="patrol",
                   reporter=None)
    db.session.commit()
    kinds = db.session.execute(select(Notification.kind, Notification.user_id)).all()
    assert sorted(kinds) == sorted([("major_self_report", firm["supervisor"].id),
                                    ("major_self_report", firm["admin"].id),
                                    ("major_report_due", firm["boss"].id)])


def test_general_finding_goes_only_to_the_enterprise_lists(client, login, firm):
    login(firm["safety"])
    inspection_id = _start(client, duty="staff_check", principal_present="")
    inspection = db.session.get(Inspection, inspection_id)
    general = next(i for i in inspection.items if not i.is_major)
    _run(client, inspection_id, fail={general.id})
    hazard = db.session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
    assert hazard.level == "general" and hazard.source == "self_check"
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind.in_(["major_self_report", "major_report_due"]))) == 0
    assert client.get(f"/enterprise/hazards/{hazard.id}/report").status_code == 404


# One enterprise never sees another's data -------------------------------------------------------

def test_one_enterprise_never_sees_another_enterprises_self_checks(client, login, firm, rival):
    login(firm["boss"])
    inspection_id = _start(client)
    inspection = db.session.get(Inspection, inspection_id)
    major = next(i for i in inspection.items if i.is_major)
    _run(client, inspection_id, fail={major.id})
    hazard_id = db.session.scalar(select(Hazard.id).where(Hazard.inspection_id == inspection_id))
    drill = drills.save_drill(db.session.get(User, firm["boss"].id),
                               {"kind": "fire", "done_on": local_today(), "participants": 30})
    client.post("/enterprise/standard/start", data={"template": template("std-small").id})
    assessment_id = db.session.scalar(select(StandardAssessment.id))

    login(rival["boss"])
    for url in (f"/inspections/{inspection_id}", f"/enterprise/hazards/{hazard_id}/report",
                f"/enterprise/drills/{drill.id}", f"/enterprise/standard/{assessment_id}",
                f"/hazards/{hazard_id}"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/enterprise/drills/{drill.id}", {"kind": "fire",
                                                          "planned_on": "2030-01-01"}),
                      (f"/enterprise/hazards/{hazard_id}/report", {"plan_goal": "x"}),
                      (f"/enterprise/standard/{assessment_id}", {"action": "save"})):
        assert client.post(url, data=data).status_code == 404, url
    assert firm["site"].name not in client.get("/enterprise/checks").text
    assert "不合格" not in client.get("/enterprise/hazards").text
    assert client.get("/enterprise/drills").text.count("/enterprise/drills/") == 0
    # Enterprise pages only ever show the user's own enterprise, whatever is asked.
    assert firm["site"].name not in client.get(
        f"/enterprise/statistics?site={firm['site'].id}").text
    assert client.get(f"/enterprise/sites/{firm['site'].id}").status_code == 403
    assert client.get("/enterprise/overview").status_code == 403
    # Training cannot name another enterprise's people.
    resp = client.post("/enterprise/training", data={
        "topic": "消防", "held_on": local_today().isoformat(), "hours": "2",
        "attendee": str(firm["boss"].id)})
    assert resp.status_code == 404


# Standardization --------------------------------------------------------------------------------

def _scores(assessment_id, points):
    assessment = db.session.get(StandardAssessment, assessment_id)
    return {f"item-{i.id}": str(points(i)) for i in assessment.template.items}


def test_standardization_self_assessment_scored_with_history_and_trend(client, login, firm):
    login(firm["safety"])
    resp = client.post("/enterprise/standard/start", data={"template": template("std-small").id})
    assessment_id = int(resp.location.rsplit("/", 1)[1])
    page = client.get(f"/enterprise/standard/{assessment_id}").text
    assert 'id="score-total"' in page and 'name="item-' in page
    # One change through htmx: the running total comes back alone.
    first = db.session.get(StandardAssessment, assessment_id).template.items[0]
    resp = client.post(f"/enterprise/standard/{assessment_id}",
                       data={f"item-{first.id}": str(first.weight)}, headers=HX)
    assert resp.text.lstrip().startswith('<section id="score-total"')
    # Submitting with items unscored names them and keeps the draft.
    resp = client.post(f"/enterprise/standard/{assessment_id}", data={"action": "submit"})
    assert resp.status_code == 422 and "STD-02" in resp.text
    # Out-of-range points are refused.
    resp = client.post(f"/enterprise/standard/{assessment_id}",
                       data={f"item-{first.id}": str(first.weight + 1)})
    assert resp.status_code == 422
    # Half marks everywhere, one item not applicable: below the bar of 60.
    data = _scores(assessment_id, lambda i: "na" if i.code == "STD-18" else i.weight // 2)
    resp = client.post(f"/enterprise/standard/{assessment_id}", data=data | {"action": "submit"})
    assert resp.status_code == 302
    low = db.session.get(StandardAssessment, assessment_id)
    assert low.submitted_at and low.possible == 97 and low.pass_mark == 60 and not low.passed
    assert low.score == round(low.points * 100 / 97, 1)
    # A second assessment with full marks passes; the history shows the trend.
    second = int(client.post("/enterprise/standard/start", data={
        "template": template("std-small").id}).location.rsplit("/", 1)[1])
    assert second != assessment_id
    client.post(f"/enterprise/standard/{second}",
                data=_scores(second, lambda i: i.weight) | {"action": "submit"})
    high = db.session.get(StandardAssessment, second)
    assert high.score == 100.0 and high.passed
    history = client.get("/enterprise/standard").text
    assert f"{100.0 - low.score:+.1f}" in history and history.count('class="bar') == 2
    # Bar heights are classes in 5% steps (the CSP allows no style= attribute).
    assert f'class="bar h{round(float(low.score) / 5) * 5} fail"' in history
    assert 'class="bar h100 pass"' in history and "style=" not in history
    # Submitted assessments are history: no more changes.
    assert client.post(f"/enterprise/standard/{second}", data=data).status_code == 409


def test_pass_mark_and_veto_are_configurable(client, login, firm, app):
    login(firm["safety"])
    first = int(client.post("/enterprise/standard/start", data={
        "template": template("std-small").id}).location.rsplit("/", 1)[1])
    # Full marks except one major item: vetoed.
    data = _scores(first, lambda i: 0 if i.is_major else i.weight)
    client.post(f"/enterprise/standard/{first}", data=data | {"action": "submit"})
    vetoed = db.session.get(StandardAssessment, first)
    assert vetoed.score >= 90 and not vetoed.passed
    app.config.update(STANDARD_PASS_MARK=95, STANDARD_MAJOR_VETO=False)
    try:
        second = int(client.post("/enterprise/standard/start", data={
            "template": template("std-small").id}).location.rsplit("/", 1)[1])
        client.post(f"/enterprise/standard/{second}", data=data | {"action": "submit"})
        result = db.session.get(StandardAssessment, second)
        assert result.pass_mark == 95 and result.passed == (result.score >= 95)
    finally:
        app.config.update(STANDARD_PASS_MARK=None, STANDARD_MAJOR_VETO=True)
    # The first keeps the pass mark it was scored against.
    assert db.session.get(StandardAssessment, first).pass_mark == 60


def test_supervisors_overview_counts_against_the_plan_targets(client, login, firm, rival):
    login(firm["safety"])
    aid = int(client.post("/enterprise/standard/start", data={
        "template": template("std-small").id}).location.rsplit("/", 1)[1])
    client.post(f"/enterprise/standard/{aid}",
                data=_scores(aid, lambda i: i.weight) | {"action": "submit"})
    resp = client.post("/enterprise/posts", data={"name": "冲压岗", "holder": "张伟"})
    assert resp.status_code == 302
    post = db.session.scalar(select(ModelPost))
    assert db.session.scalar(select(Notification.id).where(
        Notification.kind == "model_post", Notification.user_id == firm["supervisor"].id))
    assert client.post(f"/enterprise/posts/{post.id}/recognise").status_code == 403

    login(firm["supervisor"])
    page = client.get("/enterprise/overview").text
    assert '<div class="counter" id="count-graded">' in page.replace(" met", "")
    assert "<b>0</b> / 2" in page and "<b>0</b> / 12" in page and "<b>1</b> / 1" in page
    assert client.post(f"/enterprise/posts/{post.id}/recognise").status_code == 302
    for site in (firm["site"], rival["site"]):
        resp = client.post(f"/enterprise/sites/{site.id}/grades",
                           data={"grade": "level3", "granted_on": local_today().isoformat()})
        assert resp.status_code == 302
    page = client.get("/enterprise/overview").text
    assert "<b>2</b> / 2" in page and "<b>1</b> / 12" in page
    assert 'class="counter met" id="count-graded"' in page
    summary = client.get(f"/enterprise/sites/{firm['site'].id}").text
    assert "冲压岗" in summary and "100.0" in summary
    bad = client.post(f"/enterprise/sites/{firm['site'].id}/grades", data={"grade": "gold",
                                                                         "granted_on": "x"})
    assert bad.status_code == 422


# Drills and training ----------------------------------------------------------------------------

def test_drill_planned_then_done_with_photo_fulfils_the_duty(client, login, firm):
    login(firm["safety"])
    today = local_today()
    resp = client.post("/enterprise/drills", data={
        "kind": "fire", "title": "消防疏散演练",
        "planned_on": (today + timedelta(days=10)).isoformat()})
    drill_id = int(resp.location.rsplit("/", 1)[1])
    site = db.session.get(Site, firm["site"].id)
    assert {i.duty: i.state for i in checks.due_for(site)}["fire_drill"] != "done"
    # Held, with participants, lessons and a photo.
    resp = client.post(f"/enterprise/drills/{drill_id}", data={
        "kind": "fire", "title": "消防疏散演练", "done_on": today.isoformat(),
        "participants": "42", "lessons": "二楼疏散较慢"})
    assert resp.status_code == 302
    resp = client.post(f"/enterprise/drills/{drill_id}/photos",
                       data={"photo": (io.BytesIO(jpeg_bytes()), "d.jpg"),
                             "upload_key": "drill-photo-0001"},
                       content_type="multipart/form-data", headers=HX)
    assert resp.text.lstrip().startswith('<section class="card" id="drill-photos">')
    assert "/photos/" in resp.text
    # The same upload retried is one photo.
    client.post(f"/enterprise/drills/{drill_id}/photos",
                data={"photo": (io.BytesIO(jpeg_bytes()), "d.jpg"),
                      "upload_key": "drill-photo-0001"},
                content_type="multipart/form-data")
    drill = db.session.get(Drill, drill_id)
    assert (drill.participants, drill.lessons, len(drill.photos)) == (42, "二楼疏散较慢", 1)
    assert {i.duty: i.state for i in checks.due_for(site)}["fire_drill"] == "done"
    # Held in the future, or held without a participant count, is refused.
    for data in ({"kind": "fire", "done_on": (today + timedelta(days=1)).isoformat(),
                  "participants": "3"},
                 {"kind": "special", "done_on": today.isoformat()},
                 {"kind": "party", "planned_on": today.isoformat()}):
        assert client.post("/enterprise/drills", data=data).status_code == 422
    assert "消防疏散演练" in client.get("/enterprise/drills").text


def test_training_hours_per_person_against_the_requirement(client, login, firm):
    login(firm["safety"])
    today = local_today()
    year = today.year
    earlier = date(year - 1, 6, 1)
    # Last year both managers completed their 32 initial hours.
    for day, hours, kind in ((earlier, "32", "initial"), (today, "8", "refresher")):
        resp = client.post("/enterprise/training", data={
            "topic": "安全生产管理", "kind": kind, "held_on": day.isoformat(), "hours": hours,
            "attendee": [str(firm["boss"].id), str(firm["safety"].id)]})
        assert resp.status_code == 302, resp.text
    # The principal went to one more refresher session this year.
    client.post("/enterprise/training", data={"topic": "应急管理", "held_on": today.isoformat(),
                                              "hours": "4", "attendee": str(firm["boss"].id)})
    site = db.session.get(Site, firm["site"].id)
    statuses = {u.name: s for u, s in training.training_statuses(site, year)}
    assert statuses["王德明"].stage == "refresher" and statuses["王德明"].done == 12
    assert statuses["王德明"].met
    assert statuses["李美玲"].done == 8 and not statuses["李美玲"].met
    assert statuses["张伟"].stage == ""  # workers: no hours set by default
    page = client.get("/enterprise/training").text
    assert page.count('<tr class="short">') == 1  # the safety manager, 4 h short
    assert db.session.scalar(select(func.count(Training.id))) == 3
    for bad in ({"topic": "", "held_on": today.isoformat(), "hours": "1", "attendee": "1"},
                {"topic": "x", "held_on": (today + timedelta(days=2)).isoformat(), "hours": "1",
                 "attendee": str(firm["boss"].id)},
                {"topic": "x", "held_on": today.isoformat(), "hours": "0",
                 "attendee": str(firm["boss"].id)},
                {"topic": "x", "held_on": today.isoformat(), "hours": "2"}):
        assert client.post("/enterprise/training", data=bad).status_code == 422


# Hazard statistics --------------------------------------------------------------------------------

def _last_quarter():
    last = periods.last_ended("quarter", local_today())
    return last, last.start.year, last.number


def _noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=4)  # noon in the zone


def _hazard(site, level, found: date, closed: date | None = None, source="self_check", **fields):
    """A hazard found on `found`, due 15 days later, closed on `closed` if given."""
    return make_hazard(site, f"{level} 隐患", level=level, source=source, found=_noon(found),
                       deadline=found + timedelta(days=15),
                       **({"status": "closed", "closed_at": _noon(closed)} if closed else {}), **fields)


def test_quarterly_statistics_signed_by_the_principal_and_exported(client, login, firm):
    site = firm["site"]
    last, year, number = _last_quarter()
    _hazard(site, "general", last.start, closed=last.start + timedelta(days=5),
            rectification_cost=800)
    _hazard(site, "general", last.start + timedelta(days=3), source="patrol")
    _hazard(site, "major", last.end)  # found on the last day of the quarter
    _hazard(site, "general", last.start - timedelta(days=40))  # earlier, still open
    _hazard(site, "general", last.end + timedelta(days=1))  # the next quarter: left out
    figures = statistics.statistics(db.session.get(Site, site.id), year, number)
    assert (figures["found_general"], figures["found_major"]) == (2, 1)
    assert (figures["self_found_general"], figures["self_found_major"]) == (1, 1)
    assert figures["closed_general"] == 1 and figures["rectification_money"] == 800
    assert (figures["open_general"], figures["open_major"]) == (2, 1)
    assert figures["overdue_general"] == 2 and figures["overdue_major"] == 0
    assert figures["rectification_rate"] == 33.3
    assert figures["deadline"] == schedule.statistics_deadline(last).isoformat()

    login(firm["safety"])
    page = client.get(f"/enterprise/statistics?year={year}&quarter={number}")
    assert page.status_code == 200 and 'name="signed_name"' not in page.text
    resp = client.post("/enterprise/statistics/confirm", data={"year": year, "quarter": number,
                                                               "signed_name": "李美玲"})
    assert resp.status_code == 403
    fragment = client.get(f"/enterprise/statistics?year={year}&quarter={number}", headers=HX)
    assert fragment.text.lstrip().startswith('<section id="table">')

    login(firm["boss"])
    this = periods.period_of("quarter", local_today())
    resp = client.post("/enterprise/statistics/confirm", data={
        "year": this.start.year, "quarter": this.number,
        "signed_name": "王德明"})
    assert resp.status_code == 422  # the current quarter has not ended
    resp = client.post("/enterprise/statistics/confirm", data={"year": year, "quarter": number,
                                                               "signed_name": "王德明",
                                                               "analysis": "本季度隐患以设备类为主"})
    assert resp.status_code == 302
    signed = db.session.scalar(select(StatisticsConfirmation))
    assert signed.signed_name == "王德明" and signed.figures["found_major"] == 1
    # Later findings do not change the signed table.
    _hazard(site, "major", last.start + timedelta(days=1))
    page = client.get(f"/enterprise/statistics?year={year}&quarter={number}").text
    assert "王德明" in page and 'name="signed_name"' not in page
    again = client.post("/enterprise/statistics/confirm", data={"year": year, "quarter": number,
                                                                "signed_name": "王德明",
                                                                "analysis": "再签一次"})
    assert again.status_code == 409

    resp = client.get(f"/enterprise/statistics.xlsx?year={year}&quarter={number}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert [site.name] in [row[1:] for row in cells if row]
    assert [2, 1, 3] in [row[1:] for row in cells]  # found: general, major, total
    assert any("王德明" in row for row in cells)

    # Supervisors read any enterprise's table; enterprise users only their own.
    login(firm["supervisor"])
    url = f"/enterprise/statistics.xlsx?site={site.id}&year={year}&quarter={number}"
    assert client.get(url).status_code == 200
    yearly = client.get(f"/enterprise/statistics?site={site.id}&year={year}&quarter=0")
    assert yearly.status_code == 200


# Reminders ----------------------------------------------------------------------------------------

def test_remind_command_is_idempotent(app, firm, rival):
    runner = app.test_cli_runner()
    day = local_today()
    result = runner.invoke(args=["enterprise", "remind", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    sent = db.session.scalar(select(func.count(Notification.id)))
    assert sent > 0 and "duty reminders" in result.output
    # The firm's principal check is overdue (last month missed): principal and safety manager.
    overdue = db.session.scalars(select(Notification).where(
        Notification.kind == "duty_overdue")).all()
    assert {n.user_id for n in overdue} == {firm["boss"].id, firm["safety"].id}
    assert all(n.link == "/enterprise/" for n in overdue)
    stats = db.session.scalars(select(Notification).where(Notification.kind == "statistics_due"))
    assert {n.user_id for n in stats} == {firm["boss"].id}  # the rival is too new to owe one
    # Running again sends nothing new; the worker never hears about duties.
    result = runner.invoke(args=["enterprise", "remind", "--today", day.isoformat()])
    assert result.exit_code == 0 and result.output.startswith("0 duty reminders, 0 statistics")
    assert db.session.scalar(select(func.count(Notification.id))) == sent
    assert not db.session.scalar(select(Notification.id).where(
        Notification.user_id == firm["worker"].id))


def test_refused_enterprise_forms_mark_each_field_and_keep_what_was_typed(client, login, firm):
    """The forms-layer idiom on the enterprise pages: 422, the field's own message beside it,
    the other fields as typed, and nothing saved."""
    login(firm["safety"])
    today = local_today()
    resp = client.post("/enterprise/training", data={
        "topic": "有限空间作业", "held_on": today.isoformat(), "hours": "NaN",
        "trainer": "周老师", "attendee": str(firm["boss"].id)})
    assert resp.status_code == 422
    assert 'id="hours-error"' in resp.text and 'aria-describedby="hours-error"' in resp.text
    assert 'value="有限空间作业"' in resp.text and 'value="周老师"' in resp.text
    assert f'value="{firm["boss"].id}" checked' in resp.text
    resp = client.post("/enterprise/drills", data={"kind": "fire", "title": "夜间疏散",
                                                   "participants": "-3"})
    assert resp.status_code == 422 and 'id="participants-error"' in resp.text
    assert 'value="夜间疏散"' in resp.text
    resp = client.post("/enterprise/posts", data={"name": "", "holder": "李师傅",
                                                  "description": "班前五分钟"})
    assert resp.status_code == 422 and 'id="name-error"' in resp.text
    assert 'value="李师傅"' in resp.text and "班前五分钟</textarea>" in resp.text
    assert db.session.scalar(select(func.count(Training.id))) == 0
    assert db.session.scalar(select(func.count(Drill.id))) == 0
    # The self-assessment: a bad score is marked at its item, the other item's note kept.
    resp = client.post("/enterprise/standard/start", data={"template": template("std-small").id})
    assessment_id = int(resp.location.rsplit("/", 1)[1])
    first, second = db.session.get(StandardAssessment, assessment_id).template.items[:2]
    resp = client.post(f"/enterprise/standard/{assessment_id}",
                       data={f"item-{first.id}": "lots", f"note-{second.id}": "台账不全"})
    assert resp.status_code == 422 and f'id="item-{first.id}-error"' in resp.text
    assert 'value="台账不全"' in resp.text
    assert db.session.get(StandardAssessment, assessment_id).scores == []


def test_enterprise_pages_show_the_found_date_not_when_the_record_was_made(client, login, firm):
    """A register of 2023 keyed in today shows 2023: the found date, never created_at."""
    found = date(2023, 5, 6)
    hazard = make_hazard(firm["site"], "二楼仓库堆放易燃物", level="major", source="self_check",
                         reporter=firm["safety"], found_on=found, status="confirmed")
    keyed_in = local_today().isoformat()
    login(firm["safety"])
    for url in ("/enterprise/hazards", f"/enterprise/hazards/{hazard.id}/report"):
        page = client.get(url).text
        assert found.isoformat() in page and keyed_in not in page, url
    client.post("/auth/logout")
    login(firm["supervisor"])
    card = client.get("/enterprise/overview").text.split('id="major-self-reports"')[1]
    card = card.split("</section>")[0]
    assert found.isoformat() in card and keyed_in not in card


@pytest.mark.parametrize("covers", [False, True])
def test_one_principal_led_check_counts_once_unless_the_setting_says_so(app, client, login, firm,
                                                                        monkeypatch, covers):
    monkeypatch.setitem(app.config, "PRINCIPAL_CHECK_COVERS_STAFF_CHECK", covers)
    login(firm["boss"])
    _run(client, _start(client))
    items = {i.duty: i for i in checks.due_for(db.session.get(Site, firm["site"].id))}
    assert items["principal_check"].state == "done"
    assert (items["staff_check"].state == "done") is covers
    page = client.get("/enterprise/").text
    shown = re.search(r'class="card due due-(\w+)" id="due-staff_check"', page).group(1)
    assert (shown == "done") is covers, shown
