"""The QR scan at a site: remembered in the session, so an inspection started soon after is
recorded as done on site (Inspection.from_scan).

Only this module reads or writes `session["scan"]`; the 4-hour rule lives here once.
"""

from datetime import datetime, timedelta

from flask import session

# A scan counts for an inspection started within this time of it.
VALID_FOR = timedelta(hours=4)


def record(site_id: int, now: datetime) -> None:
    """Remember that the user scanned this site's code now."""
    session["scan"] = {"site": site_id, "at": now.isoformat()}


def recent(site_id: int, now: datetime) -> bool:
    """Whether the user scanned this site's code within VALID_FOR of `now`."""
    scan = session.get("scan")
    if not isinstance(scan, dict) or scan.get("site") != site_id:
        return False
    try:
        return now - datetime.fromisoformat(scan["at"]) <= VALID_FOR
    except (KeyError, TypeError, ValueError):
        return False
