"""Static files compressed once per process, never per request.

Flask-Compress would compress htmx.js (50 KB) again on every request: at 50 connections that
was 0.16x the throughput of a precompressed copy. Here a static text file is compressed at its
first request (brotli at its best level, gzip for the rest) and the bytes kept in memory, keyed
by the file's path, size and modification time, so an edited file is compressed afresh. The
response then carries its Content-Encoding, which Flask-Compress leaves alone.
"""

import gzip
import os
import threading

import brotli
from flask import Response, current_app, request
from werkzeug.security import safe_join

_cache: dict[tuple, bytes] = {}
_lock = threading.Lock()
compressions = 0  # how many times a file was compressed in this process (tests read it)


def _encoding() -> str | None:
    offered = request.accept_encodings
    for name in ("br", "gzip"):
        if offered.quality(name) > 0:
            return name
    return None


def _compressed(path: str, encoding: str) -> bytes:
    global compressions
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns, encoding)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    with open(path, "rb") as f:
        data = f.read()
    if encoding == "br":
        body = brotli.compress(data, quality=11, mode=brotli.MODE_TEXT)
    else:
        body = gzip.compress(data, compresslevel=9, mtime=0)
    with _lock:
        # Older versions of this file are dropped: a deploy does not grow the cache.
        for old in [k for k in _cache if k[0] == path and k[3] == encoding]:
            del _cache[old]
        _cache[key] = body
        compressions += 1
    return body


def _close(response: Response) -> None:
    if hasattr(response.response, "close"):
        response.response.close()  # the file send_file opened


def _buffered(response: Response) -> Response:
    """The file read into the body and closed at once (static files are small), so that
    Flask-Compress (deflate) sees a plain body rather than its streaming path, which leaves
    the file open."""
    if response.direct_passthrough:
        data = b"".join(response.response)
        _close(response)
        response.direct_passthrough = False
        response.set_data(data)
    return response


def static_response(response: Response) -> Response:
    """A 200 for a static text file, answered from its compressed copy (after_request)."""
    if (request.endpoint != "static" or response.status_code != 200
            or "Content-Encoding" in response.headers):
        return response
    if response.mimetype not in current_app.config["COMPRESS_MIMETYPES"]:
        return _buffered(response)  # icons and images: small, read whole, the file closed
    response.vary.add("Accept-Encoding")
    path = safe_join(current_app.static_folder, (request.view_args or {}).get("filename", ""))
    encoding = _encoding()
    if encoding is None or path is None or not os.path.isfile(path):
        return _buffered(response)
    body = _compressed(path, encoding)
    _close(response)
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}:{encoding}")
    return response.make_conditional(request)
