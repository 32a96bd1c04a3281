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


def test_the_top_bar_is_drawn_without_a_fallback_font(app, live_server, phone):
    """The bar is the first thing painted on a field page. Its menu's ☰ (a character no CJK font
    has) took the first paint through the font list to a fallback font of its own, looked up,
    loaded and shaped before anything showed; the menu's icon is drawn instead, the size the
    character was, and the bar's text is in the page's first font alone."""
    page = phone
    _open_checklist(page, live_server, {**_field(app)})
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    drawn = set()
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": ".topbar *"})["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        drawn.update(f["familyName"] for f in fonts)
    listed = page.evaluate("getComputedStyle(document.body).fontFamily")
    if not drawn & {name.strip('" ') for name in listed.split(",")}:
        pytest.skip(f"none of {listed} installed here: {drawn}")
    assert len(drawn) == 1, drawn
    menu = page.locator(".menu > summary")
    assert menu.inner_text() == ""
    box = menu.locator("svg").bounding_box()
    assert round(box["width"]) == round(box["height"]) == 15  # 1.3rem's ☰ in these fonts
    menu.tap()
    expect(page.locator(".menu nav")).to_be_visible()


def _drawn_fonts(page, selector: str) -> set[str]:
    """The font families Chromium drew the text of `selector`'s elements with."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    drawn = set()
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        drawn.update(f["familyName"] for f in cdp.send(
            "CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"])
    return drawn


def test_the_head_and_the_photo_button_are_drawn_without_a_fallback_font(app, live_server, phone):
    """The checklist's head ("📍 on site" after a scan) is in the first paint, and a failed
    item's photo button ("📷 Take photo") is too when it is on the screen. No CJK font has
    those emoji: each sent the first paint down the whole font list to a fallback font of its
    own (9 lookups, then that font loaded and shaped). They are drawn (inspect_app/icons.py),
    hidden from screen readers, and the words beside them are in the page's first font."""
    from tests.browser.test_inspection_loop import _loop_data, _scan_and_log_in, _start, _tick

    page = phone
    data = _loop_data(app)
    _scan_and_log_in(page, live_server, data)
    _start(page)
    on_site = page.locator(".run-head span[title]")
    expect(on_site).to_have_text("现场")
    expect(on_site.locator("svg[aria-hidden=true]")).to_have_count(1)
    item = page.locator("article.item:not(.major)").first
    _tick(page, item.get_attribute("id"), "fail")
    camera = item.locator("label.camera")
    expect(camera).to_be_visible()
    expect(camera).to_have_text("拍照")
    expect(camera.locator("svg[aria-hidden=true]")).to_have_count(1)
    box = on_site.locator("svg").bounding_box()
    assert 10 < box["width"] == box["height"] < 30  # the size of the text beside it, 1em

    item_id = item.get_attribute("id")
    drawn = _drawn_fonts(page, f".run-head *, #{item_id} label.camera")
    listed = page.evaluate("getComputedStyle(document.body).fontFamily")
    if not drawn & {name.strip('" ') for name in listed.split(",")}:
        pytest.skip(f"none of {listed} installed here: {drawn}")
    assert len(drawn) == 1, drawn


def test_the_site_pages_call_link_is_drawn_without_a_fallback_font(app, live_server, phone):
    """The site page after a scan shows the principal's number to call; its 📞 had no glyph in
    any CJK font (drawn as a box here, and a fallback-font search on a phone). The handset is
    drawn (icons.py), hidden from screen readers, and the number is in the page's first font."""
    from tests.browser.test_inspection_loop import _loop_data, _scan_and_log_in

    page = phone
    _scan_and_log_in(page, live_server, _loop_data(app))
    call = page.locator("a.call")
    expect(call).to_have_text("13900000000")
    expect(call.locator("svg[aria-hidden=true]")).to_have_count(1)
    box = call.locator("svg").bounding_box()
    assert 10 < box["width"] == box["height"] < 30  # 1em, as the text beside it
    drawn = _drawn_fonts(page, "a.call")
    listed = page.evaluate("getComputedStyle(document.body).fontFamily")
    if not drawn & {name.strip('" ') for name in listed.split(",")}:
        pytest.skip(f"none of {listed} installed here: {drawn}")
    assert len(drawn) == 1, drawn


def test_the_first_frame_drawn_is_not_a_blank_page(app, live_server, new_phone):
    """A first visit on a slow phone (Chromium at 4x CPU, as the benchmark runs it). The inline
    critical CSS makes the <head> longer to parse than Chromium's parser budget (10 ms), so it
    stopped right after <body> and drew a blank frame (style, layout and commit of an empty
    page) before the frame with any text: the first contentful paint came a frame later (in
    Chromium's trace, 180-520 ms later on the loaded benchmark machine). `<link rel=expect>`
    holds the frames until the top bar, the first thing in <body>, is parsed
    (tests/web/test_critical_css.py)."""
    page = new_phone()
    data = _field(app)
    checklist = _open_checklist(page, live_server, data)
    cookies = page.context.cookies()

    first = new_phone()  # a phone that has not opened the app: no service worker, no cache
    first.context.add_cookies(cookies)
    cdp = first.context.new_cdp_session(first)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    first.goto(f"/inspections/{checklist}", wait_until="load")
    paints = first.evaluate("""() => Object.fromEntries(performance.getEntriesByType('paint')
        .map(p => [p.name, p.startTime]))""")
    # The first frame drawn had text in it: no blank page drawn first.
    assert paints["first-paint"] == paints["first-contentful-paint"], paints


# The (family, size, weight) of every piece of text drawn on the first screen.
FIRST_SCREEN_FACES = """() => {
  const faces = new Set(), walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    const el = n.parentElement, box = el.getBoundingClientRect();
    if (!n.textContent.trim() || !el.checkVisibility() || box.bottom <= 0 || box.top >= innerHeight)
      continue;
    const s = getComputedStyle(el);
    faces.add([s.fontFamily, s.fontSize, s.fontWeight].join(' / '));
  }
  return [...faces].sort(); }"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_first_screen_is_drawn_in_four_faces(app, live_server, phone, lang):
    """Each font size and weight on the first screen is a font set up and its text shaped anew
    before the first paint (at 4x CPU, ~11 of them cost the checklist much of its first layout).
    The checklist's first screen is drawn in four: the page's heading, text and bold text, and
    one small size for codes, hints and the badge (codes in the text's font, not a monospace)."""
    page = phone
    checklist = _open_checklist(page, live_server, {**_field(app)})
    if lang == "en":
        page.locator("footer button[lang=en]").click()
        page.goto(f"/inspections/{checklist}")
        expect(page.locator(".tick-pass").first).to_have_text("Pass")
    faces = page.evaluate(FIRST_SCREEN_FACES)
    assert len(faces) <= 4, faces
    sizes = {face.split(" / ")[1] for face in faces}
    assert min(float(s.rstrip("px")) for s in sizes) >= 14, faces  # small text stays readable
    assert not any("monospace" in face for face in faces), faces
