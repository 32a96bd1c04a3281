"""The start page: what each role needs first."""

from flask import Blueprint

bp = Blueprint("home", __name__)


@bp.app_template_global()
def work_rows(rows, section: str):
    """A list of the work queue's rows in HTML (home/rows.py)."""
    from .rows import html
    return html(rows, section)


@bp.app_template_global()
def due_rows(due):
    """The sites due for inspection as a list's rows in HTML (home/rows.py)."""
    from .rows import due_html
    return due_html(due)

# Answers and photos of a check in progress never move the checker's own queue (it moves when
# the check is submitted): a tick stays a fixed few statements (tests/web/test_statement_counts).
_NEVER_MOVES_MY_QUEUE = frozenset({"inspections.answer", "inspections.upload",
                                   "inspections.remove_photo"})


@bp.after_app_request
def _recount_after_a_change(response):
    """Whoever just changed something sees their own work count move at once: their next page
    counts afresh, and an htmx reply that swaps part of this page carries the bar's count too,
    swapped out of band (the bar is not in the fragment)."""
    from flask import current_app, request
    from flask_login import current_user

    from ..web import wants_fragment
    from . import queue
    if request.method != "POST" or not current_user.is_authenticated:
        return response
    queue.forget(current_user.id)
    if (wants_fragment() and 200 <= response.status_code < 300 and response.status_code != 204
            and response.mimetype == "text/html" and not response.direct_passthrough
            and request.endpoint not in _NEVER_MOVES_MY_QUEUE
            and queue.section_keys(current_user)):
        # Rendered without the context processors: the bar's other figures are not needed.
        bar = current_app.jinja_env.get_template("_work_count.html").render(
            waiting=queue.count(current_user), shown_count=queue.shown, oob=True)
        response.set_data(response.get_data() + bar.encode())
    return response
