"""Checklist templates: the four specifications, browsable as reference."""

from flask import Blueprint

bp = Blueprint("checklists", __name__, url_prefix="/checklists")
