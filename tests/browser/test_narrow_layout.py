"""At 360 px, in English and in Chinese, the header (brand, links, icons), the written report
of a major hazard and the work queue (待我处理, its page and a section's list) hold: no page
scrolls sideways, no box in them overflows, the brand is not cut short, and no text is squeezed
into a column a character or two wide."""

import re

import pytest
from playwright.sync_api import Page, expect

from inspect_app.extensions import db
from inspect_app.hazards.service import report
from inspect_app.shifts.models import Post, Team, TeamMember
from tests.factories import PASSWORD, make_grid, make_site, make_user

LONG = {"report_state_cause": "除尘器泄爆片缺失，维护时拆下未装回，已持续约两周",
        "report_harm_difficulty": "粉尘爆炸风险，整改需停机并更换泄爆装置",
        "plan_goal": "恢复泄爆装置并建立定期点检制度", "plan_resources": "备件与检测费约两万元",
        "plan_organisation": "设备科李工牵头，安全员配合", "plan_timeline": "20日内完成",
        "plan_emergency": "停机、清灰、设警戒区", "measures": "更换泄爆片并校验",
        "interim_measures": "停用该除尘系统，专人值守"}

# Problems in the page as one list of strings (empty when the layout holds).
CHECK = """() => {
  const width = window.innerWidth, problems = [];
  if (document.scrollingElement.scrollWidth > width)
    problems.push(`page scrolls sideways: ${document.scrollingElement.scrollWidth} > ${width}`);
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const blocks = [...document.querySelectorAll(
    'header.topbar, #written-report, dl.facts, #work-queue, #work-rows')];
  for (const block of blocks) {
    const r = block.getBoundingClientRect();
    if (r.right > width + 0.5 || r.left < -0.5) problems.push(`${name(block)} outside the screen`);
    for (const e of [block, ...block.querySelectorAll('*')]) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (['auto', 'scroll'].includes(style.overflowX)) continue;  // scrolls on purpose
      if (e.tagName === 'svg' || e.closest('svg')) continue;
      if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
        problems.push(`${name(e)} overflows: ${e.scrollWidth} > ${e.clientWidth}`);
      const box = e.getBoundingClientRect();
      if (box.width && box.right > width + 0.5) problems.push(`${name(e)} past the right edge`);
    }
    // A value beside a long label keeps a readable width (8 characters at least).
    for (const dd of block.querySelectorAll('dd')) {
      const em = parseFloat(getComputedStyle(dd).fontSize);
      const wide = Math.round(dd.getBoundingClientRect().width);
      if (dd.textContent.trim().length >= 8 && wide < 8 * em)
        problems.push(`${name(dd)} "${dd.textContent.trim().slice(0, 12)}" squeezed to ${wide} px`);
    }
    // A date with its word ("found 2026-12-02") stays on one line.
    for (const when of block.querySelectorAll('.when')) {
      const lines = new Set([...when.getClientRects()].filter(x => x.width > 0)
                             .map(x => Math.round(x.top))).size;
      if (lines > 1) problems.push(`"${when.textContent.trim()}" split over ${lines} lines`);
    }
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (text.length < 4 || !node.parentElement.offsetParent) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].filter(x => x.width > 0)
                             .map(x => Math.round(x.top))).size;
      if (lines >= 3 && text.length / lines < 3)
        problems.push(`"${text.slice(0, 20)}" squeezed: ${text.length} chars on ${lines} lines`);
    }
  }
  return problems;
}"""


def _data(app) -> dict:
    """Every role of one enterprise and the zone, and a major hazard with its written report."""
    with app.app_context():
        grid = make_grid()
        site = make_site(grid, name="南安鑫盛机械制造有限公司")
        people = {"supervisor": make_user("supervisor", name="黄建华"),
                  "inspector": make_user("inspector", grids=[grid], name="林志强"),
                  "boss": make_user("enterprise", site=site, position="principal", name="王德明"),
                  "safety": make_user("enterprise", site=site, position="safety_manager",
                                      name="李美玲"),
                  "worker": make_user("worker", site=site, name="张伟"),
                  "admin": make_user("admin", name="系统管理员")}
        team = Team(site_id=site.id, name="冲压一班", shifts="白班", leader_id=people["worker"].id)
        db.session.add(team)
        db.session.flush()
        post = Post(team_id=team.id, name="冲压工", risk_color="orange", risks="冲床压手",
                    measures="双手按钮", emergency="按急停")
        db.session.add(post)
        db.session.flush()
        db.session.add(TeamMember(team_id=team.id, user_id=people["worker"].id, post_id=post.id))
        hazard = report(site_id=site.id, description="除尘器泄爆片缺失", level="major",
                        source="self_check", reporter=people["safety"])
        for name, value in LONG.items():
            setattr(hazard, name, value)
        hazard.funds = 20000
        db.session.commit()
        return {"users": {role: u.username for role, u in people.items()},
                "hazard": hazard.id, "team": team.id}


def _log_in(page: Page, username: str, lang: str) -> None:
    page.goto("/auth/login")
    if lang == "en":
        page.locator("footer button[lang=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action$='/auth/login'] button").click()
    expect(page).not_to_have_url(re.compile(r"/auth/login"))
    expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "en" else "zh-CN")


PAGES = {"supervisor": ["/", "/hazards/", "/hazards/{hazard}", "/inbox/", "/work/",
                        "/work/confirm"],
         "inspector": ["/", "/hazards/", "/work/"],
         "boss": ["/", "/hazards/{hazard}", "/enterprise/hazards/{hazard}/report"],
         "safety": ["/", "/hazards/{hazard}"],
         "worker": ["/", "/shifts/teams/{team}"],
         "admin": ["/", "/admin/"]}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_header_and_written_report_hold_at_360px(app, live_server, new_phone, shots, lang):
    data = _data(app)
    found, seen = {}, 0
    for role, paths in PAGES.items():
        page = new_phone()
        _log_in(page, data["users"][role], lang)
        for path in paths:
            url = path.format(**data)
            response = page.goto(url)
            assert response.status == 200, (role, url, response.status)
            brand = page.locator("header.topbar .brand")
            expect(brand).to_be_visible()
            problems = page.evaluate(CHECK)
            # The brand is whole: not cut to "S…" (its text fits its box).
            if page.evaluate("() => { const b = document.querySelector('header.topbar .brand');"
                             " return b.scrollWidth > b.clientWidth; }"):
                problems.append("brand cut short")
            if "{hazard}" in path and role != "boss":
                expect(page.locator("#written-report")).to_be_visible()
            if path == "/work/confirm":  # the queue's rows are checked, not an empty list
                expect(page.locator(f"#work-confirm-{data['hazard']}")).to_be_visible()
            if problems:
                found[f"{role} {url}"] = problems
            seen += 1
            page.screenshot(path=shots / f"narrow-{lang}-{role}-{seen}.png", full_page=True)
    assert seen == sum(len(p) for p in PAGES.values())
    assert found == {}
