"""The hazard lifecycle through the service and the routes: who may do what, with what."""

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import NotFound

from inspect_app import forms
from inspect_app.errors import Conflict, UserError
from inspect_app.extensions import db
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import lifecycle, side_actions, sweep
from inspect_app.hazards.workflow import State
from inspect_app.models import Extension, Hazard, HazardEvent, Notification, Photo, Supervision
from inspect_app.timeutil import local_today, utcnow
from tests.factories import jpeg_bytes, make_grid, make_hazard, make_site, make_user


@pytest.fixture
def world(ctx):
    grid = make_grid()
    site = make_site(grid)
    people = {
        "sup": make_user("supervisor"), "sup2": make_user("supervisor"),
        "insp": make_user("inspector", grids=[grid]), "far": make_user("inspector", grids=[make_grid()]),
        "boss": make_user("enterprise", site=site, position="principal"),
        "staff": make_user("enterprise", site=site),
        "other": make_user("enterprise", site=make_site(grid)),
    }
    return site, people


# The routes parse each form with hazards/forms.py; so do these, then call the lifecycle.
def perform(user, hazard_id, action, form, files=()):
    return lifecycle.perform(user, hazard_id, action, hazard_forms.transition(action, form), files)


def request_extension(user, hazard_id, form):
    return side_actions.request_extension(user, hazard_id, forms.parse(form, hazard_forms.EXTENSION))


def open_supervision(user, hazard_id, form):
    return side_actions.open_supervision(user, hazard_id, forms.parse(form, hazard_forms.SUPERVISION))


def refer(user, hazard_id, form):
    return side_actions.refer(user, hazard_id, forms.parse(form, hazard_forms.REFERRAL))


def update_referral(user, referral_id, form):
    return side_actions.update_referral(user, referral_id, forms.parse(form, hazard_forms.REFERRAL_UPDATE))


def photo(name="after.jpg"):
    return FileStorage(io.BytesIO(jpeg_bytes()), filename=name, content_type="image/jpeg")


def confirm_form(**extra):
    values = {"responsible_name": "王五", "deadline": (local_today() + timedelta(days=10)).isoformat(),
              "measures": "更换配电箱门", "funds": "3000", "interim_measures": "设置警戒线"}
    values.update(extra)
    return MultiDict(values)


def drive(hazard, people, *steps):
    for who, action, form, files in steps:
        perform(people[who], hazard.id, action, MultiDict(form), files)


