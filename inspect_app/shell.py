"""What every page's frame asks on every request, done once: the templates' gettext, the URLs
of the frame's links and static files, and the offline outbox's settings.

A page calls gettext a few dozen times and url_for a dozen times for the same frame (head,
top bar, footer). Flask-Babel finds the request's catalog anew on each call (domain, locale,
cache key); here it is found once per request and locale. The frame's links depend only on the
mount point (and the language), so they are built once per process.
"""

from functools import lru_cache

from flask import Flask, g, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup


def _catalog():
    """The request's translations, looked up again only when the locale changes
    (force_locale sets another Locale object, and puts the first one back after). The locale
    is read where Flask-Babel keeps it (g._flask_babel.babel_locale): get_locale() resolves
    `g` three times per call, and a page asks a few dozen times."""
    ns = g._get_current_object()
    hit = getattr(ns, "_shell_catalog", None)
    if hit is not None and hit[0] is getattr(getattr(ns, "_flask_babel", None), "babel_locale",
                                             None):
        return hit[1]
    locale = get_locale()
    catalog = get_translations()
    ns._shell_catalog = (locale, catalog)
    return catalog


def fixed_url(endpoint: str, **values) -> str:
    """url_for for a link that is the same on every request under this mount point (no
    blueprint-relative name, no host or scheme): built once per process."""
    return _fixed_url(request.script_root, endpoint, tuple(sorted(values.items())))


@lru_cache(maxsize=256)
def _fixed_url(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def offline_config() -> Markup:
    """The settings static/outbox.js reads on every page: the service worker's URL and the
    words it may show, in the page's language."""
    return _offline_config(request.script_root, str(get_locale()))


@lru_cache(maxsize=16)
def _offline_config(script_root: str, locale: str) -> Markup:
    config = {
        "sw": url_for("web.service_worker"),
        "text": {
            "newVersion": _("A new version is available"),
            "update": _("Update now"),
            "switchUnsent": _("%(n)s changes on this phone are not uploaded yet. They are sent "
                              "when their user logs in again; if someone else logs in here, "
                              "they are deleted.", n="{n}"),
            "logoutUnsent": _("%(n)s changes are not uploaded yet and are lost if you log out "
                              "now. Log out anyway?", n="{n}"),
        },
    }
    # Jinja's tojson escaping (<, >, & and '), so the JSON cannot end the <script>.
    text = htmlsafe_json_dumps(config, ensure_ascii=False, separators=(",", ":"))
    return Markup(f'<script type="application/json" id="offline-config">{text}</script>')  # noqa: S704


def init_app(app: Flask) -> None:
    """After Flask-Babel (its callables are replaced by the same ones over _catalog)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(fixed_url=fixed_url, offline_config=offline_config)
