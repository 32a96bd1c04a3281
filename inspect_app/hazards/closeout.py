"""Major hazards: stop-work, the assessment of the remediation, the application to resume
(16号令 第16、18条)."""

from datetime import datetime

from flask_babel import gettext as _

from ..auth.models import User
from ..auth.recipients import site_staff, supervisors
from ..extensions import db
from ..notifications.service import notify
from ..timeutil import local_today, utcnow
from . import documents
from .lifecycle import check, commit, facts_of, record_event
from .messages import RESUME_APPLIED, WORK_STOPPED
from .models import Hazard, HazardEvent
from .service import _link, get_for
from .workflow import Action


def stop_work(user: User, hazard_id: int, form, now: datetime | None = None) -> Hazard:
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    check(Action.STOP_WORK, user, facts_of(hazard, local_today(now)))
    record_stop_work(hazard, user, now, form["stop_work"], form["stop_work_doc"])
    commit(hazard)
    return hazard


def record_stop_work(hazard: Hazard, user: User, now: datetime, kind: str, doc: str,
                      ordered_by: str = "") -> None:
    """The one way work is stopped (16号令 第16条), by the supervisor or an enforcement measure
    (`ordered_by` its department), once Action.STOP_WORK was checked: on the hazard until 核销."""
    hazard.stop_work, hazard.stop_work_at, hazard.stop_work_lifted_at = kind, now, None
    hazard.stop_work_doc = doc
    record_event(hazard, user, now, "stop_work", " ".join(filter(None, (kind, doc, ordered_by))))
    notify(site_staff(hazard.site_id), kind="stop_work", link=_link(hazard),
           message=WORK_STOPPED, params={"site": hazard.site.name})


def assess(user: User, hazard_id: int, form, files=(), now: datetime | None = None) -> Hazard:
    """The unit's assessment of its remediation: by whom, whether qualified, and the report as
    a document (documents.py: PDF or image, kept as uploaded)."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    check(Action.ASSESS, user, facts_of(hazard, local_today(now)))
    by, qualified = form["assessment_by"], form["assessment_qualified"]
    uploads = documents.prepare(files, "document", required=True)
    hazard.assessment_by, hazard.assessment_qualified = by, qualified == "yes"
    hazard.assessment_at = now
    event = HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="assessment",
                        from_status=hazard.status, to_status=hazard.status,
                        note=f"{by} ({_('qualified agency') if qualified == 'yes' else _('own experts')})")
    db.session.add(event)
    db.session.flush()
    documents.file(uploads, hazard, "assessment", user, now, event)
    commit(hazard)
    return hazard


def apply_resume(user: User, hazard_id: int, form, files=(), now: datetime | None = None) -> Hazard:
    """The written application to resume (复产申请): its text, and the signed application as a
    document where the unit files one."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    check(Action.APPLY_RESUME, user, facts_of(hazard, local_today(now)))
    uploads = documents.prepare(files, "document", required=False)
    hazard.resume_application = form["resume_application"]
    hazard.resume_applied_at = now
    event = HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="resume_application",
                        from_status=hazard.status, to_status=hazard.status,
                        note=hazard.resume_application[:200])
    db.session.add(event)
    db.session.flush()
    documents.file(uploads, hazard, "resume", user, now, event)
    notify(supervisors(), kind="resume", link=_link(hazard), message=RESUME_APPLIED,
           params={"site": hazard.site.name})
    commit(hazard)
    return hazard