def test_full_loop_confirm_rectify_submit_verify(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    assert hazard.status == State.CONFIRMED and hazard.responsible_name == "王五"
    drive(hazard, people, ("staff", "start", {}, []),
          ("staff", "submit", {"rectified_note": "已更换", "rectification_cost": "2,800.5"}, [photo()]))
    assert hazard.status == State.SUBMITTED and str(hazard.rectification_cost) == "2800.50"
    after = db.session.scalars(select(Photo).where(Photo.hazard_id == hazard.id)).all()
    assert [p.phase for p in after] == ["after"] and after[0].event.action == "submit"
    drive(hazard, people, ("insp", "verify", {"note": "复查合格"}, []))
    assert hazard.status == State.CLOSED and hazard.closed_at is not None
    assert [e.action for e in hazard.events] == ["report", "confirm", "start", "submit", "verify"]
    # The enterprise heard about the confirmation and the close-out.
    titles = db.session.scalars(select(Notification.title).where(
        Notification.user_id == people["staff"].id)).all()
    assert len(titles) == 2


def test_major_confirmation_needs_the_five_fixes(world):
    site, people = world
    hazard = make_hazard(site, level="major", reporter=people["insp"])
    for missing in ("measures", "funds", "interim_measures", "responsible_name"):
        with pytest.raises(UserError) as err:
            perform(people["sup"], hazard.id, "confirm", confirm_form(**{missing: ""}))
        assert err.value.status == 422
        db.session.rollback()
    assert db.session.get(Hazard, hazard.id).status == State.REPORTED
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    assert hazard.status == State.CONFIRMED and str(hazard.decision_funds) == "3000.00"


def test_deadline_in_the_past_is_refused(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    with pytest.raises(UserError):
        perform(people["sup"], hazard.id, "confirm",
                          confirm_form(deadline=(local_today() - timedelta(days=1)).isoformat()))


@pytest.mark.parametrize("who,action,status", [
    ("insp", "confirm", 403), ("staff", "confirm", 403), ("staff", "verify", 409),
    ("far", "confirm", 404), ("other", "start", 404), ("sup", "start", 409),
])
def test_refused_actions_change_nothing(world, who, action, status):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    before = (hazard.status, hazard.version, len(hazard.events))
    with pytest.raises((UserError, NotFound)) as err:
        perform(people[who], hazard.id, action, confirm_form())
    db.session.rollback()
    assert getattr(err.value, "status", getattr(err.value, "code", None)) == status
    hazard = db.session.get(Hazard, hazard.id)
    assert (hazard.status, hazard.version, len(hazard.events)) == before


def test_submit_needs_an_after_photo_and_a_note(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    with pytest.raises(UserError, match="photo|照片"):
        perform(people["staff"], hazard.id, "submit", MultiDict({"rectified_note": "好了"}))
    db.session.rollback()
    with pytest.raises(UserError):
        perform(people["staff"], hazard.id, "submit", MultiDict({}), [photo()])
    db.session.rollback()
    assert db.session.get(Hazard, hazard.id).status == State.CONFIRMED


def test_return_needs_a_reason_and_goes_back_to_rectifying(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    drive(hazard, people, ("staff", "submit", {"rectified_note": "已整改"}, [photo()]))
    with pytest.raises(UserError):
        perform(people["insp"], hazard.id, "return", MultiDict({"note": " "}))
    db.session.rollback()
    drive(hazard, people, ("insp", "return", {"note": "照片看不清"}, []))
    assert hazard.status == State.RECTIFYING


def test_fix_on_spot_closes_a_general_hazard_only(world):
    site, people = world
    general = make_hazard(site, reporter=people["insp"])
    perform(people["insp"], general.id, "fix_on_spot", MultiDict({"note": "当场整改"}),
                      [photo()])
    assert general.status == State.CLOSED
    major = make_hazard(site, level="major", reporter=people["insp"])
    with pytest.raises(UserError) as err:
        perform(people["insp"], major.id, "fix_on_spot", MultiDict({}), [photo()])
    assert err.value.status == 409


def test_reject_as_duplicate(world):
    site, people = world
    first, second = make_hazard(site, reporter=people["insp"]), make_hazard(site, reporter=people["insp"])
    perform(people["sup"], second.id, "reject",
                      MultiDict({"note": "重复上报", "duplicate_of": str(first.id)}))
    assert second.status == State.REJECTED and second.duplicate_of_id == first.id


def test_stale_version_from_the_form_is_a_conflict(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    seen = hazard.version
    perform(people["sup"], hazard.id, "confirm", confirm_form(version=str(seen)))
    with pytest.raises(Conflict):
        perform(people["sup2"], hazard.id, "reject", MultiDict({"note": "x", "version": str(seen)}))


def test_two_people_at_the_same_moment_one_wins(app, world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    version, hazard_id = hazard.version, hazard.id
    user_ids = [people["sup"].id, people["sup2"].id]
    db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def act(user_id, action, form):
        with app.app_context(), app.test_request_context():
            from inspect_app.models import User
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                perform(user, hazard_id, action, MultiDict({**form, "version": str(version)}))
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(user_ids[0], "confirm", confirm_form().to_dict())),
               threading.Thread(target=act, args=(user_ids[1], "reject", {"note": "不是隐患"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    db.session.expire_all()
    events = db.session.scalar(select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard_id))
    assert events == 2  # the report and exactly one decision


def test_extension_request_and_decision(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    new_deadline = (hazard.deadline + timedelta(days=20)).isoformat()
    with pytest.raises(UserError):
        request_extension(people["staff"], hazard.id, MultiDict({"new_deadline": new_deadline}))
    db.session.rollback()
    ext = request_extension(people["staff"], hazard.id,
                                      MultiDict({"new_deadline": new_deadline, "reason": "等配件"}))
    with pytest.raises(Conflict):
        request_extension(people["boss"], hazard.id,
                                    MultiDict({"new_deadline": new_deadline, "reason": "再延"}))
    db.session.rollback()
    with pytest.raises(UserError):
        side_actions.decide_extension(people["staff"], ext.id, True)
    db.session.rollback()
    side_actions.decide_extension(people["sup"], ext.id, True, "同意")
    assert db.session.get(Hazard, hazard.id).deadline.isoformat() == new_deadline
    assert db.session.get(Extension, ext.id).status == "approved"


def test_supervision_and_referral_to_enforcement(world):
    site, people = world
    hazard = make_hazard(site, level="major", reporter=people["insp"])
    form = MultiDict({"level": "county", "office": "南安市安委办", "doc_no": "南安委督〔2026〕3号",
                      "due_date": (local_today() + timedelta(days=30)).isoformat()})
    sup = open_supervision(people["sup"], hazard.id, form)
    assert sup.status == "active"
    with pytest.raises(Conflict):
        open_supervision(people["sup"], hazard.id, form)
    db.session.rollback()
    ref = refer(people["sup"], hazard.id, MultiDict({"department": "南安市应急管理局",
                                                               "measure": "fine", "reason": "逾期"}))
    update_referral(people["sup"], ref.id, MultiDict({"status": "filed", "case_no": "(2026)01"}))
    update_referral(people["sup"], ref.id, MultiDict({"status": "closed", "outcome": "已罚款",
                                                                "penalty_amount": "20000"}))
    assert ref.status == "closed" and str(ref.penalty_amount) == "20000.00"
    with pytest.raises(UserError):
        refer(people["sup"], hazard.id, MultiDict({"department": "x", "measure": "jail"}))


def test_sweep_is_idempotent(world, app, monkeypatch):
    # Here 督办 is configured to be proposed only once overdue (the default is at confirmation).
    monkeypatch.setitem(app.config, "MAJOR_SUPERVISION_PROPOSE", "overdue")
    site, people = world
    overdue = make_hazard(site, level="major", reporter=people["insp"])
    perform(people["sup"], overdue.id, "confirm", confirm_form())
    soon = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], soon.id, "confirm",
                      confirm_form(deadline=(local_today() + timedelta(days=2)).isoformat()))
    later = utcnow() + timedelta(days=12)  # overdue is past its 10-day deadline then
    first = sweep.sweep(later)
    # Both are overdue by then; only the major one is proposed for supervision.
    assert first["overdue_logged"] == 2 and first["proposed"] == 1 and first["reminders"] > 0
    assert sweep.sweep(later) == {"overdue_logged": 0, "reminders": 0, "proposed": 0,
                                      "reviews_overdue": 0}
    assert db.session.scalar(select(func.count(Supervision.id))) == 1
    result = app.test_cli_runner().invoke(args=["hazards", "sweep", "--at", later.isoformat()])
    assert result.exit_code == 0 and "reminders=0" in result.output


def test_reminders_three_days_before_on_the_day_and_after(world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm",
                      confirm_form(deadline=(local_today() + timedelta(days=5)).isoformat()))
    kinds = []
    for days in (0, 2, 5, 6, 7):
        sweep.sweep(utcnow() + timedelta(days=days))
        kinds.append(sorted({n.kind for n in db.session.scalars(select(Notification).where(
            Notification.user_id == people["staff"].id, Notification.kind != "confirmed"))}))
    assert kinds == [[], ["due_soon"], ["due_soon", "due_today"],
                     ["due_soon", "due_today", "overdue"], ["due_soon", "due_today", "overdue"]]


# Routes ---------------------------------------------------------------------------------------


def test_hazard_page_offers_only_allowed_actions(client, login, world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    login(people["staff"])
    page = client.get(f"/hazards/{hazard.id}").text
    assert f"/hazards/{hazard.id}/confirm" not in page
    client.post("/auth/logout")
    client._token = None
    login(people["sup"])
    page = client.get(f"/hazards/{hazard.id}").text
    assert f"/hazards/{hazard.id}/confirm" in page and f"/hazards/{hazard.id}/refer" in page


def test_confirm_route_prg_and_conflict(client, login, world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    login(people["sup"])
    form = {**confirm_form().to_dict(), "version": hazard.version}
    resp = client.post(f"/hazards/{hazard.id}/confirm", data=form)
    assert resp.status_code == 302 and resp.location == f"/hazards/{hazard.id}"
    again = client.post(f"/hazards/{hazard.id}/confirm", data=form)
    assert again.status_code == 409 and 'role="alert"' in again.text
    frag = client.post(f"/hazards/{hazard.id}/confirm", data=form, headers={"HX-Request": "true"})
    assert frag.status_code == 409 and frag.text.lstrip().startswith('<section id="status-panel"')


def test_enterprise_cannot_use_supervisor_routes(client, login, world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    login(people["staff"])
    assert client.post(f"/hazards/{hazard.id}/refer", data={"department": "x",
                                                             "measure": "fine"}).status_code == 403
    assert client.post(f"/hazards/{hazard.id}/supervise", data={}).status_code == 403


def test_hazard_page_offers_side_actions_the_workflow_allows(client, login, world):
    site, people = world
    hazard = make_hazard(site, level="major", reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    url = f"/hazards/{hazard.id}"
    login(people["staff"])
    assert f"{url}/extension\"" in client.get(url).text
    ext = request_extension(people["staff"], hazard.id, MultiDict({
        "new_deadline": (hazard.deadline + timedelta(days=5)).isoformat(), "reason": "等配件"}))
    page = client.get(url).text
    assert f"{url}/extension\"" not in page  # one request at a time
    assert f"{url}/extension/{ext.id}/approve" not in page and f"{url}/supervise" not in page
    client.post("/auth/logout")
    client._token = None
    login(people["sup"])
    page = client.get(url).text
    assert f"{url}/extension/{ext.id}/approve" in page and f"{url}/extension/{ext.id}/refuse" in page
    assert f"{url}/supervise\"" in page and f"{url}/refer\"" in page
    sup = open_supervision(people["sup"], hazard.id, MultiDict({
        "level": "zone", "office": "安委办", "due_date": hazard.deadline.isoformat()}))
    ref = refer(people["sup"], hazard.id, MultiDict({"department": "执法大队",
                                                               "measure": "fine"}))
    page = client.get(url).text
    assert f"{url}/supervise\"" not in page  # already under supervision
    assert f"{url}/supervise/{sup.id}/lifted" in page
    assert page.count(f"action=\"{url}/referrals/{ref.id}\"") == 2  # filed, or closed straight away
    update_referral(people["sup"], ref.id, MultiDict({"status": "filed", "case_no": "1"}))
    assert client.get(url).text.count(f"action=\"{url}/referrals/{ref.id}\"") == 1


def test_a_refused_form_comes_back_with_each_fields_message_and_what_was_typed(client, login, world):
    site, people = world
    hazard = make_hazard(site, level="major", reporter=people["insp"])
    before = (hazard.status, hazard.version, len(hazard.events))
    login(people["sup"])
    form = {**confirm_form(level="major", funds="NaN", responsible_name="张三丰",
                           deadline=(local_today() - timedelta(days=1)).isoformat(),
                           interim_measures="").to_dict(), "version": hazard.version}
    resp = client.post(f"/hazards/{hazard.id}/confirm", data=form)
    assert resp.status_code == 422
    page = resp.text
    # Each message sits in the confirm form, beside its own field, and the typed text is kept.
    confirm = page[page.index(f'action="/hazards/{hazard.id}/confirm"'):]
    confirm = confirm[:confirm.index("</form>")]
    assert 'value="张三丰"' in confirm and 'value="NaN"' in confirm
    assert 'id="confirm-funds-error"' in confirm and 'aria-describedby="confirm-funds-error"' in confirm
    # Other forms on the page are not marked.
    assert page.count('class="field-error"') == 1
    # The same through htmx: only the status panel, with the fields marked.
    frag = client.post(f"/hazards/{hazard.id}/confirm", data=form, headers={"HX-Request": "true"})
    assert frag.status_code == 422 and frag.text.lstrip().startswith('<section id="status-panel"')
    assert 'id="confirm-funds-error"' in frag.text
    # The lifecycle's own rules (a major hazard needs interim measures, no past deadline) are
    # told the same way, all at once.
    form.update(funds="3000")
    resp = client.post(f"/hazards/{hazard.id}/confirm", data=form)
    assert resp.status_code == 422 and 'id="confirm-interim_measures-error"' in resp.text
    assert 'id="confirm-deadline-error"' in resp.text
    db.session.expire_all()
    hazard = db.session.get(Hazard, hazard.id)
    assert (hazard.status, hazard.version, len(hazard.events)) == before
    # Corrected and sent through htmx: the whole hazard comes back in place, now confirmed.
    form.update(interim_measures="设置警戒线", deadline=(local_today() + timedelta(days=3)).isoformat())
    done = client.post(f"/hazards/{hazard.id}/confirm", data=form, headers={"HX-Request": "true"})
    assert done.status_code == 200 and done.headers["HX-Retarget"] == "#hazard"
    assert done.text.lstrip().startswith('<div id="hazard">') and "field-error" not in done.text
    db.session.expire_all()
    assert db.session.get(Hazard, hazard.id).status == State.CONFIRMED


def test_extension_form_refused_beside_its_field(client, login, world):
    site, people = world
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    login(people["staff"])
    resp = client.post(f"/hazards/{hazard.id}/extension",
                       data={"new_deadline": hazard.deadline.isoformat(), "reason": "等配件"})
    assert resp.status_code == 422
    assert 'id="request_extension-new_deadline-error"' in resp.text and "等配件</textarea>" in resp.text
    assert db.session.scalar(select(func.count(Extension.id))) == 0
