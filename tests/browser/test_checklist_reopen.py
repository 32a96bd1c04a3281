"""Reopening a running checklist: the service worker answers with the outbox's copy at once
(no round trip on a weak signal) and hands the tab the server's page as it arrives; the tab
swaps in what changed on the server and takes its CSRF token (static/sw.js ownCopy/revalidate,
static/outbox.js reconcile). What the copy showed is read at DOMContentLoaded, before the
server's page can have been swapped in. A tick is only taken as saved once its reply is on the
card (aria-pressed, rendered by the server), and then checked in the database."""

import re

from playwright.sync_api import expect

from tests.browser.test_offline import (
    ALL_SAVED,
    _answers,
    _field,
    _item_id,
    _items,
    _log_in,
    _open_checklist,
    _tick_all_but,
)
from tests.factories import PASSWORD

AT_PARSE = """document.addEventListener("DOMContentLoaded", () => {
  window.__atParse = {
    copy: document.documentElement.hasAttribute("data-copy"),
    items: Object.fromEntries([...document.querySelectorAll("article.item")].map(e => [e.id, e.className])),
    done: !!document.getElementById("done") };
});"""


def _copy_holds(page, dom_id: str, result: str) -> None:
    """Wait until the outbox's copy of this page shows `dom_id` answered `result`."""
    page.wait_for_function("""([id, result]) => caches.open('pages')
        .then(c => c.match(location.href)).then(r => r ? r.text() : '')
        .then(t => new RegExp('id="' + id + '"[^>]*result-' + result).test(t))""", arg=[dom_id, result])


def _first_tick_in_the_copy(page, live_server, data) -> tuple[int, list[str]]:
    """Open the running checklist, tick its first item and wait until the server and the
    outbox's copy both hold it: where every reopening below starts."""
    inspection_id = _open_checklist(page, live_server, data)
    ids = _items(page)
    page.locator(f"#{ids[0]} .tick-pass").tap()
    _saved(page, ids[0], "pass")
    _copy_holds(page, ids[0], "pass")
    return inspection_id, ids


def _post_elsewhere(page, url: str, **form) -> None:
    """A write made on another phone of the same inspector (this session, not this tab)."""
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    resp = page.request.post(url, form=form, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert resp.ok, resp.status


def test_reopened_checklist_opens_from_its_copy_then_shows_what_changed_on_the_server(
        app, live_server, phone):
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    _post_elsewhere(page, f"{live_server}/inspections/{inspection_id}/items/{_item_id(ids[1])}",
                    result="fail", note="灭火器过期")

    page.add_init_script(AT_PARSE)
    page.reload()
    failed = page.locator(f"#{ids[1]}")
    expect(failed).to_have_class(re.compile(r"\bresult-fail\b"))  # the server's page, swapped in
    expect(failed.locator("textarea[name=note]")).to_have_value("灭火器过期")
    expect(failed.locator(".fail-only").first).to_be_visible()
    seen = page.evaluate("window.__atParse")
    assert seen["copy"]  # the copy was what opened...
    assert "result-pass" in seen["items"][ids[0]]
    assert "result-" not in seen["items"][ids[1]]  # ...from before the other phone's tick
    expect(page.locator(f"#{ids[0]}")).to_have_class(re.compile(r"\bresult-pass\b"))
    expect(page.locator("#progress")).to_contain_text("2/")

    # Writes made after reopening are saved (the tab took the server's token), and the copy
    # now holds the other phone's tick for the next time it opens without signal.
    page.locator(f"#{ids[2]} .tick-na").tap()
    # Its reply first: the bar said "all saved" until the tap's write was in IndexedDB, so this
    # check once passed at once and the database was read before the tick was sent.
    _saved(page, ids[2], "na")
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "fail", _item_id(ids[2]): "na"}
    _copy_holds(page, ids[1], "fail")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(f"#{ids[1]}")).to_have_class(re.compile(r"\bresult-fail\b"))
    expect(page.locator(f"#{ids[2]}")).to_have_class(re.compile(r"\bresult-na\b"))


