"""Browser fixtures: the session `app` served on a free port, headless Chromium, a phone page.

Playwright's own browser download cannot run here, so Debian's Chromium is launched directly.
"""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")
SHOTS = Path("/tmp/shots")

# A loaded CI machine can be slow to answer; still no fixed waits anywhere.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser: `-m "not browser"` skips them all.

    Werkzeug's threaded test server skips closing a response (a photo's file) when the browser
    resets the connection while the server drains the request (serving.py's `execute` reads
    the socket before `close()`); gunicorn, which serves the app, closes it. That leak belongs
    to the harness, so its ResourceWarning is not a test failure here."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """One line per request would bury the failure output; errors are still logged."""


@pytest.fixture(scope="session")
def _server(app):
    """The session app on 127.0.0.1 and a free port, served by threads in the background."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def live_server(app, _server):
    """The live server's URL; QR codes and links encode it (BASE_URL) for this test only."""
    old = app.config["BASE_URL"]
    app.config["BASE_URL"] = _server
    yield _server
    app.config["BASE_URL"] = old


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_phone(browser, live_server):
    """Open a fresh phone (its own cookies) and return its page; all are closed after the test."""
    contexts = []

    def open_phone():
        context = browser.new_context(
            base_url=live_server, viewport={"width": 360, "height": 740}, device_scale_factor=2,
            is_mobile=True, has_touch=True, locale="zh-CN", user_agent=PHONE_UA)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone):
    """A 360x740 Android Chrome page with no cookies yet."""
    return new_phone()


@pytest.fixture
def shots():
    """Where screenshots for people to look at go (nothing asserts on them)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS

