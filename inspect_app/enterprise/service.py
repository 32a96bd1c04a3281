"""An enterprise's own safety work: due self-checks, the three lists, the written report of a
major finding, standardization, model posts, drills, training and the signed statistics.

Every write commits here. Enterprise users reach only their own enterprise (others: 404);
supervisors and admins see every enterprise.

A major finding of a self-check is reported to the zone at once (企业自查上报): the session
hooks at the end of this module notice a new self-check hazard of level major when it is
flushed and, in the same commit as the inspection's submit, notify the supervisors and ask
the enterprise's principal for the three-part written report (16号令 第十四条).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import xlsx
from ..auth.models import User
from ..checklists.models import ChecklistTemplate
from ..checklists.service import current_templates, templates_for
from ..extensions import db
from ..forms import Invalid
from ..hazards import service as hazards
from ..hazards.models import Hazard
from ..hazards.service import staff_of, supervisors
from ..inspections import service as inspections
from ..inspections.models import Inspection
from ..notifications.service import notify
from ..photos import service as photos
from ..roles import Position, Role
from ..sites.models import Site
from ..sites.service import can_see_site
from ..sites.types import applicable_codes
from ..timeutil import local_today, utcnow
from ..web import UserError, path_for
from . import schedule, scoring
from .models import (
    Drill,
    ModelPost,
    SelfCheck,
    StandardAssessment,
    StandardGrade,
    StandardScore,
    StatisticsConfirmation,
    Training,
    TrainingAttendance,
)
from .schedule import Duty

SELF_CHECK = "self_check"  # the hazard source and inspection kind of a self-check
MAJOR = "major"
REJECTED = "rejected"  # a hazard found not to be one: left out of the statistics

DUTY_LABELS = {
    Duty.PRINCIPAL_CHECK: _l("Principal-led full check"),
    Duty.STAFF_CHECK: _l("Monthly staff check"),
    Duty.FIRE_INSPECTION: _l("Fire inspection"),
    Duty.FIRE_PATROL: _l("Fire patrol"),
    Duty.EMERGENCY_DRILL: _l("Emergency drill"),
    Duty.FIRE_DRILL: _l("Fire drill"),
}
DRILL_LABELS = {"comprehensive": _l("Comprehensive"), "special": _l("Special"),
                "on_site": _l("On-site response"), "fire": _l("Fire and evacuation")}
GRADE_LABELS = {"level1": _l("Grade 1"), "level2": _l("Grade 2"), "level3": _l("Grade 3"),
                "compliant": _l("Compliant (not graded)")}
TRAINING_KINDS = {"initial": _l("Initial training"), "refresher": _l("Refresher training")}
# The written report of a major hazard: (field, label, part). Part 3 is the remediation plan.
REPORT_FIELDS = (
    ("report_state_cause", _l("Current state and cause"), 1),
    ("report_harm_difficulty", _l("Harm, and how hard it is to fix"), 2),
    ("plan_goal", _l("Goals and tasks"), 3),
    ("measures", _l("Methods and measures"), 3),
    ("plan_resources", _l("Funds and materials"), 3),
    ("plan_organisation", _l("Responsible body and people"), 3),
    ("plan_timeline", _l("Time limits and requirements"), 3),
    ("plan_emergency", _l("Safety measures and emergency plan"), 3),
    ("interim_measures", _l("Interim safety measures"), 3),
)


def own_site(user: User) -> Site:
    """The enterprise of an enterprise user (404 without one)."""
    site = db.session.get(Site, user.site_id) if user.site_id else None
    if site is None or user.role != Role.ENTERPRISE:
        abort(404)
    return site


def _own(user: User, model, obj_id: int):
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


# Schedule ---------------------------------------------------------------------------------------

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
        .where(Inspection.site_id.in_(site_ids), Inspection.kind == SELF_CHECK,
               Inspection.submitted_at >= since))
    for site_id, submitted_at, principal_present, duty in rows:
        day = local_today(submitted_at)
        # A self-check started elsewhere (the site page) counts as the staff check.
        result[site_id].append(schedule.Event(day, duty or Duty.STAFF_CHECK))
        if principal_present:
            result[site_id].append(schedule.Event(day, Duty.PRINCIPAL_CHECK))
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


# Self-checks ------------------------------------------------------------------------------------

def start_check(user: User, duty: str, template_id: int, led_by: str, principal_present: bool,
                from_scan: bool = False) -> Inspection:
    """Start (or resume) a self-check for a duty, recording who leads it and whether the
    principal takes part. The checklist then runs in the inspection engine."""
    site = own_site(user)
    if duty not in schedule.CHECK_DUTIES:
        raise UserError(_("Choose which check this is."))
    if duty == Duty.PRINCIPAL_CHECK and not principal_present:
        raise UserError(_("A principal-led check needs the principal to take part."))
    inspection = inspections.start(user, site, template_id, from_scan)
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
        .where(Inspection.site_id == site.id, Inspection.kind == SELF_CHECK)
        .order_by(Inspection.started_at.desc()).limit(limit)).all()
    return [CheckRow(i, duty or Duty.STAFF_CHECK, len(i.hazards)) for i, duty in rows]


def unfinished(user: User) -> list[Inspection]:
    return inspections.unfinished_for(user, own_site(user))


# The three lists and the major-hazard report ---------------------------------------------------

def site_hazards(site: Site, open_only: bool = False) -> list[Hazard]:
    """The enterprise's hazard list (隐患清单), major first, then by deadline."""
    query = select(Hazard).where(Hazard.site_id == site.id, Hazard.status != REJECTED)
    if open_only:
        query = query.where(Hazard.closed_at.is_(None))
    return list(db.session.scalars(query.order_by(
        Hazard.closed_at.is_not(None), Hazard.level.desc(), Hazard.deadline, Hazard.id)))


