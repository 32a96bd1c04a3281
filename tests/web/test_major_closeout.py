"""Major hazards by 16号令: decision apart from the report, level changes with reasons,
督办 from confirmation to 核销, stop-work, assessment, 复产申请, the 10-day review, extensions."""

import io
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict

from inspect_app import forms
from inspect_app.errors import UserError
from inspect_app.extensions import db
from inspect_app.hazards import closeout, messages, service, side_actions
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import lifecycle as real
from inspect_app.hazards import sweep as daily
from inspect_app.hazards.workflow import State
from inspect_app.models import Extension, Hazard, HazardEvent, Notification, Referral, SmsMessage, Supervision
from inspect_app.timeutil import local_today, utcnow
from tests.factories import jpeg_bytes, make_grid, make_site, make_user

REPORT = {"report_state_cause": "冲压机光电保护被拆除，原因是赶工",
          "report_harm_difficulty": "可致断指，整改需停机",
          "plan_goal": "恢复保护装置", "measures": "企业写的：加装双手按钮和光幕",
          "plan_resources": "经费五万元", "plan_organisation": "设备科", "plan_timeline": "30日内",
          "plan_emergency": "停机挂牌", "interim_measures": "企业写的：设警戒线"}


class lifecycle:  # noqa: N801 - the lifecycle, called as the views call it (forms parsed first)
    review_state, sweep, close_supervision = real.review_state, daily.sweep, side_actions.close_supervision
    decide_extension = side_actions.decide_extension

    @staticmethod
    def perform(user, hazard_id, action, form, files=(), now=None):
        return real.perform(user, hazard_id, action, hazard_forms.transition(action, form), files,
                            now=now)

    @staticmethod
    def stop_work(user, hazard_id, form):
        return closeout.stop_work(user, hazard_id, forms.parse(form, hazard_forms.STOP))

    @staticmethod
    def assess(user, hazard_id, form, files=()):
        return closeout.assess(user, hazard_id, forms.parse(form, hazard_forms.ASSESSMENT), files)

    @staticmethod
    def apply_resume(user, hazard_id, form, files=()):
        return closeout.apply_resume(user, hazard_id, forms.parse(form, hazard_forms.RESUME), files)

    @staticmethod
    def request_extension(user, hazard_id, form, now=None):
        return side_actions.request_extension(user, hazard_id,
                                              forms.parse(form, hazard_forms.EXTENSION), now=now)

    @staticmethod
    def refer(user, hazard_id, form):
        return side_actions.refer(user, hazard_id, forms.parse(form, hazard_forms.REFERRAL))

    @staticmethod
    def open_supervision(user, hazard_id, form):
        return side_actions.open_supervision(user, hazard_id, forms.parse(form, hazard_forms.SUPERVISION))


@pytest.fixture
def world(ctx):
    grid = make_grid()
    site = make_site(grid, principal_name="王五", principal_phone="13900000001",
                     controller_name="钱七", controller_phone="13900000002")
    people = {"sup": make_user("supervisor"), "admin": make_user("admin"),
              "insp": make_user("inspector", grids=[grid]),
              "boss": make_user("enterprise", site=site, position="principal"),
              "staff": make_user("enterprise", site=site)}
    return site, people


def major(site, people, report=True) -> Hazard:
    hazard = service.report(site_id=site.id, description="冲压机光电保护被拆除", level="major",
                            source="self_check", reporter=people["staff"])
    if report:
        for key, value in REPORT.items():
            setattr(hazard, key, value)
    db.session.commit()
    return hazard


def confirm_form(**extra):
    values = {"level": "major", "responsible_name": "王五",
              "deadline": (local_today() + timedelta(days=30)).isoformat(),
              "measures": "监管认定：停机整改", "funds": "50000", "interim_measures": "监管认定：专人值守"}
    values.update(extra)
    return MultiDict(values)


def photo():
    return FileStorage(io.BytesIO(jpeg_bytes()), filename="p.jpg", content_type="image/jpeg")


def to_submitted(hazard, people, *, stop=False, assess=True, resume=True):
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    if stop:
        lifecycle.stop_work(people["sup"], hazard.id, MultiDict(
            {"stop_work": "suspend_part", "stop_work_doc": "南雪安责停〔2026〕3号"}))
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    if assess:
        lifecycle.assess(people["staff"], hazard.id, MultiDict(
            {"assessment_by": "泉州安评中心", "assessment_qualified": "yes"}), [photo()])
    if stop and resume:
        lifecycle.apply_resume(people["staff"], hazard.id, MultiDict(
            {"resume_application": "整改完毕，经评估合格，申请恢复生产"}))
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict(
        {"rectified_note": "已加装光幕"}), [photo()])
    db.session.refresh(hazard)
    return hazard


