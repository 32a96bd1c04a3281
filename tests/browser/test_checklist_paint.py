"""The checklist's first paint lays out only the items on the screen (content-visibility in
static/app.css, inlined as critical CSS): on a slow phone, laying out and shaping the CJK text
of every item was most of the time before anything showed. Items further down are laid out as
they come near, and work as before."""

import re

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
