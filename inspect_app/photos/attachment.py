"""A photo belongs to one record only: whether it is attached, and whether it may be.

Apart from records.py (who sees a photo, which asks every feature) so that storing a photo
needs no feature's service, and inspections can store photos without a circle.
"""

from flask_babel import gettext as _
from sqlalchemy import exists, select

from ..auth.models import User
from ..enterprise.models import drill_photos
from ..errors import UserError
from ..extensions import db
from ..shifts.models import Meeting
from .models import Photo


def is_attached(photo: Photo) -> bool:
    if photo.answer_id or photo.hazard_id or photo.event_id:
        return True
    if photo.id is None:
        return False
    return bool(db.session.scalar(select(
        exists().where(drill_photos.c.photo_id == photo.id)
        | exists().where(Meeting.photo_id == photo.id))))


def check_attachable(photo: Photo, user: User, site_id: int) -> None:
    """Only the uploader may attach a photo, only to a record of its site, and only once."""
    if photo.uploader_id != user.id or photo.site_id != site_id or is_attached(photo):
        raise UserError(_("That photo belongs to another record and cannot be attached here."), 409)
