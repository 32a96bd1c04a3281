"""The field pages (scan, site, checklist) carry their critical CSS inline, allowed by its hash
in the CSP, and load app.css at the end of <body>: first paint after one round trip. Other
pages keep app.css in <head>."""

import base64
import hashlib
import re
from pathlib import Path

from inspect_app import critical
from inspect_app.extensions import db
from inspect_app.inspections.models import Inspection
from tests.factories import make_grid, make_site, make_user, template

APP_CSS = (Path(__file__).resolve().parents[2] / "static" / "app.css").read_text()
STYLE = re.compile(r"<style>(.*?)</style>", re.S)
LINK = re.compile(r'<link rel="stylesheet" href="/static/app\.css\?v=[0-9a-f]+">')


def _style_src(resp) -> list[str]:
    csp = resp.headers["Content-Security-Policy"]
    return next(d.split()[1:] for d in csp.split(";") if d.split()[0] == "style-src")


def _assert_critical(resp) -> None:
    assert resp.status_code == 200
    page = resp.text
    head, body = page.split("</head>", 1)
    styles = STYLE.findall(head)
    assert len(styles) == 1 and "</style>" not in body.split("<main", 1)[0]
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in _style_src(resp)
    assert "'unsafe-inline'" not in _style_src(resp)
    assert not LINK.search(head)  # nothing in <head> holds up the first paint
    assert LINK.search(body.rsplit("</main>", 1)[1])  # the whole file after the content


