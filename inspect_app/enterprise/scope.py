"""Which enterprise a user acts for, and the records of it they may reach or change.

The access policy decides: what a user may not see answers 404; a record they may look at but
not change (zone staff at an enterprise's assessment, drill or report) answers 403.
"""

from flask import abort

from ..access import can_see_site, manages_site
from ..auth.models import User
from ..extensions import db
from ..sites.models import Site


def own_site(user: User) -> Site:
    """The enterprise of an enterprise user (404 without one)."""
    site = db.session.get(Site, user.site_id) if user.site_id else None
    if site is None or not manages_site(user, site.id):
        abort(404)
    return site


def own_record(user: User, model, obj_id: int):
    """A record of an enterprise the user may see, or 404."""
    obj = db.session.get(model, obj_id)
    if obj is None or not can_see_site(user, obj.site):
        abort(404)
    return obj


def enterprise_site(user: User, site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not can_see_site(user, site):
        abort(404)
    return site


def must_manage(user: User, site_id: int) -> None:
    """Only the enterprise's own staff change its records; others who may look get 403."""
    if not manages_site(user, site_id):
        abort(403)
