"""Storing photos, in the step's own transaction.

A step with photos (a tick's photo, a rectification, a drill, a worker's report) first
checks and processes its photos with `prepare()`, before it changes anything; `store()`
then adds the rows without committing, and writes the files under temporary names that
become final only when the step commits (and are removed if it rolls back). What a crash
leaves behind, `sweep()` removes (`flask photos sweep`, for cron).

Repeats are the same photo: an upload key is matched among its uploader's own photos
(a retry after a lost reply), and the same bytes twice for one record are stored once.
Decoding is the costly part, so it is bounded per request (count, pixels) and runs in a few
lower-priority processes per web process, with a short queue (photos/decoder.py).
"""

import hashlib
import os
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..media import PhotoRejected, ProcessedPhoto, decode_pixels
from ..timeutil import utcnow
from .attachment import check_attachable
from .decoder import Busy, process_photo
from .models import Photo

PENDING = ".pending"  # suffix of a file whose row is not committed yet
STALE_AFTER = timedelta(hours=1)


def rejection_message(reason: str) -> str:
    limit_mb = current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)
    return {
        "not_image": _("That file is not a photo. Take a picture or choose a JPEG, PNG or HEIC image."),
        "too_large": _("The photo is larger than %(mb)s MB. Choose a smaller one.", mb=limit_mb),
        "too_many_pixels": _("The image has too many pixels to be a photo and was refused."),
        "corrupt": _("The photo is damaged or was cut off in transfer. Please try again."),
    }.get(reason, _("The photo was refused."))


@dataclass(frozen=True)
class Upload:
    """One uploaded photo, checked and processed, not stored yet."""

    content_hash: str  # sha256 of the bytes as uploaded
    processed: ProcessedPhoto


# Reading and processing (before the step's transaction) ----------------------------------------


def _read(file: FileStorage) -> bytes:
    # One byte past the cap, so an oversized file is refused without reading it all.
    return file.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _limits() -> dict:
    cfg = current_app.config
    return {"max_bytes": cfg["PHOTO_MAX_BYTES"], "max_pixels": cfg["PHOTO_MAX_PIXELS"],
            "long_edge": cfg["PHOTO_LONG_EDGE"]}


def busy_message() -> str:
    return _("The server is busy with other photos. Nothing was saved; your phone will try "
             "again in a moment.")


def _process(data: bytes) -> ProcessedPhoto:
    """Decode and re-encode in a decode process (photos/decoder.py), or refuse: a bad photo
    with its reason (422), a full decode queue at once with 503 and Retry-After."""
    cfg = current_app.config
    try:
        return process_photo(data, **_limits(), thumb_edge=cfg["PHOTO_THUMB_EDGE"])
    except PhotoRejected as e:
        raise UserError(rejection_message(e.reason)) from e
    except Busy:
        g.retry_after = cfg["PHOTO_BUSY_RETRY_AFTER"]  # headers.secure sends it with the 503
        raise UserError(busy_message(), 503) from None


def prepare(files: Iterable[FileStorage | None]) -> list[Upload]:
    """Check and process a step's photos, or raise UserError with nothing stored.

    Every header is read, and the request's count and pixel budget checked, before any
    photo is decoded. The same bytes twice in one request are one photo."""
    cfg = current_app.config
    files = [f for f in files if f is not None and f.filename]
    if len(files) > cfg["PHOTO_MAX_PER_REQUEST"]:
        raise UserError(_("At most %(n)s photos can be sent at once. Nothing was saved; "
                          "send fewer photos.", n=cfg["PHOTO_MAX_PER_REQUEST"]))
    blobs: dict[str, bytes] = {}
    pixels = 0
    for file in files:
        data = _read(file)
        if (digest := _hash(data)) in blobs:
            continue
        try:
            pixels += decode_pixels(data, **_limits())
        except PhotoRejected as e:
            raise UserError(rejection_message(e.reason)) from e
        if pixels > cfg["PHOTO_REQUEST_PIXELS"]:
            raise UserError(_("These photos are too large to process together. Nothing was saved; "
                              "send fewer photos at a time."))
        blobs[digest] = data
    return [Upload(digest, _process(data)) for digest, data in blobs.items()]


# Finding what is already stored ---------------------------------------------------------------


def find_by_key(uploader: User, upload_key: str | None) -> Photo | None:
    """The photo this uploader already stored under this key (another user's never matches)."""
    if not upload_key or len(upload_key) > 64:
        return None
    with db.session.no_autoflush:  # a lookup must not flush the caller's half-made step
        return db.session.scalar(select(Photo).where(Photo.uploader_id == uploader.id,
                                                     Photo.upload_key == upload_key))


def _same_bytes(uploader: User, digest: str, among: Iterable[Photo]) -> Photo | None:
    return next((p for p in among if p.uploader_id == uploader.id and p.content_hash == digest),
                None)


