"""Storing photos: processed by media.py, written atomically, deduplicated by upload key."""

import os
import uuid
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..extensions import db
from ..media import PhotoRejected, process_photo
from ..sites.service import can_see_site
from ..timeutil import utcnow
from ..web import UserError
from .models import Photo


def rejection_message(reason: str) -> str:
    limit_mb = current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)
    return {
        "not_image": _("That file is not a photo. Take a picture or choose a JPEG or PNG image."),
        "too_large": _("The photo is larger than %(mb)s MB. Choose a smaller one.", mb=limit_mb),
        "too_many_pixels": _("The image has too many pixels to be a photo and was refused."),
        "corrupt": _("The photo is damaged or was cut off in transfer. Please try again."),
    }.get(reason, _("The photo was refused."))


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _valid_key(key: str | None) -> str:
    """Upload keys come from the form; anything odd gets a fresh server key (no dedupe)."""
    if key and 8 <= len(key) <= 64 and all(c.isalnum() or c in "-_" for c in key):
        return key
    return uuid.uuid4().hex


def existing(upload_key: str | None) -> Photo | None:
    if not upload_key:
        return None
    return db.session.scalar(select(Photo).where(Photo.upload_key == upload_key))


def parse_taken_at(value: str | None) -> datetime | None:
    """The EXIF-style capture time the phone read before shrinking the photo (photos.js)."""
    try:
        return datetime.strptime((value or "").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def store(file: FileStorage | None, *, uploader: User, site_id: int, upload_key: str | None,
          answer_id: int | None = None, hazard_id: int | None = None,
          taken_at: str | None = None) -> Photo:
    """Process and save one uploaded photo, or raise UserError with nothing stored.

    The same upload key twice (a retry after a lost reply) returns the first photo.
    """
    if (photo := existing(upload_key)) is not None:
        return photo
    if file is None or not file.filename:
        raise UserError(_("Choose a photo first."))
    cfg = current_app.config
    # Read one byte past the cap, so an oversized file is refused without reading it all.
    data = file.stream.read(cfg["PHOTO_MAX_BYTES"] + 1)
    try:
        processed = process_photo(data, max_bytes=cfg["PHOTO_MAX_BYTES"],
                                  max_pixels=cfg["PHOTO_MAX_PIXELS"],
                                  long_edge=cfg["PHOTO_LONG_EDGE"], thumb_edge=cfg["PHOTO_THUMB_EDGE"])
    except PhotoRejected as e:
        raise UserError(rejection_message(e.reason)) from e
    name = uuid.uuid4().hex
    rel = f"{utcnow():%Y/%m}/{name}"
    root = Path(cfg["UPLOAD_DIR"])
    _write_atomic(root / f"{rel}.jpg", processed.image)
    _write_atomic(root / f"{rel}.thumb.jpg", processed.thumb)
    photo = Photo(upload_key=_valid_key(upload_key), uploader_id=uploader.id, site_id=site_id,
                  answer_id=answer_id, hazard_id=hazard_id, path=f"{rel}.jpg",
                  thumb_path=f"{rel}.thumb.jpg", width=processed.width, height=processed.height,
                  size_bytes=len(processed.image),
                  taken_at=processed.taken_at or parse_taken_at(taken_at))
    db.session.add(photo)
    try:
        db.session.commit()
    except IntegrityError:
        # Two copies of the same upload raced: keep the one that committed first.
        db.session.rollback()
        _remove_files(root, photo)
        if (first := existing(upload_key)) is not None:
            return first
        raise
    except Exception:
        db.session.rollback()
        _remove_files(root, photo)
        raise
    return photo


def _remove_files(root: Path, photo: Photo) -> None:
    for rel in (photo.path, photo.thumb_path):
        (root / rel).unlink(missing_ok=True)


def can_see(user: User, photo: Photo) -> bool:
    return photo.uploader_id == user.id or can_see_site(user, photo.site)


def file_path(photo: Photo, thumb: bool) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / (photo.thumb_path if thumb else photo.path)
