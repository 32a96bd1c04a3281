"""Security headers on every kind of response: pages, fragments, photos, exports, JSON, errors,
redirects and static files, found by walking the URL map as each kind of user."""

import io
import re
from pathlib import Path

from inspect_app.demo import DEMO_PASSWORD, load
from inspect_app.extensions import db
from inspect_app.models import Site, User
from tests.conftest import HX
from tests.crawl import crawl, example_url, get_rules
from tests.factories import jpeg_bytes, template

TEMPLATES = Path(__file__).parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"javascript:", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in csp.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def assert_secure(url: str, resp) -> None:
    h = resp.headers
    csp = _directives(h.get("Content-Security-Policy", ""))
    assert csp.get("script-src") == ["'self'"], url  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"], url
    assert csp["frame-ancestors"] == ["'none'"], url
    assert set(csp["img-src"]) == {"'self'", "blob:", "data:"}, url
    assert csp["worker-src"] == ["'self'"] and csp["manifest-src"] == ["'self'"], url
    assert "'unsafe-inline'" not in csp["style-src"], url
    assert "'unsafe-inline'" not in h["Content-Security-Policy"], url  # no style-src-attr either
    assert h.get("X-Content-Type-Options") == "nosniff", url
    assert h.get("Referrer-Policy") == "same-origin", url
    assert "camera=(self)" in h.get("Permissions-Policy", ""), url
    assert "Strict-Transport-Security" not in h, url  # only behind HTTPS (see below)
    if url.startswith("/static/"):
        assert "max-age=31536000" in h.get("Cache-Control", "") and "no-store" not in h.get(
            "Cache-Control", ""), url
    elif resp.mimetype == "text/html":
        assert h.get("Cache-Control") == "no-store", url


def _kind(url: str, resp, fragment: bool) -> str:
    if url.startswith("/static/"):
        return "static"
    if 300 <= resp.status_code < 400:
        return "redirect"
    if resp.status_code >= 400:
        return "error"
    if resp.mimetype.startswith("image/"):
        return "image"
    if resp.mimetype == XLSX:
        return "export"
    if resp.mimetype == "application/json":
        return "json"
    if resp.mimetype == "text/html":
        return "fragment" if fragment else "page"
    return resp.mimetype


def _photo_for(client, app) -> None:
    """inspector1 photographs a failed item, so photo URLs appear on the inspection page."""
    user = db.session.scalar(db.select(User).where(User.username == "inspector1"))
    site = db.session.scalar(db.select(Site).where(Site.grid_id.in_([g.id for g in user.grids]),
                                                   Site.site_type == "NINE"))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    inspection_id = int(resp.location.rsplit("/", 1)[1])
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"}, headers=HX)
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos", headers=HX,
                       data={"upload_key": "headers-test-photo-0001",
                             "photo": (io.BytesIO(jpeg_bytes()), "a.jpg", "image/jpeg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200


def test_every_kind_of_response_carries_the_security_headers(app, client, ctx):
    assert load()
    kinds: dict[str, str] = {}
    reached: set[str] = set()

    def check(url, resp, fragment=False):
        resp.get_data()
        resp.close()
        assert_secure(url, resp)
        kinds.setdefault(_kind(url, resp, fragment), url)

    for username in (None, "inspector1", "supervisor", "boss", "worker"):
        if username:
            client.post("/auth/logout")
            client._token = None
            resp = client.post("/auth/login", data={"login": username, "password": DEMO_PASSWORD})
            assert resp.status_code == 302
            client._token = None
            if username == "inspector1":
                _photo_for(client, app)
        for endpoint, visits in crawl(app, client.get).items():
            reached.add(endpoint)
            for url, resp in visits:
                check(url, resp)
                if resp.status_code == 200 and resp.mimetype == "text/html":
                    check(url, client.get(url, headers=HX), fragment=True)
    # Walk the rest of the URL map with placeholder arguments (mostly 404s, still answered).
    for rule in get_rules(app):
        if rule.endpoint not in reached and rule.endpoint != "auth.logout":
            url = example_url(app, rule)
            check(url, client.get(url))
            reached.add(rule.endpoint)
    assert {"page", "fragment", "image", "export", "json", "static", "redirect", "error"} <= set(kinds), kinds
    assert reached >= {r.endpoint for r in get_rules(app)} - {"auth.logout"}


def test_hsts_only_when_cookies_are_https_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        resp = client.get("/auth/login")
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
        assert client.get("/static/app.css").headers["Strict-Transport-Security"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_templates_have_no_inline_script_handler_or_style():
    """The CSP refuses inline code and inline styles: no <script> without src (JSON data blocks
    excepted), no on*= attributes, no javascript: URLs and no style= attributes, in any template
    (the print buttons are wired in app.js; a trend bar's height is a class)."""
    offences = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL, STYLE_ATTR):
            offences += [(path.name, m.group(0)) for m in pattern.finditer(text)]
    assert offences == []
    assert "data-print" in (TEMPLATES / "ledgers/print.html").read_text()
    assert "data-print" in (TEMPLATES / "_poster_sheet.html").read_text()
