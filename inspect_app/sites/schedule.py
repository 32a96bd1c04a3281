"""When a site is next due for inspection: its risk colour sets the interval."""

from datetime import date, datetime, timedelta

from .. import timeutil


def next_due(risk_color: str, last_inspected: datetime | None, intervals: dict[str, int],
             today: date | None = None) -> date:
    """The date the next inspection is due; today when the site was never inspected."""
    today = today or timeutil.local_today()
    if last_inspected is None:
        return today
    days = intervals.get(risk_color, min(intervals.values()))
    return timeutil.local_today(last_inspected) + timedelta(days=days)
