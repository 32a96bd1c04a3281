"""Each site's next due day (`Site.next_due_on`), kept up to date as its facts change.

A site is due its risk colour's interval after its last submitted inspection
(`schedule.next_due`). Stored and indexed, so a home page reads the due sites with
`ORDER BY next_due_on, name LIMIT n` over every site a user covers, none left out. Refreshed
before every flush in which a site's risk colour changes or one of its inspections is
submitted: the admin form, imports, the inspection screen and demo data all pass here.
"""

from datetime import date, datetime

from flask import current_app
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session

from ..inspections.models import Inspection
from . import schedule
from .models import Site


def next_due_on(site: Site, last: datetime | None, intervals: dict[str, int]) -> date | None:
    return None if last is None else schedule.next_due(site.risk_color, last, intervals)


@event.listens_for(Session, "before_flush")
def _refresh(session: Session, _context, _instances) -> None:
    changed: dict[int, datetime | None] = {}  # site id -> a submission in this flush
    sites: list[Site] = []
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Inspection) and obj.submitted_at is not None \
                and inspect(obj).attrs.submitted_at.history.has_changes():
            changed[obj.site_id] = max(obj.submitted_at, changed.get(obj.site_id) or obj.submitted_at)
        elif isinstance(obj, Site) and (obj in session.new
                                        or inspect(obj).attrs.risk_color.history.has_changes()):
            sites.append(obj)
    if not changed and not sites:
        return
    intervals = current_app.config["INSPECTION_INTERVAL_DAYS"]
    with session.no_autoflush:
        for site_id in changed:
            site = session.get(Site, site_id)
            if site is not None and site not in sites:
                sites.append(site)
        for site in sites:
            last = None
            if site.id is not None:
                last = session.scalar(select(func.max(Inspection.submitted_at)).where(
                    Inspection.site_id == site.id, Inspection.submitted_at.is_not(None)))
            mine = changed.get(site.id)
            if mine is not None and (last is None or mine > last):
                last = mine
            site.next_due_on = next_due_on(site, last, intervals)


def refresh_all(connection, intervals: dict[str, int]) -> None:
    """Every site's next due day in one statement (generated data, restores): the zone's day
    of the last submission (UTC+8 all year) plus the risk colour's interval."""
    pg = connection.dialect.name == "postgresql"
    last = ("(SELECT max(i.submitted_at) FROM inspections i WHERE i.site_id = sites.id "
            "AND i.submitted_at IS NOT NULL)")
    days = "CASE risk_color " + " ".join(
        f"WHEN '{color}' THEN {int(n)}" for color, n in intervals.items()) + \
        f" ELSE {min(intervals.values())} END"
    if pg:
        due = f"CAST({last} + INTERVAL '8 hours' AS DATE) + {days}"
    else:
        due = f"date(substr({last}, 1, 19), '+8 hours', ({days}) || ' days')"
    connection.execute(text(f"UPDATE sites SET next_due_on = {due}"))
