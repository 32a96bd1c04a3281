"""The in-app notification inbox (and e-mail where SMTP is configured)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/inbox")
