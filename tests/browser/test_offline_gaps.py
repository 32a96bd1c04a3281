"""What the outbox's first tests left out: HEIC photos and the same photo picked twice, several
photos picked at once keeping their own capture times, a note being typed surviving an upload,
another user on the same phone, and a new service-worker version waiting for the user.
Reuses the checklist helpers of test_offline.py; every check of what was saved is in the database."""

import contextlib
import re

import pillow_heif
from PIL import ExifTags, Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.idempotency import Receipt
from inspect_app.models import Photo, Site
from tests.browser.test_offline import (
    ALL_SAVED,
    _answers,
    _count,
    _field,
    _item_id,
    _items,
    _log_in,
    _open_checklist,
    _photo,
)
from tests.factories import make_user

THUMB = ".thumbs img:not(.pending-photo img)"
# The cache names once the controlling worker has finished activating (its clean-up is done).
ACTIVATED_CACHES = """async () => {
    const r = await navigator.serviceWorker.getRegistration();
    const w = r.active;
    if (w.state !== "activated") await new Promise(done => w.addEventListener(
        "statechange", () => w.state === "activated" && done()));
    return (await navigator.serviceWorker.getRegistration()).waiting === null && caches.keys();
}"""


def _fail(page, dom_id: str) -> None:
    page.locator(f"#{dom_id} .tick-fail").tap()
    expect(page.locator(f"#{dom_id}")).to_have_class(re.compile(r"\bresult-fail\b"))
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)


def _photo_post(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/photos")


def _loaded(locator) -> None:
    """Every image the locator matches has been fetched and decoded by the browser."""
    expect(locator.first).to_be_visible()
    locator.first.page.wait_for_function(
        "els => els.every(i => i.complete && i.naturalWidth > 0)", arg=locator.element_handles())


def test_heic_photo_is_accepted_and_the_same_file_picked_twice_is_stored_once(
        app, live_server, phone, tmp_path):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[0]
    _fail(page, failing)
    heic = tmp_path / "IMG_0042.HEIC"
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (30, 120, 200))).save(heic, quality=80)
    item = page.locator(f"#{failing}")

    with page.expect_response(_photo_post) as first:
        item.locator("input[name=photo]").set_input_files(heic)
    assert first.value.status == 200
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    expect(item.locator(THUMB)).to_have_count(1)
    _loaded(item.locator(THUMB))  # the server's JPEG thumbnail, which the browser can show
    expect(item).not_to_have_attribute("data-state", "refused")

    with page.expect_response(_photo_post) as second:
        item.locator("input[name=photo]").set_input_files(heic)  # picked again from the gallery
    assert second.value.status == 200
    expect(item.locator(".pending-photo")).to_have_count(0)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    expect(item.locator(THUMB)).to_have_count(1)
    answer = _answers(app, inspection_id)[_item_id(failing)]
    with app.app_context():
        photos = db.session.scalars(select(Photo)).all()
        assert [(p.answer_id, p.width, p.height) for p in photos] == [(answer.id, 640, 480)]
    assert _count(app, Photo) == 1


def test_a_note_being_typed_survives_a_photo_upload_and_is_saved(app, live_server, phone, tmp_path):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[1]
    _fail(page, failing)
    item = page.locator(f"#{failing}")
    photo = tmp_path / "exit.jpg"
    _photo(photo)
    note = item.locator("textarea[name=note]")

    whole = "消防通道被纸箱堵住"
    with page.expect_response(lambda r: r.request.method == "POST" and whole.encode()
                              in (r.request.post_data_buffer or b"")) as saved:
        note.focus()
        page.keyboard.type("消防通道")
        with page.expect_response(_photo_post):
            item.locator("input[name=photo]").set_input_files(photo)  # no blur: still typing
            page.keyboard.type("被纸箱堵住")
        expect(item.locator(THUMB)).to_have_count(1)  # the upload came back, the card was redrawn
        expect(item.locator(".pending-photo")).to_have_count(0)
        expect(note).to_have_value(whole)
        expect(note).to_be_focused()
    assert saved.value.status == 200
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)  # the debounced note went too
    answer = _answers(app, inspection_id)[_item_id(failing)]
    assert answer.note == whole
    assert _count(app, Photo, Photo.answer_id == answer.id) == 1


def _photo_taken(path, colour, taken: str) -> None:
    """A small JPEG whose EXIF DateTimeOriginal is `taken` (under the phone-side shrink's floor,
    so the server reads the time from the file itself)."""
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    Image.new("RGB", (800, 600), colour).save(path, "JPEG", quality=90, exif=exif)


def test_photos_picked_together_each_keep_their_own_capture_time(app, live_server, phone, tmp_path):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[2]
    _fail(page, failing)
    taken = {"a.jpg": ("2026:11:30 08:15:00", (200, 30, 30)),
             "b.jpg": ("2026:11:30 09:40:12", (30, 200, 30)),
             "c.jpg": ("2026:11:29 17:05:59", (30, 30, 200))}
    files = []
    for name, (when, colour) in taken.items():
        _photo_taken(tmp_path / name, colour, when)
        files.append(tmp_path / name)
    item = page.locator(f"#{failing}")

    item.locator("input[name=photo]").set_input_files(files)  # three picked from the gallery at once
    expect(item.locator(THUMB)).to_have_count(3)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    answer = _answers(app, inspection_id)[_item_id(failing)]
    with app.app_context():
        times = sorted(p.taken_at.strftime("%Y:%m:%d %H:%M:%S") for p in db.session.scalars(
            select(Photo).where(Photo.answer_id == answer.id)))
    assert times == sorted(when for when, _ in taken.values())


