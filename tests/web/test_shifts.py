"""Teams, the pre-shift meeting (班前每人一分钟), stops (不干), compliance, workers' hazard reports
and rewards, the enterprise's people pages, and who may see what."""

import io
import re
from datetime import date, timedelta

import pytest
import zxingcpp
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from inspect_app import periods
from inspect_app.errors import Invalid, UserError
from inspect_app.extensions import db
from inspect_app.models import Hazard, LoginFailure, Notification, Photo, User
from inspect_app.shifts import compliance, meetings, reports, rules
from inspect_app.shifts.models import CheckIn, Meeting, Post, Team, TeamMember, WorkerReport
from inspect_app.timeutil import local_today, utcnow
from tests.factories import hash_secret, jpeg_bytes, log_in, make_site, make_user

HX = {"HX-Request": "true"}
PIN = "2580"
_PIN_HASH = hash_secret(PIN)  # hashing is slow: once for every worker
ALL_FIVE = list(rules.FIVE_THINKS)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def make_worker(site, pin: bool = True, **fields) -> User:
    return make_user("worker", site=site, pin_hash=_PIN_HASH if pin else None, **fields)


def make_team(site, *, leader=None, members=(), shifts="白班\n夜班", workdays="1234567",
              name=None) -> Team:
    team = Team(site_id=site.id, name=name or f"班组{site.id}-{count(Team) + 1}", shifts=shifts,
                workdays=workdays, leader_id=leader.id if leader else None)
    db.session.add(team)
    db.session.flush()
    post = Post(team_id=team.id, name="冲压工", risk_color="orange", risks="机械伤害：手伸入模具区",
                measures="双手按钮，光电保护", emergency="急停，报告班组长")
    db.session.add(post)
    db.session.flush()
    crew = [leader, *members] if leader and leader.role == "worker" else list(members)
    for user in crew:
        db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post.id))
    db.session.commit()
    return team


@pytest.fixture(autouse=True)
def _request(app, ctx):
    """A request context, as the views give the services (stop alerts build links)."""
    with app.test_request_context():
        yield


@pytest.fixture
def en(client):
    client.post("/lang/en", data={"next": "/"})
    return client


@pytest.fixture
def crew(ctx):
    """One enterprise with a leader, three workers, a safety manager; and another enterprise."""
    site = make_site()
    leader = make_worker(site, name="班长 陈", phone="13900000001")
    workers = [make_worker(site, name=n) for n in ("工人 甲", "工人 乙", "工人 丙")]
    safety = make_user("enterprise", site=site, position="safety_manager", name="安全员 李")
    clerk = make_user("enterprise", site=site, position="staff", name="文员 王")
    team = make_team(site, leader=leader, members=workers)
    other_site = make_site()
    outsider = make_worker(other_site, name="外企 工人")
    outsider_staff = make_user("enterprise", site=other_site, position="safety_manager")
    other_team = make_team(other_site, members=[outsider])
    return {"site": site, "leader": leader, "workers": workers, "safety": safety, "clerk": clerk,
            "team": team, "other_site": other_site, "outsider": outsider,
            "outsider_staff": outsider_staff, "other_team": other_team}


def answer(decision="work", confirmed=ALL_FIVE, fit="yes", reason="", pin=None) -> dict:
    data = {"decision": decision, "confirmed": list(confirmed), "fit": fit, "reason": reason}
    if pin is not None:
        data["pin"] = pin
    return data


def open_meeting(client, team, shift="白班") -> Meeting:
    resp = client.post(f"/shifts/teams/{team.id}/meetings", data={"shift": shift})
    assert resp.status_code == 302, resp.text
    return db.session.scalar(select(Meeting).where(Meeting.team_id == team.id,
                                                   Meeting.shift == shift))


def pin_login(client, user, pin=PIN):
    return client.post("/auth/pin", data={"phone": user.phone, "pin": pin})


# Worker login by phone and PIN ----------------------------------------------------------------

def test_worker_logs_in_with_phone_and_pin(client, crew):
    worker = crew["workers"][0]
    resp = pin_login(client, worker)
    assert resp.status_code == 302
    home = client.get("/")
    assert worker.name in home.text and crew["team"].name in home.text


def test_pin_login_refuses_staff_and_wrong_pins(en, crew):
    staff = crew["safety"]
    staff.pin_hash = _PIN_HASH
    db.session.commit()
    resp = en.post("/auth/pin", data={"phone": staff.phone, "pin": PIN})
    assert resp.status_code == 422 and "Wrong phone number or PIN" in resp.text
    assert pin_login(en, crew["workers"][0], "9999").status_code == 422


def test_five_wrong_pins_lock_the_worker_for_a_while(en, crew):
    worker = crew["workers"][0]
    for _ in range(5):
        assert pin_login(en, worker, "1357").status_code == 422
    resp = pin_login(en, worker)
    assert resp.status_code == 422 and "minutes" in resp.text
    db.session.expire_all()
    lock = db.session.scalar(select(LoginFailure).where(LoginFailure.account == f"user:{worker.id}"))
    lock.locked_until -= timedelta(minutes=16)
    db.session.commit()
    assert pin_login(en, worker).status_code == 302


# The team's QR code -----------------------------------------------------------------------------

