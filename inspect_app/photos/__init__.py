"""Photos: stored with the step they belong to, served to those who may see its record;
`flask photos sweep` removes what a crash left behind."""

from flask import Blueprint

bp = Blueprint("photos", __name__, url_prefix="/photos", cli_group="photos")
