"""Critical CSS: the field pages (scan, site, checklist) paint after one round trip.

On slow 4G a stylesheet in <head> costs one more round trip before anything is painted. The
field pages carry instead, inline in <head>, the part of static/app.css their screens use (all
of it but the sections between `/* critical: skip */` and `/* critical: end */`), and link the
whole app.css at the end of <body>, where it no longer holds up the first paint. Because the
inline part is a subset of app.css in the same order, the page looks exactly as before once
app.css has arrived (from the cache on a repeat visit).

The CSP allows no 'unsafe-inline': the inline <style> is allowed by its sha256 hash, which the
policy carries (headers.py). Both are made from the file once per process (again if it changes).
"""

import base64
import hashlib
import os
import re
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

SKIP = re.compile(r"/\* critical: skip\b.*?/\* critical: end \*/", re.S)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
SPACE = re.compile(r"\s+")
AROUND = re.compile(r"\s*([{};,>])\s*")
AFTER_COLON = re.compile(r":\s+")  # never before one: `a :hover` is a descendant


def extract(css: str) -> str:
    """app.css without its skipped sections and comments, whitespace squeezed."""
    css = COMMENT.sub("", SKIP.sub("", css))
    css = AFTER_COLON.sub(":", AROUND.sub(r"\1", SPACE.sub(" ", css))).strip()
    return css.replace(";}", "}")


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> tuple[str, str]:
    with open(path, encoding="utf-8") as f:
        css = extract(f.read())
    if "</" in css:
        raise ValueError("critical CSS must not contain '</' (it would end the <style>)")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return css, f"'sha256-{digest}'"


def _current() -> tuple[str, str]:
    path = os.path.join(current_app.static_folder, "app.css")
    return _load(path, os.stat(path).st_mtime_ns)


def style_hash() -> str:
    """The CSP source that allows the inline critical <style>."""
    return _current()[1]


def critical_style() -> Markup:
    """<style> with the critical CSS, for a field page's <head>."""
    return Markup(f"<style>{_current()[0]}</style>")  # noqa: S704 - our own static file


def init_app(app) -> None:
    app.jinja_env.globals["critical_style"] = critical_style