def test_scanning_the_team_code_logged_out_asks_for_the_pin_then_opens_the_team(client, crew):
    team = crew["team"]
    resp = client.get(f"/t/{team.qr_token}")
    assert resp.status_code == 302 and "/auth/pin" in resp.location
    resp = client.post("/auth/pin", data={"phone": crew["leader"].phone, "pin": PIN,
                                          "next": f"/t/{team.qr_token}"})
    assert resp.location == f"/t/{team.qr_token}"
    resp = client.get(f"/t/{team.qr_token}")
    assert resp.location == f"/shifts/teams/{team.id}"
    page = client.get(resp.location).text
    assert "白班" in page and "夜班" in page  # a button per shift to open today's meeting


def test_unknown_or_other_enterprises_team_code(client, login, crew):
    assert client.get("/t/not-a-code").status_code == 404
    login(crew["outsider"])
    assert client.get(f"/t/{crew['team'].qr_token}").status_code == 404


def test_team_poster_qr_scans_to_the_team_url(app, client, login, crew):
    login(crew["safety"])
    team = crew["team"]
    resp = client.get(f"/shifts/teams/{team.id}/qr.png")
    with Image.open(io.BytesIO(resp.data)) as im:
        assert [r.text for r in zxingcpp.read_barcodes(im)] == \
            [f"{app.config['BASE_URL']}/t/{team.qr_token}"]
    poster = client.get(f"/shifts/teams/{team.id}/poster").text
    assert team.name in poster and "<svg" in poster
    old = team.qr_token
    client.post(f"/shifts/teams/{team.id}/qr")
    assert client.get(f"/t/{old}").status_code == 404


# Opening the meeting ----------------------------------------------------------------------------

def test_leader_opens_todays_meeting_once(client, crew):
    log_in(client, crew["leader"])
    first = open_meeting(client, crew["team"])
    second = open_meeting(client, crew["team"])
    assert first.id == second.id and count(Meeting) == 1
    assert first.day == local_today() and first.roster == 4  # the leader and three workers
    assert client.post(f"/shifts/teams/{crew['team'].id}/meetings",
                       data={"shift": "中班"}).status_code == 422


def test_a_worker_who_does_not_lead_cannot_open_it(client, crew):
    log_in(client, crew["workers"][0])
    resp = client.post(f"/shifts/teams/{crew['team'].id}/meetings", data={"shift": "白班"})
    assert resp.status_code == 404 and count(Meeting) == 0


# Checking in ------------------------------------------------------------------------------------

@pytest.fixture
def meeting(client, crew):
    """Today's day-shift meeting, opened by the leader (logged in on `client`)."""
    log_in(client, crew["leader"])
    return open_meeting(client, crew["team"])


def test_worker_checks_in_from_their_phone_and_a_double_tap_is_one(app, meeting, crew):
    phone = app.test_client()
    log_in(phone, crew["workers"][0])
    page = phone.get(f"/shifts/meetings/{meeting.id}/checkin").text
    assert "机械伤害" in page and "急停" in page  # the post's risk card
    for _ in range(2):
        resp = phone.post(f"/shifts/meetings/{meeting.id}/checkin", data=answer())
        assert resp.status_code == 302
    rows = db.session.scalars(select(CheckIn)).all()
    assert len(rows) == 1
    ci = rows[0]
    assert (ci.user_id, ci.decision, ci.fit, ci.via, ci.late) == \
        (crew["workers"][0].id, "work", True, "own", False)
    assert ci.confirmed_codes == ALL_FIVE and ci.post.name == "冲压工"


def test_one_check_in_per_worker_per_meeting_is_a_database_rule(meeting, crew):
    worker = crew["workers"][0]
    db.session.add(CheckIn(meeting_id=meeting.id, user_id=worker.id, decision="work",
                           recorded_by_id=worker.id))
    db.session.commit()
    db.session.add(CheckIn(meeting_id=meeting.id, user_id=worker.id, decision="stop",
                           recorded_by_id=worker.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(("minutes", "late"), [(9, False), (10, False), (11, True)])
def test_a_check_in_more_than_ten_minutes_after_opening_is_late(client, meeting, crew, minutes,
                                                                late):
    now = meeting.opened_at + timedelta(minutes=minutes)
    ci = meetings.check_in(meeting, crew["workers"][1], answer(), now=now)
    assert ci.late is late


def test_late_minutes_are_the_teams_setting(meeting, crew):
    meeting.late_minutes = 3
    db.session.commit()
    ci = meetings.check_in(meeting, crew["workers"][1], answer(),
                          now=meeting.opened_at + timedelta(minutes=4))
    assert ci.late


@pytest.mark.parametrize(("data", "field"), [
    (answer(confirmed=ALL_FIVE[:4]), "decision"),  # working with a point not confirmed
    (answer(fit="no"), "decision"),  # working while unfit
    (answer(fit=""), "fit"),
    (answer(decision="stop"), "reason"),  # all fine, yet a stop with no reason
])
def test_refused_check_ins_save_nothing(client, meeting, crew, data, field):
    with pytest.raises(Invalid) as e:
        meetings.check_in(meeting, crew["workers"][0], data)
    assert field in e.value.errors and count(CheckIn) == 0


def test_the_form_comes_back_with_the_error_and_the_ticks(app, meeting, crew):
    phone = app.test_client()
    log_in(phone, crew["workers"][0])
    resp = phone.post(f"/shifts/meetings/{meeting.id}/checkin",
                      data=answer(confirmed=["risk", "tools"]),
                      headers=HX)
    assert resp.status_code == 422
    assert resp.text.lstrip().startswith('<div id="checkin-form">')
    assert resp.text.count("checked>") == 3  # two ticks and "fit" kept
    assert count(CheckIn) == 0


def test_a_refused_check_in_has_one_summary_and_each_message_at_its_field(client, meeting, crew):
    """Several refusals at once (no fitness, "work" with a point unticked, a wrong PIN): one
    summary above the form, and each message once, beside what it is about."""
    worker = crew["workers"][1]
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{worker.id}",
                       data=answer("work", confirmed=ALL_FIVE[:3], fit="", pin="0000"))
    assert resp.status_code == 422 and resp.text.count('role="alert"') == 1
    for field in ("fit", "decision"):
        assert f'id="{field}-error"' in resp.text, field
    messages = re.findall(r'class="field-error" id="[a-z]+-error">([^<]+)<', resp.text)
    assert len(messages) == len(set(messages)) >= 2
    summary = re.search(r'role="alert">(.*?)</p>', resp.text, re.S).group(1)
    assert not any(m in summary for m in messages)  # said once, at the field
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{worker.id}",
                       data=answer(pin="0000"))
    assert resp.status_code == 422 and 'id="pin-error"' in resp.text
    assert resp.text.count('role="alert"') == 1
    assert count(CheckIn) == 0


