"""Major hazards as 16号令 and the plan handle them: the historic stock import, and (with
hazards/) the regime, stop-work, assessment, review and 核销 steps."""

from flask import Blueprint

bp = Blueprint("majors", __name__, url_prefix="/majors")
