"""An enterprise principal on a phone: sees the self-check that is due, runs it, fails a major
item with a photo, and the hazard lands in the enterprise's own list and, at once, in the
supervisors' major-hazard database."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from inspect_app.timeutil import utcnow
from tests.browser.pages import log_in
from tests.factories import jpeg_bytes, make_grid, make_site, make_user, template

# Counts finished swaps (htmx's, and the checklist outbox's): a tap on swapped-in content must
# wait until it has been wired up.
WATCH_SETTLES = """() => {
  window.__settles = 0;
  document.addEventListener("htmx:afterSettle", () => { window.__settles += 1; });
  document.addEventListener("outbox:swapped", () => { window.__settles += 1; });
}"""


def _data(app) -> dict:
    """A dust-handling shoe factory (high-risk: monthly principal check), its principal, and a
    zone supervisor."""
    with app.app_context():
        site = make_site(make_grid(), site_type="LIGHT", features="DUST", risk_color="yellow",
                         created_at=utcnow() - timedelta(days=400))
        boss = make_user("enterprise", site=site, position="principal", name="王德明")
        supervisor = make_user("supervisor")
        return {"site_id": site.id, "site_name": site.name, "boss": boss.username,
                "supervisor": supervisor.username, "checklist": template("ent-dust").id}


def _swapped(page: Page, action) -> None:
    before = page.evaluate("window.__settles")
    action()
    page.wait_for_function("n => window.__settles > n", arg=before)


def _tick(page: Page, item_id: str, result: str) -> None:
    _swapped(page, page.locator(f"#{item_id} .tick-{result}").tap)
    expect(page.locator(f"#{item_id}")).to_have_class(re.compile(rf"\bresult-{result}\b"))


def test_principal_runs_the_due_self_check_and_a_major_finding_reaches_the_zone(
        app, live_server, new_phone, shots, tmp_path):
    data = _data(app)
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(jpeg_bytes())
    page = new_phone()

    # The principal lands on the enterprise home, where this month's check is due.
    log_in(page, data["boss"], base=live_server)
    expect(page).to_have_url(f"{live_server}/enterprise/")
    due = page.locator("#due-principal_check")
    expect(due).to_be_visible()
    expect(due).to_have_class(re.compile(r"\bdue-(due|overdue)\b"))
    page.screenshot(path=str(shots / "enterprise-home.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    # Start it with the dust checklist; the principal takes part and leads it.
    due.locator("select[name=template]").select_option(str(data["checklist"]))
    expect(due.locator("input[name=principal_present]")).to_be_checked()
    due.locator("input[name=led_by]").fill("王德明")
    due.locator("button").click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    run_url = page.url
    page.evaluate(WATCH_SETTLES)

    ids = page.locator("article.item").evaluate_all("els => els.map(e => e.id)")
    failing = page.locator("article.item.major").evaluate_all("els => els.map(e => e.id)")[0]
    for item_id in ids:
        if item_id != failing:
            _tick(page, item_id, "pass")
    page.once("dialog", lambda d: d.accept())  # failing a major item asks first
    _tick(page, failing, "fail")
    item = page.locator(f"#{failing}")
    item.locator("textarea[name=note]").fill("除尘器泄爆片缺失")
    _swapped(page, item.locator("button.small[name=result][value=fail]").tap)
    _swapped(page, lambda: item.locator("input[name=photo]").set_input_files(photo))
    expect(item.locator(".thumbs img")).to_have_count(1)
    assert page.url == run_url  # every tick and the photo were swaps, not reloads

    page.locator("#submit-panel button").click()
    expect(page.locator("section.done")).to_be_visible()

    # Home: the check is done this period, and the written report is asked for.
    page.goto(f"{live_server}/enterprise/")
    expect(page.locator("#due-principal_check")).to_have_class(re.compile(r"\bdue-done\b"))
    expect(page.locator("#work-written_reports")).to_contain_text("除尘器泄爆片缺失")
    # The enterprise's own hazard list has it, with the photo on the hazard.
    page.goto(f"{live_server}/enterprise/hazards")
    card = page.locator(".hazard-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("除尘器泄爆片缺失")
    expect(card.locator(".level-major")).to_be_visible()
    page.screenshot(path=str(shots / "enterprise-hazards.png"), full_page=True)

    # A zone supervisor, on another phone, finds it at once in the major-hazard database.
    other = new_phone()
    log_in(other, data["supervisor"], base=live_server)
    expect(other.locator("#unread-count")).to_have_text("1")
    other.goto(f"{live_server}/hazards/?level=major")
    major = other.locator(".hazard-card")
    expect(major).to_have_count(1)
    expect(major).to_contain_text(data["site_name"])
    expect(major).to_contain_text("除尘器泄爆片缺失")
    other.goto(f"{live_server}/enterprise/overview")
    expect(other.locator("#major-self-reports")).to_contain_text(data["site_name"])
    other.screenshot(path=str(shots / "supervisor-overview.png"), full_page=True)
