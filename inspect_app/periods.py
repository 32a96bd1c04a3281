"""Calendar periods in one place: day, ISO week, month, quarter, half-year and year.

Pure Python. A period knows its ends (both inclusive), its key (2024-05-06, 2024-W19,
2024-05, 2024-Q2, 2024-H1, 2024), its number within the year (the ISO week, the month, the
quarter 1–4, the half 1–2; 0 for a whole year, as the statistics count it) and its
neighbours. The duty schedule, the shift compliance figures and the hazard statistics all
ask this module, so a quarter is computed one way only.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Kind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


# Months per period, for the calendar periods that are whole months.
_MONTHS = {Kind.MONTH: 1, Kind.QUARTER: 3, Kind.HALF: 6, Kind.YEAR: 12}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period, both ends inclusive (ordered by start)."""

    start: date
    end: date
    kind: Kind

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def number(self) -> int:
        """Its number within the year: ISO week, month, quarter, half; 0 for the whole year."""
        s = self.start
        match self.kind:
            case Kind.DAY:
                return s.timetuple().tm_yday
            case Kind.WEEK:
                return s.isocalendar()[1]
            case Kind.YEAR:
                return 0
        return (s.month - 1) // _MONTHS[self.kind] + 1

    @property
    def key(self) -> str:
        """A short stable name: 2024-05-06, 2024-W19, 2024-05, 2024-Q2, 2024-H1, 2024."""
        s = self.start
        match self.kind:
            case Kind.DAY:
                return s.isoformat()
            case Kind.WEEK:
                return f"{s.isocalendar()[0]}-W{self.number:02d}"
            case Kind.MONTH:
                return f"{s.year}-{self.number:02d}"
            case Kind.QUARTER:
                return f"{s.year}-Q{self.number}"
            case Kind.HALF:
                return f"{s.year}-H{self.number}"
        return str(s.year)

    @property
    def previous(self) -> "Period":
        return period_of(self.kind, self.start - timedelta(days=1))

    @property
    def next(self) -> "Period":
        return period_of(self.kind, self.end + timedelta(days=1))


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def period_of(kind: str, day: date) -> Period:
    """The period of this kind that contains `day`."""
    kind = Kind(kind)
    if kind == Kind.DAY:
        return Period(day, day, kind)
    if kind == Kind.WEEK:
        start = day - timedelta(days=day.weekday())  # ISO weeks start on Monday
        return Period(start, start + timedelta(days=6), kind)
    months = _MONTHS[kind]
    first = (day.month - 1) // months * months + 1
    start = date(day.year, first, 1)
    end = _month_start(day.year, first + months) - timedelta(days=1)
    return Period(start, end, kind)


def quarter(year: int, number: int) -> Period:
    """Quarter 1–4 of `year`; number 0 means the whole year (the yearly statistics)."""
    if number == 0:
        return period_of(Kind.YEAR, date(year, 1, 1))
    if not 1 <= number <= 4:
        raise ValueError("quarter must be 0 (whole year) or 1–4")
    return period_of(Kind.QUARTER, date(year, number * 3 - 2, 1))


def last_ended(kind: str, today: date) -> Period:
    """The latest period of this kind that has ended before `today`."""
    return period_of(kind, today).previous