def test_a_closed_meeting_takes_no_check_ins(client, meeting, crew):
    client.post(f"/shifts/meetings/{meeting.id}/close", data={"note": "done"})
    with pytest.raises(UserError) as e:
        meetings.check_in(meeting, crew["workers"][0], answer())
    assert e.value.status == 409


# The shared phone -------------------------------------------------------------------------------

def test_shared_phone_check_in_returns_to_the_names_and_keeps_the_leader_logged_in(
        client, meeting, crew):
    w1, w2, _ = crew["workers"]
    names = client.get(f"/shifts/meetings/{meeting.id}/shared").text
    assert w1.name in names and w2.name in names
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{w1.id}", data=answer(pin=PIN))
    assert resp.status_code == 302
    assert resp.location.endswith(f"/shifts/meetings/{meeting.id}/shared")
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{w2.id}", data=answer(pin=PIN),
                       headers=HX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"].endswith("/shared")
    checkins = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [(c.user_id, c.via, c.recorded_by_id) for c in checkins] == \
        [(w1.id, "shared", crew["leader"].id), (w2.id, "shared", crew["leader"].id)]
    page = client.get(f"/shifts/meetings/{meeting.id}/shared")
    assert page.status_code == 200 and f"/shared/{w1.id}\"" not in page.text  # done: no link


def test_five_wrong_pins_on_the_shared_phone_lock_that_worker_only(en, meeting, crew):
    w1, w2, _ = crew["workers"]
    url = f"/shifts/meetings/{meeting.id}/shared/{w1.id}"
    for n in range(5):
        resp = en.post(url, data=answer(pin="1357"))
        assert resp.status_code == 422
        if n < 4:
            assert f"{4 - n} tries left" in resp.text
    resp = en.post(url, data=answer(pin=PIN))  # the right PIN, too late
    assert resp.status_code == 422 and "minutes" in resp.text
    assert count(CheckIn) == 0
    assert en.post(f"/shifts/meetings/{meeting.id}/shared/{w2.id}",
                   data=answer(pin=PIN)).status_code == 302
    assert en.get("/").status_code == 200  # the leader is still logged in
    db.session.expire_all()
    lock = db.session.scalar(select(LoginFailure).where(LoginFailure.account == f"user:{w1.id}"))
    assert lock.failures == 5 and lock.locked_until > utcnow()
    assert db.session.scalar(select(LoginFailure).where(
        LoginFailure.account == f"user:{w2.id}")) is None  # w2's right PIN cleared w2's count


def test_shared_check_in_only_for_the_teams_members(client, meeting, crew):
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{crew['outsider'].id}",
                       data=answer(pin=PIN))
    assert resp.status_code == 404 and count(CheckIn) == 0


def test_worker_without_a_pin_is_told_to_ask_for_one(en, meeting, crew):
    w = crew["workers"][2]
    w.pin_hash = None
    db.session.commit()
    resp = en.post(f"/shifts/meetings/{meeting.id}/shared/{w.id}", data=answer(pin="1234"))
    assert resp.status_code == 422 and "no PIN" in resp.text


# Stops ------------------------------------------------------------------------------------------

def test_a_stop_alerts_the_leader_and_safety_staff_at_once(client, meeting, crew):
    w = crew["workers"][0]
    client.post(f"/shifts/meetings/{meeting.id}/shared/{w.id}",
                data=answer("stop", confirmed=ALL_FIVE[:2] + ALL_FIVE[3:], pin=PIN,
                            reason="护目镜坏了"))
    notes = db.session.scalars(select(Notification).where(Notification.kind == "shift_stop")).all()
    assert sorted(n.user_id for n in notes) == sorted([crew["leader"].id, crew["safety"].id])
    assert all(w.name in n.title and "护目镜坏了" in n.body for n in notes)
    assert all(n.link == f"/shifts/meetings/{meeting.id}" for n in notes)
    # the same stop sent again notifies nobody twice
    client.post(f"/shifts/meetings/{meeting.id}/shared/{w.id}", data=answer("stop", pin=PIN,
                                                                             reason="x"))
    assert count(Notification, Notification.kind == "shift_stop") == 2


