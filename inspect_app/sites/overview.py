"""A site's standing for the field: last inspection, next due date, open hazards; the sites due.

Kept apart from sites/service.py, which says which sites a user may see and needs no hazard.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select

from ..access import Scope, scope_of
from ..auth.models import User
from ..extensions import db, read
from ..hazards.models import Hazard, open_clause
from ..hazards.workflow import Level
from ..inspections.models import Inspection
from ..timeutil import local_today
from . import schedule
from .models import Site
from .service import scope_sites


@dataclass
class SiteStatus:
    last_inspected: datetime | None
    next_due: date
    open_hazards: int
    open_major: int


def status_of(site_ids: list[int]) -> dict[int, SiteStatus]:
    """Last inspection, next due date and open hazard counts for many sites in two queries."""
    if not site_ids:
        return {}
    last = dict(db.session.execute(
        select(Inspection.site_id, func.max(Inspection.submitted_at))
        .where(Inspection.site_id.in_(site_ids), Inspection.submitted_at.is_not(None))
        .group_by(Inspection.site_id)).all())
    counts: dict[int, tuple[int, int]] = {}
    rows = db.session.execute(
        select(Hazard.site_id, Hazard.level, func.count())
        .where(Hazard.site_id.in_(site_ids), open_clause())
        .group_by(Hazard.site_id, Hazard.level)).all()
    for site_id, level, n in rows:
        total, major = counts.get(site_id, (0, 0))
        counts[site_id] = (total + n, major + (n if level == Level.MAJOR else 0))
    colors = dict(db.session.execute(select(Site.id, Site.risk_color).where(Site.id.in_(site_ids))).all())
    intervals = current_app.config["INSPECTION_INTERVAL_DAYS"]
    return {
        sid: SiteStatus(last.get(sid), schedule.next_due(colors[sid], last.get(sid), intervals),
                        *counts.get(sid, (0, 0)))
        for sid in site_ids
    }


def status_from(site: Site, recent: list, open_hazards: list) -> SiteStatus:
    """status_of for one site whose page already holds its recent inspections (newest first)
    and its open hazards: no statement of its own."""
    last = recent[0].submitted_at if recent else None
    return SiteStatus(last, schedule.next_due(site.risk_color, last,
                                              current_app.config["INSPECTION_INTERVAL_DAYS"]),
                      len(open_hazards), sum(h.level == Level.MAJOR for h in open_hazards))


def due_query(user: User, today: date) -> Select:
    """The active sites `user` covers that are due for inspection (next due day reached, or
    never inspected), as a query over Site."""
    return scope_sites(select(Site).where(Site.active.is_(True)), user).where(
        or_(Site.next_due_on <= today, Site.next_due_on.is_(None)))


@lru_cache(maxsize=1024)
def _due_statements(scope: Scope, today: date) -> tuple[Select, Select]:
    """due_sites' two statements, built once per scope and day (building cost more than
    running them); each takes its LIMIT as the parameter `n`. The sites as plain rows of
    what the list shows (id, name, risk colour, next due day), not Site objects."""
    base = scope_sites(select(Site.id, Site.name, Site.risk_color, Site.next_due_on)
                       .where(Site.active.is_(True)), scope)
    # Overdue first; then those due today with the never-inspected (due now), by name: the
    # order `schedule.next_due` gives, each part answered by the (next_due_on, name) index.
    return (base.where(Site.next_due_on < today)
            .order_by(Site.next_due_on, Site.name, Site.id).limit(bindparam("n")),
            base.where(or_(Site.next_due_on == today, Site.next_due_on.is_(None)))
            .order_by(Site.name, Site.id).limit(bindparam("n")))


def due_sites(user: User, limit: int = 10) -> list[tuple]:
    """Sites the user covers whose next inspection is due, with the day it was due (today for
    one never inspected), most overdue first (then by name): read from the indexed, stored
    `next_due_on` over every site they cover, nothing else. (site row, due day) pairs."""
    today = local_today()
    overdue, due_now = _due_statements(scope_of(user), today)
    sites = read(overdue, {"n": limit}).all()
    if len(sites) < limit:
        sites += read(due_now, {"n": limit - len(sites)}).all()
    return [(s, s.next_due_on or today) for s in sites]
