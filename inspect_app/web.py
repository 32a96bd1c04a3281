"""Rendering (full page or htmx fragment), errors, CSRF, locale and health check."""

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from functools import lru_cache
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException

from . import precompress, shell, throttle
from .access import PUBLIC, public
from .errors import UserError
from .extensions import babel, csrf, db, login_manager
from .memo import memo
from .qr import qr_png


def wants_fragment() -> bool:
    """An htmx swap of part of a page: not boosted navigation, not a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


@lru_cache(maxsize=256)
def _parent_of(env, name: str) -> str | None:
    """The template `name` extends, if any (read once from its source)."""
    from jinja2 import nodes

    source = env.loader.get_source(env, name)[0]
    extends = env.parse(source).find(nodes.Extends)
    return extends.template.value if extends and isinstance(extends.template, nodes.Const) else None


def render_blocks(template: str, blocks: list[str], context_processors: bool = True,
                  **context) -> str:
    """The named blocks of `template`; without `context_processors`, only `context` and the
    environment's globals (blocks that read no frame figure: the inbox count, the menu)."""
    if context_processors:
        current_app.update_template_context(context)
    env = current_app.jinja_env
    tmpl = env.get_template(template)
    ctx = tmpl.new_context(context)
    # A child template holds only the blocks it overrides: chain its parents' blocks behind
    # them, as `{% extends %}` does in a full render (so blocks it inherits, and super(), work).
    name = template
    while (name := _parent_of(env, name)) is not None:
        for block, render in env.get_template(name).blocks.items():
            ctx.blocks.setdefault(block, []).append(render)
    return "".join("".join(ctx.blocks[b][0](ctx)) for b in blocks)


_filter_forms = memo(60)


def filter_form(template: str, key: tuple, **context) -> Markup:
    """A list's filter form, rendered at most once a minute per `key` (what decides its option
    lists and what is chosen: the reader's scope, the filters) and language: its option lists
    cost a millisecond a page to render, and change only with the zone's grids."""
    return _filter_forms.get((template, str(get_locale()), *key), lambda: Markup(
        current_app.jinja_env.get_template(template).render(**context)))


def page(template: str, /, fragment: str | list[str] | None = None, http_status: int = 200,
         fragment_context_processors: bool = True, **context):
    """The full page normally; only the named block(s) when htmx asks for a fragment (with
    the context processors' figures unless `fragment_context_processors` is False)."""
    if fragment and wants_fragment():
        blocks = [fragment] if isinstance(fragment, str) else fragment
        body = render_blocks(template, blocks, fragment_context_processors, **context)
    else:
        body = render_template(template, **context)
    resp = make_response(body, http_status)
    resp.vary.add("HX-Request")
    return resp


def form_token() -> str:
    """The CSRF token for the forms a reply writes (and csrf_token() in its templates). A write
    Flask-WTF has let through answers with the token it was sent with: a token never expires
    (WTF_CSRF_TIME_LIMIT is None) and any the session's secret signed is as good as a new
    one, and signing a new one cost ~3 % of a tick's CPU. Other requests get a new one."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if g.get("csrf_valid") and field not in g:
        sent = csrf._get_csrf_token()  # the one it validated (form field first, then header)
        if sent:
            setattr(g, field, sent)  # generate_csrf's per-request token: every form agrees
    return generate_csrf()


def path_for(endpoint: str, **values) -> str:
    """A site-relative URL, also outside a request (cron jobs write links into notifications)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def poster_url(path: str) -> str:
    """An address a printed QR code encodes: BASE_URL when set (the address phones can reach),
    else this request's host."""
    return (current_app.config.get("BASE_URL") or request.host_url.rstrip("/")) + path


def qr_png_response(url: str):
    """The QR code of `url` as a PNG for this user only, never stored: the token in it changes
    when it is reissued."""
    resp = current_app.response_class(qr_png(url), mimetype="image/png")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def redirect_to(url: str):
    """A redirect that also works for htmx requests (which would swap a 302's target in place)."""
    if wants_fragment():
        resp = make_response("", 204)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to (after login, after a form). A
    backslash is refused too: browsers read "/\\evil.example" as "//evil.example"."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@lru_cache(maxsize=64)
