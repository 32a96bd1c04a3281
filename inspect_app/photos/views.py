from flask import abort, send_file
from flask_login import current_user

from ..access import allow
from ..extensions import db
from . import bp, service
from .models import Photo


@bp.get("/<int:photo_id>")
@bp.get("/<int:photo_id>/thumb", endpoint="thumb", defaults={"thumb": True})
@allow()
def show(photo_id: int, thumb: bool = False):
    photo = db.session.get(Photo, photo_id)
    if photo is None or not service.can_see(current_user, photo):
        abort(404)
    resp = send_file(service.file_path(photo, thumb), mimetype="image/jpeg", conditional=True,
                     max_age=86400)
    resp.headers["Cache-Control"] = "private, max-age=86400, immutable"  # never in shared caches
    return resp
