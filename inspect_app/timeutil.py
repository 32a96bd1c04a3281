"""Time in one place: stored as naive UTC, shown in the zone's time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC now, as stored in the database (same on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(now: datetime | None = None) -> date:
    """The calendar date in the zone, which is what deadlines are counted in."""
    now = now or utcnow()
    return now.replace(tzinfo=UTC).astimezone(ZONE).date()


def to_local(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC).astimezone(ZONE) if dt else None
