"""Critical CSS: the field pages (scan, site, checklist) paint after one round trip.

On slow 4G a stylesheet in <head> costs one more round trip before anything is painted. The
field pages carry instead, inline in <head>, the part of static/app.css their screens use (all
of it but the sections between `/* critical: skip */` and `/* critical: end */`), and link the
whole app.css at the end of <body>, where it no longer holds up the first paint. Because the
inline part is a subset of app.css in the same order, the page looks exactly as before once
app.css has arrived (from the cache on a repeat visit).

The CSP allows no 'unsafe-inline': the inline <style> is allowed by its sha256 hash, which the
policy carries (headers.py). Both are made from the file once per process (again if it changes).

The inline part is 9 KB of a field page's 15-17 KB, the same on every page, and compressing it
anew on every response was most of the response's compression (brotli at Flask-Compress's
quality 4: 0.5 ms CPU of the scanner page's ~9). So a page carrying it goes out as gzip in three
pieces: the HTML before the <style>; the <style>, deflated once per process; the HTML after it,
compressed with the two before as its dictionary, so it refers back into them as one stream
would. A full flush ends the first two, so the pieces join into one valid stream. Zone scanner
and site pages: 5,218 and 5,584 bytes (brotli: 5,196 and 5,593) in 0.22-0.26 ms CPU instead of
0.51-0.56 (medians, loaded machine). A page with much HTML of its own stays brotli: there the
HTML is most of the work and brotli makes it smaller (the zone checklist, 64 KB besides the
CSS: 10,983 bytes as brotli, 11,407 so).
"""

import base64
import hashlib
import os
import re
import zlib
from functools import lru_cache

from flask import Response, current_app, g, has_request_context, request
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
def _load(path: str, mtime_ns: int) -> tuple[str, str, bytes, bytes]:
    """The CSS, its CSP source, the <style> element as UTF-8 and that element deflated."""
    with open(path, encoding="utf-8") as f:
        css = extract(f.read())
    if "</" in css:
        raise ValueError("critical CSS must not contain '</' (it would end the <style>)")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    element = f"<style>{css}</style>".encode()
    return css, f"'sha256-{digest}'", element, _deflated(element, 9)


def _current() -> tuple[str, str, bytes, bytes]:
    """The file's current parts, looked at once per request: an HTML response asks twice (its
    CSP header, its compression) and a field page a third time (its <style>)."""
    if not has_request_context():
        return _stat_and_load()
    found = g.get("_critical_css")
    if found is None:
        found = g._critical_css = _stat_and_load()
    return found


def _stat_and_load() -> tuple[str, str, bytes, bytes]:
    path = os.path.join(current_app.static_folder, "app.css")
    return _load(path, os.stat(path).st_mtime_ns)


def _deflated(data: bytes, level: int, last: bool = False, after: bytes = b"",
              window_bits: int = 15, mem_level: int = 8) -> bytes:
    """Raw deflate blocks of `data`, ending on a byte boundary with the compressor reset
    (Z_FULL_FLUSH), so other pieces may follow; `last` ends the stream. `after`: the bytes the
    stream holds before this piece, which it may then refer back to (the window's last bytes).
    A smaller window and memory level suit a small piece: zlib clears its tables for each
    compressor, which for the defaults (a 32 KB window) cost more than a 600-byte piece."""
    c = zlib.compressobj(level, zlib.DEFLATED, -window_bits, mem_level,
                         **({"zdict": after[-(1 << window_bits):]} if after else {}))
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


# Pages with more HTML than this besides the <style> are left to Flask-Compress (brotli).
SPLICE_MAX_REST = 16 * 1024

# gzip member header: deflate, no flags, no mtime (the bytes depend on the content only), OS unknown
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def gzip_around(body: bytes, element: bytes, deflated: bytes, level: int = 6) -> bytes | None:
    """`body` as gzip, with its copy of `element` taken from `deflated` (None: not in it, or
    too much HTML besides it).
    It is looked for near the start, in <head> (a long page is not searched). The HTML after
    it may refer back to it and to the HTML before it, as in one stream."""
    at = body.find(element[:7], 0, 4096)  # "<style>"
    if (at < 0 or not body.startswith(element, at)
            or len(body) - len(element) > SPLICE_MAX_REST):
        return None
    end = at + len(element)
    # The head before the <style> is under 4 KB; the rest refers back 16 KB at most.
    return b"".join((GZIP_HEADER, _deflated(body[:at], level, window_bits=12, mem_level=4),
                     deflated, _deflated(body[end:], level, last=True, after=body[:end],
                                         window_bits=14, mem_level=6),
                     zlib.crc32(body).to_bytes(4, "little"),
                     (len(body) & 0xFFFFFFFF).to_bytes(4, "little")))


def compress_page(response: Response) -> Response:
    """A page carrying the critical CSS, compressed around it (after_request, before
    Flask-Compress, which leaves a response that has a Content-Encoding alone)."""
    if (response.mimetype != "text/html" or not 200 <= response.status_code < 300
            or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers
            or request.accept_encodings.quality("gzip") <= 0):
        return response
    _css, _hash, element, deflated = _current()
    body = gzip_around(response.get_data(), element, deflated)
    if body is None:
        return response
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def style_hash() -> str:
    """The CSP source that allows the inline critical <style>."""
    return _current()[1]


def critical_style() -> Markup:
    """<style> with the critical CSS, for a field page's <head>."""
    return Markup(f"<style>{_current()[0]}</style>")  # noqa: S704 - our own static file


def init_app(app) -> None:
    app.jinja_env.globals["critical_style"] = critical_style
    app.after_request(compress_page)