def report_missing(hazard: Hazard) -> list[str]:
    """The fields of the written report still empty (all three parts are required)."""
    return [name for name, _label, _part in REPORT_FIELDS
            if not (getattr(hazard, name) or "").strip()]


def reports_pending(site: Site) -> list[Hazard]:
    """Open major hazards of the enterprise whose written report is incomplete."""
    return [h for h in site_hazards(site, open_only=True)
            if h.level == MAJOR and report_missing(h)]


def major_hazard(user: User, hazard_id: int) -> Hazard:
    hazard = db.session.get(Hazard, hazard_id)
    if (hazard is None or hazard.level != MAJOR
            or not (user.is_supervisor or hazard.site_id == user.site_id)):
        abort(404)
    return hazard


def save_report(user: User, hazard_id: int, values: Mapping) -> Hazard:
    """Save the three-part written report (the parts sent, typed by forms.REPORT); the
    supervisors hear once it is complete."""
    hazard = major_hazard(user, hazard_id)
    if user.role != Role.ENTERPRISE:
        abort(403)
    for name, _label, _part in REPORT_FIELDS:
        if name in values:
            setattr(hazard, name, values[name])
    if "funds" in values:
        hazard.funds = values["funds"]
    if not report_missing(hazard):
        notify(supervisors(), kind="major_report",
               title=_("Written report on a major hazard received: %(site)s",
                       site=hazard.site.name),
               body=hazard.description[:200], link=path_for("hazards.detail", hazard_id=hazard.id),
               dedupe_key=f"major-report-done:{hazard.id}")
    db.session.commit()
    return hazard


# Standardization --------------------------------------------------------------------------------

def standard_templates(site: Site) -> list[ChecklistTemplate]:
    """The current 达标细则 that cover the enterprise's type."""
    codes = applicable_codes(site.site_type, site.feature_codes)
    return [t for t in current_templates()
            if t.kind == "compliance_rules" and t.applies_codes & codes]


def pass_mark(template: ChecklistTemplate) -> float:
    cfg = current_app.config
    if cfg["STANDARD_PASS_MARK"] is not None:
        return float(cfg["STANDARD_PASS_MARK"])
    return float(template.pass_mark or cfg["STANDARD_DEFAULT_PASS_MARK"])


