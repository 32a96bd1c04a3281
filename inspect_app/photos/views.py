import click
from flask import abort, send_file
from flask_login import current_user

from ..access import allow
from ..extensions import db
from . import bp, records, service
from .models import Photo


@bp.get("/<int:photo_id>")
@bp.get("/<int:photo_id>/thumb", endpoint="thumb", defaults={"thumb": True})
@allow()
def show(photo_id: int, thumb: bool = False):
    photo = db.session.get(Photo, photo_id) if photo_id < 2**31 else None
    if photo is None or not records.can_see(current_user, photo):
        abort(404)
    path = service.file_path(photo, thumb)
    if not path.is_file():  # committed a moment ago, its file not renamed yet
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", conditional=True,
                     max_age=86400)
    resp.headers["Cache-Control"] = "private, max-age=86400, immutable"  # never in shared caches
    return resp


@bp.cli.command("sweep")
def sweep():
    """Remove photo files older than an hour that no row names (what a crash left). For cron."""
    counts = service.sweep()
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
