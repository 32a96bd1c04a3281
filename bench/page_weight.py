"""Page weight of the checklist page as a phone receives it, with the service worker on.

Serves the app on 127.0.0.1 with a fresh SQLite database and the demo zone, and drives Debian's
Chromium at 360x740 as the demo inspector. A WSGI wrapper counts the bytes that cross the wire
(bodies as sent, i.e. compressed; headers not counted) for:
- the first visit of the checklist page (cold caches; the service worker installs and precaches),
- a repeat visit (reload: the page from the network, static files from the worker's cache),
- one tick through the outbox (request and reply).
Beside each figure, a floor measured in the same run: the page's HTML alone (what any visit must
fetch, as pages are network-first) and the item fragment alone (what a tick must bring back).
"""

import re
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-quic"]


class Counter:
    """WSGI wrapper: bytes received (request bodies) and sent (response bodies) per request."""

    def __init__(self, app):
        self.app, self.rows, self.lock = app, [], threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.rows = []

    def __call__(self, environ, start_response):
        received = int(environ.get("CONTENT_LENGTH") or 0)
        body = b"".join(self.app(environ, start_response))
        with self.lock:
            self.rows.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], received, len(body)))
        return [body]

    def totals(self) -> tuple[int, int, dict]:
        by_path = defaultdict(int)
        for _, path, up, down in self.rows:
            by_path[path] += up + down
        return (sum(r[2] for r in self.rows), sum(r[3] for r in self.rows), dict(by_path))


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                      "UPLOAD_DIR": str(tmp / "up")})
    with app.app_context():
        db.create_all()
        from inspect_app.demo import load
        load()

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    counter = Counter(app)
    server = make_server("127.0.0.1", 0, counter, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True, locale="zh-CN")
        # Log in and start a checklist without loading any page, so the first visit is cold.
        api = context.request
        token = re.search(r'name="csrf_token" value="([^"]+)"', api.get("/auth/login").text()).group(1)
        api.post("/auth/login", form={"login": "inspector1", "password": "demo1234", "csrf_token": token})
        site = api.get("/sites/1").text()
        # Logging in starts a new session (and CSRF token): read it again.
        token = re.search(r'name="csrf_token" value="([^"]+)"', site).group(1)
        template_id = re.search(r'name="template" value="(\d+)"', site).group(1)
        started = api.post("/inspections/start/1", form={"template": template_id, "csrf_token": token},
                           max_redirects=0)
        assert started.status == 302, (started.status, started.text()[:300])
        path = started.headers["location"]
        page = context.new_page()

        counter.reset()
        page.goto(path)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => window.__outbox && window.__outbox.active()")
        page.wait_for_load_state("networkidle")
        _, first_down, first_paths = counter.totals()
        html_floor = first_paths.get(path, 0)

        counter.reset()
        page.reload()
        page.wait_for_function("() => window.__outbox && window.__outbox.active()")
        page.wait_for_load_state("networkidle")
        _, repeat_down, repeat_paths = counter.totals()
        from_network = sorted(p for p in repeat_paths if p.startswith("/static/"))

        item = page.locator("article.item").first
        item_id = item.get_attribute("data-item")
        counter.reset()
        item.locator(".tick-pass").tap()
        page.wait_for_function(
            "id => document.querySelector(`#item-${id} .tick-pass`).ariaPressed === 'true'",
            arg=item_id)
        page.wait_for_function("() => window.__outbox.pending() === 0")
        tick_up, tick_down, _ = counter.totals()

        # Floor for a tick: the same item fragment fetched on its own (GET of the page's block
        # is not a route, so: the item's markup as served inside the page, compressed alone).
        import gzip
        html = page.content()
        block = re.search(rf'<article id="item-{item_id}".*?</article>', html, re.S).group(0)
        tick_floor = len(gzip.compress(block.encode(), 6))
        browser.close()
    server.shutdown()

    print(f"checklist page {path}, Chromium 360x740, service worker on (bytes of bodies, compressed)")
    print(f"  first visit   {first_down:>9,} B   (floor: the HTML alone {html_floor:,} B)")
    for p, n in sorted(first_paths.items()):
        print(f"                {n:>9,} B  {p}")
    print(f"  repeat visit  {repeat_down:>9,} B   (floor: the HTML alone {html_floor:,} B); "
          f"static files from the network: {len(from_network)}")
    for p, n in sorted(repeat_paths.items()):
        print(f"                {n:>9,} B  {p}")
    print(f"  one tick      {tick_up + tick_down:>9,} B   (sent {tick_up:,} B, received {tick_down:,} B; "
          f"floor: the item's markup gzipped alone {tick_floor:,} B)")


if __name__ == "__main__":
    main()