WRITE_OFF = {"review_note": "现场复查：光幕有效", "closing_doc_no": "南雪安核〔2026〕9号"}


def events(hazard) -> list[str]:
    return [e.action for e in db.session.scalars(select(HazardEvent).where(
        HazardEvent.hazard_id == hazard.id).order_by(HazardEvent.id))]


# Who closes a major hazard, and with what -------------------------------------------------------

def test_grid_inspector_cannot_close_a_major_hazard(client, login, world):
    site, people = world
    hazard = to_submitted(major(site, people), people)
    login(people["insp"])
    resp = client.post(f"/hazards/{hazard.id}/verify", data={**WRITE_OFF, "note": "ok"})
    assert resp.status_code == 403
    assert "grid inspector" in resp.text or "网格员" in resp.text
    db.session.refresh(hazard)
    assert hazard.status == State.SUBMITTED and hazard.closing_doc_no == ""
    assert "verify" not in events(hazard)


def test_a_majors_close_reads_write_off_a_generals_verify(client, login, world):
    site, people = world
    hazard = to_submitted(major(site, people), people)
    general = service.report(site_id=site.id, description="灭火器过期", level="general",
                             source="patrol", reporter=people["insp"])
    db.session.commit()
    lifecycle.perform(people["sup"], general.id, "confirm", confirm_form(level="general"))
    lifecycle.perform(people["staff"], general.id, "submit", MultiDict({"rectified_note": "更换"}),
                      [photo()])
    login(people["sup"])
    page = client.get(f"/hazards/{hazard.id}").text
    assert ">核销</summary>" in page and "复查销号" not in page
    assert ">复查销号</summary>" in client.get(f"/hazards/{general.id}").text
    client.post("/lang/en", data={"next": "/"})
    assert ">Write off</summary>" in client.get(f"/hazards/{hazard.id}").text
    assert ">Verify and close</summary>" in client.get(f"/hazards/{general.id}").text
    client.post("/lang/zh", data={"next": "/"})
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    history = client.get(f"/hazards/{hazard.id}").text.split("<ol class=\"history\">")[1]
    assert "核销 → " in history and "复查销号" not in history


def test_no_write_off_without_the_assessment(world):
    site, people = world
    hazard = to_submitted(major(site, people), people, assess=False)
    with pytest.raises(UserError) as err:
        lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    assert err.value.status == 409 and "评估报告" in err.value.message
    db.session.rollback()
    db.session.refresh(hazard)
    assert hazard.status == State.SUBMITTED and hazard.closing_doc_no == ""


def test_no_write_off_of_stopped_work_without_the_resume_application(world):
    site, people = world
    hazard = to_submitted(major(site, people), people, stop=True, resume=False)
    with pytest.raises(UserError) as err:
        lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    assert err.value.status == 409 and "复产申请" in err.value.message
    db.session.rollback()
    db.session.refresh(hazard)
    assert hazard.status == State.SUBMITTED and hazard.stop_work_lifted_at is None


def test_no_write_off_of_an_incomplete_written_report(world):
    site, people = world
    hazard = to_submitted(major(site, people, report=False), people)
    with pytest.raises(UserError) as err:
        lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    assert err.value.status == 409
    db.session.rollback()
    assert db.session.get(Hazard, hazard.id).status == State.SUBMITTED


def test_write_off_needs_the_review_and_document_then_lifts_stop_work_and_supervision(world):
    site, people = world
    hazard = to_submitted(major(site, people), people, stop=True)
    with pytest.raises(UserError):
        lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict({"review_note": "ok"}))
    db.session.rollback()
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    hazard = db.session.get(Hazard, hazard.id)
    assert hazard.status == State.CLOSED and hazard.closing_doc_no == "南雪安核〔2026〕9号"
    assert hazard.reviewed_at and hazard.stop_work_lifted_at
    sup = db.session.scalar(select(Supervision).where(Supervision.hazard_id == hazard.id))
    assert sup.status == "declined" and sup.closed_at  # the proposal ends with the hazard
    log = events(hazard)
    assert log.index("stop_work") < log.index("verify") < log.index("stop_work_lifted")
    assert "supervision_declined" in log
    # The principal and the actual controller are told of the 核销 by text.
    texts = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "written_off")).all()
    assert sorted(m.phone for m in texts) == ["13900000001", "13900000002"]
    assert all("南雪安核〔2026〕9号" in m.body for m in texts)


def test_the_enterprise_is_told_of_the_write_off_not_of_a_closed_hazard(world):
    site, people = world
    hazard = to_submitted(major(site, people), people, stop=True)
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id.in_([people["boss"].id, people["staff"].id]),
        Notification.kind == "verify")).all()
    assert len(notes) == 2
    assert {n.message_key for n in notes} == {messages.WRITTEN_OFF}
    with force_locale("zh"):
        title, body = notes[0].text()
    assert title == f"{site.name}的重大事故隐患已核销" and "南雪安核〔2026〕9号" in body
    with force_locale("en"):
        title, body = notes[0].text()
    assert title == f"Major hazard written off at {site.name}"
    assert body == "Write-off (核销) document 南雪安核〔2026〕9号"
    assert "closed" not in title.lower()


def test_active_supervision_is_lifted_at_write_off_with_an_event(world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    assert events(hazard)[-1] == "supervision_proposed"
    lifecycle.open_supervision(people["sup"], hazard.id, MultiDict(
        {"level": "county", "office": "南安市安委办", "doc_no": "南安督〔2026〕1号",
         "due_date": (local_today() + timedelta(days=30)).isoformat()}))
    hazard = to_submitted_from_confirmed(hazard, people)
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    sup = db.session.scalar(select(Supervision).where(Supervision.hazard_id == hazard.id))
    assert sup.status == "lifted"
    log = events(hazard)
    assert log.index("verify") < log.index("supervision_lifted")
    assert db.session.get(Hazard, hazard.id).status == State.CLOSED


def to_submitted_from_confirmed(hazard, people):
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "企业专家组", "assessment_qualified": "no"}), [photo()])
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict({"rectified_note": "完成"}),
                      [photo()])
    return db.session.get(Hazard, hazard.id)


def test_general_hazards_keep_verify_by_another_checker(world):
    site, people = world
    hazard = service.report(site_id=site.id, description="灭火器过期", level="general",
                            source="patrol", reporter=people["insp"])
    db.session.commit()
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form(level="general"))
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict({"rectified_note": "更换"}),
                      [photo()])
    lifecycle.perform(people["insp"], hazard.id, "verify", MultiDict({"note": "复查合格"}))
    assert db.session.get(Hazard, hazard.id).status == State.CLOSED
    # A general hazard's enterprise still hears that it was closed, not written off.
    keys = set(db.session.scalars(select(Notification.message_key).where(
        Notification.user_id == people["staff"].id, Notification.kind == "verify")))
    assert keys == {messages.CLOSED}


# The review timer ---------------------------------------------------------------------------

def test_review_timer_flags_day_eleven(world):
    site, people = world
    hazard = to_submitted(major(site, people), people)
    submitted = local_today()
    due, late = lifecycle.review_state(hazard, submitted + timedelta(days=10))
    assert due == submitted + timedelta(days=10) and late is False
    assert lifecycle.review_state(hazard, submitted + timedelta(days=11))[1] is True
    lifecycle.sweep(utcnow() + timedelta(days=10))
    assert "review_overdue" not in events(hazard)
    assert lifecycle.sweep(utcnow() + timedelta(days=11))["reviews_overdue"] == 1
    assert lifecycle.sweep(utcnow() + timedelta(days=11))["reviews_overdue"] == 0  # once
    assert events(hazard).count("review_overdue") == 1


# Confirmation: the decision apart from the report --------------------------------------------