def _scoring_items(template: ChecklistTemplate) -> list[scoring.Item]:
    return [scoring.Item(i.code, i.section, i.weight or 0, i.is_major) for i in template.items]


def score_of(assessment: StandardAssessment) -> scoring.Score:
    given = {s.item.code: s.points for s in assessment.scores}
    return scoring.score(_scoring_items(assessment.template), given,
                         assessment.pass_mark if assessment.submitted_at else
                         pass_mark(assessment.template),
                         current_app.config["STANDARD_MAJOR_VETO"])


def assessments(site: Site) -> list[StandardAssessment]:
    """Submitted assessments, oldest first (the trend reads left to right)."""
    return list(db.session.scalars(select(StandardAssessment).where(
        StandardAssessment.site_id == site.id, StandardAssessment.submitted_at.is_not(None))
        .order_by(StandardAssessment.submitted_at, StandardAssessment.id)))


def draft_assessment(site: Site) -> StandardAssessment | None:
    return db.session.scalar(select(StandardAssessment).where(
        StandardAssessment.site_id == site.id, StandardAssessment.submitted_at.is_(None))
        .order_by(StandardAssessment.id.desc()).limit(1))


def start_assessment(user: User, template_id: int) -> StandardAssessment:
    """Resume the enterprise's draft for this template, or begin one."""
    site = own_site(user)
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None or template not in standard_templates(site):
        raise UserError(_("Those rules do not apply to this enterprise."))
    draft = draft_assessment(site)
    if draft is not None and draft.template_id == template.id:
        return draft
    assessment = StandardAssessment(site_id=site.id, template_id=template.id, assessor_id=user.id)
    db.session.add(assessment)
    db.session.commit()
    return assessment


def get_assessment(user: User, assessment_id: int) -> StandardAssessment:
    return _own(user, StandardAssessment, assessment_id)


def save_scores(user: User, assessment_id: int, scores: Mapping[int, int | str | None],
                notes: Mapping[int, str], note: str | None = None) -> StandardAssessment:
    """Save the scores sent by item id: points, "na", or None for not yet scored."""
    assessment = get_assessment(user, assessment_id)
    if user.role != Role.ENTERPRISE:
        abort(403)
    if assessment.submitted_at is not None:
        raise UserError(_("This assessment was submitted and can no longer be changed."), 409)
    existing = {s.item_id: s for s in assessment.scores}
    for item in assessment.template.items:
        if item.id not in scores:
            continue
        raw, item_note = scores[item.id], notes.get(item.id, "")
        if raw is None:
            if item.id in existing:
                assessment.scores.remove(existing[item.id])
            continue
        if raw != "na" and not 0 <= raw <= (item.weight or 0):
            raise Invalid({f"item-{item.id}": _(
                "%(field)s must be between %(low)s and %(high)s.", field=item.code, low=0,
                high=item.weight or 0)})
        points = None if raw == "na" else raw
        score = existing.get(item.id)
        if score is None:
            assessment.scores.append(StandardScore(item_id=item.id, points=points, note=item_note))
        else:
            score.points, score.note = points, item_note
    assessment.note = note if note is not None else assessment.note
    db.session.commit()
    return assessment


def submit_assessment(user: User, assessment_id: int) -> StandardAssessment:
    """Fix the score and the pass mark in the history (the view saves any scores sent first)."""
    assessment = get_assessment(user, assessment_id)
    if user.role != Role.ENTERPRISE:
        abort(403)
    if assessment.submitted_at is not None:
        return assessment
    result = score_of(assessment)
    if result.unanswered:
        raise UserError(_("%(n)s items are not scored yet: %(codes)s", n=len(result.unanswered),
                          codes="、".join(result.unanswered[:10])))
    assessment.points, assessment.possible = result.points, result.possible
    assessment.score, assessment.pass_mark = result.score, result.pass_mark
    assessment.passed = result.passed
    assessment.submitted_at = utcnow()
    db.session.commit()
    return assessment


