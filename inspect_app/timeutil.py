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


# The zone has kept UTC+8 all year since its last summer time ended (1991-09-14 17:00 UTC): a
# later time is shifted by that offset, not converted by the zone's rules and strftime'd, which
# cost 4x as much (a rectification page shows 100 times: ~2.3M instructions).
_FIXED_SINCE = datetime(1991, 9, 14, 17)  # naive UTC, as stored
_OFFSET = ZONE.utcoffset(datetime(2026, 1, 1))


def local_minute(value: datetime) -> str:
    """A stored (naive UTC) time as the zone's "YYYY-MM-DD HH:MM"."""
    if value >= _FIXED_SINCE:
        return (value + _OFFSET).isoformat(" ", "minutes")
    return to_local(value).strftime("%Y-%m-%d %H:%M")
