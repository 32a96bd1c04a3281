"""Every kind of page runs under the Content-Security-Policy without a single violation: each
screen a demo user can reach (one URL per endpoint) is loaded in Chromium, which reports any
refused script, style, image or frame as a `securitypolicyviolation` event and a console error."""

import re

from playwright.sync_api import expect

from inspect_app.demo import DEMO_PASSWORD, load
from tests.crawl import crawl

# Registered before any page script runs; the page's own CSP does not apply to it.
COLLECT = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " at " + e.sourceFile + ":"
                           + e.lineNumber);
});
"""
USERS = ("inspector1", "supervisor", "boss", "worker")


def _pages_of(app, username: str | None, seen: set[str]) -> list[str]:
    """URLs of the HTML pages `username` reaches by following links, one per new endpoint."""
    client = app.test_client()
    if username:
        login = client.get("/auth/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        assert client.post("/auth/login", data={"login": username, "password": DEMO_PASSWORD,
                                                "csrf_token": token}).status_code == 302
    urls = []
    for endpoint, visits in crawl(app, client.get, pages_only=True).items():
        for url, resp in visits:
            if endpoint not in seen and resp.status_code == 200 and resp.mimetype == "text/html":
                seen.add(endpoint)
                urls.append(url)
    return urls


def _watch(page, problems: list[str]) -> None:
    """Console errors, script errors and failed loads (with their URL) go into `problems`."""
    def console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: console: {msg.text}")

    def response(r):
        if r.status >= 400:
            problems.append(f"{page.url}: {r.status} {r.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda err: problems.append(f"{page.url}: error: {err}"))


def test_every_kind_of_page_loads_without_a_csp_violation(app, live_server, new_phone):
    with app.app_context():
        assert load()
    seen: set[str] = set()
    problems, visited = [], 0
    for username in (None, *USERS):
        urls = _pages_of(app, username, seen)
        page = new_phone()
        page.add_init_script(COLLECT)
        _watch(page, problems)
        if username:
            page.goto("/auth/login")
            page.fill("input[name=login]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.locator("form[action$='/auth/login'] button").click()
            expect(page).not_to_have_url(re.compile(r"/auth/login"))
        for url in urls:
            page.goto(url)  # waits for "load": every script has run, every image is in
            problems += [f"{url}: {v}" for v in page.evaluate("window.__violations")]
            visited += 1
    assert visited > 40
    assert problems == []
