"""What every enterprise page shares: who reads them, the labels they show, and a form step
that answers its own page again when a field is refused."""

from flask import request

from .. import forms as f
from ..access import ZONE_STAFF
from ..extensions import db
from ..roles import Role
from ..web import wants_fragment
from . import checks, drills, standard, training

ENTERPRISE = Role.ENTERPRISE
READERS = (ENTERPRISE, *ZONE_STAFF)  # zone staff look at an enterprise's records too


def or_again(step, again):
    """Do a form's step; when a field is refused, its page again with each field's message
    beside it and what was typed kept (422). Nothing was saved. An htmx change (not a whole
    form) is told why in a toast instead (422 with X-Message, nothing swapped)."""
    try:
        return step()
    except f.Invalid as e:
        db.session.rollback()
        if wants_fragment():
            raise  # web.user_error: the toast
        return again(errors=e.errors, form=request.form, http_status=422)


def labels() -> dict:
    """Labels every enterprise page may show."""
    return {"duty_labels": checks.DUTY_LABELS, "drill_labels": drills.DRILL_LABELS,
            "grade_labels": standard.GRADE_LABELS, "training_kinds": training.TRAINING_KINDS}
