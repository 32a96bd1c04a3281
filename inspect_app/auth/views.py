from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from .. import forms, throttle
from ..access import allow, public
from ..web import page, safe_next
from . import bp
from .forms import LOGIN, PIN
from .service import authenticate, authenticate_pin, log_out, start_session


def _sign_in(template: str, check, fields: dict, login_field: str, secret_field: str):
    """The password and PIN pages: the same flow with a different secret. The form parses
    through the forms layer; a value no account can hold (overlong, NUL) reads as blank, so it
    is answered exactly like an unknown name or a wrong secret (422, one hash)."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("home.index"))
    error, typed = None, ""
    if request.method == "POST":
        v = forms.filters(request.form, fields, notify=False)
        result = check(v[login_field], v[secret_field])
        if result.user:
            start_session()
            login_user(result.user, remember=v.remember)
            return redirect(next_url or url_for("home.index"))
        error, typed = result.error, v[login_field]
    return page(template, http_status=422 if error else 200, error=error, next_url=next_url,
                login_value=typed)


@bp.route("/login", methods=["GET", "POST"])
@public
@throttle.sign_in
def login():
    return _sign_in("auth/login.html", authenticate, LOGIN, "login", "password")


@bp.route("/pin", methods=["GET", "POST"])
@public
@throttle.sign_in
def pin_login():
    """Workers: phone number and PIN, no e-mail or password."""
    return _sign_in("auth/pin.html", authenticate_pin, PIN, "phone", "pin")


@bp.post("/logout")
@allow()
def logout():
    log_out(current_user._get_current_object())
    flash(_("You have logged out."), "info")
    resp = redirect(url_for("auth.login"))
    # A shared phone keeps nothing of this user: cached pages, the outbox, the service worker.
    resp.headers["Clear-Site-Data"] = '"cache", "storage"'
    return resp


@bp.cli.command("prune")
def prune():
    """Delete login-failure counts that no longer count (lock run out, or quiet for the window).
    Changes no answer; keeps the table small. For cron, hourly."""
    import click

    from ..timeutil import utcnow
    from .lockout import prune as prune_failures

    click.echo(f"pruned {prune_failures(utcnow())} login-failure rows")