def record_grade(user: User, site_id: int, grade: str, granted: date, expires: date | None,
                 document_no: str = "") -> StandardGrade:
    """A supervisor records the grade an enterprise was awarded after review."""
    site = enterprise_site(user, site_id)
    if grade not in GRADE_LABELS:
        raise UserError(_("Choose a grade."))
    if expires is None:  # grades are valid for three years
        expires = (granted.replace(year=granted.year + 3) if (granted.month, granted.day) != (2, 29)
                   else date(granted.year + 3, 2, 28))
    record = StandardGrade(site_id=site.id, grade=grade, granted_on=granted, expires_on=expires,
                           document_no=document_no, recorded_by_id=user.id)
    db.session.add(record)
    notify(staff_of(site.id), kind="standard_grade", link=path_for("enterprise.standard"),
           title=_("Standardization grade recorded: %(grade)s", grade=GRADE_LABELS[grade]))
    db.session.commit()
    return record


def grades(site: Site) -> list[StandardGrade]:
    return list(db.session.scalars(select(StandardGrade).where(StandardGrade.site_id == site.id)
                                   .order_by(StandardGrade.granted_on.desc())))


# Model posts ------------------------------------------------------------------------------------

def model_posts(site: Site | None = None, pending_only: bool = False) -> list[ModelPost]:
    query = select(ModelPost)
    if site is not None:
        query = query.where(ModelPost.site_id == site.id)
    if pending_only:
        query = query.where(ModelPost.recognised_at.is_(None))
    return list(db.session.scalars(query.order_by(ModelPost.proposed_at.desc())))


def propose_post(user: User, name: str, holder: str = "", description: str = "") -> ModelPost:
    site = own_site(user)
    if not name:
        raise UserError(_("Please fill in: %(field)s", field=_("Post")))
    post = ModelPost(site_id=site.id, name=name, holder=holder, description=description,
                     proposed_by_id=user.id)
    db.session.add(post)
    db.session.flush()
    notify(supervisors(), kind="model_post", link=path_for("enterprise.overview"),
           title=_("Model post proposed by %(site)s: %(post)s", site=site.name, post=name),
           dedupe_key=f"model-post:{post.id}")
    db.session.commit()
    return post


def recognise_post(user: User, post_id: int) -> ModelPost:
    post = _own(user, ModelPost, post_id)
    if post.recognised_at is None:
        post.recognised_at, post.recognised_by_id = utcnow(), user.id
        notify(staff_of(post.site_id), kind="model_post", link=path_for("enterprise.posts"),
               title=_("Model post recognised: %(post)s", post=post.name))
        db.session.commit()
    return post


# Drills -----------------------------------------------------------------------------------------

def drills(site: Site) -> list[Drill]:
    """Planned drills first (soonest first), then done ones (latest first)."""
    rows = list(db.session.scalars(select(Drill).where(Drill.site_id == site.id)))
    planned = sorted((d for d in rows if d.done_on is None), key=lambda d: d.planned_on or date.max)
    done = sorted((d for d in rows if d.done_on), key=lambda d: d.done_on, reverse=True)
    return planned + done


def save_drill(user: User, values: Mapping, drill_id: int | None = None,
               today: date | None = None) -> Drill:
    """Plan a drill, or record one as done (date, participants, lessons): forms.DRILL's values."""
    today = today or local_today()
    if drill_id is None:
        drill = Drill(site_id=own_site(user).id, created_by_id=user.id)
    else:
        drill = _own(user, Drill, drill_id)
        if user.role != Role.ENTERPRISE:
            abort(403)
    kind = values.get("kind") or drill.kind or ""
    if kind not in schedule.DRILL_KINDS:
        raise UserError(_("Choose the type of drill."))
    planned_on = values.get("planned_on") or drill.planned_on
    done_on = values.get("done_on")
    if done_on and done_on > today:
        raise UserError(_("A drill cannot be recorded as held in the future."))
    if not (done_on or planned_on):
        raise UserError(_("Give the planned date, or the date it was held."))
    participants = values.get("participants")
    if done_on is not None and participants is None:
        raise Invalid({"participants": _("Please fill in: %(field)s", field=_("Participants"))})
    drill.kind, drill.planned_on, drill.done_on, drill.participants = (kind, planned_on, done_on,
                                                                       participants)
    drill.title = values.get("title") or drill.title or str(DRILL_LABELS[kind])
    drill.lessons = values.get("lessons") or ""
    db.session.add(drill)
    db.session.commit()
    return drill


