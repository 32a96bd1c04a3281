"""The enterprise's own loop (plan §二(四)12): a general hazard it found itself (a self-check, a
worker's report) is confirmed, rectified and verified inside it by its principal or safety
manager, never verified by whoever rectified it; the zone sees it and may step in; a major one
goes to the zone. The worker who reported it hears of each step, in their own language."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.hazards import lifecycle
from inspect_app.hazards import service as hazard_service
from inspect_app.hazards.forms import transition
from inspect_app.models import Hazard, HazardEvent, Notification, User
from inspect_app.shifts import reports
from inspect_app.shifts.models import Post, Team, TeamMember, WorkerReport
from inspect_app.timeutil import local_today
from tests.factories import jpeg_bytes, log_in, make_grid, make_site, make_user

DEADLINE = (local_today() + timedelta(days=7)).isoformat()


@pytest.fixture
def firm(ctx, client):  # (`client` makes app.test_client() send CSRF tokens, as pages do)
    grid = make_grid()
    site = make_site(grid, name="南安恒源机械有限公司")
    people = {
        "site": site,
        "boss": make_user("enterprise", site=site, position="principal", name="王德明"),
        "safety": make_user("enterprise", site=site, position="safety_manager", name="李美玲"),
        "clerk": make_user("enterprise", site=site, position="staff", name="文员"),
        "worker": make_user("worker", site=site, name="张伟"),
        "sup": make_user("supervisor"), "insp": make_user("inspector", grids=[grid]),
        "rival": make_user("enterprise", site=make_site(grid), position="principal"),
    }
    team = Team(site_id=site.id, name="冲压班", shifts="白班", workdays="12345")
    db.session.add(team)
    db.session.flush()
    post = Post(team_id=team.id, name="冲压工", risk_color="orange")
    db.session.add(post)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=people["worker"].id, post_id=post.id))
    db.session.commit()
    people["team"] = team
    return people


def client_for(app, user, lang=None):
    c = app.test_client()
    if lang:
        c.post(f"/lang/{lang}", data={"next": "/"})
    log_in(c, user)
    c._token = None  # the login started a new session, with a new CSRF secret
    return c


def notes(user, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def snapshot(hazard_id):
    db.session.expire_all()
    h = db.session.get(Hazard, hazard_id)
    return (h.status, h.version, h.level, db.session.scalar(
        select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard_id)))


def worker_reports(app, firm, text="冲床光电保护失灵") -> Hazard:
    c = client_for(app, firm["worker"])
    resp = c.post(f"/shifts/teams/{firm['team'].id}/report",
                  data={"submit_key": "k" * 32, "description": text, "location": "冲压车间"})
    assert resp.status_code == 302
    flashed = c.get("/shifts/my-reports").text
    assert "已发送给企业的主要负责人和安全管理人员确认" in flashed
    return db.session.scalar(select(Hazard).where(Hazard.description == text))


def confirm(c, hazard_id, **extra):
    return c.post(f"/hazards/{hazard_id}/confirm", data={
        "level": "general", "responsible_name": "李美玲", "deadline": DEADLINE,
        "measures": "更换光电保护", **extra})


def submit(c, hazard_id):
    return c.post(f"/hazards/{hazard_id}/submit", data={
        "rectified_note": "已更换光电保护装置并试机", "rectification_cost": "800",
        "photos": (io.BytesIO(jpeg_bytes()), "after.jpg")}, content_type="multipart/form-data")


def test_a_workers_report_runs_the_whole_loop_inside_the_enterprise(app, firm):
    hazard = worker_reports(app, firm)
    # The principal and the safety manager are asked to confirm it; other staff are not.
    asked = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "worker_report"))}
    assert asked == {firm["boss"].id, firm["safety"].id}
    note = notes(firm["safety"], "worker_report")[0]
    assert note.message_key == "worker_report.new" and note.link == f"/hazards/{hazard.id}"

    safety = client_for(app, firm["safety"])
    inbox = safety.get("/inbox/").text
    assert "张伟" in inbox and "冲床光电保护失灵" in inbox and "请确认" in inbox
    page = safety.get(f"/hazards/{hazard.id}").text
    assert f'action="/hazards/{hazard.id}/confirm"' in page
    assert 'name="level" value="general"' in page and '<select name="level"' not in page
    assert confirm(safety, hazard.id).status_code == 302
    assert snapshot(hazard.id)[0] == "confirmed"
    assert [n.message_key for n in notes(firm["worker"])] == ["worker_report.confirmed"]

    assert submit(safety, hazard.id).status_code == 302
    assert snapshot(hazard.id)[0] == "submitted"
    # The principal is asked to verify (not the safety manager who rectified, nor the zone).
    assert [n.message_key for n in notes(firm["boss"], "submitted")] == ["hazard.to_verify"]
    assert notes(firm["safety"], "submitted") == [] and notes(firm["insp"], "submitted") == []

    # The rectifier may not verify their own work: 403, a clear message, nothing changed.
    before = snapshot(hazard.id)
    resp = safety.post(f"/hazards/{hazard.id}/verify", data={"note": "自己复查"})
    assert resp.status_code == 403 and "提交整改的人员不能复查" in resp.text
    assert f'action="/hazards/{hazard.id}/verify"' not in resp.text
    assert snapshot(hazard.id) == before

    boss = client_for(app, firm["boss"])
    assert f'action="/hazards/{hazard.id}/verify"' in boss.get(f"/hazards/{hazard.id}").text
    assert boss.post(f"/hazards/{hazard.id}/verify", data={"note": "复查合格"}).status_code == 302
    assert snapshot(hazard.id)[0] == "closed"
    events = db.session.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id)
                                .order_by(HazardEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("report", firm["worker"].id), ("confirm", firm["safety"].id),
        ("submit", firm["safety"].id), ("verify", firm["boss"].id)]

    report = db.session.scalar(select(WorkerReport).where(WorkerReport.hazard_id == hazard.id))
    assert safety.post(f"/shifts/reports/{report.id}/reward",
                       data={"amount": "100", "note": "月度奖励"}).status_code == 302
    assert [n.message_key for n in notes(firm["worker"])] == [
        "worker_report.confirmed", "worker_report.closed", "worker_report.rewarded"]
    # A corrected amount is not news.
    safety.post(f"/shifts/reports/{report.id}/reward", data={"amount": "120"})
    assert len(notes(firm["worker"])) == 3

    worker = client_for(app, firm["worker"])
    inbox = worker.get("/inbox/").text
    assert "您报告的隐患已整改销号" in inbox and "100.00" in inbox
    mine = worker.get("/shifts/my-reports").text
    assert "冲床光电保护失灵" in mine and "已销号" in mine and "120.00" in mine


def test_the_workers_notifications_read_in_the_workers_language(app, firm):
    hazard = worker_reports(app, firm)
    confirm(client_for(app, firm["safety"]), hazard.id)  # the safety manager works in Chinese
    en = client_for(app, firm["worker"], lang="en")
    assert "Your hazard report was confirmed" in en.get("/inbox/").text
    boss_en = client_for(app, firm["boss"], lang="en")
    assert "Hazard reported by 张伟 (冲压班): please confirm" in boss_en.get("/inbox/").text


def test_a_self_check_finding_is_confirmed_and_verified_by_the_enterprise(app, firm):
    hazard = hazard_service.report(site_id=firm["site"].id, description="砂轮机防护罩缺失",
                                   level="general", source="self_check", reporter=firm["safety"])
    db.session.commit()
    boss, safety = client_for(app, firm["boss"]), client_for(app, firm["safety"])
    assert confirm(boss, hazard.id).status_code == 302
    assert submit(safety, hazard.id).status_code == 302
    assert boss.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 302
    assert snapshot(hazard.id)[0] == "closed"
    assert notes(firm["worker"]) == []  # nobody's report: no worker to tell


@pytest.mark.parametrize("who,source,level,status", [
    ("worker", "worker", "general", 403),  # a worker never confirms (the hazard pages are not theirs)
    ("clerk", "worker", "general", 403),  # staff without a safety post
    ("safety", "patrol", "general", 403),  # the zone found it: the zone confirms
    ("safety", "self_check", "major", 403),  # a major goes to the zone
    ("rival", "worker", "general", 404),  # another enterprise's
    ("insp", "worker", "general", 403),
])
def test_who_may_not_confirm_changes_nothing(app, firm, who, source, level, status):
    hazard = hazard_service.report(site_id=firm["site"].id, description="叉车无倒车警示",
                                   level=level, source=source, reporter=firm["insp"])
    db.session.commit()
    before = snapshot(hazard.id)
    resp = confirm(client_for(app, firm[who]), hazard.id)
    assert resp.status_code == status
    assert snapshot(hazard.id) == before
    assert notes(firm["worker"]) == []


@pytest.mark.parametrize("who", ["worker", "clerk", "safety"])
def test_the_service_refuses_with_a_clear_message(app, firm, who):
    """Below the route: the same refusal, with the words the user is told."""
    from inspect_app.errors import UserError
    hazard = worker_reports(app, firm)
    before = snapshot(hazard.id)
    values = transition("confirm", {"level": "major" if who == "safety" else "general",
                                    "responsible_name": "李", "deadline": DEADLINE,
                                    "measures": "整改", "funds": "10", "interim_measures": "警戒"})
    with app.test_request_context(), pytest.raises(UserError) as err:
        lifecycle.perform(db.session.get(User, firm[who].id), hazard.id, "confirm", values)
    db.session.rollback()
    assert err.value.status == 403
    expected = "只有园区才能判定重大隐患" if who == "safety" else "主要负责人或安全管理人员"
    assert expected in err.value.message
    assert snapshot(hazard.id) == before


def test_an_enterprise_confirming_a_report_as_major_is_refused(app, firm):
    hazard = worker_reports(app, firm)
    before = snapshot(hazard.id)
    resp = confirm(client_for(app, firm["safety"]), hazard.id, level="major", funds="100",
                   interim_measures="警戒")
    assert resp.status_code == 403 and "只有园区才能判定重大隐患" in resp.text
    assert snapshot(hazard.id) == before and notes(firm["worker"]) == []


def test_the_zone_sees_the_loop_and_may_step_in(app, firm):
    hazard = worker_reports(app, firm)
    sup = client_for(app, firm["sup"])
    page = sup.get(f"/hazards/{hazard.id}").text
    assert '<select name="level"' in page  # the zone grades
    assert confirm(sup, hazard.id).status_code == 302
    assert submit(client_for(app, firm["safety"]), hazard.id).status_code == 302
    assert sup.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 302
    assert snapshot(hazard.id)[0] == "closed"
    assert [n.message_key for n in notes(firm["worker"])] == [
        "worker_report.confirmed", "worker_report.closed"]


def test_a_report_the_zone_rejects_tells_the_worker_why(app, firm):
    hazard = worker_reports(app, firm)
    safety = client_for(app, firm["safety"])
    before = snapshot(hazard.id)
    assert safety.post(f"/hazards/{hazard.id}/reject", data={"note": "不是隐患"}).status_code == 403
    assert snapshot(hazard.id) == before
    sup = client_for(app, firm["sup"])
    assert sup.post(f"/hazards/{hazard.id}/reject", data={"note": "重复报告"}).status_code == 302
    (note,) = notes(firm["worker"])
    assert note.message_key == "worker_report.rejected" and note.params["why"] == "重复报告"


def test_without_safety_leads_the_report_goes_to_the_zone(app, ctx, client):
    site = make_site()
    worker = make_user("worker", site=site)
    sup = make_user("supervisor")
    team = Team(site_id=site.id, name="装配班", shifts="白班", workdays="12345")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=worker.id))
    db.session.commit()
    c = client_for(app, worker)
    c.post(f"/shifts/teams/{team.id}/report", data={"submit_key": "z" * 32, "description": "漏电"})
    assert "已发送给园区监管人员确认" in c.get("/shifts/my-reports").text
    assert [n.message_key for n in notes(sup)] == ["worker_report.new"]


def test_a_resent_report_asks_once(app, firm):
    with app.test_request_context():
        for _ in range(2):
            reports.report_hazard(firm["worker"], firm["team"],
                                  {"description": "地面油污", "submit_key": "r" * 32})
    assert len(notes(firm["safety"], "worker_report")) == 1