def test_a_new_service_worker_is_announced_and_waits_for_the_button(
        app, live_server, phone, monkeypatch):
    data = _field(app)
    page = phone
    _open_checklist(page, live_server, data)
    old = page.evaluate("caches.keys()")
    assert [n for n in old if n.startswith("static-")] and "static-v2-test" not in old
    page.evaluate("window.__samePage = true")  # gone if the page is reloaded under the user
    serve = app.view_functions["web.service_worker"]

    def new_version():  # as after a deploy that changed sw.js
        resp = serve()
        resp.set_data(re.sub(r'const VERSION = "[^"]*";', 'const VERSION = "v2-test";',
                             resp.get_data(as_text=True), count=1))
        return resp

    monkeypatch.setitem(app.view_functions, "web.service_worker", new_version)
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    bar = page.locator("#update-bar")
    expect(bar).to_contain_text("新版本可用")
    # Installed, but not swapped: the old version still controls the page and its caches stay.
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.waiting !== null)")
    assert page.evaluate("caches.keys()").count("static-v2-test") == 1
    assert set(old) <= set(page.evaluate("caches.keys()"))
    assert page.evaluate("window.__samePage") is True
    tick = page.locator(f"#{_items(page)[0]} .tick-pass")
    tick.tap()  # the page still works meanwhile
    expect(tick).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)

    bar.locator("button").click()
    page.wait_for_function(
        "() => window.__samePage === undefined && navigator.serviceWorker.controller !== null")
    expect(page.locator("#update-bar")).to_have_count(0)
    # Once the new version is activated, only its static cache is left.
    assert [n for n in page.evaluate(ACTIVATED_CACHES) if n.startswith("static-")] == ["static-v2-test"]


# How many outbox entries this phone still holds and which pages it keeps, once the page's start-up
# clean-up is done (it runs as the page loads; asked again until it is, as expect() would).
LEFT_ON_PHONE = """async () => {
    const held = () => new Promise(r => { const q = indexedDB.open('inspect-outbox', 1);
        q.onsuccess = () => { const t = q.result.transaction('entries').objectStore('entries').count();
                              t.onsuccess = () => { q.result.close(); r(t.result); }; }; });
    const pages = async () => (await caches.has('pages'))
        ? (await (await caches.open('pages')).keys()).map(k => new URL(k.url).pathname) : [];
    for (let n = 0; n < 100; n++) {
        const [count, kept] = [await held(), await pages()];
        if (count === 0 && !kept.some(p => p.startsWith('/inspections/'))) return [count, kept];
        await new Promise(r => setTimeout(r, 100));
    }
    return [await held(), await pages()];
}"""


def test_another_user_logging_in_gets_nothing_of_the_last_users_pages_or_queue(
        app, live_server, phone):
    data = _field(app)
    with app.app_context():
        user = make_user("inspector", grids=[db.session.get(Site, data["site_id"]).grid])
        other, other_id = user.username, user.id
    page = phone
    page.on("dialog", lambda d: d.accept())  # leaving with unsent writes
    theirs = _open_checklist(page, live_server, data)
    page.route("**/inspections/*/items/*", lambda route: route.abort())  # the server is unreachable
    page.locator(f"#{_items(page)[0]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    assert "/inspections/" in " ".join(page.evaluate(
        "caches.open('pages').then(c => c.keys()).then(ks => ks.map(k => k.url))"))

    page.context.clear_cookies()  # the first inspector's session is over; someone else logs in
    page.goto(f"{live_server}/auth/login")
    # Before anyone logs in, the login page warns that a stranger's login deletes the queued write.
    expect(page.locator("#unsent-notice")).to_contain_text("还有1条记录未上传")
    _log_in(page, other)
    expect(page).to_have_url(f"{live_server}/")
    page.unroute("**/inspections/*/items/*")
    count, kept = page.evaluate(LEFT_ON_PHONE)
    assert count == 0 and not [p for p in kept if p.startswith("/inspections/")]

    page.context.set_offline(True)  # the last user's checklist is not served from the cache
    with contextlib.suppress(PlaywrightError):  # the browser's own offline error
        page.goto(f"{live_server}/inspections/{theirs}")
    expect(page.locator("article.item")).to_have_count(0)
    page.context.set_offline(False)

    # The second inspector's own checklist, where an outbox sends: only their own write goes.
    page.goto(f"{live_server}/sites/{data['site_id']}")
    page.locator("form[action*='/inspections/start/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    mine = int(page.url.rsplit("/", 1)[1])
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    tick = page.locator(f"#{_items(page)[1]} .tick-fail")
    tick.tap()
    expect(tick).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)
    assert mine != theirs
    assert _answers(app, theirs) == {}
    assert list(_answers(app, mine)) == [_item_id(_items(page)[1])]
    with app.app_context():
        assert [(r.user_id, r.kind) for r in db.session.scalars(select(Receipt))] == [
            (other_id, "answer")]
