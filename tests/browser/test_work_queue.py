"""待我处理 on a phone: a supervisor's work queue shows an extension request, and deciding
it (through the row's link, on the hazard page, by htmx) takes it off the queue and the bar's
count drops at once, without a reload (the reply swaps the count out of band)."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from inspect_app.extensions import db
from inspect_app.hazards import lifecycle, service, side_actions
from inspect_app.hazards.forms import transition
from inspect_app.timeutil import local_today
from tests.browser.pages import log_in
from tests.factories import make_grid, make_site, make_user


def test_supervisor_decides_an_extension_from_the_work_queue(app, live_server, phone, shots):
    with app.app_context():
        site = make_site(make_grid(), name="南安恒源机械有限公司")
        staff = make_user("enterprise", site=site, position="safety_manager")
        supervisor = make_user("supervisor")
        hazard = service.report(site_id=site.id, description="砂轮机防护罩缺失", level="general",
                                source="patrol", reporter=supervisor)
        db.session.commit()
        deadline = local_today() + timedelta(days=7)
        lifecycle.perform(supervisor, hazard.id, "confirm", transition("confirm", {
            "responsible_name": "李美玲", "deadline": deadline.isoformat(),
            "measures": "加装防护罩"}))
        side_actions.request_extension(staff, hazard.id, {
            "reason": "防护罩配件需从厂家订购", "new_deadline": deadline + timedelta(days=10)})
        hazard_id, name = hazard.id, supervisor.username

    log_in(phone, name, base=live_server)
    phone.goto(f"{live_server}/")
    queue = phone.locator("#work-queue")
    expect(queue).to_be_visible()
    # The queue comes first on the page, above the other cards.
    assert phone.locator("main section.card").first.get_attribute("id") == "work-queue"
    row = phone.locator("#work-extensions li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("南安恒源机械有限公司")
    expect(row).to_contain_text("防护罩配件需从厂家订购")
    expect(row).to_contain_text(f"#{hazard_id}")
    expect(phone.locator("#work-count")).to_have_text("1")
    phone.screenshot(path=str(shots / "work-queue-supervisor.png"), full_page=True)

    # The row leads straight to the decision on the hazard's page.
    row.locator("a").first.click()
    expect(phone).to_have_url(re.compile(rf"/hazards/{hazard_id}#status-panel$"))
    decide = phone.locator("form[action*='/extension/'][action$='/approve']")
    decide.locator("input[name=note]").fill("同意延期")
    phone.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    expect(phone.locator("#work-count")).to_have_text("1")
    decide.locator("button").click()
    expect(phone.locator("#status-panel")).to_contain_text(re.compile("approved|已批准"))
    expect(phone.locator("#work-count")).to_have_count(0)
    expect(phone.locator("#work-link")).to_have_count(1)  # the icon stays, its badge goes
    assert phone.evaluate("window.sameDocument === true")  # an htmx swap, not a new page

    phone.goto(f"{live_server}/")
    expect(phone.locator("#work-extensions")).to_have_count(0)
    expect(phone.locator("#work-count")).to_have_count(0)
    expect(phone.locator("#work-queue")).to_contain_text(re.compile("Nothing is waiting|暂无待处理"))
