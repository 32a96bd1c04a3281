"""The SMS outbox page: what was texted to whom, and whether it arrived (zone staff only)."""

from ..access import STAFF_ROLES, allow
from ..web import page
from . import bp, service


@bp.get("/")
@allow(*STAFF_ROLES)
def outbox():
    return page("sms/outbox.html", "messages", messages=service.outbox())