def test_confirming_never_changes_the_enterprise_report(world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    hazard = db.session.get(Hazard, hazard.id)
    for key, value in REPORT.items():
        assert getattr(hazard, key) == value, key
    assert hazard.decision_measures == "监管认定：停机整改" and str(hazard.decision_funds) == "50000.00"
    assert hazard.decision_plan == "监管认定：专人值守"


def test_confirm_form_is_prefilled_from_the_report_and_a_refusal_keeps_every_typed_value(
        client, login, world):
    site, people = world
    hazard = major(site, people)
    login(people["sup"])
    page = client.get(f"/hazards/{hazard.id}").text
    assert "企业写的：加装双手按钮和光幕" in page and "企业写的：设警戒线" in page
    typed = {"level": "major", "regime": "fire", "responsible_name": "",
             "responsible_phone": "13911112222",
             "deadline": (local_today() + timedelta(days=20)).isoformat(), "measures": "我输入的措施",
             "funds": "1234.5", "interim_measures": "我输入的预案", "note": "我输入的说明",
             "version": str(hazard.version)}
    resp = client.post(f"/hazards/{hazard.id}/confirm", data=typed)
    assert resp.status_code == 422
    for key in ("responsible_phone", "deadline", "measures", "funds", "interim_measures", "note"):
        assert typed[key] in resp.text, key
    assert '<option value="fire" selected' in resp.text
    hazard = db.session.get(Hazard, hazard.id)
    db.session.refresh(hazard)
    assert hazard.status == State.REPORTED and hazard.level == "major"
    assert hazard.measures == REPORT["measures"] and hazard.decision_measures == ""


def test_a_level_change_without_a_reason_is_refused(world):
    site, people = world
    hazard = major(site, people)
    with pytest.raises(UserError) as err:
        lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form(level="general"))
    assert err.value.status == 422
    db.session.rollback()
    hazard = db.session.get(Hazard, hazard.id)
    assert (hazard.status, hazard.level, hazard.level_reason) == (State.REPORTED, "major", "")
    lifecycle.perform(people["sup"], hazard.id, "confirm",
                      confirm_form(level="general", note="专家组认定未达到重大隐患判定标准"))
    hazard = db.session.get(Hazard, hazard.id)
    assert hazard.level == "general" and hazard.reported_level == "major"
    assert hazard.level_reason == "专家组认定未达到重大隐患判定标准"
    assert hazard.level_decided_by_id == people["sup"].id
    confirm = db.session.scalar(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id,
                                                          HazardEvent.action == "confirm"))
    assert "专家组认定" in confirm.note


def test_an_upgrade_needs_a_reason_too(world):
    site, people = world
    hazard = service.report(site_id=site.id, description="粉尘积尘严重", level="general",
                            source="patrol", reporter=people["insp"])
    db.session.commit()
    with pytest.raises(UserError):
        lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form(level="major"))
    db.session.rollback()
    assert db.session.get(Hazard, hazard.id).level == "general"


# 督办 ----------------------------------------------------------------------------------------

def test_supervision_is_proposed_at_confirmation_with_an_event_and_texts(world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    sup = db.session.scalar(select(Supervision).where(Supervision.hazard_id == hazard.id))
    assert sup.status == "proposed" and sup.due_date == db.session.get(Hazard, hazard.id).deadline
    assert "supervision_proposed" in events(hazard)
    texts = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "confirmed")).all()
    assert sorted(m.role for m in texts) == ["controller", "principal"]


def test_declining_and_lifting_write_history(world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    sup = db.session.scalar(select(Supervision).where(Supervision.hazard_id == hazard.id))
    lifecycle.close_supervision(people["sup"], sup.id, "declined")
    assert events(hazard)[-1] == "supervision_declined"
    active = lifecycle.open_supervision(people["sup"], hazard.id, MultiDict(
        {"level": "zone", "office": "园区安监办", "due_date": local_today().isoformat()}))
    lifecycle.close_supervision(people["sup"], active.id, "lifted")
    assert events(hazard)[-1] == "supervision_lifted"


# Extensions ----------------------------------------------------------------------------------

def confirmed(site, people, days=10):
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form(
        deadline=(local_today() + timedelta(days=days)).isoformat()))
    return db.session.get(Hazard, hazard.id)


def test_extension_asked_after_the_deadline_is_refused(world):
    site, people = world
    hazard = confirmed(site, people, days=2)
    late = utcnow() + timedelta(days=3)
    with pytest.raises(UserError) as err:
        lifecycle.request_extension(people["staff"], hazard.id, MultiDict(
            {"reason": "设备未到货", "new_deadline": (local_today() + timedelta(days=20)).isoformat()}),
            now=late)
    assert err.value.status == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(Extension.id))) == 0


def test_extensions_are_limited_in_number_and_length_and_move_the_supervision_due(world, app):
    site, people = world
    hazard = confirmed(site, people, days=10)
    sup = db.session.scalar(select(Supervision).where(Supervision.hazard_id == hazard.id))
    start = hazard.deadline

    def ask(days):
        return lifecycle.request_extension(people["staff"], hazard.id, MultiDict(
            {"reason": "设备未到货", "new_deadline": (hazard.deadline + timedelta(days=days)).isoformat()}))

    with pytest.raises(UserError):  # longer than the total allowed at once
        ask(app.config["EXTENSION_MAX_DAYS"] + 1)
    db.session.rollback()
    ext = ask(30)
    with pytest.raises(UserError):  # the decision needs its reason
        lifecycle.decide_extension(people["sup"], ext.id, True, "")
    db.session.rollback()
    lifecycle.decide_extension(people["sup"], ext.id, True, "理由充分")
    hazard = db.session.get(Hazard, hazard.id)
    assert hazard.deadline == start + timedelta(days=30)
    assert db.session.get(Supervision, sup.id).due_date == hazard.deadline
    ext = db.session.get(Extension, ext.id)
    assert ext.decided_by_id == people["sup"].id and ext.decision_note == "理由充分"
    lifecycle.decide_extension(people["sup"], ask(30).id, True, "同意")
    with pytest.raises(UserError):  # a third one: the most allowed is two
        ask(5)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Extension.id))) == 2