def test_when_no_one_is_named_safety_staff_all_staff_are_alerted(meeting, crew):
    crew["safety"].position = "staff"
    db.session.commit()
    meetings.check_in(meeting, crew["workers"][0], answer("stop", fit="no"))
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {crew["leader"].id, crew["safety"].id, crew["clerk"].id}
    assert crew["outsider_staff"].id not in told


def test_a_stop_stays_open_until_someone_records_how_it_was_resolved(client, login, meeting,
                                                                      crew):
    ci = meetings.check_in(meeting, crew["workers"][0], answer("stop", reason="梯子不稳"))
    client.post(f"/shifts/meetings/{meeting.id}/close", data={"note": "ok"})
    login(crew["safety"])
    assert "梯子不稳" in client.get("/shifts/stops").text
    assert client.post(f"/shifts/stops/{ci.id}/resolve", data={"resolution": " "}).status_code \
        == 422
    assert meetings.open_stops(crew["safety"])
    resp = client.post(f"/shifts/stops/{ci.id}/resolve", data={"resolution": "换了新梯子"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert meetings.open_stops(crew["safety"]) == []
    done = db.session.get(CheckIn, ci.id)
    assert done.resolution == "换了新梯子" and done.resolved_by_id == crew["safety"].id
    assert count(Notification, Notification.user_id == crew["workers"][0].id,
                 Notification.kind == "shift_stop_resolved") == 1


def test_meeting_forms_are_bounded_by_their_columns(client, login, meeting, crew):
    """Shift, note, resolution and check-in answers parse with field tables: a value the
    column cannot hold is refused whole (422), never cut short or stored."""
    team = meeting.team
    assert client.post(f"/shifts/teams/{team.id}/meetings",
                       data={"shift": "班" * 41}).status_code == 422
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{crew['workers'][1].id}",
                       data=answer("stop", pin=PIN, reason="长" * 501))
    assert resp.status_code == 422 and 'class="error-msg"' in resp.text and "500" in resp.text
    assert count(CheckIn) == 0
    ci = meetings.check_in(meeting, crew["workers"][0], answer("stop", reason="梯子不稳"))
    assert client.post(f"/shifts/meetings/{meeting.id}/close",
                       data={"note": "好\x00"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).closed_at is None
    assert count(CheckIn) == 1
    login(crew["safety"])
    resp = client.post(f"/shifts/stops/{ci.id}/resolve", data={"resolution": "修" * 2001})
    assert resp.status_code == 422 and "2000" in resp.text
    db.session.expire_all()
    assert db.session.get(CheckIn, ci.id).resolved_at is None


def test_a_worker_cannot_resolve_a_stop(app, meeting, crew):
    ci = meetings.check_in(meeting, crew["workers"][0], answer("stop", reason="x"))
    phone = app.test_client()
    log_in(phone, crew["workers"][1])
    resp = phone.post(f"/shifts/stops/{ci.id}/resolve", data={"resolution": "ok"})
    assert resp.status_code == 403


# The leader's board and closing -----------------------------------------------------------------

def test_board_shows_who_checked_in_who_is_missing_and_stops(client, meeting, crew):
    w1, w2, w3 = crew["workers"]
    meetings.check_in(meeting, w1, answer())
    meetings.check_in(meeting, w2, answer("stop", fit="no"),
                     now=meeting.opened_at + timedelta(minutes=20))
    page = client.get(f"/shifts/meetings/{meeting.id}")
    assert page.status_code == 200
    board = page.text.split('id="board"')[1].split("</section>")[0]
    assert all(w.name in board for w in (w1, w2, w3))
    fragment = client.get(f"/shifts/meetings/{meeting.id}", headers=HX)
    assert fragment.text.lstrip().startswith('<section id="board"')
    assert 'hx-trigger="every 10s"' in fragment.text and "HX-Request" in fragment.headers["Vary"]
    boosted = client.get(f"/shifts/meetings/{meeting.id}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text
    b = meetings.board(meeting)
    assert [c.user_id for c in b.stops] == [w2.id]
    assert {m.user_id for m in b.missing} == {w3.id, crew["leader"].id}


def test_closing_with_a_note_and_photo_fixes_the_roster_and_is_idempotent(client, meeting, crew):
    meetings.check_in(meeting, crew["workers"][0], answer())
    data = {"note": "强调了冲床安全", "upload_key": "close-key-0001",
            "photo": (io.BytesIO(jpeg_bytes()), "meeting.jpg")}
    resp = client.post(f"/shifts/meetings/{meeting.id}/close", data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    again = client.post(f"/shifts/meetings/{meeting.id}/close", data={"note": "second"})
    assert again.status_code == 302
    db.session.expire_all()
    m = db.session.get(Meeting, meeting.id)
    assert m.closed_at and m.note == "强调了冲床安全" and m.roster == 4
    assert m.photo_id and count(Photo) == 1
    page = client.get(f"/shifts/meetings/{meeting.id}").text
    assert "强调了冲床安全" in page and f"/photos/{m.photo_id}/thumb" in page
    assert "every 10s" not in page  # a closed board no longer refreshes


def test_a_worker_opening_the_board_is_sent_to_check_in(app, meeting, crew):
    phone = app.test_client()
    log_in(phone, crew["workers"][0])
    resp = phone.get(f"/shifts/meetings/{meeting.id}")
    assert resp.location.endswith(f"/shifts/meetings/{meeting.id}/checkin")


def test_history_lists_the_teams_meetings(client, meeting, crew):
    meetings.check_in(meeting, crew["workers"][0], answer())
    page = client.get(f"/shifts/teams/{crew['team'].id}/history").text
    assert f"/shifts/meetings/{meeting.id}" in page and "1 / 4" in page


# Compliance -------------------------------------------------------------------------------------

def _past_meeting(team, day: date, shift: str, checked: list, roster: int, stop=None,
                  late=None):
    m = Meeting(team_id=team.id, day=day, shift=shift, opened_by_id=checked[0].id, roster=roster,
                closed_at=utcnow())
    db.session.add(m)
    db.session.flush()
    for user in checked:
        db.session.add(CheckIn(meeting_id=m.id, user_id=user.id, recorded_by_id=user.id,
                               decision="stop" if user is stop else "work",
                               late=user is late))
    db.session.commit()
    return m


@pytest.fixture
def history_weeks(crew):
    """The team exists from 2024-01-01 (a Monday), works every day, two shifts."""
    team = crew["team"]
    team.created_at = utcnow().replace(year=2024, month=1, day=1, hour=2)
    db.session.commit()
    leader, (w1, w2, w3) = crew["leader"], crew["workers"]
    _past_meeting(team, date(2024, 1, 1), "白班", [leader, w1, w2, w3], 4, stop=w3, late=w2)
    _past_meeting(team, date(2024, 1, 2), "白班", [leader, w1], 4)
    _past_meeting(team, date(2024, 1, 2), "夜班", [leader, w1, w2], 4)
    _past_meeting(team, date(2024, 1, 9), "白班", [leader], 4)  # the next week
    return team


def test_compliance_figures_for_a_week_and_a_month(history_weeks, crew):
    week = periods.period_of("week", date(2024, 1, 3))
    result = compliance.compliance(crew["safety"], week, today=date(2024, 3, 1))
    f = result.rows[0].figures
    assert (f.held, f.expected) == (3, 14)  # 7 days x 2 shifts
    assert (f.checked_in, f.roster, f.late, f.stops) == (9, 12, 1, 1)
    assert f.checkin_rate == pytest.approx(0.75)
    month = compliance.compliance(crew["safety"], periods.period_of("month", date(2024, 1, 20)),
                               today=date(2024, 1, 10))
    f = month.rows[0].figures
    assert (f.held, f.expected, f.checked_in, f.roster) == (4, 20, 10, 16)  # only up to today


def test_compliance_pages_for_the_enterprise_and_for_supervisors(client, login, history_weeks,
                                                                 crew):
    login(crew["safety"])
    page = client.get("/shifts/compliance?period=week&at=2024-01-01")
    assert page.status_code == 200 and history_weeks.name in page.text and "9 / 12" in page.text
    # an enterprise's staff cannot ask for another enterprise
    other = client.get(f"/shifts/compliance?period=week&at=2024-01-01&site={crew['other_site'].id}")
    assert history_weeks.name in other.text and crew["other_team"].name not in other.text
    fragment = client.get("/shifts/compliance?period=month&at=2024-01-01", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="figures">')
    login(make_user("supervisor"))
    page = client.get("/shifts/compliance?period=week&at=2024-01-01").text
    assert crew["site"].name in page and crew["other_site"].name in page
    drill = client.get(f"/shifts/compliance?period=week&at=2024-01-01&site={crew['site'].id}")
    assert history_weeks.name in drill.text and "3 / 14" in drill.text


@pytest.mark.parametrize("role", ["inspector", "worker"])
def test_compliance_is_not_for_inspectors_or_workers(client, login, crew, role):
    login(make_user(role, site=crew["site"] if role == "worker" else None))
    assert client.get("/shifts/compliance").status_code == 403


# Tenant isolation -------------------------------------------------------------------------------

def test_other_enterprises_staff_see_nothing_of_this_team(client, login, meeting, crew):
    team = crew["team"]
    ci = meetings.check_in(meeting, crew["workers"][0], answer("stop", reason="x"))
    login(crew["outsider_staff"])
    for url in (f"/shifts/teams/{team.id}", f"/shifts/teams/{team.id}/edit",
                f"/shifts/teams/{team.id}/poster", f"/shifts/teams/{team.id}/history",
                f"/shifts/meetings/{meeting.id}", f"/shifts/meetings/{meeting.id}/shared",
                f"/people/{crew['workers'][0].id}/edit"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/shifts/stops/{ci.id}/resolve", {"resolution": "x"}),
                      (f"/shifts/meetings/{meeting.id}/close", {"note": "x"}),
                      (f"/shifts/teams/{team.id}/meetings", {"shift": "夜班"}),
                      (f"/shifts/teams/{team.id}/members", {"user_id": crew["outsider"].id}),
                      (f"/people/{crew['workers'][0].id}/pin", {"pin": "8642"})):
        assert client.post(url, data=data).status_code == 404, url
    assert crew["workers"][0].name not in client.get("/shifts/stops").text
    assert team.name not in client.get("/shifts/").text


def test_a_worker_sees_only_their_own_team(client, crew):
    site = crew["site"]
    second = make_team(site, members=[make_worker(site)], name="二班")
    log_in(client, crew["workers"][0])
    assert client.get(f"/shifts/teams/{crew['team'].id}").status_code == 200
    assert client.get(f"/shifts/teams/{second.id}").status_code == 404
    assert client.get(f"/shifts/teams/{crew['other_team'].id}").status_code == 404
    assert client.get(f"/t/{second.qr_token}").status_code == 404
    assert client.get("/shifts/").location.endswith(f"/shifts/teams/{crew['team'].id}")
    m = Meeting(team_id=second.id, day=local_today(), shift="白班",
                opened_by_id=crew["safety"].id)
    db.session.add(m)
    db.session.commit()
    assert client.get(f"/shifts/meetings/{m.id}/checkin").status_code == 404
    assert client.post(f"/shifts/meetings/{m.id}/checkin", data=answer()).status_code == 404
    assert client.get(f"/shifts/teams/{second.id}/report").status_code == 404
    for url in ("/people/", "/shifts/rewards", f"/shifts/teams/{crew['team'].id}/edit"):
        assert client.get(url).status_code == 403, url


# Workers' hazard reports and rewards ------------------------------------------------------------

def test_a_workers_report_lands_in_the_enterprises_hazard_list_once(client, login, crew):
    team, worker = crew["team"], crew["workers"][0]
    log_in(client, worker)
    form = client.get(f"/shifts/teams/{team.id}/report").text
    key = re.search(r'name="submit_key" value="([0-9a-f]{32})"', form).group(1)
    data = {"submit_key": key, "description": "配电箱门没关，电线裸露", "location": "二号车间"}
    for _ in range(2):  # sent twice (a double tap or a retry): one report, one photo
        resp = client.post(f"/shifts/teams/{team.id}/report",
                           data={**data, "photo": (io.BytesIO(jpeg_bytes()), "IMG_1.jpg")},
                           content_type="multipart/form-data")
        assert resp.status_code == 302
    hazard = db.session.scalar(select(Hazard))
    assert count(Hazard) == 1 and count(WorkerReport) == 1 and count(Photo) == 1
    assert (hazard.site_id, hazard.source, hazard.status, hazard.found_by_id, hazard.location) == \
        (crew["site"].id, "worker", "reported", worker.id, "二号车间")
    assert hazard.photos[0].site_id == crew["site"].id
    assert "配电箱门没关" in client.get("/shifts/my-reports").text
    assert "配电箱门没关" in client.get("/").text
    login(crew["safety"])
    assert "配电箱门没关" in client.get("/hazards/?status=all").text
    login(crew["outsider_staff"])
    assert "配电箱门没关" not in client.get("/hazards/?status=all").text


def test_a_report_needs_a_description(client, crew):
    log_in(client, crew["workers"][0])
    resp = client.post(f"/shifts/teams/{crew['team'].id}/report",
                       data={"submit_key": "k" * 32, "description": "  "})
    assert resp.status_code == 422 and count(Hazard) == 0


def test_confirmed_reports_count_toward_the_reward_record_and_export(client, login, crew):
    team, (w1, w2, _) = crew["team"], crew["workers"]
    made = []
    for n, worker in enumerate((w1, w1, w2)):
        made.append(_report(worker, team, f"隐患{n}"))
    made[0].hazard.status = "confirmed"
    made[2].hazard.status = "rejected"
    db.session.commit()
    login(crew["safety"])
    page = client.get("/shifts/rewards")
    assert page.status_code == 200
    record = {row.worker.id: row for row in service_reward_record(crew)}
    assert (record[w1.id].reports, record[w1.id].confirmed, record[w1.id].to_reward) == (2, 1, 1)
    assert (record[w2.id].reports, record[w2.id].confirmed) == (1, 0)
    assert client.post(f"/shifts/reports/{made[1].id}/reward", data={"amount": "50"}) \
        .status_code == 302  # not confirmed yet: refused
    assert db.session.get(WorkerReport, made[1].id).reward_amount is None
    client.post(f"/shifts/reports/{made[0].id}/reward", data={"amount": "50", "note": "月度奖励"})
    db.session.expire_all()
    assert str(db.session.get(WorkerReport, made[0].id).reward_amount) == "50.00"
    resp = client.get("/shifts/rewards.xlsx")
    book = load_workbook(io.BytesIO(resp.data))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert (w1.name, w1.phone, team.name, 2, 1, 50.0, 0) in summary
    assert len(list(book.worksheets[1].iter_rows())) == 4
    login(crew["outsider_staff"])
    assert w1.name not in client.get("/shifts/rewards").text
    assert client.post(f"/shifts/reports/{made[0].id}/reward", data={"amount": "1"}) \
        .status_code == 404


def _report(worker, team, text):
    return reports.report_hazard(worker, team, {"description": text})


def service_reward_record(crew):
    return reports.reward_record(reports.site_reports(crew["safety"], crew["site"].id))


# Setting teams up -------------------------------------------------------------------------------

def test_staff_create_a_team_with_a_post_and_members(en, login, crew):
    login(crew["safety"])
    site, newbie = crew["site"], make_worker(crew["site"], name="新人")
    resp = en.post("/shifts/teams/new", data={"name": "", "shifts": "", "late_minutes": "x"})
    assert resp.status_code == 422 and count(Team, Team.site_id == site.id) == 1
    resp = en.post("/shifts/teams/new", data={"name": "装配班", "shifts": "早班，晚班",
                                             "workdays": ["1", "2", "3", "4", "5"],
                                             "late_minutes": "5", "leader_id": newbie.id})
    assert resp.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "装配班"))
    assert (team.shift_names, team.workdays, team.late_minutes, team.leader_id) == \
        (["早班", "晚班"], "12345", 5, newbie.id)
    assert db.session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == newbie.id)) \
        == team.id  # a worker who leads is in the team
    en.post(f"/shifts/teams/{team.id}/posts/new", data={"name": "装配工", "risk_color": "yellow",
                                                        "risks": "夹手", "measures": "戴手套",
                                                        "emergency": "停机"})
    post = db.session.scalar(select(Post).where(Post.team_id == team.id))
    mover = crew["workers"][0]
    assert en.post(f"/shifts/teams/{team.id}/members",
                   data={"user_id": mover.id, "post_id": post.id}).status_code == 302
    db.session.expire_all()
    moved = db.session.scalar(select(TeamMember).where(TeamMember.user_id == mover.id))
    assert (moved.team_id, moved.post_id) == (team.id, post.id)  # moved out of the first team
    assert en.post(f"/shifts/teams/{team.id}/members",
                   data={"user_id": crew["outsider"].id}).status_code == 422
    page = en.get(f"/shifts/teams/{team.id}").text
    assert "夹手" in page and mover.name in page


# People: workers and staff of an enterprise -----------------------------------------------------

def test_staff_add_a_worker_who_then_logs_in_with_the_pin(en, login, crew):
    login(crew["safety"])
    resp = en.post("/people/new", data={"role": "worker", "name": "新工人", "phone": "13511112222",
                                        "pin": "4826", "team_id": crew["team"].id})
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == "13511112222"))
    assert (user.role, user.site_id, user.username, user.email) == \
        ("worker", crew["site"].id, "13511112222", None)
    assert db.session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user.id)) \
        == crew["team"].id
    resp = en.post("/people/new", data={"role": "worker", "name": "重复", "phone": "13511112222",
                                        "pin": "1234"})
    assert resp.status_code == 422 and "already has this phone" in resp.text
    assert "too easy" in resp.text
    en.post("/auth/logout")
    assert en.post("/auth/pin", data={"phone": "13511112222", "pin": "4826"}).status_code == 302


