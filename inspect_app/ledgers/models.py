"""A queued ledger export: one per ledger, format, filters, reader's scope and day."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class ExportJob(db.Model):
    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of (ledger, format, filters, scope, day): a second request for the same file finds
    # this row (the unique index makes two requests at once one job).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    ledger: Mapped[str] = mapped_column(String(20))
    fmt: Mapped[str] = mapped_column(String(8))
    args: Mapped[str] = mapped_column(String(300))  # the filters as a canonical query string
    scope: Mapped[str] = mapped_column(String(64))  # whose rows: jobs.scope_of(reader), hashed
    day: Mapped[date] = mapped_column(index=True)  # the ledger's "today" (overdue, export date)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued|running|done|failed
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    total: Mapped[int | None]
    rows: Mapped[int | None]
    file: Mapped[str | None] = mapped_column(String(80))  # name under EXPORT_DIR, random
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