def test_ticks_queued_in_a_copy_opened_after_a_new_login_are_sent_with_the_new_token(
        app, live_server, phone):
    """The copy carries the CSRF token of the session it was kept in; after logging in again
    nothing queued is sent with it (it would be refused and the tick dropped)."""
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    page.context.set_offline(True)
    page.locator(f"#{ids[1]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    page.context.clear_cookies()  # the session ran out; the tick is still queued
    page.context.set_offline(False)
    expect(page.locator("#toast")).to_contain_text("重新登录")
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server}/auth/login?next=/sites/{data['site_id']}")
    page.fill("input[name=login]", data["username"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action^='/auth/login'] button").click()
    expect(page).to_have_url(f"{live_server}/sites/{data['site_id']}")

    cdp = page.context.new_cdp_session(page)  # the server's page comes well after the copy
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 1500, "downloadThroughput": 200_000, "uploadThroughput": 100_000})
    page.goto(f"{live_server}/inspections/{inspection_id}")
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED, timeout=30_000)
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "pass"}


def test_reopened_checklist_submitted_on_another_phone_shows_the_submitted_page(
        app, live_server, phone):
    data = _field(app)
    page = phone
    inspection_id = _open_checklist(page, live_server, data)
    failing = _items(page)[0]
    _tick_all_but(page, failing)
    _copy_holds(page, failing, "fail")
    _post_elsewhere(page, f"{live_server}/inspections/{inspection_id}/submit")

    page.add_init_script(AT_PARSE)
    page.reload()
    expect(page.locator("section.done")).to_be_visible()
    expect(page.locator("#submit-panel")).to_have_count(0)
    assert page.evaluate("window.__atParse")["done"]  # loaded again, as the server serves it now


def test_reopened_checklist_after_logging_out_elsewhere_goes_to_the_login(app, live_server, phone):
    data = _field(app)
    page = phone
    _, ids = _first_tick_in_the_copy(page, live_server, data)
    page.context.clear_cookies()
    page.reload()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    assert not page.evaluate("caches.open('pages').then(c => c.keys()).then(k => k.some("
                             "r => /\\/inspections\\/\\d+$/.test(r.url)))")


def _saved(page, dom_id: str, result: str) -> None:
    """The server's reply for this tick is on the card and nothing waits (the check made in
    the database after it is what counts)."""
    expect(page.locator(f"#{dom_id} .tick-{result}")).to_have_attribute("aria-pressed", "true",
                                                                        timeout=30_000)
    expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED)


def _log_in_again(page, live_server, data) -> None:
    """The session ends (timed out) and the inspector logs in again on this phone."""
    page.context.clear_cookies()
    page.goto(f"{live_server}/auth/login?next=/sites/{data['site_id']}")
    _log_in(page, data["username"])
    expect(page).to_have_url(f"{live_server}/sites/{data['site_id']}")


def test_a_tick_made_just_after_the_copy_was_reconciled_is_not_shown_as_saved_before_the_server_has_it(
        app, live_server, phone):
    """The race that reverted copy-first reopening: the bar said "all saved" from the tap until
    IndexedDB had the tick (a put takes a moment, more on a loaded phone). The tick's request is
    held here, so "saved" could only come from the tab's own bookkeeping."""
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    _post_elsewhere(page, f"{live_server}/inspections/{inspection_id}/items/{_item_id(ids[1])}",
                    result="fail")
    held = []
    page.route(re.compile(r"/inspections/\d+/items/\d+$"), lambda route: held.append(route))

    page.reload()
    expect(page.locator(f"#{ids[1]}")).to_have_class(re.compile(r"\bresult-fail\b"))  # reconciled
    # The tap and the bar read in one task: nothing asynchronous can have happened in between.
    shown = page.evaluate("""id => {
        document.querySelector('#' + id + ' .tick-na').click();
        return document.getElementById('outbox-bar').textContent; }""", ids[2])
    assert shown != ALL_SAVED
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    for _ in range(400):  # until the request is held (Playwright hands it over between calls)
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    assert _item_id(ids[2]) not in _answers(app, inspection_id)
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")  # still, while unanswered

    held[0].continue_()
    page.unroute(re.compile(r"/inspections/\d+/items/\d+$"))
    _saved(page, ids[2], "na")
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "fail", _item_id(ids[2]): "na"}