def get_drill(user: User, drill_id: int) -> Drill:
    return _own(user, Drill, drill_id)


def add_drill_photo(user: User, drill_id: int, file, upload_key: str | None) -> Drill:
    drill = get_drill(user, drill_id)
    if user.role != Role.ENTERPRISE:
        abort(403)
    photo = photos.store(file, uploader=user, site_id=drill.site_id, upload_key=upload_key,
                         among=drill.photos)
    if photo not in drill.photos:
        drill.photos.append(photo)
        try:
            db.session.commit()
        except IntegrityError:  # the same upload twice at once: the first one is kept
            db.session.rollback()
    return drill


# Training ---------------------------------------------------------------------------------------

def people(site: Site) -> list[User]:
    """The enterprise's people: its enterprise users and workers."""
    return list(db.session.scalars(select(User).where(
        User.site_id == site.id, User.role.in_([Role.ENTERPRISE, Role.WORKER]),
        User.active.is_(True)).order_by(User.position.is_(None), User.position, User.name)))


def trainings(site: Site, year: int | None = None) -> list[Training]:
    query = select(Training).where(Training.site_id == site.id)
    if year:
        query = query.where(Training.held_on >= date(year, 1, 1),
                            Training.held_on <= date(year, 12, 31))
    return list(db.session.scalars(query.order_by(Training.held_on.desc(), Training.id.desc())))


def record_training(user: User, values: Mapping, today: date | None = None) -> Training:
    """Record a training session from forms.TRAINING's values."""
    site = own_site(user)
    today = today or local_today()
    topic, kind, held_on = values["topic"], values["kind"], values["held_on"]
    if not topic:
        raise UserError(_("Please fill in: %(field)s", field=_("Topic")))
    if kind not in TRAINING_KINDS:
        raise UserError(_("Choose initial or refresher training."))
    if held_on > today:
        raise UserError(_("A training cannot be recorded before it is held."))
    hours = float(values["hours"])
    mine = {p.id for p in people(site)}
    attendees = set(values.get("attendee") or ())
    if attendees - mine:
        abort(404)
    if not attendees and not values.get("other_attendees"):
        raise UserError(_("Tick who attended."))
    training = Training(site_id=site.id, topic=topic, kind=kind, held_on=held_on, hours=hours,
                        trainer=values.get("trainer") or "",
                        other_attendees=values.get("other_attendees") or "", created_by_id=user.id)
    training.attendance = [TrainingAttendance(user_id=uid, hours=hours)
                           for uid in sorted(attendees)]
    db.session.add(training)
    db.session.commit()
    return training


def training_position(user: User) -> str:
    return user.position or ("staff" if user.role == Role.WORKER else "")


def training_statuses(site: Site, year: int) -> list[tuple[User, schedule.TrainingStatus]]:
    """Each person's hours in `year` against what their position requires."""
    sessions: dict[int, list[schedule.Session]] = defaultdict(list)
    rows = db.session.execute(
        select(TrainingAttendance.user_id, Training.held_on, TrainingAttendance.hours,
               Training.kind)
        .join(Training).where(Training.site_id == site.id, Training.held_on <= date(year, 12, 31)))
    for user_id, held_on, hours, kind in rows:
        sessions[user_id].append(schedule.Session(held_on, hours, kind == "initial"))
    required = current_app.config["TRAINING_REQUIRED_HOURS"]
    return [(p, schedule.training_status(training_position(p), sessions[p.id], year, required))
            for p in people(site)]