def _content_hash(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A static URL that changes when the file does, so it can be cached for a year. Built
    once per file and mount point (every page asks for the same five)."""
    return _static_url(current_app.static_folder, request.script_root, filename)


@lru_cache(maxsize=256)
def _static_url(folder: str, script_root: str, filename: str) -> str:
    return url_for("static", filename=filename, v=_content_hash(os.path.join(folder, filename)))


def filter_args(args) -> dict:
    """The query arguments to carry over to the next page, without the paging key itself."""
    return {k: v for k, v in args.items() if k != "after" and v}


def _error(status: int, message: str):
    if request.htmx:
        # htmx does not swap 4xx/5xx bodies (see base.html); app.js and the outbox show this
        # header at the item. A bare message must not replace the card it came from (409/422
        # are swapped for the forms that carry them), so this reply swaps nothing.
        resp = make_response(message, status)
        resp.headers["X-Message"] = quote(message)
        resp.headers["HX-Reswap"] = "none"
        return resp
    return render_template("error.html", status=status, message=message), status


log = logging.getLogger("inspect_app")  # the app's logger (Flask names it after the package)
RETRY_AFTER = 30  # seconds; phones and the offline outbox try again after this


class _OutageLog:
    """One log line per failed request at most, and repeats summarised: an outage of a minute
    writes a few lines, not a traceback per request (which once grew the log 35 MB in 23 s)."""

    every = 60.0  # seconds between lines while the database stays down

    def __init__(self):
        self.lock = threading.Lock()
        self.failed = 0  # failed requests since the last line
        self.since: float | None = None  # when this outage began (None: no outage)
        self.last_line = 0.0

    def failure(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.failed += 1
            if self.since is None:
                self.since = now
            elif now - self.last_line < self.every:
                return
            cause = getattr(error, "orig", None) or error
            detail = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else ""
            more = f" ({self.failed - 1} more failed requests since the last line)" \
                if self.failed > 1 else ""
            log.error("database unavailable: %s: %s; answering 503%s",
                                     type(cause).__name__, detail, more)
            self.failed, self.last_line = 0, now

    def success(self) -> None:
        if self.since is None:
            return
        with self.lock:
            if self.since is None:
                return
            log.warning("database reachable again after %.0f s (%d more failed "
                                       "requests)", time.monotonic() - self.since, self.failed)
            self.since, self.failed = None, 0


outage = _OutageLog()


def database_unavailable(error: Exception):
    """503 with Retry-After, from a template that needs no database, in the user's language."""
    g.database_down = True
    # Flask-Login's context processor loads the user eagerly: make it an anonymous one here.
    g._login_user = current_app.login_manager.anonymous_user()
    with contextlib.suppress(Exception):  # the connection is already gone; nothing to undo
        db.session.rollback()
    # Idle pooled connections may point at what failed (a replaced SQLite file, a restarted
    # server): drop them so the next request connects afresh.
    with contextlib.suppress(Exception):
        db.engine.dispose()
    outage.failure(error)
    message = _("The server is busy. Your phone will try again in a moment; nothing you "
                "entered is lost.")
    if request.htmx:
        resp = make_response(message, 503)
        resp.headers["X-Message"] = quote(message)
    else:
        resp = make_response(render_template("unavailable.html", message=message), 503)
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    return resp


@event.listens_for(Engine, "engine_connect")
def _used_database(connection) -> None:
    if has_request_context():
        g.used_database = True


def _note_recovery(response):
    """A request that used the database and did not fail on it: an outage, if on, is over."""
    if g.get("used_database") and not g.get("database_down"):
        outage.success()
    return response


bp = Blueprint("web", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        # A real table: an empty file where the SQLite database was still answers "SELECT 1".
        db.session.execute(text("SELECT 1 FROM users LIMIT 1"))
    except Exception as e:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        g.database_down = True
        resp = jsonify(status="error", database="unreachable", error=type(e).__name__)
        resp.status_code = 503
        resp.headers["Retry-After"] = str(RETRY_AFTER)
        return resp
    return jsonify(status="ok", database="ok")


# What the service worker stores on install, so a page reopened offline has its scripts and styles.
SW_PRECACHE = ("app.css", "vendor/htmx-2.0.11.min.js", "app.js", "photos.js", "outbox.js")


@bp.get("/sw.js")
@public
def service_worker():
    """static/sw.js with its version and precache list, served from / so its scope is the site."""
    urls = [static_url(name) for name in SW_PRECACHE]
    path = os.path.join(current_app.static_folder, "sw.js")
    version = hashlib.sha256("".join([_content_hash(path), *urls]).encode()).hexdigest()[:12]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    source = source.replace('const VERSION = "dev";', f"const VERSION = {json.dumps(version)};", 1)
    source = source.replace("const PRECACHE = [];", f"const PRECACHE = {json.dumps(urls)};", 1)
    resp = make_response(source)
    resp.mimetype = "text/javascript"
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Cache-Control"] = "no-cache"  # the browser checks for a new version each visit
    return resp


@bp.post("/lang/<any(zh, en):code>")
@public
@throttle.anonymous_form
def set_language(code: str):
    session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


def select_locale() -> str:
    if not has_request_context():  # CLI and cron messages use the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]


def _check_origin():
    """Defence in depth beside the CSRF token: refuse state changes sent from other sites."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return _error(403, _("This request came from another site and was refused."))
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        return _error(403, _("This request came from another site and was refused."))
    return None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    shell.init_app(app)
    app.before_request(_check_origin)
    app.after_request(precompress.static_response)
    app.after_request(_note_recovery)
    # The database down or refusing connections (OperationalError, e.g. "connection refused",
    # "database is locked"), or a pool with no connection to hand out: 503, service resumes by
    # itself once it is back (this handler empties the pool, and a connection that sat idle is
    # pinged before use: connections.py).
    for error in (OperationalError, InterfaceError, SQLAlchemyTimeoutError):
        app.register_error_handler(error, database_unavailable)

    @login_manager.unauthorized_handler
    def unauthorized():
        login = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.htmx:
            resp = make_response("", 401)
            resp.headers["HX-Redirect"] = url_for("auth.login", next=request.headers.get(
                "HX-Current-URL") and urlsplit(request.headers["HX-Current-URL"]).path)
            return resp
        flash(_("Please log in to continue."), "info")
        return redirect(login)

    @app.errorhandler(UserError)
    def user_error(e: UserError):
        return _error(e.status, e.message)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        from flask_login import current_user
        view = current_app.view_functions.get(request.endpoint)
        if not current_user.is_authenticated and getattr(view, "access_rule", PUBLIC) != PUBLIC:
            # The token died with the session: say "log in again", not "form expired".
            return login_manager.unauthorized()
        resp = make_response(_error(400, _("Your form expired or was sent without its security "
                                           "token. Reload the page and try again.")))
        # Refused for the token alone, nothing written: the outbox fetches the page's token
        # and sends the write again (static/outbox.js), in place of dropping it.
        resp.headers["X-Token-Refused"] = "1"
        return resp

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        messages = {
            403: _("You do not have access to this page."),
            404: _("Not found, or you do not have access to it."),
            405: _("That action is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many requests from this device. Wait a minute, then try again."),
        }
        return _error(e.code or 500, messages.get(e.code, e.description or e.name))

    @app.context_processor
    def inject():
        from .timeutil import local_today
        return {"today": local_today, "lang": select_locale(),
                "filter_args": filter_args, "static_url": static_url,
                "htmx_config": HTMX_CONFIG_JSON, "fragment_swap": wants_fragment}

    @app.template_filter("localdt")
    def localdt(value, fmt=None):
        """A stored time in the zone's time: "YYYY-MM-DD HH:MM" (timeutil.local_minute), or
        strftime's `fmt`."""
        from .timeutil import local_minute, to_local
        if not value:
            return ""
        return local_minute(value) if fmt is None else to_local(value).strftime(fmt)

    @app.template_filter("yuan")
    def yuan(value):
        """An amount of money as people write it: ¥20,000 (cents only when there are any)."""
        if value is None:
            return ""
        text = f"{value:,.2f}"
        return "¥" + (text[:-3] if text.endswith(".00") else text)



# htmx 2 stops at the first matching rule: restate the whole list (422 and 409 carry forms to swap).
HTMX_CONFIG = {
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "409|422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
    "historyCacheSize": 0,
    "defaultSwapStyle": "innerHTML",
    # The CSP allows no inline <style> (its indicator rules are in app.css) and no eval.
    "includeIndicatorStyles": False,
    "allowEval": False,
}
HTMX_CONFIG_JSON = json.dumps(HTMX_CONFIG, separators=(",", ":"))