def test_ticks_queued_in_a_copy_opened_offline_after_a_new_login_are_sent_with_the_new_token(
        app, live_server, phone):
    """Offline, the copy opens with the token of the session it was kept in and no server's
    page comes to replace it; once online, the write refused for that token alone is sent again
    with the session's token, never dropped."""
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    _log_in_again(page, live_server, data)

    page.context.set_offline(True)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_function("() => window.__outbox && window.__outbox.active()")
    page.locator(f"#{ids[1]} .tick-pass").tap()
    expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
    page.context.set_offline(False)
    _saved(page, ids[1], "pass")
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "pass"}


# IndexedDB's open held until the test lets it go: the copy is on screen, the outbox not started.
HOLD_IDB = """(() => {
  let go;
  const gate = new Promise(r => { go = r; });
  window.__openIdb = () => go();
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) {
    const req = open.apply(this, args);
    let handler = null;
    Object.defineProperty(req, "onsuccess", { configurable: true,
      get() { return handler; }, set(fn) { handler = fn; } });
    req.addEventListener("success", (e) => gate.then(() => handler && handler.call(req, e)));
    return req;
  };
})();"""


def test_a_tick_on_the_copy_before_the_outbox_started_is_queued_not_lost(app, live_server, phone):
    """The copy opens at once; a tap before the outbox has read its queue went to htmx, which
    sent it with the copy's token: after a new login, refused, and the tick gone."""
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    _log_in_again(page, live_server, data)

    page.add_init_script(HOLD_IDB)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    assert page.evaluate("document.documentElement.hasAttribute('data-copy')")
    assert not page.evaluate("window.__outbox.active()")
    page.locator(f"#{ids[1]} .tick-pass").tap()
    page.evaluate("window.__openIdb()")
    _saved(page, ids[1], "pass")
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "pass"}


# IndexedDB's open fails, once the test says so: a phone whose storage is refused (full, or
# broken) on a later visit, with the checklist's copy still in the service worker's cache.
FAIL_IDB = """(() => {
  let fail;
  const gate = new Promise(r => { fail = r; });
  window.__failIdb = () => fail();
  IDBFactory.prototype.open = function () {
    const req = { result: null, error: new DOMException("refused", "UnknownError") };
    gate.then(() => req.onerror && req.onerror(new Event("error")));
    return req;
  };
})();"""


def test_a_tick_on_the_copy_is_sent_once_with_the_new_token_when_indexeddb_fails(
        app, live_server, phone):
    """Without IndexedDB the outbox stands aside and htmx sends the writes. A tap made on the
    copy before that was known is held, then sent by htmx once the server's page has brought
    the session's token: once, never with the copy's token of a session since ended."""
    data = _field(app)
    page = phone
    inspection_id, ids = _first_tick_in_the_copy(page, live_server, data)
    _log_in_again(page, live_server, data)

    url = re.compile(rf"/inspections/{inspection_id}/items/{_item_id(ids[1])}$")
    sent = []
    page.on("request", lambda r: sent.append(r.headers.get("x-csrftoken"))
            if r.method == "POST" and url.search(r.url) else None)
    page.add_init_script(FAIL_IDB)
    cdp = page.context.new_cdp_session(page)  # the server's page comes well after the failure
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 1500, "downloadThroughput": 200_000, "uploadThroughput": 100_000})
    page.goto(f"{live_server}/inspections/{inspection_id}")
    assert page.evaluate("document.documentElement.hasAttribute('data-copy')")
    copy_token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    page.locator(f"#{ids[1]} .tick-pass").tap()
    assert sent == []  # held: neither the outbox (not started) nor htmx has it
    page.evaluate("window.__failIdb()")

    expect(page.locator(f"#{ids[1]} .tick-pass")).to_have_attribute("aria-pressed", "true",
                                                                    timeout=30_000)
    assert not page.evaluate("window.__outbox.active()")
    assert {k: a.result for k, a in _answers(app, inspection_id).items()} == {
        _item_id(ids[0]): "pass", _item_id(ids[1]): "pass"}
    assert len(sent) == 1 and sent[0] and sent[0] != copy_token