# Hazard statistics (16号令 第十四条) ---------------------------------------------------------

def statistics(site: Site, year: int, quarter: int) -> dict:
    """The enterprise's hazard statistics for a quarter (1–4) or a year (0), from its data."""
    period = schedule.quarter(year, quarter)
    end = period.end
    rows = db.session.scalars(select(Hazard).where(
        Hazard.site_id == site.id, Hazard.status != REJECTED,
        Hazard.created_at < datetime.combine(end + timedelta(days=2), datetime.min.time())))
    figures = {f"{what}_{level}": 0 for what in ("found", "self_found", "closed", "open", "overdue")
               for level in ("general", "major")}
    money = 0.0
    majors = []
    for h in rows:
        found = local_today(h.created_at)
        if found > end:
            continue
        closed = local_today(h.closed_at) if h.closed_at else None
        level = MAJOR if h.level == MAJOR else "general"
        if found in period:
            figures[f"found_{level}"] += 1
            if h.source == SELF_CHECK:
                figures[f"self_found_{level}"] += 1
        if closed and closed in period:
            figures[f"closed_{level}"] += 1
            money += float(h.rectification_cost or h.funds or 0)
        if not closed or closed > end:
            figures[f"open_{level}"] += 1
            if h.deadline < end:
                figures[f"overdue_{level}"] += 1
        if level == MAJOR and (found in period or not closed or closed > end):
            majors.append({"id": h.id, "description": h.description[:200],
                           "found": found.isoformat(), "deadline": h.deadline.isoformat(),
                           "closed": closed.isoformat() if closed and closed <= end else "",
                           "report": not report_missing(h)})
    checks = db.session.execute(
        select(Inspection.submitted_at, Inspection.principal_present).where(
            Inspection.site_id == site.id, Inspection.kind == SELF_CHECK,
            Inspection.submitted_at.is_not(None))).all()
    in_period = [p for at, p in checks if local_today(at) in period]
    found_all = figures["found_general"] + figures["found_major"]
    closed_all = figures["closed_general"] + figures["closed_major"]
    figures.update({
        "self_checks": len(in_period), "principal_checks": sum(1 for p in in_period if p),
        "rectification_rate": round(closed_all * 100 / found_all, 1) if found_all else None,
        "rectification_money": round(money, 2), "majors": majors,
        "period": period.key, "start": period.start.isoformat(), "end": end.isoformat(),
        "deadline": schedule.statistics_deadline(period).isoformat(),
    })
    return figures


def statistics_period(year: int | None, quarter: int | None,
                      today: date | None = None) -> tuple[int, int]:
    """The (year, quarter) asked for; by default the last quarter that has ended."""
    today = today or local_today()
    last = schedule.previous(schedule.period_of("quarter", today))
    year = year or last.start.year
    if quarter is None:
        quarter = (last.start.month - 1) // 3 + 1 if year == last.start.year else 0
    if not (2000 <= year <= today.year + 1 and 0 <= quarter <= 4):
        abort(404)
    return year, quarter


def confirmation(site: Site, year: int, quarter: int) -> StatisticsConfirmation | None:
    return db.session.scalar(select(StatisticsConfirmation).where(
        StatisticsConfirmation.site_id == site.id, StatisticsConfirmation.year == year,
        StatisticsConfirmation.quarter == quarter))


def confirm_statistics(user: User, year: int, quarter: int, signed_name: str,
                       today: date | None = None) -> StatisticsConfirmation:
    """The principal signs the table: the figures are kept as they were signed."""
    site = own_site(user)
    today = today or local_today()
    if user.position != Position.PRINCIPAL:
        raise UserError(_("Only the principal can sign the statistics table."), 403)
    if schedule.quarter(year, quarter).end >= today:
        raise UserError(_("The period has not ended yet."))
    if not signed_name.strip():
        raise UserError(_("Please fill in: %(field)s", field=_("Signature")))
    if (done := confirmation(site, year, quarter)) is not None:
        raise UserError(_("Already signed by %(name)s.", name=done.signed_name), 409)
    record = StatisticsConfirmation(site_id=site.id, year=year, quarter=quarter,
                                    figures=statistics(site, year, quarter),
                                    signed_name=signed_name.strip()[:64], confirmed_by_id=user.id)
    db.session.add(record)
    db.session.commit()
    return record


