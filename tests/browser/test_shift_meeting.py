"""The pre-shift meeting on phones: the leader scans the team's code, logs in with a PIN, opens
today's meeting, passes the phone to three workers who check in with their PINs (one raises a
stop), sees the stop on the board and closes the meeting."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import Notification
from inspect_app.shifts import rules
from inspect_app.shifts.models import CheckIn, Meeting, Post, Team, TeamMember
from tests.factories import hash_secret, make_site, make_user

LEADER_PIN, WORKER_PIN = "2580", "7391"
WORKERS = ("林小明", "黄大伟", "郑美华")


def _team_data(app) -> dict:
    """A team with a leader and three workers on a press post, and the safety manager."""
    with app.app_context():
        site = make_site(name="南安鑫盛机械有限公司")
        leader = make_user("worker", site=site, name="班长 陈强", phone="13900001111",
                           pin_hash=hash_secret(LEADER_PIN))
        worker_hash = hash_secret(WORKER_PIN)
        workers = [make_user("worker", site=site, name=n, pin_hash=worker_hash) for n in WORKERS]
        safety = make_user("enterprise", site=site, position="safety_manager", name="安全员 李")
        team = Team(site_id=site.id, name="冲压一班", shifts="白班\n夜班", leader_id=leader.id)
        db.session.add(team)
        db.session.flush()
        post = Post(team_id=team.id, name="冲压工", risk_color="orange",
                    risks="冲床压手、模具飞溅", measures="双手按钮、光电保护，戴防护眼镜",
                    emergency="按急停，报告班组长，撤到安全通道")
        db.session.add(post)
        db.session.flush()
        for user in (leader, *workers):
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post.id))
        db.session.commit()
        return {"token": team.qr_token, "team_id": team.id, "leader_phone": leader.phone,
                "worker_ids": [w.id for w in workers], "safety_id": safety.id}


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 361)
        .map(e => e.tagName + '.' + e.className)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide


def _check_in(page: Page, name: str, *, skip: str | None = None, reason: str = "",
              pin: str = WORKER_PIN) -> None:
    """On the shared phone: tap the name, tick the five thinks, fitness, PIN, work or stop."""
    page.get_by_role("link", name=name, exact=True).tap()
    expect(page.locator("h1.who")).to_have_text(name)
    expect(page.locator(".risk-card")).to_contain_text("冲床压手")
    _no_sideways_scroll(page)
    for code in rules.FIVE_THINKS:
        if code != skip:
            page.locator(f".tile:has(input[value={code}])").tap()
    page.locator(".tile:has(input[name=fit][value=yes])").tap()
    page.fill("input[name=pin]", pin)
    if skip or reason:
        page.fill("input[name=reason]", reason)
        page.locator("button.stop").tap()
    else:
        page.locator("button.work").tap()


def test_leader_opens_meeting_three_workers_check_in_one_stops_leader_closes(
        app, live_server, phone, shots):
    data = _team_data(app)
    page = phone

    # The leader scans the team's poster and logs in with phone number and PIN.
    page.goto(f"{live_server}/t/{data['token']}")
    expect(page).to_have_url(re.compile(r"/auth/pin\?next="))
    page.fill("input[name=phone]", data["leader_phone"])
    page.fill("input[name=pin]", LEADER_PIN)
    page.locator("form[action$='/auth/pin'] button").tap()
    expect(page).to_have_url(f"{live_server}/shifts/teams/{data['team_id']}")

    page.locator("form[action$='/meetings'] button", has_text="白班").tap()
    expect(page).to_have_url(re.compile(r"/shifts/meetings/\d+$"))
    page.screenshot(path=str(shots / "shift-board-open.png"), full_page=True)
    page.locator("a", has_text=re.compile("Check in on this phone|在此手机上签到")).first.tap()
    expect(page).to_have_url(re.compile(r"/shared$"))
    names_url = page.url
    page.screenshot(path=str(shots / "shift-names.png"), full_page=True)

    # First worker: a wrong PIN is refused; the ticks stay; the right PIN checks in.
    _check_in(page, WORKERS[0], pin="1357")
    expect(page.locator("label.pin .field-error")).to_be_visible()
    expect(page.locator(".thinks input:checked")).to_have_count(5)
    page.screenshot(path=str(shots / "shift-checkin-wrong-pin.png"), full_page=True)
    page.fill("input[name=pin]", WORKER_PIN)
    page.locator("button.work").tap()
    expect(page).to_have_url(names_url)  # back to the names, the leader still logged in
    expect(page.locator(".flash-success")).to_contain_text(WORKERS[0])

    _check_in(page, WORKERS[1])
    expect(page).to_have_url(names_url)
    _check_in(page, WORKERS[2], skip="tools", reason="防护眼镜坏了")
    expect(page).to_have_url(names_url)
    expect(page.locator("ul.names .done")).to_have_count(3)
    expect(page.locator("ul.names .done.stop")).to_contain_text(WORKERS[2])
    _no_sideways_scroll(page)

    # The leader sees who checked in, who is missing (himself) and the stop.
    page.locator("a.button", has_text=re.compile("back to the meeting|返回")).tap()
    board = page.locator("#board")
    expect(board.locator(".roll li")).to_have_count(4)  # three checked in, one missing
    expect(board.locator(".shift-tally")).to_contain_text("3")
    stop = board.locator(".card.stop.open")
    expect(stop).to_contain_text(WORKERS[2])
    expect(stop).to_contain_text("防护眼镜坏了")
    expect(board.locator("ul.roll.missing")).to_contain_text("陈强")
    page.screenshot(path=str(shots / "shift-board-stop.png"), full_page=True)
    _no_sideways_scroll(page)

    page.fill("textarea[name=note]", "强调冲床双手操作；眼镜已去仓库领")
    page.locator(".close-form button").tap()
    expect(page.locator("#board")).not_to_have_attribute("hx-trigger", "every 10s")
    expect(page.locator("main")).to_contain_text("强调冲床双手操作")
    page.screenshot(path=str(shots / "shift-closed.png"), full_page=True)

    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert meeting.closed_at is not None and meeting.roster == 4
        checkins = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
        assert [c.user_id for c in checkins] == data["worker_ids"]
        assert [c.decision for c in checkins] == ["work", "work", "stop"]
        assert all(c.via == "shared" for c in checkins)
        assert "tools" not in checkins[2].confirmed_codes and checkins[2].resolved_at is None
        alerted = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "shift_stop")))
        assert data["safety_id"] in alerted and len(alerted) == 2  # the leader too
