"""Sites: the QR landing page, the site page, posters."""

from flask import Blueprint

bp = Blueprint("sites", __name__)

from . import due  # noqa: E402,F401  (keeps Site.next_due_on up to date on every flush)
