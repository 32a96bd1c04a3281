"""What makes the app installable on a phone: the web app manifest, favicon and touch icon.

The icons are drawn by scripts/make_icons.py and committed under static/icons/.
"""

import json

from flask import Blueprint, Flask, current_app, make_response, request
from flask_babel import force_locale
from flask_babel import gettext as _

from .access import public

bp = Blueprint("install", __name__)

THEME_COLOR = "#0b5cad"  # --accent in static/app.css
BACKGROUND_COLOR = "#f3f5f7"  # --bg
LANGUAGES = {"zh": "zh-CN", "en": "en"}


def manifest_data(lang: str) -> dict:
    """The manifest in `lang`; icon URLs carry content hashes like every static URL."""
    from .web import static_url

    icons = []
    for size in (192, 512):
        icons.append({"src": static_url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
                      "type": "image/png", "purpose": "any"})
        icons.append({"src": static_url(f"icons/icon-maskable-{size}.png"),
                      "sizes": f"{size}x{size}", "type": "image/png", "purpose": "maskable"})
    with force_locale(lang):
        name = _("Xuefeng zone safety inspections")
        short_name = _("Inspections")
    return {
        "id": "/",
        "name": name,
        "short_name": short_name,
        "lang": LANGUAGES[lang],
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }


# The browser fetches the manifest without cookies, so the page links it with its language
# in the URL instead of relying on the session.
@bp.get("/manifest.webmanifest")
@public
def manifest():
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    body = json.dumps(manifest_data(lang), ensure_ascii=False, separators=(",", ":"))
    resp = make_response(body)
    resp.mimetype = "application/manifest+json"
    resp.cache_control.public = True
    resp.cache_control.max_age = 3600
    return resp


def _icon(filename: str, mimetype: str):
    """A fixed URL that browsers ask for on their own: cached a week, not a year. Read whole
    (a few KB) so the file is closed at once and Flask-Compress sees a plain body."""
    with open(f"{current_app.static_folder}/icons/{filename}", "rb") as f:
        resp = make_response(f.read())
    resp.mimetype = mimetype
    resp.cache_control.public = True
    resp.cache_control.max_age = 7 * 24 * 3600
    resp.add_etag()
    return resp.make_conditional(request)


@bp.get("/favicon.ico")
@public
def favicon():
    return _icon("favicon.ico", "image/x-icon")


# iOS asks for these at the site root even when the page links one.
@bp.get("/apple-touch-icon-precomposed.png")
@bp.get("/apple-touch-icon.png")  # innermost: the URL url_for builds
@public
def apple_touch_icon():
    return _icon("apple-touch-icon.png", "image/png")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["theme_color"] = THEME_COLOR
