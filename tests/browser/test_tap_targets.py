"""Every tap target is big enough for a thumb on a 360x740 phone: at least 44x44 CSS px
(WCAG 2.5.5, Apple), and 48x48 in large-type mode (Material), for each role on its pages.

What counts as a target: every visible link, button, summary, select, textarea and input. A
checkbox, radio or file input wrapped in a label is measured by its label (the label is what
takes the tap). Both width and height must reach the minimum. The one exemption (WCAG's
"inline"): a link laid out as plain inline text inside a <p> that holds a sentence (20+
characters besides its links). Not counted: elements that are not rendered (closed <details>,
hidden, display: none) and pages meant for paper (posters, print views, file downloads).
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from inspect_app.demo import DEMO_PASSWORD, load
from tests.browser.pages import log_in

MEASURE = """(min) => {
  const out = [];
  const seen = new Set();
  const rendered = (el) => {
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && el.getClientRects().length > 0;
  };
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const p = el.closest("p");
    if (!p) return false;
    let text = p.textContent;
    for (const a of p.querySelectorAll("a")) text = text.replace(a.textContent, "");
    return text.replace(/\\s+/g, "").length >= 20;
  };
  const sel = "a[href], button, summary, select, textarea, input:not([type=hidden])";
  for (const el of document.querySelectorAll(sel)) {
    let t = el;
    if (el.matches("input[type=checkbox], input[type=radio], input[type=file]")) {
      t = el.closest("label") || el;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    if (!rendered(t) || inSentence(el)) continue;
    const r = t.getBoundingClientRect();
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (t.getAttribute("aria-label") || t.textContent || t.value || t.name || "")
        .replace(/\\s+/g, " ").trim().slice(0, 24);
      const cls = typeof t.className === "string" && t.className.trim()
        ? "." + t.className.trim().split(/\\s+/).join(".") : "";
      out.push(`${t.tagName.toLowerCase()}${cls} "${name}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""

ROLES = ["inspector1", "supervisor", "boss", "worker"]
# The kinds of page where small targets were found: each must have been measured.
MUST_SEE = {"/", "/sites/N", "/hazards/N", "/ledgers/inspections", "/enterprise/",
            "/shifts/compliance", "/inspections/N", "/scan", "/auth/login"}
# Paper and files, not screens to tap.
SKIP = re.compile(r"poster|print|\.xlsx|\.csv|\.png|export|/logout|/static/")
DETAIL = re.compile(r"\d+")


def _offenders(page: Page, minimum: int) -> list[str]:
    return page.evaluate(MEASURE, minimum)


def _local_links(page: Page, base: str) -> list[str]:
    hrefs = page.locator("a[href]").evaluate_all("els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base) and not SKIP.search(parts.path):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _crawl(page: Page, base: str, limit: int, minimum: int, found: dict) -> list[str]:
    """Measure home, every menu entry, then one page of each other shape linked from
    those (a site, a hazard, a ledger, …: numbers stand for any id). Returns the paths."""
    page.goto("/")
    menu = {urlsplit(h).path for h in page.locator("details.menu nav a").evaluate_all(
        "els => els.map(a => a.href)")}
    queue = [urlsplit(page.url).path] + [p for p in _local_links(page, base)
                                         if p.split("?")[0] in menu]
    queue = list(dict.fromkeys(queue))
    shapes = {DETAIL.sub("N", p.split("?")[0]) for p in queue}
    for path in queue:
        if path != queue[0] or urlsplit(page.url).path != path:
            page.goto(path)
        _measure(page, minimum, found)
        for link in _local_links(page, base):
            shape = DETAIL.sub("N", link.split("?")[0])
            if shape not in shapes and len(queue) < limit:
                shapes.add(shape)
                queue.append(link)
    return queue


def _measure(page: Page, minimum: int, found: dict) -> None:
    bad = _offenders(page, minimum)
    if bad:
        found[urlsplit(page.url).path] = bad


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-type"])
def test_every_tap_target_is_big_enough(app, live_server, new_phone, large):
    with app.app_context():
        load()
    minimum = 48 if large else 44
    found: dict[str, list[str]] = {}
    seen: list[str] = []
    for username in [None, *ROLES]:
        page = new_phone()
        if large:  # the footer switch, as a user would turn it on
            page.goto("/auth/login")
            page.locator("form[action='/large-type'] button").click()
            page.wait_for_selector("html.large-type")
        if username is None:
            for path in ["/auth/login", "/auth/pin", "/s/not-a-code"]:
                page.goto(path)
                _measure(page, minimum, found)
                seen.append(path)
        else:
            log_in(page, username, password=DEMO_PASSWORD)
            # The work queue on each home page links to several pages of new shapes.
            seen += _crawl(page, live_server, 14 if large else 18, minimum, found)
        if username == "inspector1":  # the checklist of a running inspection
            page.goto(next(p for p in seen if re.fullmatch(r"/sites/\d+", p)))
            page.locator("form[action*='/inspections/start/'] button").first.click()
            page.wait_for_url(re.compile(r"/inspections/\d+$"))
            _measure(page, minimum, found)
            seen.append(urlsplit(page.url).path)
        page.context.close()
    assert MUST_SEE - {DETAIL.sub("N", p.split("?")[0]) for p in seen} == set()
    assert not found, "\n".join(f"{path}: {target}" for path, bad in found.items() for target in bad)
