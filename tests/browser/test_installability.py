"""Chromium itself says the app can be installed: the manifest and its icons pass its
installability check (and the service worker, once OFFLINE's static/sw.js is on main)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_UA

SW = Path(__file__).resolve().parents[2] / "static" / "sw.js"


@pytest.fixture
def profile_phone(browser, live_server, tmp_path):
    """A phone page in a browser with a real profile: Chromium refuses to install from an
    incognito context, which is what ordinary test contexts are."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        base_url=live_server, viewport={"width": 360, "height": 740}, device_scale_factor=2,
        is_mobile=True, has_touch=True, locale="zh-CN", user_agent=PHONE_UA)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def _installability_errors(page) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    try:
        return cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    finally:
        cdp.detach()


def test_chromium_finds_no_installability_errors(profile_phone, live_server):
    page = profile_phone
    page.goto("/auth/login")
    expect(page.locator("link[rel=manifest]")).to_have_count(1)
    if SW.exists():  # OFFLINE's worker: the page registers it for the whole site
        # `ready` settles once a worker is active for this page; wait with a bound, not forever.
        page.evaluate("() => { navigator.serviceWorker.ready.then(r => { window.__swScope = r.scope; }); }")
        scope = page.wait_for_function("() => window.__swScope").json_value()  # a function: CSP has no eval
        assert scope == f"{live_server}/"
    manifest = page.evaluate("""async () => {
        const r = await fetch(document.querySelector("link[rel=manifest]").href);
        return r.json();
    }""")
    assert manifest["display"] == "standalone"
    assert _installability_errors(page) == []
