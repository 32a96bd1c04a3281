"""The hazard page's action forms on a phone: a refused step swaps only the status panel, with
the field's message beside it and the typed values kept; the corrected step swaps in the hazard."""

import re

from playwright.sync_api import expect

from inspect_app.extensions import db
from inspect_app.hazards import service
from inspect_app.models import Hazard
from tests.browser.pages import log_in
from tests.factories import make_grid, make_site, make_user


def test_refused_confirm_marks_the_field_in_place_then_confirms(app, live_server, new_phone, shots):
    with app.app_context():
        grid = make_grid()
        site = make_site(grid, name="南安鑫盛机械有限公司")
        supervisor = make_user("supervisor")
        hazard = service.report(site_id=site.id, description="配电箱门缺失", level="general",
                                source="patrol", reporter=make_user("inspector", grids=[grid]))
        db.session.commit()
        hazard_id, username = hazard.id, supervisor.username

    page = new_phone()
    log_in(page, username, base=live_server)
    page.goto(f"{live_server}/hazards/{hazard_id}")
    page.locator("summary", has_text=re.compile("^(Confirm|确认)$")).click()
    form = page.locator(f"form[action='/hazards/{hazard_id}/confirm']")
    form.locator("input[name=responsible_name]").fill("王五")
    form.locator("input[name=funds]").fill("三千")
    form.locator("button.primary").click()
    # The panel came back in place: the same page, the form open, the message at the field.
    error = page.locator("#confirm-funds-error")
    expect(error).to_be_visible()
    expect(page).to_have_url(f"{live_server}/hazards/{hazard_id}")
    form = page.locator(f"form[action='/hazards/{hazard_id}/confirm']")
    expect(form.locator("input[name=responsible_name]")).to_have_value("王五")
    expect(form.locator("input[name=funds]")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(shots / "hazard-confirm-refused.png"), full_page=True)
    with app.app_context():
        assert db.session.get(Hazard, hazard_id).status == "reported"

    form.locator("input[name=funds]").fill("3000")
    form.locator("button.primary").click()
    expect(page.locator("#status-panel")).to_contain_text(re.compile("Confirmed|已确认"))
    expect(page.locator("#confirm-funds-error")).to_have_count(0)
    expect(page.locator("#hazard .facts")).to_contain_text("王五")
    with app.app_context():
        assert db.session.get(Hazard, hazard_id).status == "confirmed"
