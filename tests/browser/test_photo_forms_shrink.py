"""Every photo input goes through photos.js: a camera-sized photo taken in the worker's hazard
report, on a drill and when a shift meeting is closed arrives at the server shrunk (the bytes
the server reads are decoded here with Pillow), not as the 4000x3000 original."""

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from inspect_app.enterprise.models import Drill
from inspect_app.extensions import db
from inspect_app.photos import service as photo_service
from inspect_app.shifts.models import Meeting, Post, Team, TeamMember, WorkerReport
from tests.browser.pages import log_in
from tests.browser.test_photo_shrink import _big_camera_jpeg
from tests.factories import make_site, make_user


@pytest.fixture
def arrived(monkeypatch):
    """The bytes of each photo as the server reads them from the request."""
    seen: list[bytes] = []
    read = photo_service._read

    def recording(file):
        data = read(file)
        seen.append(data)
        return data

    monkeypatch.setattr(photo_service, "_read", recording)
    return seen


def _assert_shrunk(seen: list[bytes], original_size: int) -> None:
    assert len(seen) == 1, len(seen)
    data = seen[0]
    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
        kind = im.format
    # photos.js: long edge 1600, JPEG; the original is 4000x3000 and several MB.
    assert max(width, height) == 1600 and kind == "JPEG", (width, height, kind)
    assert len(data) < original_size / 4, (len(data), original_size)


def _team(app) -> dict:
    with app.app_context():
        site = make_site(name="南安鑫盛机械有限公司")
        leader = make_user("worker", site=site, name="陈强")
        worker = make_user("worker", site=site, name="林小明")
        safety = make_user("enterprise", site=site, position="safety_manager", name="李安全")
        team = Team(site_id=site.id, name="冲压一班", shifts="白班", leader_id=leader.id)
        db.session.add(team)
        db.session.flush()
        post = Post(team_id=team.id, name="冲压工", risk_color="orange", risks="冲床压手",
                    measures="双手按钮", emergency="按急停")
        db.session.add(post)
        db.session.flush()
        for user in (leader, worker):
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post.id))
        drill = Drill(site_id=site.id, kind="fire", title="消防疏散演练",
                      planned_on=date.today() + timedelta(days=7), created_by_id=safety.id)
        db.session.add(drill)
        db.session.commit()
        return {"team_id": team.id, "leader": leader.username, "worker": worker.username,
                "safety": safety.username, "drill_id": drill.id}


def test_worker_report_photo_arrives_shrunk(app, live_server, phone, tmp_path, arrived):
    data = _team(app)
    original = tmp_path / "IMG_4000.jpg"
    size = _big_camera_jpeg(original)
    log_in(phone, data["worker"])
    phone.goto(f"/shifts/teams/{data['team_id']}/report")
    phone.fill("textarea[name=description]", "冲床光电保护被拆下")
    phone.set_input_files("#report-form input[name=photo]", str(original))
    # photos.js disables the button while it shrinks; the tap waits until it is enabled again.
    phone.locator("#report-form button.primary").tap()
    expect(phone).to_have_url(re.compile(r"/shifts/my-reports$"))
    _assert_shrunk(arrived, size)
    with app.app_context():
        report = db.session.scalar(select(WorkerReport))
        assert report is not None and len(report.hazard.photos) == 1


def test_drill_photo_arrives_shrunk(app, live_server, phone, tmp_path, arrived):
    data = _team(app)
    original = tmp_path / "IMG_4001.jpg"
    size = _big_camera_jpeg(original)
    log_in(phone, data["safety"])
    phone.goto(f"/enterprise/drills/{data['drill_id']}")
    phone.set_input_files("form.photo-form input[name=photo]", str(original))
    expect(phone.locator("#drill-photos img")).to_have_count(1)
    _assert_shrunk(arrived, size)


def test_meeting_close_photo_arrives_shrunk(app, live_server, phone, tmp_path, arrived):
    data = _team(app)
    original = tmp_path / "IMG_4002.jpg"
    size = _big_camera_jpeg(original)
    log_in(phone, data["leader"])
    phone.goto(f"/shifts/teams/{data['team_id']}")
    phone.locator(f"form[action$='/shifts/teams/{data['team_id']}/meetings'] button").first.tap()
    expect(phone).to_have_url(re.compile(r"/shifts/meetings/\d+$"))
    phone.set_input_files("form.close-form input[name=photo]", str(original))
    phone.locator("form.close-form button.primary").tap()
    expect(phone.locator("img[alt]").first).to_be_visible()
    _assert_shrunk(arrived, size)
    with app.app_context():
        assert db.session.scalar(select(Meeting.photo_id)) is not None
