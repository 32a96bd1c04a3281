"""Photos: stored re-encoded (no EXIF/GPS) with a thumbnail; served only to those allowed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Photo(db.Model):
    __tablename__ = "photos"
    __table_args__ = (
        # A key belongs to its uploader: another user's key is a new photo, never a match.
        UniqueConstraint("uploader_id", "upload_key", name="uq_photos_uploader_key"),
        # The same file picked twice for one inspection item is one photo, even when racing.
        UniqueConstraint("uploader_id", "answer_id", "content_hash", name="uq_photos_uploader_answer_hash"),
        Index("ix_photos_uploader_hash", "uploader_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Client-generated key of the upload: a retried upload finds the photo it already made.
    upload_key: Mapped[str] = mapped_column(String(64))
    # sha256 of the uploaded bytes (before re-encoding); None for photos stored before it existed.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), index=True)
    # Set for photos attached to a hazard event (after-photos of a rectification).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_events.id"), index=True)
    phase: Mapped[str] = mapped_column(String(8), default="before")  # before | after
    path: Mapped[str] = mapped_column(String(128))
    thumb_path: Mapped[str] = mapped_column(String(128))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    taken_at: Mapped[datetime | None]  # from EXIF DateTimeOriginal, kept before EXIF is stripped
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site = relationship("Site")
    answer = relationship("Answer", back_populates="photos")
    hazard = relationship("Hazard", back_populates="photos")
    event = relationship("HazardEvent", back_populates="photos")