def test_under_supervision_only_the_supervisor_role_decides_extensions(world):
    site, people = world
    hazard = confirmed(site, people, days=10)
    lifecycle.open_supervision(people["sup"], hazard.id, MultiDict(
        {"level": "zone", "office": "园区安监办", "due_date": hazard.deadline.isoformat()}))
    ext = lifecycle.request_extension(people["staff"], hazard.id, MultiDict(
        {"reason": "设备未到货", "new_deadline": (hazard.deadline + timedelta(days=10)).isoformat()}))
    with pytest.raises(UserError) as err:
        lifecycle.decide_extension(people["admin"], ext.id, True, "同意")
    assert err.value.status == 403
    db.session.rollback()
    assert db.session.get(Extension, ext.id).status == "pending"
    lifecycle.decide_extension(people["sup"], ext.id, False, "理由不充分")
    assert db.session.get(Extension, ext.id).status == "refused"


# Stop-work on the site page ---------------------------------------------------------------------

def test_stop_work_shows_on_the_site_page_until_written_off(client, login, world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    lifecycle.stop_work(people["sup"], hazard.id, MultiDict(
        {"stop_work": "suspend_all", "stop_work_doc": "停产文书1号"}))
    login(people["insp"])
    assert "停产文书1号" in client.get(f"/sites/{site.id}").text
    client.post("/auth/logout")
    to_submitted_after_stop(hazard, people)
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    login(people["insp"])
    assert "停产文书1号" not in client.get(f"/sites/{site.id}").text


def to_submitted_after_stop(hazard, people):
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "安评中心", "assessment_qualified": "yes"}), [photo()])
    lifecycle.apply_resume(people["staff"], hazard.id, MultiDict({"resume_application": "申请复产"}))
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict({"rectified_note": "完成"}),
                      [photo()])


def test_a_downgraded_major_stays_in_the_database_as_general_with_who_and_why(client, login,
                                                                           world):
    from inspect_app.ledgers.dashboard import dashboard
    from inspect_app.ledgers.service import Filters

    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm",
                      confirm_form(level="general", note="专家组认定未达到判定标准"))
    login(people["sup"])
    page = client.get("/ledgers/major").text
    assert "冲压机光电保护被拆除" in page and "专家组认定未达到判定标准" in page
    assert people["sup"].name in page
    # It no longer counts as a major hazard in the figures.
    assert dashboard(people["sup"], Filters()).overall.total == 0
    book = client.get("/ledgers/major.xlsx")
    assert book.status_code == 200


# Stop-work ordered by an enforcement measure: the same record and rule ---------------------------

SUSPEND = {"department": "南安市应急管理局", "measure": "suspend", "reason": "拒不整改",
           "stop_work": "suspend_all", "stop_work_doc": "南应急停〔2026〕5号"}


