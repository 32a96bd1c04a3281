"""Zone administration: areas, grids, sites, users, imports."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
