"""Enterprise self-management: due self-checks, standardization, model posts, drills, training
and the hazard statistics the principal signs. `flask enterprise remind` sends the reminders."""

from flask import Blueprint

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise", cli_group="enterprise")