def test_an_enforcement_measure_records_the_stop_work_shown_until_written_off(client, login,
                                                                             world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    login(people["sup"])
    assert client.post(f"/hazards/{hazard.id}/refer", data=SUSPEND).status_code == 302
    hazard = db.session.get(Hazard, hazard.id)
    assert (hazard.stop_work, hazard.stop_work_doc) == ("suspend_all", "南应急停〔2026〕5号")
    assert db.session.scalar(select(Referral.stops_work)) is True
    assert events(hazard)[-2:] == ["refer", "stop_work"]
    # On the inspector's view of the site, the enterprise's home and the supervisor's page of
    # the enterprise, with the department that ordered it.
    for who, url in ((people["sup"], f"/enterprise/sites/{site.id}"),
                     (people["insp"], f"/sites/{site.id}"), (people["staff"], "/enterprise/")):
        client.post("/auth/logout")
        login(who)
        page = client.get(url).text
        assert "南应急停〔2026〕5号" in page and "由南安市应急管理局责令" in page, url
    # The supervisor's own stop-work form is not offered twice.
    client.post("/auth/logout")
    login(people["sup"])
    assert f'action="/hazards/{hazard.id}/stop-work"' not in client.get(
        f"/hazards/{hazard.id}").text
    # As any stop-work: 核销 needs the 复产申请, then lifts it.
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "安评中心", "assessment_qualified": "yes"}), [photo()])
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict({"rectified_note": "完成"}),
                      [photo()])
    with pytest.raises(UserError) as err:
        lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    assert "复产申请" in err.value.message
    db.session.rollback()
    lifecycle.apply_resume(people["staff"], hazard.id, MultiDict({"resume_application": "申请复产"}))
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    assert db.session.get(Hazard, hazard.id).stop_work_lifted_at is not None
    for who, url in ((people["insp"], f"/sites/{site.id}"), (people["staff"], "/enterprise/")):
        client.post("/auth/logout")
        login(who)
        assert "南应急停〔2026〕5号" not in client.get(url).text, url


def test_a_suspension_must_say_how_work_is_stopped_and_with_which_document(client, login,
                                                                          world):
    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    login(people["sup"])
    resp = client.post(f"/hazards/{hazard.id}/refer", data={**SUSPEND, "stop_work": ""})
    assert resp.status_code == 422
    assert "该执法措施须停产停业：请选择停产方式。" in resp.text
    assert 'value="南应急停〔2026〕5号"' in resp.text  # what was typed comes back
    for missing in ("stop_work", "stop_work_doc"):
        with pytest.raises(forms.Invalid) as err:
            lifecycle.refer(people["sup"], hazard.id,
                            MultiDict({k: v for k, v in SUSPEND.items() if k != missing}))
        assert missing in err.value.errors
        db.session.rollback()
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    assert db.session.get(Hazard, hazard.id).stop_work == ""


def test_an_enforcement_stop_work_follows_the_one_stop_work_rule(world):
    site, people = world
    general = service.report(site_id=site.id, description="灭火器过期", level="general",
                             source="patrol", reporter=people["insp"])
    db.session.commit()
    lifecycle.perform(people["sup"], general.id, "confirm", confirm_form(level="general"))
    for form in (SUSPEND, {"department": "区应急管理局", "measure": "suspend"}):
        with pytest.raises(UserError) as err:  # a general hazard's work is not stopped
            lifecycle.refer(people["sup"], general.id, MultiDict(form))
        assert err.value.status == 409 and "16号令 第16条" in err.value.message
        db.session.rollback()
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    lifecycle.stop_work(people["sup"], hazard.id, MultiDict(
        {"stop_work": "stop_use", "stop_work_doc": "停用1号"}))
    with pytest.raises(UserError) as err:  # already stopped: one stop-work at a time
        lifecycle.refer(people["sup"], hazard.id, MultiDict(SUSPEND))
    assert err.value.status == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    assert db.session.get(Hazard, hazard.id).stop_work_doc == "停用1号"
    assert db.session.get(Hazard, general.id).stop_work == ""
    # A measure that does not stop work by nature is referred without one.
    lifecycle.refer(people["sup"], hazard.id, MultiDict({"department": "消防救援大队",
                                                          "measure": "fine"}))
    assert db.session.scalar(select(Referral.stops_work)) is False


# The assessment report and the 复产申请 as documents -------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def document(data=PDF, name="评估报告.pdf", content_type="application/pdf"):
    return FileStorage(io.BytesIO(data), filename=name, content_type=content_type)


def confirmed_and_started(site, people):
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    return hazard