def _valid_key(key: str | None) -> str:
    """Upload keys come from the form; anything odd gets a fresh server key (no dedupe)."""
    if key and 8 <= len(key) <= 64 and all(c.isalnum() or c in "-_" for c in key):
        return key
    return uuid.uuid4().hex


def parse_taken_at(value: str | None) -> datetime | None:
    """The EXIF-style capture time the phone read before shrinking the photo (photos.js)."""
    try:
        return datetime.strptime((value or "").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


# Storing (in the step's transaction) ----------------------------------------------------------


def store(file: FileStorage | Upload | None, *, uploader: User, site_id: int, upload_key: str | None,
          answer_id: int | None = None, hazard_id: int | None = None,
          taken_at: str | None = None, among: Iterable[Photo] = ()) -> Photo:
    """Add one photo to the session (no commit: the step commits), or raise UserError.

    `file` is an upload or a Upload from prepare(). `among` are the photos the target
    record already has; the answer's own are added. The uploader's photo under the same key
    (a retry) is returned, or refused if it already belongs to another record; the same bytes
    as one of `among` return that photo. The caller attaches what is returned."""
    among = list(among)
    if answer_id is not None:
        with db.session.no_autoflush:
            among += db.session.scalars(select(Photo).where(Photo.answer_id == answer_id))
    if (photo := find_by_key(uploader, upload_key)) is not None:
        if photo not in among:
            check_attachable(photo, uploader, site_id)
            photo.answer_id = answer_id or photo.answer_id
            photo.hazard_id = hazard_id or photo.hazard_id
        return photo
    if isinstance(file, Upload):
        upload = file
    else:
        if file is None or not file.filename:
            raise UserError(_("Choose a photo first."))
        data = _read(file)
        if (same := _same_bytes(uploader, _hash(data), among)) is not None:
            return same  # picked twice: no second decode, no second copy
        upload = Upload(_hash(data), _process(data))
    if (same := _same_bytes(uploader, upload.content_hash, among)) is not None:
        return same
    processed = upload.processed
    rel = f"{utcnow():%Y/%m}/{uuid.uuid4().hex}"
    photo = Photo(upload_key=_valid_key(upload_key), uploader_id=uploader.id, site_id=site_id,
                  answer_id=answer_id, hazard_id=hazard_id, content_hash=upload.content_hash,
                  path=f"{rel}.jpg", thumb_path=f"{rel}.thumb.jpg", width=processed.width,
                  height=processed.height, size_bytes=len(processed.image),
                  taken_at=processed.taken_at or parse_taken_at(taken_at))
    root = Path(current_app.config["UPLOAD_DIR"])
    _write_pending(root / photo.path, processed.image)
    _write_pending(root / photo.thumb_path, processed.thumb)
    db.session.add(photo)
    return photo


def _write_pending(final: Path, data: bytes) -> None:
    """Write `final` under its pending name, made final by the commit (see _finish)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + PENDING)
    # Registered before writing: a failed write is cleaned up with the rest.
    db.session().info.setdefault("photo_files", []).append((tmp, final))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@event.listens_for(Session, "after_commit")
def _finish(session: Session) -> None:
    """The rows are committed: their files take their final names."""
    if session.get_nested_transaction() is not None:  # a SAVEPOINT released: not the commit yet
        return
    for tmp, final in session.info.pop("photo_files", ()):
        with suppress(FileNotFoundError):  # the sweep finished it already
            os.replace(tmp, final)


@event.listens_for(Session, "after_transaction_end")
def _discard(session: Session, transaction) -> None:
    """Rolled back or closed without a commit: the rows never existed, nor do their files."""
    if transaction.parent is not None:
        return
    for tmp, _final in session.info.pop("photo_files", ()):
        tmp.unlink(missing_ok=True)


def file_path(photo: Photo, thumb: bool) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / (photo.thumb_path if thumb else photo.path)


# Sweeping up after crashes ----------------------------------------------------------------------


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Remove files older than an hour that no row names, and stale pending or `.part` files;
    finish a pending file whose row was committed (a crash between commit and rename).
    Files younger than that may belong to a step still running. Idempotent."""
    root = Path(current_app.config["UPLOAD_DIR"])
    counts = {"removed": 0, "finished": 0, "kept": 0}
    if not root.is_dir():
        return counts
    cutoff = ((now or utcnow()) - STALE_AFTER).timestamp()
    stale = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
    known = set(db.session.scalars(select(Photo.path))) | set(db.session.scalars(
        select(Photo.thumb_path)))
    for path in stale:
        rel = path.relative_to(root).as_posix()
        if rel.endswith(PENDING) and rel[:-len(PENDING)] in known \
                and not path.with_name(path.name[:-len(PENDING)]).exists():
            os.replace(path, path.with_name(path.name[:-len(PENDING)]))
            counts["finished"] += 1
        elif rel in known:
            counts["kept"] += 1
        else:
            path.unlink(missing_ok=True)
            counts["removed"] += 1
    db.session.rollback()
    return counts
