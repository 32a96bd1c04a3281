"""Closing the loop on phones: the enterprise rectifies with an after-photo, the grid
inspector verifies, and the hazard leaves the open lists."""

import re
from datetime import timedelta

from PIL import Image
from playwright.sync_api import expect

from inspect_app.extensions import db
from inspect_app.hazards import lifecycle, service
from inspect_app.hazards.forms import transition
from inspect_app.timeutil import local_today
from tests.browser.pages import log_in
from tests.factories import make_grid, make_site, make_user


def test_enterprise_rectifies_inspector_verifies_hazard_closes(app, live_server, new_phone,
                                                               shots, tmp_path):
    with app.app_context():
        grid = make_grid()
        site = make_site(grid, name="南安鑫盛机械有限公司")
        staff = make_user("enterprise", site=site, position="safety_manager")
        inspector = make_user("inspector", grids=[grid])
        supervisor = make_user("supervisor")
        hazard = service.report(site_id=site.id, description="砂轮机防护罩缺失", level="general",
                                source="patrol", reporter=inspector)
        db.session.commit()
        lifecycle.perform(supervisor, hazard.id, "confirm", transition("confirm", {
            "responsible_name": "李美玲", "deadline": (local_today() + timedelta(days=7)).isoformat(),
            "measures": "加装防护罩"}))
        hazard_id, staff_name, inspector_name = hazard.id, staff.username, inspector.username
    after = tmp_path / "after.jpg"
    Image.new("RGB", (1200, 900), (40, 160, 60)).save(after, "JPEG")

    # The enterprise's safety manager, on a phone: the hazard is in their list.
    page = new_phone()
    log_in(page, staff_name, base=live_server)
    page.goto(f"{live_server}/hazards/")
    page.locator(f"a[href='/hazards/{hazard_id}']").click()
    expect(page.locator("#status-panel")).to_contain_text("2")  # the deadline is shown
    page.locator("summary", has_text=re.compile("Submit rectification|提交整改")).click()
    page.fill("textarea[name=rectified_note]", "已加装防护罩并试机")
    page.fill("input[name=rectification_cost]", "350")
    page.set_input_files("form[action$='/submit'] input[name=photos]", str(after))
    page.locator("form[action$='/submit'] button.primary").click()
    expect(page).to_have_url(f"{live_server}/hazards/{hazard_id}")
    expect(page.locator(".before-after img[alt^='After'], .before-after img[alt^='整改后']")).to_have_count(1)
    page.screenshot(path=str(shots / "rectification.png"), full_page=True)
    # Nobody verifies their own work: there is no verify button for the submitter.
    expect(page.locator("form[action$='/verify']")).to_have_count(0)

    # The grid inspector verifies on their phone.
    insp = new_phone()
    log_in(insp, inspector_name, base=live_server)
    insp.goto(f"{live_server}/hazards/{hazard_id}")
    insp.locator("summary", has_text=re.compile("Verify and close|复查销号|复查")).click()
    insp.locator("form[action$='/verify'] button.primary").click()
    # The page's address is the same before and after: wait for the verify form to go, so the
    # queue below is read after the close (under load it was read before it).
    expect(insp.locator("form[action$='/verify']")).to_have_count(0)
    expect(insp).to_have_url(f"{live_server}/hazards/{hazard_id}")
    after_img = insp.locator(".before-after img").first
    expect(after_img).to_be_visible()
    assert insp.evaluate("img => img.naturalWidth", after_img.element_handle()) > 0
    # Closed: gone from the open queue, present among the closed ones.
    insp.goto(f"{live_server}/hazards/")
    expect(insp.locator(f"a[href='/hazards/{hazard_id}']")).to_have_count(0)
    insp.goto(f"{live_server}/hazards/?status=closed")
    expect(insp.locator(f"a[href='/hazards/{hazard_id}']")).to_have_count(1)
    insp.screenshot(path=str(shots / "verified.png"), full_page=True)
