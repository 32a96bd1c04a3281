"""The field loop on a phone: scan → log in → tick the checklist → photo a failure → submit →
find the hazard. Ticks are htmx swaps, so the page must never reload while answering."""

import io
import re

from PIL import ExifTags, Image
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_grid, make_site, make_user

# Set on the checklist once it loads; it is gone if anything reloads the page.
MARKER = "window.__marker"
# Counts finished swaps: htmx's, and the outbox's (outbox.js) for the checklist's writes. htmx
# wires up swapped-in content only when it settles, so the next tap on a new element waits for
# this (else it would be a plain form post).
WATCH_SETTLES = """() => {
  window.__settles = 0;
  document.addEventListener("htmx:afterSettle", () => { window.__settles += 1; });
  document.addEventListener("outbox:swapped", () => { window.__settles += 1; });
}"""


def _loop_data(app) -> dict:
    """An inspector, the grid they cover and a small restaurant in it."""
    with app.app_context():
        grid = make_grid()
        user = make_user("inspector", grids=[grid])
        site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="orange")
        return {"username": user.username, "site_id": site.id, "site_name": site.name,
                "token": site.qr_token}


def _scan_and_log_in(page: Page, base: str, data: dict) -> None:
    """Open the site's QR link logged out, log in, and land on the site page."""
    page.goto(f"{base}/s/{data['token']}")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.fill("input[name=login]", data["username"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action$='/auth/login'] button").click()
    expect(page).to_have_url(f"{base}/sites/{data['site_id']}")
    expect(page.locator("h1")).to_have_text(data["site_name"])


def _start(page: Page) -> str:
    """Press the first start button; return the checklist URL it opens."""
    page.locator("form[action*='/inspections/start/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    expect(page.locator("article.item").first).to_be_visible()
    page.evaluate(f"{MARKER} = 'no reload'")
    page.evaluate(WATCH_SETTLES)
    return page.url


def _swapped(page: Page, action) -> None:
    """Do `action` and wait until the htmx swap it causes has settled."""
    before = page.evaluate("window.__settles")
    action()
    page.wait_for_function("n => window.__settles > n", arg=before)


def _tick(page: Page, item_id: str, result: str) -> None:
    """Tap pass/fail/na on one item and wait for the swapped-in item to show it."""
    _swapped(page, page.locator(f"#{item_id} .tick-{result}").tap)
    expect(page.locator(f"#{item_id}")).to_have_class(re.compile(rf"\bresult-{result}\b"))
    expect(page.locator(f"#{item_id} .tick-{result}")).to_have_attribute("aria-pressed", "true")


def _assert_not_reloaded(page: Page, url: str) -> None:
    assert page.url == url
    assert page.evaluate(MARKER) == "no reload"


def _item_ids(page: Page, selector: str = "article.item") -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.id)")


def _camera_jpeg(path) -> None:
    """A phone-like JPEG: landscape pixels, EXIF saying 'rotate 90°', and where it was taken."""
    img = Image.new("RGB", (640, 480), (200, 40, 40))
    img.paste((30, 30, 200), (0, 0, 320, 480))  # two halves, so orientation is visible
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (27.0, 50.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (113.0, 8.0, 3.0),
    }
    img.save(path, "JPEG", exif=exif.tobytes())
    with Image.open(path) as check:
        exif = check.getexif()
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) and exif[ExifTags.Base.Orientation] == 6


