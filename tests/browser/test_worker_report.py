"""The enterprise's own loop on phones (issue 13's done-when): a worker reports a hazard; the
safety manager is told, confirms it and rectifies with an after-photo; the principal verifies
it; the worker sees it closed and the reward. Each step through the enterprise's own screens
(the home page, the inbox, the hazard page, the reward record), at 360 px."""

import re

from PIL import Image
from playwright.sync_api import Page, expect

from inspect_app.extensions import db
from inspect_app.shifts.models import Post, Team, TeamMember
from tests.browser.pages import log_in
from tests.factories import make_grid, make_site, make_user


def _open_from_inbox(page: Page, text: str) -> None:
    """The inbox's newest message containing `text`: tap its 查看 (View)."""
    page.locator("header a.inbox[href$='/inbox/']").click()
    card = page.locator("li.note", has_text=text).first
    expect(card).to_be_visible()
    card.locator("button", has_text=re.compile("View|查看")).click()


def _open_action(page: Page, label: str) -> None:
    """Unfold the action's form (the only action open to the user comes unfolded)."""
    details = page.locator("details.action", has=page.locator("summary", has_text=re.compile(label)))
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details.locator("form")).to_be_visible()


def _fits(page: Page) -> None:
    """Nothing wider than the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _data(app) -> dict:
    with app.app_context():
        site = make_site(make_grid(), name="南安恒源机械有限公司")
        boss = make_user("enterprise", site=site, position="principal", name="王德明")
        safety = make_user("enterprise", site=site, position="safety_manager", name="李美玲")
        worker = make_user("worker", site=site, name="张伟")
        team = Team(site_id=site.id, name="冲压一班", shifts="白班", workdays="1234567")
        db.session.add(team)
        db.session.flush()
        post = Post(team_id=team.id, name="冲压工", risk_color="orange")
        db.session.add(post)
        db.session.flush()
        db.session.add(TeamMember(team_id=team.id, user_id=worker.id, post_id=post.id))
        db.session.commit()
        return {"boss": boss.username, "safety": safety.username, "worker": worker.username}


def test_worker_report_is_confirmed_fixed_verified_and_rewarded_inside_the_enterprise(
        app, live_server, new_phone, shots, tmp_path):
    data = _data(app)
    after = tmp_path / "after.jpg"
    Image.new("RGB", (1200, 900), (40, 160, 60)).save(after, "JPEG")
    what = "冲床光电保护失灵，手可伸入模具区"

    # The worker reports from their home page.
    worker = new_phone()
    log_in(worker, data["worker"], base=live_server)
    worker.locator("a.report-btn").click()
    worker.fill("textarea[name=description]", what)
    worker.fill("input[name=location]", "冲压车间2号冲床")
    worker.locator("#report-form button.primary").click()
    expect(worker.locator("body")).to_contain_text("已发送给企业的主要负责人和安全管理人员确认")
    expect(worker.locator("body")).to_contain_text(what[:10])

    # The safety manager is told, opens the report from the inbox and confirms it as general.
    safety = new_phone()
    log_in(safety, data["safety"], base=live_server)
    expect(safety.locator("#unread-count")).to_have_text("1")
    _open_from_inbox(safety, "张伟")
    expect(safety).to_have_url(re.compile(r"/hazards/\d+$"))
    hazard_url = safety.url
    _open_action(safety, "^(Confirm|确认)")
    form = safety.locator("form[action$='/confirm']")
    expect(form.locator("select[name=level]")).to_have_count(0)  # the zone grades, not the firm
    form.locator("textarea[name=measures]").fill("更换光电保护装置，停用2号冲床至修好")
    form.locator("button.primary").click()
    expect(safety).to_have_url(hazard_url)
    expect(safety.locator("form[action$='/confirm']")).to_have_count(0)
    _fits(safety)

    # ... and rectifies it with an after-photo; they may not verify their own work.
    _open_action(safety, "Submit rectification|提交整改")
    safety.fill("textarea[name=rectified_note]", "已更换光电保护装置并试机")
    safety.fill("input[name=rectification_cost]", "800")
    safety.set_input_files("form[action$='/submit'] input[name=photos]", str(after))
    safety.locator("form[action$='/submit'] button.primary").click()
    expect(safety).to_have_url(hazard_url)
    expect(safety.locator(".before-after img")).not_to_have_count(0)
    expect(safety.locator("form[action$='/verify']")).to_have_count(0)
    safety.screenshot(path=str(shots / "own-loop-rectified.png"), full_page=True)

    # The principal is asked to verify, from the inbox, and closes it.
    boss = new_phone()
    log_in(boss, data["boss"], base=live_server)
    _open_from_inbox(boss, "待复查")
    expect(boss).to_have_url(hazard_url)
    _open_action(boss, "Verify and close|复查")
    boss.locator("form[action$='/verify'] button.primary").click()
    expect(boss).to_have_url(hazard_url)
    expect(boss.locator("#status-panel")).to_contain_text("已销号")
    expect(boss.locator("form[action$='/verify']")).to_have_count(0)
    _fits(boss)

    # The safety manager records the reward in the enterprise's reward record.
    safety.goto(f"{live_server}/shifts/rewards")
    reward = safety.locator("form.reward-form").first
    reward.locator("input[name=amount]").fill("100")
    reward.locator("input[name=note]").fill("月度隐患报告奖励")
    reward.locator("button").click()
    expect(safety.locator("body")).to_contain_text("100")

    # The worker was told each step, and sees the report closed and rewarded.
    worker.goto(f"{live_server}/")
    expect(worker.locator("#unread-count")).to_have_text("3")
    worker.locator("header a.inbox[href$='/inbox/']").click()
    for text in ("您报告的隐患已确认", "您报告的隐患已整改销号", "获得奖励 100.00 元"):
        expect(worker.locator("li.note", has_text=text)).to_have_count(1)
    worker.locator("li.note", has_text="获得奖励").locator("button").click()
    expect(worker).to_have_url(re.compile(r"/shifts/my-reports$"))
    card = worker.locator("li.card", has_text=what[:10])
    expect(card).to_contain_text("已销号")
    expect(card).to_contain_text("100.00")
    _fits(worker)
    worker.screenshot(path=str(shots / "own-loop-worker.png"), full_page=True)
