"""Serving photos to those allowed to see them."""

from flask import Blueprint

bp = Blueprint("photos", __name__, url_prefix="/photos")
