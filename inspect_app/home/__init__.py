"""The start page: what each role needs first."""

from flask import Blueprint

bp = Blueprint("home", __name__)
