"""A dead spot never loses a tick, a note or a photo: the outbox (static/outbox.js) and the
service worker (static/sw.js) on a 360x740 phone, with the network cut by Playwright and
throttled through CDP. Every check of what was saved is made in the database."""

import re

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.idempotency import Receipt
from inspect_app.models import Answer, Hazard, Inspection, Photo
from tests.factories import PASSWORD, make_grid, make_site, make_user

ALL_SAVED = "全部已保存"


def _field(app) -> dict:
    with app.app_context():
        grid = make_grid()
        user = make_user("inspector", grids=[grid])
        site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="orange")
        return {"username": user.username, "site_id": site.id}


def _log_in(page: Page, username: str) -> None:
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action^='/auth/login'] button").click()


def _open_checklist(page: Page, base: str, data: dict) -> int:
    """Log in, start the site's checklist, and wait until the service worker controls the page
    and the outbox has taken the writes over."""
    page.goto(f"{base}/auth/login?next=/sites/{data['site_id']}")
    _log_in(page, data["username"])
    expect(page).to_have_url(f"{base}/sites/{data['site_id']}")
    page.locator("form[action*='/inspections/start/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    return int(page.url.rsplit("/", 1)[1])


def _items(page: Page, selector: str = "article.item:not(.major)") -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.id)")


def _photo(path, size=(900, 700), noise=False) -> None:
    img = Image.new("RGB", size, (200, 40, 40))
    if noise:  # incompressible, so the file is big enough to take a while on a slow link
        img = Image.frombytes("RGB", size, __import__("os").urandom(size[0] * size[1] * 3))
    img.save(path, "JPEG", quality=95)


def _answers(app, inspection_id) -> dict[int, Answer]:
    with app.app_context():
        return {a.item_id: a for a in db.session.scalars(
            select(Answer).where(Answer.inspection_id == inspection_id))}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(*where))


def _item_id(dom_id: str) -> int:
    return int(dom_id.split("-")[1])


def test_offline_ticks_note_and_photo_are_each_saved_once_when_back_online(
        app, live_server, phone, tmp_path):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    ids = _items(page)[:10]
    photo = tmp_path / "leak.jpg"
    _photo(photo)

    page.context.set_offline(True)
    for n, dom_id in enumerate(ids):
        page.locator(f"#{dom_id} .tick-{'fail' if n == 3 else 'pass'}").tap()
        tapped = page.locator(f"#{dom_id} .tick-{'fail' if n == 3 else 'pass'}")
        # Waiting, and never shown as saved.
        expect(tapped).to_have_class(re.compile(r"\bqueued\b"))
        expect(tapped).to_have_attribute("aria-pressed", "false")
        expect(page.locator(f"#{dom_id}")).not_to_have_class(re.compile(r"\bresult-"))
    expect(page.locator("#toast")).to_contain_text("没有网络")
    failing = page.locator(f"#{ids[3]}")
    note = failing.locator("textarea[name=note]")
    note.fill("后门被纸箱堵住")
    note.blur()
    failing.locator("input[name=photo]").set_input_files(photo)
    expect(failing.locator(".pending-photo")).to_have_count(1)
    expect(page.locator("#outbox-bar")).to_have_text("12 条待上传")
    expect(failing.locator(".item-state")).to_have_text("等待上传")
    assert _answers(app, inspection_id) == {}  # nothing reached the server

    page.context.set_offline(False)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED, timeout=30_000)
    expect(failing.locator(".thumbs img:not(.pending-photo img)")).to_have_count(1)
    expect(failing.locator("textarea[name=note]")).to_have_value("后门被纸箱堵住")
    expect(page.locator(f"#{ids[0]} .tick-pass")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#toast")).to_be_hidden()  # a later success clears the offline notice

    answers = _answers(app, inspection_id)
    assert set(answers) == {_item_id(i) for i in ids}
    assert answers[_item_id(ids[3])].result == "fail"
    assert answers[_item_id(ids[3])].note == "后门被纸箱堵住"
    assert all(a.result == "pass" for k, a in answers.items() if k != _item_id(ids[3]))
    assert _count(app, Photo) == 1
    assert _count(app, Photo, Photo.answer_id == answers[_item_id(ids[3])].id) == 1
    assert _count(app, Receipt) == 12  # each write once: a repeat would reuse its key, not add one


def test_reload_offline_opens_the_started_inspection_from_the_cache(app, live_server, phone):
    data = _field(app)
    page = phone
    page.on("dialog", lambda d: d.accept())  # "leave with unsent changes?" on reload
    inspection_id = _open_checklist(page, live_server, data)
    ids = _items(page)
    for dom_id in ids[:2]:
        page.locator(f"#{dom_id} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    expect(page.locator(f"#{ids[1]} .tick-pass")).to_have_attribute("aria-pressed", "true")

    page.context.set_offline(True)
    page.locator(f"#{ids[2]} .tick-na").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    page.reload()
    # The cached page, with the answers saved before and the one still queued painted over it.
    expect(page.locator(f"#{ids[0]}")).to_have_class(re.compile(r"\bresult-pass\b"))
    expect(page.locator(f"#{ids[1]} .tick-pass")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#{ids[2]} .tick-na")).to_have_class(re.compile(r"\bqueued\b"))
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    page.locator(f"#{ids[3]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("2 条待上传")
    assert set(_answers(app, inspection_id)) == {_item_id(i) for i in ids[:2]}

    page.context.set_offline(False)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED, timeout=30_000)
    answers = _answers(app, inspection_id)
    assert {k: a.result for k, a in answers.items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "pass", _item_id(ids[2]): "na",
        _item_id(ids[3]): "pass"}


def test_checklist_opened_without_a_tick_reopens_offline(app, live_server, phone):
    """The service worker leaves the running checklist to the outbox, which keeps its copy from
    the moment it starts: no tick is needed for the page to reopen without signal."""
    data = _field(app)
    page = phone
    _open_checklist(page, live_server, data)
    page.evaluate("caches.delete('pages')")
    page.reload()  # under the service worker now, which streams it untouched
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    ids = _items(page, "article.item")
    page.wait_for_function("""() => caches.open('pages').then(c => c.match(location.href))
                              .then(r => !!r)""")

    page.context.set_offline(True)
    page.reload()
    expect(page.locator("article.item")).to_have_count(len(ids))
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    page.locator(f"#{ids[0]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")

    page.context.set_offline(False)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED, timeout=30_000)


def test_expired_session_keeps_three_queued_ticks_and_sends_them_after_login(
        app, live_server, phone):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    ids = _items(page)[:3]
    page.context.clear_cookies()  # the session is gone, as after a timeout
    for dom_id in ids:
        page.locator(f"#{dom_id} .tick-pass").tap()
    toast = page.locator("#toast")
    expect(toast).to_contain_text("重新登录")
    expect(page.locator("#outbox-bar")).to_have_text("3 条待上传")
    assert _answers(app, inspection_id) == {}

    toast.locator("a.login-again").click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    _log_in(page, data["username"])
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection_id}#item-\d+$"))  # back at the item
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    assert set(_answers(app, inspection_id)) == {_item_id(i) for i in ids}


def _tick_all_but(page: Page, failing: str) -> None:
    for dom_id in _items(page, "article.item"):
        if dom_id != failing:
            page.locator(f"#{dom_id} .tick-pass").tap()
    page.locator(f"#{failing} .tick-fail").tap()
    expect(page.locator(f"#{failing}")).to_have_class(re.compile(r"\bresult-fail\b"))
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)


