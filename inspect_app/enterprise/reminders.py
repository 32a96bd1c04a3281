"""Inbox reminders of duties due soon or overdue and of unsigned statistics."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import periods
from ..auth.models import User
from ..auth.recipients import staff_of
from ..extensions import db
from ..notifications.messages import register
from ..notifications.service import notify
from ..roles import Position, Role
from ..sites.models import Site
from ..timeutil import local_today
from ..web import path_for
from . import schedule
from .checks import DUTY_LABELS, events_by_site, profile_of, rules
from .statistics import confirmation

# Rendered in each reader's language when read (notifications/messages.py): the duty by its code.
_DUTY = {"duty": lambda code: DUTY_LABELS.get(code, code)}
OVERDUE = register("duty.overdue", _l("Overdue: %(duty)s"), words=_DUTY)
DUE = register("duty.due", _l("Due by %(date)s: %(duty)s"), words=_DUTY)
SIGN_STATISTICS = register("statistics.due",
                           _l("Sign the hazard statistics for %(period)s by %(date)s"))


def send_reminders(today: date | None = None) -> dict[str, int]:
    """Inbox reminders of duties due soon or overdue and of unsigned statistics. Idempotent:
    each reminder has a key per duty, period and state, so a re-run sends nothing twice."""
    today = today or local_today()
    counts = _send_reminders(today)
    db.session.commit()
    return counts


def _send_reminders(today: date) -> dict[str, int]:
    counts = {"duties": 0, "statistics": 0}
    site_ids = list(db.session.scalars(select(User.site_id).where(
        User.role == Role.ENTERPRISE, User.active.is_(True), User.site_id.is_not(None)).distinct()))
    sites = list(db.session.scalars(select(Site).where(Site.id.in_(site_ids),
                                                       Site.active.is_(True))))
    events = events_by_site([s.id for s in sites], today)
    the_rules = rules()
    last_quarter = periods.last_ended("quarter", today)
    for site in sites:
        staff = staff_of(site.id)
        items = schedule.due_items(profile_of(site), events.get(site.id, []), today, the_rules,
                                   since=local_today(site.created_at))
        for item in items:
            if not item.remind:
                continue
            counts["duties"] += len(notify(
                staff, kind=f"duty_{item.state}", link=path_for("enterprise.home"),
                message=OVERDUE if item.state == schedule.State.OVERDUE else DUE,
                params={"duty": str(item.duty), "date": item.due_on.isoformat()},
                dedupe_key=f"duty:{site.id}:{item.duty}:{item.period.key}:{item.state}"))
        if since_ok := local_today(site.created_at) <= last_quarter.start:
            year, number = last_quarter.start.year, last_quarter.number
            if confirmation(site, year, number) is None:
                counts["statistics"] += len(notify(
                    staff_of(site.id, (Position.PRINCIPAL,)), kind="statistics_due",
                    message=SIGN_STATISTICS, params={
                        "period": last_quarter.key,
                        "date": schedule.statistics_deadline(last_quarter).isoformat()},
                    link=path_for("enterprise.statistics", year=year, quarter=number),
                    dedupe_key=f"statistics:{site.id}:{last_quarter.key}"))
        if since_ok and today.month == 1:
            year = today.year - 1
            if confirmation(site, year, 0) is None:
                counts["statistics"] += len(notify(
                    staff_of(site.id, (Position.PRINCIPAL,)), kind="statistics_due",
                    message=SIGN_STATISTICS,
                    params={"period": str(year), "date": date(today.year, 1, 31).isoformat()},
                    link=path_for("enterprise.statistics", year=year, quarter=0),
                    dedupe_key=f"statistics:{site.id}:{year}"))
    return counts
