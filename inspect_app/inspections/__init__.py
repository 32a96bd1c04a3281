"""The checklist run: start, tick items, photograph failures, submit."""

from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