def test_scan_inspect_photo_submit_and_find_the_hazard(app, live_server, phone, shots, tmp_path):
    data = _loop_data(app)
    photo_file = tmp_path / "IMG_0001.jpg"
    _camera_jpeg(photo_file)
    page = phone

    _scan_and_log_in(page, live_server, data)
    page.screenshot(path=str(shots / "site.png"), full_page=True)
    url = _start(page)
    expect(page.locator(".run-head span[title]")).to_have_count(1)  # 📍 started from a scan

    ids = _item_ids(page)
    failing = _item_ids(page, "article.item.major")[0]  # the NINE guideline has major items
    total = len(ids)
    assert total > 5
    for n, item_id in enumerate(i for i in ids if i != failing):
        _tick(page, item_id, "na" if n % 4 == 3 else "pass")
        if n == total // 2:  # what the inspector sees mid-run: sticky progress and ticks
            page.screenshot(path=str(shots / "checklist.png"))
    _assert_not_reloaded(page, url)

    # Failing a major hazard item asks for confirmation first.
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    _tick(page, failing, "fail")
    assert len(dialogs) == 1 and dialogs[0]
    item = page.locator(f"#{failing}")
    item.locator("textarea[name=note]").fill("灭火器压力不足")
    _swapped(page, item.locator("button.small[name=result][value=fail]").tap)
    expect(item.locator("textarea[name=note]")).to_have_value("灭火器压力不足")
    # The photo uploads when chosen (hx-trigger="change"); the item comes back with a thumbnail.
    _swapped(page, lambda: item.locator("input[name=photo]").set_input_files(photo_file))
    expect(item.locator(".thumbs img")).to_have_count(1)
    expect(item.locator(".thumbs img")).to_be_visible()
    expect(item.locator("textarea[name=note]")).to_have_value("灭火器压力不足")

    progress = page.locator("#progress progress")
    expect(progress).to_have_attribute("value", str(total))
    expect(progress).to_have_attribute("max", str(total))
    expect(page.locator("#progress")).to_contain_text(f"{total}")
    expect(page.locator("#progress .warn")).to_contain_text("1")  # one failed
    _assert_not_reloaded(page, url)

    page.locator("#submit-panel button").click()
    expect(page.locator("section.done")).to_be_visible()
    expect(page.locator("#submit-panel")).to_have_count(0)
    expect(page.locator("article.item .tick-pass")).to_have_count(0)  # read-only now
    assert page.url.split("#")[0] == url

    page.goto(f"{live_server}/hazards/")
    card = page.locator("#just-found li")  # the inspector's new findings head the queue
    expect(card).to_have_count(1)
    expect(card).to_contain_text(data["site_name"])
    expect(card).to_contain_text("灭火器压力不足")
    card.locator("a").click()
    expect(page).to_have_url(re.compile(r"/hazards/\d+$"))
    img = page.locator(".thumbs img")
    expect(img).to_have_count(1)
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    page.screenshot(path=str(shots / "hazard.png"), full_page=True)

    # What the server keeps has no EXIF at all (no GPS), and the rotation was applied.
    for href in (page.locator(".thumbs a").get_attribute("href"), img.get_attribute("src")):
        resp = page.request.get(href)
        assert resp.ok and resp.headers["content-type"] == "image/jpeg"
        body = resp.body()
        with Image.open(io.BytesIO(body)) as stored:
            assert stored.format == "JPEG"
            assert not stored.getexif() and "exif" not in stored.info
            assert stored.height > stored.width  # EXIF orientation 6 turned 640x480 upright
        assert b"Exif\x00\x00" not in body and b"TestPhone" not in body


def test_submit_with_unanswered_items_names_them_and_stays(app, live_server, phone):
    data = _loop_data(app)
    page = phone
    _scan_and_log_in(page, live_server, data)
    url = _start(page)
    ids = _item_ids(page)
    _tick(page, ids[0], "pass")
    _tick(page, ids[1], "na")
    # The codes' text, not innerText: items below the screen are not laid out until scrolled
    # to (content-visibility, static/app.css), and innerText reads the layout.
    answered = set(page.locator(f"#{ids[0]} .code, #{ids[1]} .code").all_text_contents())
    # Messages list items in checklist order, which the codes follow (NINE-01, NINE-02…).
    unanswered = sorted(set(page.locator("article.item .code").all_text_contents()) - answered)

    page.locator("#submit-panel button").click()

    error = page.locator("#submit-panel .error-msg")
    expect(error).to_be_visible()
    expect(error).to_contain_text(str(len(ids) - 2))
    expect(error).to_contain_text(unanswered[0])
    missing = page.locator("#submit-panel .missing li")
    expect(missing).to_have_count(len(ids) - 2)
    for code, text in zip(unanswered, missing.all_inner_texts(), strict=True):
        assert text.startswith(code)
    expect(page.locator("section.done")).to_have_count(0)
    _assert_not_reloaded(page, url)
    # Each entry links to its item on this page.
    first = missing.first.locator("a").get_attribute("href")
    expect(page.locator(f"{first} .code")).to_have_text(unanswered[0])


def test_closed_browser_resumes_the_same_inspection_with_its_answers(app, live_server, new_phone):
    data = _loop_data(app)
    first = new_phone()
    _scan_and_log_in(first, live_server, data)
    url = _start(first)
    ids = _item_ids(first)
    answered = {ids[0]: "pass", ids[1]: "na", ids[2]: "pass"}
    for item_id, result in answered.items():
        _tick(first, item_id, result)
    first.context.close()  # the inspector's phone kills the browser

    again = new_phone()
    _scan_and_log_in(again, live_server, data)
    resume = again.locator(f"a.button[href='{url.removeprefix(live_server)}']")
    expect(resume).to_have_count(1)
    expect(again.locator("a.button[href*='/inspections/']")).to_have_count(1)
    resume.click()
    expect(again).to_have_url(url)
    for item_id, result in answered.items():
        tick = again.locator(f"#{item_id} .tick-{result}")
        expect(again.locator(f"#{item_id}")).to_have_class(re.compile(rf"\bresult-{result}\b"))
        expect(tick).to_have_attribute("aria-pressed", "true")
    expect(again.locator("article.item.answered")).to_have_count(len(answered))
    expect(again.locator("#progress progress")).to_have_attribute("value", str(len(answered)))

    # Starting again from the site page resumes it too, rather than opening a second one.
    again.go_back()
    expect(again).to_have_url(f"{live_server}/sites/{data['site_id']}")
    again.locator("form[action*='/inspections/start/'] button").first.click()
    expect(again).to_have_url(url)
