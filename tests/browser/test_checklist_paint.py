"""The checklist's first paint lays out only the items on the screen (content-visibility in
static/app.css, inlined as critical CSS): on a slow phone, laying out and shaping the CJK text
of every item was most of the time before anything showed. Items further down are laid out as
they come near, and work as before."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline import _field, _open_checklist

LAID_OUT = """() => [...document.querySelectorAll('article.item')]
  .map(e => e.querySelector('.ticks').checkVisibility({contentVisibilityAuto: true}))"""


def test_items_below_the_screen_are_laid_out_when_scrolled_to(app, live_server, phone):
    page = phone
    _open_checklist(page, live_server, {**_field(app)})
    laid_out = page.evaluate(LAID_OUT)
    assert len(laid_out) > 6
    assert laid_out[0] and not laid_out[-1]  # the first on the screen, the last not yet

    last = page.locator("article.item").last
    last.scroll_into_view_if_needed()
    expect(last.locator(".tick-pass")).to_be_visible()
    page.wait_for_function(f"() => ({LAID_OUT})().pop()")  # laid out once on the screen
    last.locator(".tick-pass").tap()
    expect(last).to_have_class(re.compile(r"\bresult-pass\b"))
    expect(page.locator("#outbox-bar")).to_have_text("全部已保存")


def test_chinese_text_is_drawn_in_one_font_not_shaped_again_in_a_fallback(app, live_server, phone):
    """A site name such as 测试企业12 is drawn in the page's first font, digits and all: with a
    font without CJK glyphs first, each run of Chinese was shaped in it and then again in a
    fallback (two fonts for one heading), most of the first paint's layout at 4x CPU."""
    page = phone
    _open_checklist(page, live_server, {**_field(app)})
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    heading = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".run-head h1 a"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading["nodeId"]})["fonts"]
    families = [f["familyName"] for f in fonts]
    listed = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert listed.split(",")[0].strip('" ') in ("PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei")
    if not any(f in listed for f in families):
        pytest.skip(f"none of {listed} installed here: {families}")
    assert len(families) == 1, families
