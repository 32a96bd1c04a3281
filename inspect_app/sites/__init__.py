"""Sites: the QR landing page, the site page, posters."""

from flask import Blueprint

bp = Blueprint("sites", __name__)
