"""The daily sweep (`flask hazards sweep`, for cron)."""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.recipients import inspectors_of, site_staff, supervisors
from ..extensions import db
from ..notifications.service import notify
from ..sms import service as sms
from ..timeutil import local_today, utcnow
from . import workflow
from .lifecycle import propose_supervision, record_event, review_state
from .messages import REMINDERS, REVIEW_DUE, REVIEW_LATE
from .models import Hazard, HazardEvent
from .service import _link
from .workflow import Level, State


def sweep(now: datetime | None = None) -> dict[str, int]:
    """For cron (`flask hazards sweep`): log what became overdue, send deadline reminders, and
    propose supervision for overdue major hazards. Running it twice does nothing twice."""
    now = now or utcnow()
    today = local_today(now)
    counts = {"overdue_logged": 0, "reminders": 0, "proposed": 0, "reviews_overdue": 0}
    when = current_app.config["MAJOR_SUPERVISION_PROPOSE"]
    open_hazards = db.session.scalars(select(Hazard).where(
        Hazard.status.in_([State.CONFIRMED, State.RECTIFYING, State.SUBMITTED, State.REPORTED])))
    for hazard in open_hazards:
        kind = workflow.reminder_due(hazard.deadline, today)
        if kind == "overdue" and not any(e.action == "overdue" and e.note == hazard.deadline.isoformat()
                                         for e in hazard.events):
            db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=None, at=now, action="overdue",
                                       from_status=hazard.status, to_status=hazard.status,
                                       note=hazard.deadline.isoformat()))
            counts["overdue_logged"] += 1
        if kind and hazard.status != State.REPORTED:
            people = site_staff(hazard.site_id) + (inspectors_of(hazard.site) if kind == "overdue" else [])
            sent = notify(people, kind=kind, message=REMINDERS[kind],
                          params={"site": hazard.site.name}, link=_link(hazard),
                          dedupe_key=f"hazard-{hazard.id}-{kind}-{hazard.deadline.isoformat()}")
            counts["reminders"] += len(sent)
            if hazard.level == Level.MAJOR:
                site, deadline = hazard.site.name, hazard.deadline.isoformat()
                sms.tell_site(hazard.site, kind=kind, hazard_id=hazard.id,
                              dedupe_key=f"hazard-{hazard.id}-{kind}-{deadline}",
                              build=lambda site=site, deadline=deadline: _(
                                  "[%(site)s] Reminder: the major hazard's deadline is %(d)s.",
                                  site=site, d=deadline))
        if workflow.needs_supervision(hazard.status, hazard.level, hazard.deadline, today, when) \
                and not hazard.supervisions:
            propose_supervision(hazard, now, _("Major hazard past its deadline") if
                                 when == "overdue" else _("Major hazard confirmed"))
            counts["proposed"] += 1
        due, late = review_state(hazard, today)
        if due and (due - today).days in (0, 1) or late:
            notify(supervisors(), kind="review_due", link=_link(hazard),
                   message=REVIEW_LATE if late else REVIEW_DUE,
                   params={"site": hazard.site.name, "d": due.isoformat()},
                   dedupe_key=f"hazard-{hazard.id}-review-{'late' if late else 'due'}-{due}")
        if late and not any(e.action == "review_overdue" and e.note == due.isoformat()
                            for e in hazard.events):
            record_event(hazard, None, now, "review_overdue", due.isoformat())
            counts["reviews_overdue"] += 1
    db.session.commit()
    return counts
