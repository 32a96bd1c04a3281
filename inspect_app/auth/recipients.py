"""Who hears about something: an enterprise's staff, the zone's supervisors, a grid's inspectors.

Notifications from every package ask here, so the same people are told the same way.
"""

from sqlalchemy import select

from ..access import ZONE_STAFF, leads_safety
from ..extensions import db
from ..roles import Position, Role
from .models import User


def site_staff(site_id: int) -> list[User]:
    """The enterprise's active staff accounts (not its workers)."""
    return list(db.session.scalars(select(User).where(
        User.site_id == site_id, User.role == Role.ENTERPRISE, User.active.is_(True))
        .order_by(User.id)))


def staff_of(site_id: int, positions=(Position.PRINCIPAL, Position.SAFETY_MANAGER)) -> list[User]:
    """Who at the enterprise hears about a duty or an alert: the staff holding `positions`,
    or, when none is named, every staff account."""
    staff = site_staff(site_id)
    return [u for u in staff if u.position in positions] or staff


def safety_leads(site_id: int) -> list[User]:
    """The enterprise's principal and safety managers: who confirm and verify its own findings."""
    return [u for u in site_staff(site_id) if leads_safety(u, site_id)]


def inspectors_of(site) -> list[User]:
    """The active inspectors of the site's grid."""
    return [u for u in site.grid.inspectors if u.active]


def supervisors() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role.in_(ZONE_STAFF), User.active.is_(True))))
