"""Which sites a user may see, and the facts the site page shows."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, current_app
from sqlalchemy import Select, func, select

from ..auth.models import User
from ..extensions import db
from ..hazards.workflow import OPEN_STATES
from ..roles import Role
from . import schedule
from .models import Grid, Site, grid_inspectors, new_qr_token


def scope_sites(query: Select, user: User) -> Select:
    """Narrow a query over Site to what `user` may see."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return query
    if user.role == Role.INSPECTOR:
        mine = select(grid_inspectors.c.grid_id).where(grid_inspectors.c.user_id == user.id)
        return query.where(Site.grid_id.in_(mine))
    # Enterprise staff and workers: their own enterprise only.
    return query.where(Site.id == (user.site_id or -1))


def can_see_site(user: User, site: Site) -> bool:
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    if user.role == Role.INSPECTOR:
        return any(g.id == site.grid_id for g in user.grids)
    return user.site_id == site.id


def get_site_for(user: User, site_id: int) -> Site:
    """The site, or 404 when it does not exist or `user` may not see it."""
    site = db.session.get(Site, site_id)
    if site is None or not can_see_site(user, site):
        abort(404)
    return site


def site_by_token(token: str) -> Site | None:
    """The active site whose current QR token this is (reissued tokens no longer match)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Site).where(Site.qr_token == token, Site.active.is_(True)))


def reissue_qr(site: Site) -> None:
    """A new token: every poster printed before stops working."""
    from ..timeutil import utcnow
    site.qr_token = new_qr_token()
    site.qr_issued_at = utcnow()
    db.session.commit()


def list_sites(user: User, q: str = "", grid_id: int | None = None, risk: str = "",
               site_type: str = "", limit: int = 200) -> list[Site]:
    query = scope_sites(select(Site).where(Site.active.is_(True)), user)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Site.name.ilike(like) | Site.address.ilike(like)
                            | Site.credit_code.ilike(like))
    if grid_id:
        query = query.where(Site.grid_id == grid_id)
    if risk:
        query = query.where(Site.risk_color == risk)
    if site_type:
        query = query.where(Site.site_type == site_type)
    return list(db.session.scalars(query.order_by(Site.name).limit(limit)))


def visible_grids(user: User) -> list[Grid]:
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return list(db.session.scalars(select(Grid).where(Grid.active.is_(True)).order_by(Grid.name)))
    if user.role == Role.INSPECTOR:
        return sorted(user.grids, key=lambda g: g.name)
    return []


@dataclass
class SiteStatus:
    last_inspected: datetime | None
    next_due: date
    open_hazards: int
    open_major: int


def status_of(site_ids: list[int]) -> dict[int, SiteStatus]:
    """Last inspection, next due date and open hazard counts for many sites in two queries."""
    from ..hazards.models import Hazard
    from ..inspections.models import Inspection

    if not site_ids:
        return {}
    last = dict(db.session.execute(
        select(Inspection.site_id, func.max(Inspection.submitted_at))
        .where(Inspection.site_id.in_(site_ids), Inspection.submitted_at.is_not(None))
        .group_by(Inspection.site_id)).all())
    counts: dict[int, tuple[int, int]] = {}
    rows = db.session.execute(
        select(Hazard.site_id, Hazard.level, func.count())
        .where(Hazard.site_id.in_(site_ids), Hazard.status.in_(list(OPEN_STATES)))
        .group_by(Hazard.site_id, Hazard.level)).all()
    for site_id, level, n in rows:
        total, major = counts.get(site_id, (0, 0))
        counts[site_id] = (total + n, major + (n if level == "major" else 0))
    colors = dict(db.session.execute(select(Site.id, Site.risk_color).where(Site.id.in_(site_ids))).all())
    intervals = current_app.config["INSPECTION_INTERVAL_DAYS"]
    return {
        sid: SiteStatus(last.get(sid), schedule.next_due(colors[sid], last.get(sid), intervals),
                        *counts.get(sid, (0, 0)))
        for sid in site_ids
    }


def due_sites(user: User, limit: int = 10) -> list[tuple[Site, SiteStatus]]:
    """Sites the user covers whose next inspection is due, most overdue first."""
    from ..timeutil import local_today

    sites = list_sites(user, limit=2000)
    status = status_of([s.id for s in sites])
    today = local_today()
    due = [(s, status[s.id]) for s in sites if status[s.id].next_due <= today]
    due.sort(key=lambda pair: (pair[1].next_due, pair[0].name))
    return due[:limit]
