"""Which enterprise a user acts for, and the records of it they may reach (others: 404).

Enterprise users reach only their own enterprise; supervisors and admins see every one.
"""

from flask import abort

from ..auth.models import User
from ..extensions import db
from ..roles import Role
from ..sites.models import Site
from ..sites.service import can_see_site


def own_site(user: User) -> Site:
    """The enterprise of an enterprise user (404 without one)."""
    site = db.session.get(Site, user.site_id) if user.site_id else None
    if site is None or user.role != Role.ENTERPRISE:
        abort(404)
    return site


def own_record(user: User, model, obj_id: int):
    """A record of the user's own enterprise, or 404 (supervisors: any enterprise)."""
    obj = db.session.get(model, obj_id)
    if obj is None or not (user.is_supervisor or obj.site_id == user.site_id):
        abort(404)
    return obj


def enterprise_site(user: User, site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not can_see_site(user, site):
        abort(404)
    return site
