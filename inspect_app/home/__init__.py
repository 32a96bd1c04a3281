"""The start page: what each role needs first."""

from flask import Blueprint

bp = Blueprint("home", __name__)


@bp.after_app_request
def _recount_after_a_change(response):
    """Whoever just changed something sees their own work count move at once."""
    from flask import request
    from flask_login import current_user

    from . import queue
    if request.method == "POST" and current_user.is_authenticated:
        queue.forget(current_user.id)
    return response