STAT_ROWS = (
    ("self_checks", _l("Self-checks done")),
    ("principal_checks", _l("of which led with the principal")),
    ("found", _l("Hazards found")),
    ("self_found", _l("of which found by self-checks")),
    ("closed", _l("Hazards rectified and closed")),
    ("open", _l("Open at the end of the period")),
    ("overdue", _l("of which past their deadline")),
)


def statistics_xlsx(site: Site, year: int, quarter: int) -> xlsx.Book:
    """The statistics table as a workbook, with the principal's signature when signed."""
    signed = confirmation(site, year, quarter)
    figures = signed.figures if signed else statistics(site, year, quarter)
    book = xlsx.Book()
    sheet = book.sheet(figures["period"], [], ["text", "int", "int", "int", "text"],
                       widths=[40, 16, 16, 16, 16], title=_("Hazard statistics table"))
    sheet.append([_("Enterprise"), site.name], ["text"] * 5)
    sheet.append([_("Period"), f"{figures['period']} ({figures['start']} – {figures['end']})"],
                 ["text"] * 5)
    sheet.append([_("Due to the authorities by"), figures["deadline"]],
                 ["text", "date", "text", "text", "text"])
    sheet.blank()
    sheet.header(["", _("General"), _("Major"), _("Total"), ""])
    for key, label in STAT_ROWS:
        if key in figures:
            sheet.append([str(label), None, None, figures[key]])
        else:
            g, m = figures[f"{key}_general"], figures[f"{key}_major"]
            sheet.append([str(label), g, m, g + m])
    rate = figures["rectification_rate"]
    sheet.append([_("Rectification rate") + " (%)", None, None, rate],
                 ["text", "int", "int", "money", "text"])
    sheet.append([_("Rectification spending (yuan)"), None, None,
                  figures["rectification_money"]], ["text", "int", "int", "money", "text"])
    if figures["majors"]:
        sheet.blank()
        sheet.header([_("Major hazards"), _("Found"), _("Deadline"), _("Closed"),
                      _("Written report")])
        for m in figures["majors"]:
            sheet.append([m["description"], m["found"], m["deadline"], m["closed"] or None,
                          _("complete") if m["report"] else _("incomplete")],
                         ["text", "date", "date", "date", "text"])
    sheet.blank()
    if signed:
        sheet.append([_("Principal's signature"), signed.signed_name, signed.confirmed_at],
                     ["text", "text", "datetime", "text", "text"])
    else:
        sheet.append([_("Principal's signature"), _("not yet signed")], ["text"] * 5)
    return book


# The supervisors' overview ----------------------------------------------------------------------

@dataclass
class SiteRow:
    site: Site
    latest: StandardAssessment | None
    grade: StandardGrade | None
    posts: int
    principal_check: schedule.DueItem | None


@dataclass
class Overview:
    rows: list[SiteRow]
    meeting_bar: int
    assessed: int
    new_graded: int
    recognised_posts: int
    targets: dict
    plan_start: date
    pending_posts: list[ModelPost]
    major_self_reports: list[Hazard]
    overdue_principal: int