def test_the_assessment_report_is_a_document_seen_only_by_who_may_see_the_hazard(
        client, login, world):
    from inspect_app.models import HazardDocument

    site, people = world
    hazard = confirmed_and_started(site, people)
    login(people["staff"])
    resp = client.post(f"/hazards/{hazard.id}/assessment", data={
        "assessment_by": "泉州安评中心", "assessment_qualified": "yes",
        "document": (io.BytesIO(PDF), "../../评估报告.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    doc = db.session.scalar(select(HazardDocument))
    assert (doc.kind, doc.media_type, doc.size_bytes, doc.file_name) == (
        "assessment", "application/pdf", len(PDF), "评估报告.pdf")  # no path, however sent
    assert doc.event_id == db.session.scalar(select(HazardEvent.id).where(
        HazardEvent.action == "assessment"))
    url = f"/hazards/{hazard.id}/documents/{doc.id}"
    assert url in client.get(f"/hazards/{hazard.id}").text
    grid_other = make_grid()
    outsiders = {"rival": (make_user("enterprise", site=make_site(grid_other)), 404),
                 "other grid": (make_user("inspector", grids=[grid_other]), 404),
                 "worker": (make_user("worker", site=site), 403)}
    for who in ("staff", "insp", "sup"):
        client.post("/auth/logout")
        login(people[who])
        got = client.get(url)
        assert got.status_code == 200 and got.data == PDF, who
        assert got.mimetype == "application/pdf"
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert "private" in got.headers["Cache-Control"]
    for who, (user, status) in outsiders.items():
        client.post("/auth/logout")
        login(user)
        assert client.get(url).status_code == status, who
    # Another hazard's number in the address does not reach this document.
    client.post("/auth/logout")
    login(people["sup"])
    other = major(site, people)
    assert client.get(f"/hazards/{other.id}/documents/{doc.id}").status_code == 404
    assert client.get(f"/hazards/{hazard.id}/documents/99999999999").status_code == 404


@pytest.mark.parametrize("data,name", [
    (b"<html><script>alert(1)</script></html>", "report.pdf"),  # the name is not the type
    (b"GIF89a" + b"\0" * 20, "scan.gif"),
    (b"", "empty.pdf"),
])
def test_a_document_is_typed_by_its_content_and_refused_otherwise(world, data, name):
    from inspect_app.models import HazardDocument

    site, people = world
    hazard = confirmed_and_started(site, people)
    with pytest.raises(forms.Invalid) as err:
        lifecycle.assess(people["staff"], hazard.id, MultiDict(
            {"assessment_by": "安评中心", "assessment_qualified": "yes"}), [document(data, name)])
    assert "document" in err.value.errors
    db.session.rollback()
    assert db.session.get(Hazard, hazard.id).assessment_at is None
    assert db.session.scalar(select(func.count(HazardDocument.id))) == 0
    assert "assessment" not in events(hazard)


def test_a_document_is_bounded_in_size_and_a_png_or_jpeg_is_kept_as_filed(world, app,
                                                                          monkeypatch):
    from inspect_app.models import HazardDocument

    site, people = world
    hazard = confirmed_and_started(site, people)
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", len(PDF) - 1)
    with pytest.raises(forms.Invalid):
        lifecycle.assess(people["staff"], hazard.id, MultiDict(
            {"assessment_by": "安评中心", "assessment_qualified": "no"}), [document()])
    db.session.rollback()
    assert db.session.scalar(select(func.count(HazardDocument.id))) == 0
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    jpeg = jpeg_bytes()
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "安评中心", "assessment_qualified": "no"}),
        [document(png, "p1.png", "image/png"), document(jpeg, "p2.jpg", "image/jpeg")])
    docs = db.session.scalars(select(HazardDocument).order_by(HazardDocument.id)).all()
    assert [(d.media_type, d.data) for d in docs] == [("image/png", png), ("image/jpeg", jpeg)]


def test_the_resume_application_may_file_its_signed_document(world):
    from inspect_app.models import HazardDocument

    site, people = world
    hazard = confirmed_and_started(site, people)
    lifecycle.stop_work(people["sup"], hazard.id, MultiDict(
        {"stop_work": "suspend_all", "stop_work_doc": "停产1号"}))
    lifecycle.apply_resume(people["staff"], hazard.id, MultiDict(
        {"resume_application": "申请复产"}), [document(name="复产申请.pdf")])
    doc = db.session.scalar(select(HazardDocument))
    assert (doc.kind, doc.file_name, doc.data) == ("resume", "复产申请.pdf", PDF)


def test_a_documents_name_keeps_no_path_and_ends_in_its_real_type(world):
    from inspect_app.models import HazardDocument

    site, people = world
    hazard = confirmed_and_started(site, people)
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "安评中心", "assessment_qualified": "yes"}),
        [document(name="..\\..\\etc/评估\x00报告.exe")])
    name = db.session.scalar(select(HazardDocument.file_name))
    assert name.endswith(".pdf") and not {"/", "\\", "\x00"} & set(name)


# The close-out in the major-hazard database ------------------------------------------------------

CLOSEOUT = ("stop_work", "stop_work_doc", "stop_work_lifted", "assessment_by",
            "assessment_qualified", "assessment_doc", "resume_applied_at", "resume_doc",
            "write_off_doc", "written_off_by", "written_off_at")


