"""A major hazard's close-out documents (16号令 第18条): the unit's assessment report (评估报告)
and its written application to resume (复产申请), filed as files.

A document is evidence, so it is kept byte for byte as uploaded (no re-encoding), in the
database with the step that filed it (one transaction, nothing left on disk by a refused step).
Its type is read from its first bytes, never from the name or the browser's word: PDF, JPEG or
PNG, at most DOCUMENT_MAX_BYTES each and DOCUMENT_MAX_FILES per step. It is seen and downloaded
only by those who may see the hazard (service.get_for).
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from .. import forms
from ..auth.models import User
from ..extensions import db
from .models import Hazard, HazardDocument, HazardEvent
from .service import get_for

KINDS = ("assessment", "resume")
# (leading bytes, media type, file extension): what a document may be.
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
EXTENSIONS = {media: ext for _sig, media, ext in SIGNATURES}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to be filed."""

    file_name: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def media_type_of(data: bytes) -> str | None:
    """The document's type by its content (its leading bytes), or None if it is none we keep."""
    return next((media for sig, media, _ext in SIGNATURES if data.startswith(sig)), None)


def _name(file: FileStorage, media_type: str) -> str:
    """The uploaded name without paths or control characters, ending in the content's type."""
    stem = _UNSAFE_NAME.sub("_", (file.filename or "").rsplit(".", 1)[0]).strip(" ._")[:100]
    return f"{stem or 'document'}.{EXTENSIONS[media_type]}"


def prepare(files, field: str, required: bool) -> list[Upload]:
    """The step's files, each checked (type by content, size), or forms.Invalid on `field`
    with nothing stored. Empty file inputs are ignored."""
    cfg = current_app.config
    files = [f for f in files if f is not None and f.filename]
    if not files:
        if required:
            raise forms.Invalid({field: _("Please add the document (a PDF, or a photo of it).")})
        return []
    if len(files) > cfg["DOCUMENT_MAX_FILES"]:
        raise forms.Invalid({field: _("At most %(n)s files at a time.", n=cfg["DOCUMENT_MAX_FILES"])})
    limit = cfg["DOCUMENT_MAX_BYTES"]
    uploads = []
    for file in files:
        data = file.stream.read(limit + 1)  # one byte past the cap: refused without reading on
        if len(data) > limit:
            raise forms.Invalid({field: _("%(name)s is larger than %(mb)s MB.", name=file.filename,
                                          mb=limit // (1024 * 1024))})
        media_type = media_type_of(data)
        if media_type is None:
            raise forms.Invalid({field: _("%(name)s is not a PDF, JPEG or PNG file.",
                                          name=file.filename)})
        uploads.append(Upload(_name(file, media_type), media_type, data))
    return uploads


def file(uploads: list[Upload], hazard: Hazard, kind: str, user: User, now: datetime,
         event: HazardEvent | None = None) -> list[HazardDocument]:
    """Add the documents to the session with the hazard and the step's event (no commit)."""
    documents = [HazardDocument(hazard_id=hazard.id, event_id=event.id if event else None,
                                kind=kind, file_name=u.file_name, media_type=u.media_type,
                                size_bytes=len(u.data), sha256=u.sha256, data=u.data,
                                uploaded_by_id=user.id, uploaded_at=now) for u in uploads]
    db.session.add_all(documents)
    return documents


def get(user: User, hazard_id: int, document_id: int) -> HazardDocument:
    """A document of a hazard `user` may see, or 404 (another hazard's number too)."""
    hazard = get_for(user, hazard_id)
    document = db.session.get(HazardDocument, document_id) if document_id < 2**31 else None
    if document is None or document.hazard_id != hazard.id:
        abort(404)
    return document
