"""A queued ledger export (one per ledger, format, filters, reader's scope and day), and the
major-hazard dashboard's counted summary."""

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
    scope: Mapped[str] = mapped_column(String(64))  # whose rows: access.Scope.rows_key of the reader, hashed
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


class MajorSummary(db.Model):
    """One count of the zone's major hazards for the dashboard (ledgers/summary.py), made by the
    task queue; the page reads its few rows instead of every major hazard."""

    __tablename__ = "major_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # When the counting began (UTC): every change committed before it is in the figures.
    made_at: Mapped[datetime] = mapped_column(index=True)
    day: Mapped[date]  # the zone's day its overdue figures are counted against
    rules: Mapped[str] = mapped_column(String(80))  # the cut-off and target days it counted with


class MajorSummaryRow(db.Model):
    """Major hazards alike in everything the dashboard tells apart (stats.MajorGroup), per area,
    and how many."""

    __tablename__ = "major_summary_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(
        ForeignKey("major_summaries.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int]  # no foreign key: a count of the past, joined to the areas when read
    site_type: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    regime: Mapped[str] = mapped_column(String(8))  # as stored: "" counts as accident when shown
    state: Mapped[str] = mapped_column(String(8))  # open | closed
    stock: Mapped[bool]
    overdue: Mapped[bool]
    supervised: Mapped[bool]
    stock_left: Mapped[bool]
    late: Mapped[bool]
    n: Mapped[int]