def _page_cells(page: str, hazard_id: int) -> dict[str, str]:
    """The database page's row for a hazard, as {column label: cell text}."""
    head = next(h for h in re.findall(r"<thead>(.*?)</thead>", page, re.S) if "k-hazard" in h)
    labels = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if f'href="/hazards/{hazard_id}"' in row:
            return dict(zip(labels, cells, strict=True))
    raise AssertionError(f"no row for {hazard_id}")


def test_the_database_shows_stop_work_assessment_resume_and_write_off(client, login, world):
    from openpyxl import load_workbook

    from inspect_app.ledgers import export
    from inspect_app.ledgers.major import MAJOR
    from inspect_app.timeutil import to_local

    site, people = world
    hazard = major(site, people)
    lifecycle.perform(people["sup"], hazard.id, "confirm", confirm_form())
    lifecycle.stop_work(people["sup"], hazard.id, MultiDict(
        {"stop_work": "suspend_part", "stop_work_doc": "南雪安责停〔2026〕3号"}))
    lifecycle.perform(people["staff"], hazard.id, "start", MultiDict())
    lifecycle.assess(people["staff"], hazard.id, MultiDict(
        {"assessment_by": "泉州安评中心", "assessment_qualified": "yes"}), [photo()])
    lifecycle.apply_resume(people["staff"], hazard.id, MultiDict(
        {"resume_application": "整改完毕，申请恢复生产"}), [photo()])
    lifecycle.perform(people["staff"], hazard.id, "submit", MultiDict(
        {"rectified_note": "已加装光幕"}), [photo()])
    lifecycle.perform(people["sup"], hazard.id, "verify", MultiDict(WRITE_OFF))
    done = db.session.get(Hazard, hazard.id)
    # Another major, confirmed only: no stop-work, nothing assessed, not written off.
    other = service.report(site_id=site.id, description="叉车无证驾驶", level="major",
                           source="patrol", reporter=people["insp"])
    db.session.commit()
    lifecycle.perform(people["sup"], other.id, "confirm", confirm_form())

    def when(at):
        return to_local(at).strftime("%Y-%m-%d %H:%M")

    expected = {"stop_work": "局部停产", "stop_work_doc": "南雪安责停〔2026〕3号",
                "stop_work_lifted": "是", "assessment_by": "泉州安评中心",
                "assessment_qualified": "是", "assessment_doc": "是",
                "resume_applied_at": when(done.resume_applied_at), "resume_doc": "是",
                "write_off_doc": "南雪安核〔2026〕9号", "written_off_by": people["sup"].name,
                "written_off_at": when(done.reviewed_at)}
    login(people["sup"])
    page = client.get("/ledgers/major").text
    with force_locale("zh"):
        label = {c.key: str(c.label) for c in MAJOR.columns}
    cells, blank = _page_cells(page, hazard.id), _page_cells(page, other.id)
    assert {k: cells[label[k]] for k in CLOSEOUT} == expected
    assert {k: blank[label[k]] for k in CLOSEOUT} == dict.fromkeys(CLOSEOUT, "")
    # The .xlsx has the same values in the same words (times as date cells).
    ws = load_workbook(io.BytesIO(client.get("/ledgers/major.xlsx").data)).worksheets[0]
    rows = {r[0]: dict(zip(export.MAJOR_HEADERS, r, strict=True))
            for r in ws.iter_rows(min_row=4, values_only=True)}
    row = {k: rows[hazard.id][k] for k in CLOSEOUT}
    for key in ("resume_applied_at", "written_off_at"):
        row[key] = row[key].strftime("%Y-%m-%d %H:%M")
    assert row == expected
    assert {k: rows[other.id][k] for k in CLOSEOUT} == dict.fromkeys(CLOSEOUT)


def test_each_hazard_shows_who_wrote_it_off(client, login, world):
    """Each row's writer is the actor of that hazard's own latest close, not the latest close
    of any hazard (the page reads them per row)."""
    from inspect_app.ledgers.major import MAJOR

    site, people = world
    second = make_user("supervisor")
    first, later = (to_submitted(major(site, people), people) for _ in range(2))
    lifecycle.perform(people["sup"], first.id, "verify", MultiDict(WRITE_OFF))
    lifecycle.perform(second, later.id, "verify", MultiDict(WRITE_OFF))
    login(people["sup"])
    page = client.get("/ledgers/major").text
    with force_locale("zh"):
        label = str(next(c.label for c in MAJOR.columns if c.key == "written_off_by"))
    assert _page_cells(page, first.id)[label] == people["sup"].name
    assert _page_cells(page, later.id)[label] == second.name