def test_field_pages_inline_their_critical_css_by_hash(client, login, ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    inspector = make_user("inspector", grids=[grid])
    login(inspector)
    _assert_critical(client.get("/scan"))
    _assert_critical(client.get(f"/sites/{site.id}"))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    inspection_id = int(resp.location.rsplit("/", 1)[1])
    assert db.session.get(Inspection, inspection_id)
    _assert_critical(client.get(f"/inspections/{inspection_id}"))


TAG = re.compile(r"<(script|link)\b([^>]*)>", re.I)


def _blocking_before_content(page: str) -> list[str]:
    """Scripts and stylesheets ahead of <main> that hold up the first paint: a script neither
    deferred, async nor data (JSON), and any stylesheet."""
    out = []
    for kind, attrs in TAG.findall(page.split("<main", 1)[0]):
        if kind.lower() == "script":
            if not re.search(r"\b(defer|async)\b|type=\"application/json\"", attrs):
                out.append(f"<script{attrs}>")
        elif re.search(r'rel="?stylesheet', attrs):
            out.append(f"<link{attrs}>")
    return out


def test_field_pages_have_nothing_render_blocking_before_their_content(client, login, ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    for url in ("/scan", f"/sites/{site.id}", resp.location):
        page = client.get(url).text
        assert _blocking_before_content(page) == [], url
        assert "<main" in page and STYLE.search(page.split("<main", 1)[0]), url
    # The check sees a blocking tag where there is one.
    assert _blocking_before_content('<script src="/a.js"></script><main>') == [
        '<script src="/a.js">']
    assert _blocking_before_content('<link rel="stylesheet" href="/a.css"><main>')


EXPECT = re.compile(r'<link rel="expect" href="#([\w-]+)" blocking="render">')


def test_field_pages_hold_their_first_frame_only_until_the_top_bar_is_parsed(client, login, ctx):
    """A field page's first frame waits for its top bar to be parsed, not for a blank page drawn
    first (tests/browser/test_checklist_paint.py): the element it waits for is the first thing
    in <body>, before <main>, so the page's content never holds it up; nothing else in <head>
    blocks rendering, and the other pages (app.css in <head>) wait for nothing more."""
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    for url in ("/scan", f"/sites/{site.id}", resp.location):
        head, body = client.get(url).text.split("</head>", 1)
        assert EXPECT.findall(head) == ["topbar"], url
        assert head.count("blocking=") == 1, url
        assert body.index('<header class="topbar" id="topbar">') < body.index("</header>") < (
            body.index("<main")), url
    assert "blocking=" not in client.get("/hazards/").text


def test_other_pages_link_app_css_in_head_with_no_inline_style(client, login, ctx):
    login(make_user("supervisor"))
    for url in ("/hazards/", "/ledgers/hazards", "/inbox/"):
        page = client.get(url).text
        head = page.split("</head>", 1)[0]
        assert LINK.search(head), url
        assert "<style" not in page, url


def test_critical_css_is_app_css_without_the_skipped_sections():
    css = critical.extract(APP_CSS)
    whole = critical.extract(APP_CSS.replace("/* critical: skip", "/* was skip"))
    assert len(css) < len(whole)
    # What the field pages paint with is there; the enterprise and ledger screens' rules are not.
    for rule in (".topbar{", ".tick{", ".ticks{", ".item{", ".run-head{", ":root{--tap:44px}",
                 ".scan-status{", "body.checklist .topbar{"):
        assert rule in css, rule
    for rule in (".trend{", "table.ledger{", ".tiles{", ".filters{", "table{", ".hazard-card.overdue{",
                 ".before-after{"):
        assert rule in whole and rule not in css, rule
    # Its rules keep app.css's order, so once app.css loads nothing changes.
    at = 0
    for rule in (r + "}" for r in css.split("}") if r):
        at = whole.find(rule, at)
        assert at >= 0, rule
        at += len(rule)
    assert len(css.encode()) < 8_500, len(css.encode())  # parsed before anything is painted


def test_what_only_the_scripts_show_is_styled_by_app_css_alone():
    """The deferred scripts run once app.css has loaded (it blocks them), so the outbox's states,
    toasts and htmx's busy indicator need no place ahead of the first paint."""
    css = critical.extract(APP_CSS)
    whole = critical.extract(APP_CSS.replace("/* critical: skip", "/* was skip"))
    for rule in (".toast{", ".update-bar{", ".outbox-bar{", ".tick.queued{", ".pending-photo{",
                 '.item[data-state="saved"] .item-state{', ".htmx-request .htmx-indicator,"):
        assert rule in whole and rule not in css, rule
    # What the server renders stays: hidden parts hidden, the indicator off, an item's state line.
    for rule in ("[hidden]{display:none !important}", ".htmx-indicator{display:none}",
                 ".item-state{"):
        assert rule in css, rule


def test_a_chinese_page_names_a_cjk_font_first():
    """Chinese text in a font without CJK glyphs (system-ui: Roboto, DejaVu Sans) was shaped twice,
    once in it and again in the fallback: most of the first paint's layout on a slow phone."""
    css = critical.extract(APP_CSS)
    zh = re.search(r":root:lang\(zh\) body\{font-family:([^;}]+)", css)
    assert zh, "no font for Chinese pages in the critical CSS"
    first = zh.group(1).split(",")[0].strip('"')
    assert first in ("PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei"), first


def test_extract_drops_comments_and_squeezes_space():
    got = critical.extract("/* a */ a , b  >  c {\n  color : red ;\n}\n"
                           "/* critical: skip */ .x { top: 0 } /* critical: end */ .y { left: 0; }")
    assert got == "a,b>c{color :red}.y{left:0}"


def test_checklist_reaches_a_phone_in_few_bytes_with_its_first_screen_first(client, login, ctx):
    """On slow 4G every KB ahead of the first item is a delay before anything is painted; the
    settings the deferred scripts read come after the items."""
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    url = resp.location
    page = client.get(url).text
    first_item = page.index("<article")
    assert first_item < 13_500, first_item  # head, critical CSS, top bar and progress (12 KB)
    for later in ('id="offline-config"', 'id="outbox-config"'):
        assert page.index(later) > page.rindex("</article>"), later
    wire = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert wire.headers["Content-Encoding"] == "br"
    assert len(wire.data) < 13_000, len(wire.data)  # 11.4 KB of 75 KB


def test_a_field_page_goes_out_as_gzip_spliced_around_its_critical_css(client, login, ctx):
    """The scanner page's <style> is deflated once per process; the page around it each time.
    The phone gets the same bytes as uncompressed (gzip checks them by CRC), with its
    Content-Encoding and Vary; a page with much HTML of its own stays brotli."""
    import gzip

    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    for url in ("/scan", f"/sites/{site.id}"):
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        wire = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert wire.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in wire.headers["Vary"] and "HX-Request" in wire.headers["Vary"]
        assert int(wire.headers["Content-Length"]) == len(wire.data)
        page = gzip.decompress(wire.data)
        token = re.compile(rb'(csrf_token" value="|"X-CSRFToken": ")[^"]+')
        assert token.sub(rb"\1", page) == token.sub(rb"\1", plain.data), url
        assert "Content-Encoding" not in plain.headers
        # Within a few per cent of compressing the whole page as one stream.
        assert len(wire.data) < 1.03 * len(gzip.compress(page, 6)), url
    # A browser that takes brotli only gets brotli.
    assert client.get("/scan", headers={"Accept-Encoding": "br"}).headers[
        "Content-Encoding"] == "br"
    # Other pages (no critical CSS) as before.
    assert client.get("/hazards/", headers={"Accept-Encoding": "gzip, br"}).headers[
        "Content-Encoding"] == "br"


def test_gzip_around_joins_its_pieces_into_one_valid_stream():
    import gzip
    import zlib

    element = b"<style>" + b"a{color:red}.b{margin:0}" * 200 + b"</style>"
    deflated = critical._deflated(element, 9)
    for before, after in ((b"", b""), (b"<head>", b"</head><p>" + bytes(range(256)) * 30),
                          (b"<!doctype html>" * 50, b"<style>a{color:red}</style>" * 10)):
        body = before + element + after
        out = critical.gzip_around(body, element, deflated)
        assert out is not None and gzip.decompress(out) == body
        assert zlib.decompress(out, 31) == body
    assert critical.gzip_around(b"<p>no style</p>", element, deflated) is None
    too_long = element + b"x" * (critical.SPLICE_MAX_REST + 1)
    assert critical.gzip_around(too_long, element, deflated) is None
