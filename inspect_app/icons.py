"""Small icons drawn inline in place of emoji (📍, 📷, 📞).

The CJK fonts a phone paints Chinese with have no emoji, so one emoji in view sent the first
paint down the whole font list (PingFang SC, Noto Sans CJK SC, Microsoft YaHei, system-ui,
-apple-system, sans-serif) and on to a fallback font found for that character alone, which was
then loaded and shaped before anything showed (Chromium's trace of the checklist at 4x CPU:
9 font lookups, ~20 ms of its first layout). An inline SVG needs no font and no request, and
is hidden from screen readers: the word beside it says the same ("on site", "Take photo", the
number to call).
"""

from markupsafe import Markup


def _svg(path: str, fill: str = "currentColor") -> Markup:
    # 1em square on the text's baseline, as the emoji it replaces sat (.glyph in app.css).
    return Markup(  # noqa: S704 - constant markup, no user input
        '<svg class="glyph" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true">'
        f'<path fill="{fill}" fill-rule="evenodd" d="{path}"/></svg>')


# The map pin, red as the emoji is, with its hole (even-odd fill: the inner circle cuts it).
PIN = _svg("M12 1.5a7.5 7.5 0 0 0-7.5 7.5c0 5.6 7.5 13.5 7.5 13.5s7.5-7.9 7.5-13.5A7.5 7.5 0 0 0 "
           "12 1.5Zm0 10.2a2.7 2.7 0 1 1 0-5.4 2.7 2.7 0 0 1 0 5.4Z", "#d93025")
# A camera in the button's text colour: its body, the lens's ring cut out, the lens.
CAMERA = _svg("M9 3 7.2 5H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2"
              "L15 3Zm3 15a5 5 0 1 1 0-10 5 5 0 0 1 0 10Zm0-2.2a2.8 2.8 0 1 0 0-5.6 2.8 2.8 0 0 1 "
              "0 5.6Z")

# A telephone handset: the earpiece up left, the mouthpiece down right, the grip between.
PHONE = _svg("M7.4 2.2 4.3 3C3.5 3.2 3 3.9 3 4.7 3.4 13.9 10.1 20.6 19.3 21c.8 0 1.5-.5 1.7-1.3"
             "l.8-3.1-4.6-2-2.2 2.5a12.5 12.5 0 0 1-6.1-6.1l2.5-2.2-2-4.6Z")

ICONS = {"pin": PIN, "camera": CAMERA, "phone": PHONE}


def icon(name: str) -> Markup:
    """The named icon's <svg> (the templates' `icon("pin")`)."""
    return ICONS[name]
