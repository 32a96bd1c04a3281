"""The SMS outbox page: what was texted to whom, and whether it arrived (zone staff only)."""

from ..access import ZONE_STAFF, allow
from ..web import page
from . import bp, service


@bp.get("/")
@allow(*ZONE_STAFF)
def outbox():
    return page("sms/outbox.html", "messages", messages=service.outbox())