def test_resetting_a_pin_unlocks_and_deactivating_locks_out(en, login, crew):
    worker = crew["workers"][0]
    for _ in range(5):
        assert pin_login(en, worker, "1357").status_code == 422
    login(crew["safety"])
    assert "Locked after too many wrong PINs" in en.get(f"/people/{worker.id}/edit").text
    assert en.post(f"/people/{worker.id}/pin", data={"pin": "12"}).status_code == 422
    assert en.post(f"/people/{worker.id}/pin", data={"pin": "7391"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(LoginFailure.id)) is None
    en.post(f"/people/{worker.id}/deactivate")
    en.post("/auth/logout")
    assert en.post("/auth/pin", data={"phone": worker.phone, "pin": "7391"}).status_code == 422


def test_people_form_and_import_share_the_field_bounds(en, login, crew):
    """The people form parses with its field table: overlong or out-of-range values are a 422
    beside the field and nothing is saved; the import's cells get the same bounds."""
    login(crew["safety"])
    before = count(User)
    for changes, field in (({"name": "工" * 65}, "name"), ({"team_id": "9" * 5000}, "team_id"),
                           ({"post_id": "2147483648"}, "post_id"), ({"phone": "1" * 21}, "phone"),
                           ({"pin": "48\x0026"}, "pin")):
        data = {"role": "worker", "name": "新工人", "phone": "13511113333", **changes}
        resp = en.post("/people/new", data=data)
        assert resp.status_code == 422 and f'id="{field}-error"' in resp.text, field
    worker = crew["workers"][0]
    resp = en.post(f"/people/{worker.id}/edit", data={"name": "工" * 65, "phone": worker.phone})
    assert resp.status_code == 422 and 'id="name-error"' in resp.text
    resp = _upload(en, _xlsx([["张三", "13600000001", "班" * 65, "", ""]]), "workers.xlsx")
    assert resp.status_code == 422
    assert ("2", "班组") in re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", resp.text)
    db.session.expire_all()
    assert count(User) == before and db.session.get(User, worker.id).name != "工" * 65


def test_only_principal_or_safety_manager_manage_staff_accounts(en, login, crew):
    login(crew["clerk"])
    assert en.get("/people/").status_code == 200
    data = {"role": "enterprise", "name": "新文员", "username": "clerk2", "password": "secret-1"}
    assert en.post("/people/new", data=data).status_code == 403
    assert en.post(f"/people/{crew['safety'].id}/deactivate").status_code == 403
    login(crew["safety"])
    assert en.post("/people/new", data={**data, "position": "staff"}).status_code == 302
    assert db.session.scalar(select(User.site_id).where(User.username == "clerk2")) == \
        crew["site"].id
    assert en.post(f"/people/{crew['safety'].id}/deactivate").status_code == 422  # not oneself


def test_only_workers_are_offered_a_pin(en, login, crew):
    """The PIN form and the PIN column ask access.has_pin, as the PIN POST and the PIN login do."""
    login(crew["safety"])
    worker, clerk = crew["workers"][0], crew["clerk"]
    assert f"/people/{worker.id}/pin" in en.get(f"/people/{worker.id}/edit").text
    assert f"/people/{clerk.id}/pin" not in en.get(f"/people/{clerk.id}/edit").text
    assert en.post(f"/people/{clerk.id}/pin", data={"pin": "7391"}).status_code == 404
    rows = en.get("/people/").text.split("<tr")
    pin_cells = [re.findall(r"<td>(not set|set)\b", next(r for r in rows if name in r))
                 for name in (worker.name, clerk.name)]
    assert pin_cells == [["set"], []]  # the worker has a PIN; staff have none to set


def test_the_edit_page_offers_deactivate_only_where_the_post_is_allowed(en, login, crew):
    """The page asks the same rule as the POST (people/service.may_set_active)."""
    def offered(user) -> bool:
        return f"/people/{user.id}/deactivate" in en.get(f"/people/{user.id}/edit").text

    login(crew["clerk"])
    assert offered(crew["workers"][0]) and not offered(crew["safety"])
    assert not offered(crew["clerk"])  # not oneself
    login(crew["safety"])
    assert offered(crew["clerk"]) and not offered(crew["safety"])


PEOPLE_HEADERS = ["姓名", "手机号", "班组", "岗位", "初始PIN"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(PEOPLE_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, data: bytes, name: str):
    return client.post("/people/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_importing_workers_creates_all_of_them(en, login, crew):
    login(crew["safety"])
    team = crew["team"].name
    resp = _upload(en, _xlsx([["张三", 13600000001, team, "冲压工", "4826"],
                              ["李四", "13600000002", "", "", ""]]), "workers.xlsx")
    assert resp.status_code == 200, resp.text
    made = db.session.scalars(select(User).where(User.phone.like("1360000000%"))).all()
    assert sorted(u.name for u in made) == ["张三", "李四"]
    assert all(u.role == "worker" and u.site_id == crew["site"].id for u in made)
    zhang = next(u for u in made if u.name == "张三")
    assert zhang.pin_hash and db.session.scalar(
        select(TeamMember.team_id).where(TeamMember.user_id == zhang.id)) == crew["team"].id


def test_an_import_with_a_bad_row_imports_nothing_and_names_each_error(en, login, crew):
    login(crew["safety"])
    before = count(User)
    rows = [["张三", "13600000001", "", "", ""], ["", "12345", "没有这个班", "", "1111"],
            ["王五", "13600000001", crew["team"].name, "没有的岗位", ""]]
    resp = _upload(en, _xlsx(rows), "workers.xlsx")
    assert resp.status_code == 422 and count(User) == before
    errors = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", resp.text)
    assert ("3", "姓名") in errors and ("3", "手机号") in errors and ("3", "班组") in errors
    assert ("3", "初始PIN") in errors and ("4", "岗位") in errors and ("4", "手机号") in errors
    csv = ("姓名,手机号\r\n赵六,13600000009\r\n").encode("gb18030")
    assert _upload(en, csv, "w.csv").status_code == 200
    assert count(User) == before + 1
    assert en.get("/people/import/template.xlsx").status_code == 200


# Demo data --------------------------------------------------------------------------------------

def test_demo_teams_show_meetings_compliance_and_a_report(client):
    from inspect_app.demo import DEMO_PASSWORD, load
    from inspect_app.shifts.demo import DEMO_PIN
    assert load() is True  # the demo zone includes the teams
    by_name = {u.username: u for u in db.session.scalars(select(User))}
    assert count(Team) == 2 and count(Meeting) >= 8 and count(WorkerReport) == 1
    assert len(meetings.open_stops(by_name["safety"])) == 1
    resp = client.post("/auth/pin", data={"phone": by_name["worker"].phone, "pin": DEMO_PIN})
    assert resp.status_code == 302
    assert "冲压一班" in client.get("/").text
    client.post("/auth/login", data={"login": "safety", "password": DEMO_PASSWORD})
    assert "冲压一班" in client.get("/shifts/").text
    page = client.get("/shifts/compliance?period=month")
    assert page.status_code == 200 and "装配二班" in page.text
    assert client.get("/shifts/rewards").status_code == 200


def test_a_stop_is_not_shown_as_a_success(app, meeting, crew):
    """不干 is an alert: the flash after it, the check-in page and the worker's home line are in
    the warning style, never the green success one (a work check-in still is)."""
    stopper, worker = crew["workers"][0], crew["workers"][1]
    phone = app.test_client()
    log_in(phone, stopper)
    resp = phone.post(f"/shifts/meetings/{meeting.id}/checkin",
                      data=answer("stop", reason="护目镜坏了"), follow_redirects=True)
    flashes = re.findall(r'<p class="flash flash-(\w+)">', resp.text)
    assert flashes == ["warning"], flashes
    assert re.search(r'class="done-line stop"', resp.text)
    page = phone.get(f"/shifts/meetings/{meeting.id}/checkin").text
    assert "flash-warning" in page and "flash-success" not in page
    other = app.test_client()
    log_in(other, worker)
    resp = other.post(f"/shifts/meetings/{meeting.id}/checkin", data=answer(),
                      follow_redirects=True)
    assert re.findall(r'<p class="flash flash-(\w+)">', resp.text) == ["success"]
    assert "flash-success" in other.get(f"/shifts/meetings/{meeting.id}/checkin").text


def test_a_stop_on_the_shared_phone_flashes_a_warning(client, meeting, crew):
    w = crew["workers"][0]
    resp = client.post(f"/shifts/meetings/{meeting.id}/shared/{w.id}",
                       data=answer("stop", pin=PIN, reason="身体不适"), follow_redirects=True)
    assert re.findall(r'<p class="flash flash-(\w+)">', resp.text) == ["warning"]
