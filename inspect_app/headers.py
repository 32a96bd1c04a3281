"""Security headers on every response: pages, fragments, photos, exports, errors and static files.

The policy allows only this origin's own files. Scripts run from static files only (no inline
<script>, on*= handlers or eval), so markup injected into a page cannot run code. Images may
also be blob: and data: URLs (photo previews shrunk on the phone), the service worker, the web
app manifest and the camera (the QR scanner) come from this origin. The one inline <style>
allowed is the field pages' critical CSS, by its sha256 hash (critical.py).
"""

from functools import lru_cache

from flask import Flask, current_app, g, request

from . import critical

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' {critical}",  # the field pages' inline critical CSS, by its hash
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"


def secure(response):
    """Add the headers; dynamic HTML (every page carries the session's CSRF token, and logged-in
    pages a person's data) is never stored, so the back button on a shared phone after logout
    shows nothing. Static files keep their year-long cache (their URLs change with content)."""
    headers = response.headers
    headers["Content-Security-Policy"] = _policy(critical.style_hash())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = PERMISSIONS
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static" and response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    if response.status_code == 503 and g.get("retry_after"):  # e.g. photos/service: queue full
        headers.setdefault("Retry-After", str(g.retry_after))
    return response


@lru_cache(maxsize=4)
def _policy(style_hash: str) -> str:
    return CSP.format(critical=style_hash)


def init_app(app: Flask) -> None:
    critical.init_app(app)
    app.after_request(secure)
