"""The enterprise's duties by period (self-checks, drills) and the self-checks it runs."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..checklists.models import ChecklistTemplate
from ..checklists.service import templates_for
from ..errors import Invalid, UserError
from ..extensions import db
from ..inspections import service as inspections
from ..inspections.models import Inspection, InspectionKind
from ..sites.models import Site
from ..timeutil import local_today
from . import schedule
from .models import Drill, SelfCheck
from .schedule import Duty
from .scope import own_site

DUTY_LABELS = {
    Duty.PRINCIPAL_CHECK: _l("Principal-led full check"),
    Duty.STAFF_CHECK: _l("Monthly staff check"),
    Duty.FIRE_INSPECTION: _l("Fire inspection"),
    Duty.FIRE_PATROL: _l("Fire patrol"),
    Duty.EMERGENCY_DRILL: _l("Emergency drill"),
    Duty.FIRE_DRILL: _l("Fire drill"),
}



def rules() -> schedule.Rules:
    return schedule.Rules.from_config(current_app.config)


def profile_of(site: Site) -> schedule.Profile:
    return schedule.Profile(site.site_type, tuple(site.feature_codes), site.risk_color)


def events_by_site(site_ids: list[int], today: date) -> dict[int, list[schedule.Event]]:
    """What each site did since the start of last year: its self-checks and its done drills."""
    if not site_ids:
        return {}
    since = datetime(today.year - 1, 1, 1) - timedelta(days=1)
    result: dict[int, list[schedule.Event]] = defaultdict(list)
    rows = db.session.execute(
        select(Inspection.site_id, Inspection.submitted_at, Inspection.principal_present,
               SelfCheck.duty)
        .outerjoin(SelfCheck, SelfCheck.inspection_id == Inspection.id)
        .where(Inspection.site_id.in_(site_ids), Inspection.kind == InspectionKind.SELF_CHECK,
               Inspection.submitted_at >= since))
    for site_id, submitted_at, principal_present, duty in rows:
        # One check is one event, of the duty it was started as (schedule.satisfies decides
        # what else it stands for). One started elsewhere (the site page) is the principal
        # check when the principal took part, else the staff check.
        kind = duty or (Duty.PRINCIPAL_CHECK if principal_present else Duty.STAFF_CHECK)
        result[site_id].append(schedule.Event(local_today(submitted_at), kind))
    drills = db.session.execute(select(Drill.site_id, Drill.done_on, Drill.kind).where(
        Drill.site_id.in_(site_ids), Drill.done_on.is_not(None), Drill.done_on >= since.date()))
    for site_id, done_on, kind in drills:
        result[site_id].append(schedule.Event(done_on, f"drill:{kind}"))
    return result


def due_for(site: Site, today: date | None = None) -> list[schedule.DueItem]:
    """The enterprise's duties this period: overdue, due and done."""
    today = today or local_today()
    events = events_by_site([site.id], today).get(site.id, [])
    return schedule.due_items(profile_of(site), events, today, rules(),
                              since=local_today(site.created_at))


def templates_for_duty(site: Site, user: User, duty: str) -> list[ChecklistTemplate]:
    """The enterprise's checklists for a duty; fire checklists first for the fire duties."""
    fitting = templates_for(site, user)
    if duty in (Duty.FIRE_INSPECTION, Duty.FIRE_PATROL):
        fitting.sort(key=lambda t: "fire" not in t.slug)
    return fitting



def start_check(user: User, duty: str, template_id: int, led_by: str, principal_present: bool,
                from_scan: bool = False) -> Inspection:
    """Start (or resume) a self-check for a duty, recording who leads it and whether the
    principal takes part. The checklist then runs in the inspection engine."""
    site = own_site(user)
    if duty not in schedule.CHECK_DUTIES:
        raise Invalid({"duty": _("Choose which check this is.")})
    if duty == Duty.PRINCIPAL_CHECK and not principal_present:
        raise Invalid({"principal_present": _(
            "A principal-led check needs the principal to take part.")})
    try:
        inspection = inspections.start(user, site, template_id, from_scan)
    except UserError as e:  # the checklist does not fit the site
        raise Invalid({"template": e.message}) from None
    inspection.led_by = (led_by.strip() or user.name)[:64]
    inspection.principal_present = principal_present
    tag = db.session.scalar(select(SelfCheck).where(SelfCheck.inspection_id == inspection.id))
    if tag is None:
        db.session.add(SelfCheck(inspection_id=inspection.id, site_id=site.id, duty=duty))
    else:
        tag.duty = duty
    db.session.commit()
    return inspection


@dataclass
class CheckRow:
    inspection: Inspection
    duty: str
    failed: int


def self_checks(site: Site, limit: int = 50) -> list[CheckRow]:
    """The enterprise's self-checks, newest first (unfinished ones too)."""
    rows = db.session.execute(
        select(Inspection, SelfCheck.duty)
        .outerjoin(SelfCheck, SelfCheck.inspection_id == Inspection.id)
        .where(Inspection.site_id == site.id, Inspection.kind == InspectionKind.SELF_CHECK)
        .order_by(Inspection.started_at.desc()).limit(limit)).all()
    return [CheckRow(i, duty or Duty.STAFF_CHECK, len(i.hazards)) for i, duty in rows]


def unfinished(user: User) -> list[Inspection]:
    return inspections.unfinished_for(user, own_site(user))
