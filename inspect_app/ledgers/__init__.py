"""The five lists (五张清单) as pages, print views and xlsx ledgers; the major-hazard database."""

from flask import Blueprint

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")
