"""Page weight of the checklist page as a phone receives it: bytes over the wire, compressed.

Serves the app on 127.0.0.1 with a fresh SQLite database and the demo zone, logs in as the
demo inspector, starts a checklist and fetches the page and every asset it loads, first
visit (cold cache) and a repeat visit (static files cached, as their URLs are immutable).
"""

import http.client
import re
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402


class Phone:
    """A tiny HTTP client that keeps cookies and counts compressed body bytes."""

    def __init__(self, port: int, encoding: str):
        self.port, self.encoding, self.cookies = port, encoding, SimpleCookie()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = {"Accept-Encoding": self.encoding, "Cookie": "; ".join(
            f"{k}={m.value}" for k, m in self.cookies.items()), **(headers or {})}
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()  # still compressed: http.client does not decode
        for value in resp.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        conn.close()
        return resp, raw


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

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port

    # What Chrome on Android sends over HTTPS, over plain HTTP, and no compression at all.
    for encoding in ("gzip, deflate, br, zstd", "gzip, deflate", "identity"):
        phone = Phone(port, encoding)
        phone.request("GET", "/auth/login")
        # The token is bound to the session: read it from an uncompressed copy of this session.
        plain = Phone(port, "identity")
        plain.cookies = phone.cookies
        _, html = plain.request("GET", "/auth/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
        form = f"login=inspector1&password=demo1234&csrf_token={token}"
        phone.request("POST", "/auth/login", form,
                      {"Content-Type": "application/x-www-form-urlencoded"})
        _, site_html = plain.request("GET", "/sites/1")
        template_id = re.search(rb'name="template" value="(\d+)"', site_html).group(1).decode()
        resp, _ = phone.request("POST", "/inspections/start/1",
                                f"template={template_id}&csrf_token={token}",
                                {"Content-Type": "application/x-www-form-urlencoded"})
        path = resp.headers["Location"]
        started = time.perf_counter()
        resp, body = phone.request("GET", path)
        elapsed = time.perf_counter() - started
        _, html = plain.request("GET", path)
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+)"', html)
        asset_bytes = {a.decode(): len(phone.request("GET", a.decode())[1]) for a in assets}
        items = html.count(b'class="item')
        print(f"[{encoding}] checklist page {path}: {items} items, HTML {len(body):,} B "
              f"(served in {elapsed * 1000:.0f} ms), assets {sum(asset_bytes.values()):,} B, "
              f"first visit {len(body) + sum(asset_bytes.values()):,} B, "
              f"repeat visit {len(body):,} B")
        for name, size in asset_bytes.items():
            print(f"             {size:>8,} B  {name.split('?')[0]}")
    server.shutdown()


if __name__ == "__main__":
    main()
