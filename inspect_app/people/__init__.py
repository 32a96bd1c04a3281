"""Enterprise staff manage their own enterprise's people: staff accounts and workers."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")