def overview(user: User, today: date | None = None) -> Overview:
    """Which enterprises meet the bar, the plan's counts against its targets, what waits."""
    today = today or local_today()
    cfg = current_app.config
    plan_start = date.fromisoformat(cfg["PLAN_START"])
    sites = list(db.session.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.name)))
    site_ids = [s.id for s in sites]
    latest: dict[int, StandardAssessment] = {}
    for a in db.session.scalars(select(StandardAssessment).where(
            StandardAssessment.submitted_at.is_not(None)).order_by(StandardAssessment.submitted_at)):
        latest[a.site_id] = a
    grade: dict[int, StandardGrade] = {}
    for g in db.session.scalars(select(StandardGrade).order_by(StandardGrade.granted_on)):
        grade[g.site_id] = g
    posts = dict(db.session.execute(select(ModelPost.site_id, func.count()).where(
        ModelPost.recognised_at.is_not(None)).group_by(ModelPost.site_id)).all())
    events = events_by_site(site_ids, today)
    the_rules = rules()
    rows = []
    for site in sites:
        items = schedule.due_items(profile_of(site), events.get(site.id, []), today, the_rules,
                                   since=local_today(site.created_at))
        principal = next((i for i in items if i.duty == Duty.PRINCIPAL_CHECK), None)
        rows.append(SiteRow(site, latest.get(site.id), grade.get(site.id), posts.get(site.id, 0),
                            principal))
    new_graded = db.session.scalar(select(func.count(func.distinct(StandardGrade.site_id))).where(
        StandardGrade.granted_on >= plan_start)) or 0
    recognised = db.session.scalar(select(func.count(ModelPost.id)).where(
        ModelPost.recognised_at >= datetime.combine(plan_start, datetime.min.time()))) or 0
    majors = hazards.queue(user, hazards.Filters(level=MAJOR), page_size=200).hazards
    return Overview(
        rows=rows, meeting_bar=sum(1 for r in rows if r.latest and r.latest.passed),
        assessed=sum(1 for r in rows if r.latest), new_graded=new_graded,
        recognised_posts=recognised, targets=dict(cfg["PLAN_TARGETS"]), plan_start=plan_start,
        pending_posts=model_posts(pending_only=True),
        major_self_reports=[h for h in majors if h.source == SELF_CHECK],
        overdue_principal=sum(1 for r in rows if r.principal_check
                              and r.principal_check.state == schedule.State.OVERDUE))


# Reminders --------------------------------------------------------------------------------------

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
    last_quarter = schedule.previous(schedule.period_of("quarter", today))
    for site in sites:
        staff = staff_of(site.id)
        items = schedule.due_items(profile_of(site), events.get(site.id, []), today, the_rules,
                                   since=local_today(site.created_at))
        for item in items:
            if not item.remind:
                continue
            label = DUTY_LABELS[item.duty]
            title = (_("Overdue: %(duty)s", duty=label) if item.state == schedule.State.OVERDUE
                     else _("Due by %(date)s: %(duty)s", date=item.due_on.isoformat(), duty=label))
            counts["duties"] += len(notify(
                staff, kind=f"duty_{item.state}", title=title, link=path_for("enterprise.home"),
                dedupe_key=f"duty:{site.id}:{item.duty}:{item.period.key}:{item.state}"))
        if since_ok := local_today(site.created_at) <= last_quarter.start:
            year, number = last_quarter.start.year, (last_quarter.start.month - 1) // 3 + 1
            if confirmation(site, year, number) is None:
                counts["statistics"] += len(notify(
                    staff_of(site.id, (Position.PRINCIPAL,)), kind="statistics_due",
                    title=_("Sign the hazard statistics for %(period)s by %(date)s",
                            period=last_quarter.key,
                            date=schedule.statistics_deadline(last_quarter).isoformat()),
                    link=path_for("enterprise.statistics", year=year, quarter=number),
                    dedupe_key=f"statistics:{site.id}:{last_quarter.key}"))
        if since_ok and today.month == 1:
            year = today.year - 1
            if confirmation(site, year, 0) is None:
                counts["statistics"] += len(notify(
                    staff_of(site.id, (Position.PRINCIPAL,)), kind="statistics_due",
                    title=_("Sign the hazard statistics for %(period)s by %(date)s",
                            period=str(year), date=date(today.year, 1, 31).isoformat()),
                    link=path_for("enterprise.statistics", year=year, quarter=0),
                    dedupe_key=f"statistics:{site.id}:{year}"))
    return counts