def test_submit_waits_for_a_photo_still_uploading(app, live_server, phone, tmp_path):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[0]
    _tick_all_but(page, failing)
    photo = tmp_path / "big.jpg"
    _photo(photo, size=(560, 420), noise=True)  # ~350 KB, below the phone-side shrink
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {   # one bar of 3G: ~100 KB/s up
        "offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 100_000})
    page.locator(f"#{failing} input[name=photo]").set_input_files(photo)
    page.locator("#submit-panel button").tap()
    wait = page.locator("#submit-panel .submit-wait")
    expect(wait).to_have_text("还有1张照片在上传…")
    expect(page.locator(f"#{failing} .pending-photo progress")).not_to_have_attribute("value", "0")
    assert _count(app, Inspection, Inspection.submitted_at.is_not(None)) == 0
    expect(page.locator("section.done")).to_be_visible(timeout=30_000)
    with app.app_context():
        hazard = db.session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
        assert [p.hazard_id for p in hazard.photos] == [hazard.id]


def test_double_tap_on_submit_files_one_set_of_hazards(app, live_server, phone):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[1]
    _tick_all_but(page, failing)
    page.locator("#submit-panel button").dblclick()
    expect(page.locator("section.done")).to_be_visible()
    expect(page.locator("section.done a[href^='/hazards/']").first).to_be_visible()
    assert _count(app, Hazard, Hazard.inspection_id == inspection_id) == 1
    page.goto(f"{live_server}/hazards/")
    expect(page.locator("#just-found li")).to_have_count(1)


def test_refused_tick_keeps_the_card_and_says_why(app, live_server, new_phone):
    data = _field(app)
    page = new_phone()
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[0]
    _tick_all_but(page, failing)
    # A second tab submits; the first one still shows the checklist and ticks there.
    page.request.post(f"{live_server}/inspections/{inspection_id}/submit", headers={
        "X-CSRFToken": page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']"),
        "HX-Request": "true"})
    page.locator(f"#{failing} .tick-pass").tap()
    item = page.locator(f"#{failing}")
    expect(item.locator(".item-state")).to_contain_text("已提交")
    expect(item).to_have_attribute("data-state", "refused")
    expect(item.locator(".tick-pass")).to_be_visible()  # the card kept its controls
    expect(item.locator(".req")).to_be_visible()
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)  # refused is not "waiting"
    assert _answers(app, inspection_id)[_item_id(failing)].result == "fail"


def test_logout_warns_of_unsent_writes_and_clears_pages_and_queue(app, live_server, phone):
    data = _field(app)
    page = phone
    _open_checklist(page, live_server, data)
    assert page.evaluate("caches.has('pages')")
    page.route("**/inspections/*/items/*", lambda route: route.abort())  # the server is unreachable
    page.locator(f"#{_items(page)[0]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    messages = []
    page.on("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.locator("form[data-logout] button").click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    assert len(messages) == 1 and "1" in messages[0]  # warned before anything was dropped
    assert not page.evaluate("caches.has('pages')")  # no page of the last user is left
    left = page.evaluate("""() => new Promise(r => { const q = indexedDB.open('inspect-outbox', 1);
        q.onupgradeneeded = () => q.result.createObjectStore(
            'entries', {keyPath: 'seq', autoIncrement: true});
        q.onsuccess = () => { const t = q.result.transaction('entries').objectStore('entries').count();
                              t.onsuccess = () => r(t.result); }; })""")
    assert left == 0
