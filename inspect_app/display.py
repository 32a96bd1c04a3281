"""How pages are shown to the person holding the phone: the large-type mode (长辈版).

Remembered per user (users.large_type); before login, per session. A choice made on the
login page carries over to the account that logs in next on that phone, and only that once,
so a shared phone does not pass one person's setting to the next.
"""

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_login import current_user, user_logged_in

from . import throttle
from .access import public
from .extensions import db

bp = Blueprint("display", __name__)

SESSION_KEY = "large_type"
CHOSEN_BEFORE_LOGIN = "large_type_chosen"


def large_type() -> bool:
    """Whether this request's pages use large type."""
    if current_user.is_authenticated:
        return bool(current_user.large_type)
    return bool(session.get(SESSION_KEY))


def set_large_type(on: bool) -> None:
    """Switch the mode for whoever is using the phone; saved on the account when logged in."""
    session[SESSION_KEY] = on
    if current_user.is_authenticated:
        current_user.large_type = on
        db.session.commit()
        session.pop(CHOSEN_BEFORE_LOGIN, None)
    else:
        session[CHOSEN_BEFORE_LOGIN] = True


def _carry_over(app, user) -> None:
    """On login, keep a choice made on the login page (an older user who enlarged the text to
    read it should not have to find the switch again)."""
    if session.pop(CHOSEN_BEFORE_LOGIN, None) and user.large_type != session.get(SESSION_KEY):
        user.large_type = bool(session.get(SESSION_KEY))
        db.session.commit()


@bp.post("/large-type")
@public  # the login page offers it too
@throttle.anonymous_form
def toggle_large_type():
    from .web import safe_next
    set_large_type(request.form.get("on") == "1")
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    user_logged_in.connect(_carry_over, app)
    app.context_processor(lambda: {"large_type": large_type()})
