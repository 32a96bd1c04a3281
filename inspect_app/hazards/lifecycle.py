"""Driving a hazard to closure: transitions, extensions, supervision (督办), referrals, sweep.

Every change goes through here (routes, CLI and tests alike), is checked by workflow.py,
appends a HazardEvent, notifies the people concerned and commits once.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import forms
from ..auth.models import User
from ..extensions import db
from ..notifications.service import notify
from ..photos import service as photos
from ..roles import Role
from ..timeutil import local_today, utcnow
from ..web import UserError
from . import workflow
from .forms import FUNDS
from .models import Extension, Hazard, HazardEvent, Referral, Supervision
from .service import _link, get_for, grid_inspectors, site_staff, supervisors
from .workflow import Action, Actor, Facts, Level, State


class Conflict(UserError):
    """Someone else changed the hazard first (optimistic locking)."""

    status = 409


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, role=user.role, site_id=user.site_id,
                 grid_ids=frozenset(g.id for g in user.grids) if user.role == Role.INSPECTOR
                 else frozenset())


def facts_of(hazard: Hazard) -> Facts:
    submitted_by = None
    for event in hazard.events:
        if event.action == Action.SUBMIT:
            submitted_by = event.actor_id
    return Facts(status=hazard.status, level=hazard.level, site_id=hazard.site_id,
                 grid_id=hazard.site.grid_id, submitted_by=submitted_by)


def allowed_actions(hazard: Hazard, user: User) -> list[Action]:
    return workflow.allowed_actions(actor_of(user), facts_of(hazard))


# Fields of the lifecycle's forms, bounded by their columns (the one forms layer).
_TEXT_COLUMNS = {"responsible_name": Hazard.responsible_name,
                 "responsible_phone": Hazard.responsible_phone, "office": Supervision.office,
                 "doc_no": Supervision.doc_no, "department": Referral.department,
                 "case_no": Referral.case_no}


def _text(form, key: str, required: bool = False, label: str = "") -> str:
    field = forms.Text(column=_TEXT_COLUMNS.get(key), required=required, label=label or None)
    return forms.check(form.get(key), field, key)


def _date(form, key: str, label: str, not_before: date | None = None) -> date:
    value = forms.check(form.get(key), forms.Date(required=True, label=label), key)
    if not_before and value < not_before:
        raise forms.Invalid({key: _("%(field)s cannot be in the past.", field=label)})
    return value


def _money(form, key: str, label: str, required: bool = False) -> Decimal | None:
    field = FUNDS if key == "funds" else forms.Money(column=_MONEY_COLUMNS[key], label=label)
    if required and not (form.get(key) or "").strip():
        raise forms.Invalid({key: _("Please fill in: %(field)s", field=label)})
    return forms.check(form.get(key), field, key)


_MONEY_COLUMNS = {"rectification_cost": Hazard.rectification_cost,
                  "penalty_amount": Referral.penalty_amount}


def _apply_fields(action: Action, hazard: Hazard, form, today: date) -> str:
    """Check and copy the fields an action needs; returns the note for the event log."""
    if action == Action.CONFIRM:
        level = form.get("level") or hazard.level
        if level not in set(Level):
            raise UserError(_("Choose general or major."))
        hazard.level = level
        hazard.responsible_name = _text(form, "responsible_name", True, _("Responsible person"))
        hazard.responsible_phone = _text(form, "responsible_phone")
        hazard.deadline = _date(form, "deadline", _("Deadline"), not_before=today)
        major = level == Level.MAJOR
        # A major hazard needs the "five fixes": measures, funds, owner, deadline, interim measures.
        hazard.measures = _text(form, "measures", major, _("Measures"))
        hazard.funds = _money(form, "funds", _("Funds"), required=major)
        hazard.interim_measures = _text(form, "interim_measures", major, _("Interim safety measures"))
        return _text(form, "note")
    if action == Action.SUBMIT:
        hazard.rectified_note = _text(form, "rectified_note", True, _("What was done"))
        hazard.rectification_cost = _money(form, "rectification_cost", _("Cost"))
        return hazard.rectified_note
    return _text(form, "note")


def perform(user: User, hazard_id: int, action: str, form, files=(),
            now: datetime | None = None) -> Hazard:
    """Apply one action to a hazard for `user`, or raise (403/409/422) with nothing changed."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    try:
        action = Action(action)
    except ValueError:
        raise UserError(_("Unknown action."), 404) from None
    expected = form.get("version", type=int)
    if expected is not None and expected != hazard.version:
        raise Conflict(_("Someone else changed this hazard a moment ago. Here is its current state."))
    actor, facts = actor_of(user), facts_of(hazard)
    rule = workflow.RULES[action]
    if facts.status not in rule.sources:
        raise Conflict(_("This hazard is now '%(status)s'; that step no longer applies.",
                         status=facts.status))
    if not rule.who(actor, facts):
        if action in (Action.VERIFY, Action.RETURN) and actor.id == facts.submitted_by:
            raise UserError(_("The person who submitted the rectification cannot verify it."), 403)
        raise UserError(_("You may not do this with this hazard."), 403)
    if rule.general_only and facts.level != Level.GENERAL:
        raise UserError(_("Only a general hazard can be closed on the spot."), 409)
    # Photos are checked and processed before anything changes: a refused one refuses the step.
    uploads = photos.prepare(files)
    note = _apply_fields(action, hazard, form, local_today(now))
    try:
        target = workflow.apply(action, actor, facts, note=note, photos=len(uploads))
    except workflow.TransitionError:
        db.session.rollback()
        if rule.needs_note:
            raise UserError(_("Please give a reason.")) from None
        raise UserError(_("Please add at least one photo of the fixed situation.")) from None
    key = form.get("upload_key") or ""
    stored = [photos.store(u, uploader=user, site_id=hazard.site_id,
                           upload_key=f"{key}-{n}" if key else None, taken_at=form.get("taken_at"))
              for n, u in enumerate(uploads)]
    event = HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action=action,
                        from_status=hazard.status, to_status=target, note=note)
    hazard.status = target
    hazard.closed_at = now if target in workflow.DONE_STATES else None
    if action == Action.REJECT and (dup := forms.check(form.get("duplicate_of"), forms.Id(),
                                                        "duplicate_of")):
        hazard.duplicate_of_id = get_for(user, dup).id  # a duplicate of a hazard they can see
    db.session.add(event)
    try:
        db.session.flush()  # the UPDATE checks the version: a concurrent change fails here
        for photo in stored:
            photo.hazard_id, photo.event_id, photo.phase = hazard.id, event.id, "after"
        _notify_transition(hazard, action, user)
        db.session.commit()
    except (StaleDataError, IntegrityError):  # IntegrityError: the same photos, sent twice at once
        db.session.rollback()
        raise Conflict(_("Someone else changed this hazard a moment ago. Here is its current state.")) \
            from None
    return hazard


def _notify_transition(hazard: Hazard, action: Action, user: User) -> None:
    name = hazard.site.name
    major = hazard.level == Level.MAJOR
    if action == Action.CONFIRM:
        title = (_("Major accident hazard confirmed at %(site)s", site=name) if major
                 else _("Hazard confirmed at %(site)s", site=name))
        notify(site_staff(hazard.site_id), kind="confirmed", title=title, link=_link(hazard),
               body=_("Fix it by %(d)s. Responsible: %(who)s.", d=hazard.deadline.isoformat(),
                      who=hazard.responsible_name))
    elif action == Action.SUBMIT:
        notify(grid_inspectors(hazard) + (supervisors() if major else []), kind="submitted",
               title=_("Rectification to verify at %(site)s", site=name), link=_link(hazard))
    elif action in (Action.VERIFY, Action.RETURN):
        title = (_("Hazard closed at %(site)s", site=name) if action == Action.VERIFY
                 else _("Rectification sent back at %(site)s", site=name))
        notify(site_staff(hazard.site_id), kind=str(action), title=title, link=_link(hazard))


# Extensions (延期) --------------------------------------------------------------------------


def request_extension(user: User, hazard_id: int, form, now: datetime | None = None) -> Extension:
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    if not workflow.is_site_staff(actor_of(user), facts_of(hazard)):
        raise UserError(_("Only the enterprise's own staff can ask for more time."), 403)
    if not workflow.is_open(hazard.status) or hazard.status == State.REPORTED:
        raise Conflict(_("An extension can only be asked for while the hazard is being fixed."))
    if any(e.status == "pending" for e in hazard.extensions):
        raise Conflict(_("An extension request is already waiting for a decision."))
    reason = _text(form, "reason", True, _("Reason"))
    new_deadline = _date(form, "new_deadline", _("New deadline"))
    if new_deadline <= hazard.deadline:
        raise UserError(_("The new deadline must be later than the current one."))
    ext = Extension(hazard_id=hazard.id, requested_by_id=user.id, requested_at=now, reason=reason,
                    old_deadline=hazard.deadline, new_deadline=new_deadline)
    db.session.add(ext)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now,
                               action="extension_requested", from_status=hazard.status,
                               to_status=hazard.status,
                               note=f"{hazard.deadline.isoformat()} → {new_deadline.isoformat()}: {reason}"))
    notify(supervisors(), kind="extension", link=_link(hazard),
           title=_("Extension requested for a hazard at %(site)s", site=hazard.site.name))
    db.session.commit()
    return ext


def decide_extension(user: User, extension_id: int, approve: bool, note: str = "",
                     now: datetime | None = None) -> Extension:
    now = now or utcnow()
    ext = db.session.get(Extension, extension_id)
    if ext is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    hazard = get_for(user, ext.hazard_id)
    if not user.is_supervisor:
        raise UserError(_("You may not do this with this hazard."), 403)
    if ext.status != "pending":
        raise Conflict(_("This request was already decided."))
    ext.status = "approved" if approve else "refused"
    ext.decided_by_id, ext.decided_at, ext.decision_note = user.id, now, note.strip()
    if approve:
        hazard.deadline = ext.new_deadline
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now,
                               action=f"extension_{ext.status}", from_status=hazard.status,
                               to_status=hazard.status, note=note.strip()))
    notify([ext.requested_by], kind="extension", link=_link(hazard),
           title=(_("Extension approved: new deadline %(d)s", d=ext.new_deadline.isoformat())
                  if approve else _("Extension refused")))
    db.session.commit()
    return ext


# Supervision (督办 / 挂牌督办) ---------------------------------------------------------------


def open_supervision(user: User, hazard_id: int, form, now: datetime | None = None) -> Supervision:
    """Put a hazard under supervision, or accept a proposal the sweep made."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    if not user.is_supervisor:
        raise UserError(_("You may not do this with this hazard."), 403)
    if not workflow.is_open(hazard.status):
        raise Conflict(_("Only an open hazard can be put under supervision."))
    if any(s.status == "active" for s in hazard.supervisions):
        raise Conflict(_("This hazard is already under supervision."))
    level = form.get("level") or "zone"
    if level not in workflow.SUPERVISION_LEVELS:
        raise UserError(_("Choose a supervision level."))
    proposal = next((s for s in hazard.supervisions if s.status == "proposed"), None)
    sup = proposal or Supervision(hazard_id=hazard.id, proposed_at=now)
    sup.status, sup.level = "active", level
    sup.office = _text(form, "office", True, _("Issuing office"))
    sup.doc_no = _text(form, "doc_no")
    sup.due_date = _date(form, "due_date", _("Due date"), not_before=local_today(now))
    sup.note = _text(form, "note")
    sup.opened_by_id, sup.opened_at = user.id, now
    db.session.add(sup)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="supervise",
                               from_status=hazard.status, to_status=hazard.status,
                               note=f"{sup.office} {sup.doc_no}".strip()))
    notify(site_staff(hazard.site_id), kind="supervision", link=_link(hazard),
           title=_("Hazard at %(site)s is under supervision (督办)", site=hazard.site.name))
    db.session.commit()
    return sup


def close_supervision(user: User, supervision_id: int, status: str,
                      now: datetime | None = None) -> Supervision:
    """Lift an active supervision, or decline a proposal."""
    sup = db.session.get(Supervision, supervision_id)
    if sup is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    get_for(user, sup.hazard_id)
    if not user.is_supervisor:
        raise UserError(_("You may not do this with this hazard."), 403)
    allowed = {"active": "lifted", "proposed": "declined"}
    if allowed.get(sup.status) != status:
        raise Conflict(_("This supervision was already changed."))
    sup.status, sup.closed_at = status, now or utcnow()
    db.session.commit()
    return sup


# Enforcement (执法) ----------------------------------------------------------------------------


def refer(user: User, hazard_id: int, form, now: datetime | None = None) -> Referral:
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    if not user.is_supervisor:
        raise UserError(_("You may not do this with this hazard."), 403)
    measure = form.get("measure")
    if measure not in workflow.ENFORCEMENT_MEASURES:
        raise UserError(_("Choose an enforcement measure."))
    ref = Referral(hazard_id=hazard.id, site_id=hazard.site_id, measure=measure,
                   department=_text(form, "department", True, _("Department")),
                   reason=_text(form, "reason"), referred_by_id=user.id, referred_at=now)
    db.session.add(ref)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="refer",
                               from_status=hazard.status, to_status=hazard.status,
                               note=f"{ref.department}: {measure}"))
    db.session.commit()
    return ref


def update_referral(user: User, referral_id: int, form, now: datetime | None = None) -> Referral:
    """Record the case number (filed) or the outcome (closed) of a referral."""
    ref = db.session.get(Referral, referral_id)
    if ref is None or not user.is_supervisor:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    status = form.get("status")
    if (ref.status, status) not in {("referred", "filed"), ("referred", "closed"), ("filed", "closed")}:
        raise Conflict(_("This case was already updated."))
    if status == "filed":
        ref.case_no = _text(form, "case_no", True, _("Case number"))
    else:
        ref.outcome = _text(form, "outcome", True, _("Outcome"))
        ref.penalty_amount = _money(form, "penalty_amount", _("Penalty"))
        ref.case_no = _text(form, "case_no") or ref.case_no
        ref.closed_at = now or utcnow()
    ref.status = status
    db.session.commit()
    return ref


# The daily sweep ------------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> dict[str, int]:
    """For cron (`flask hazards sweep`): log what became overdue, send deadline reminders, and
    propose supervision for overdue major hazards. Running it twice does nothing twice."""
    now = now or utcnow()
    today = local_today(now)
    counts = {"overdue_logged": 0, "reminders": 0, "proposed": 0}
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
            titles = {"due_soon": _("Hazard due in 3 days at %(site)s", site=hazard.site.name),
                      "due_today": _("Hazard due today at %(site)s", site=hazard.site.name),
                      "overdue": _("Hazard overdue at %(site)s", site=hazard.site.name)}
            people = site_staff(hazard.site_id) + (grid_inspectors(hazard) if kind == "overdue" else [])
            sent = notify(people, kind=kind, title=titles[kind], link=_link(hazard),
                          dedupe_key=f"hazard-{hazard.id}-{kind}-{hazard.deadline.isoformat()}")
            counts["reminders"] += len(sent)
        if workflow.needs_supervision(hazard.status, hazard.level, hazard.deadline, today) \
                and not hazard.supervisions:
            db.session.add(Supervision(hazard_id=hazard.id, status="proposed", proposed_at=now,
                                       note=_("Major hazard past its deadline")))
            notify(supervisors(), kind="proposed", link=_link(hazard),
                   title=_("Proposed for supervision: overdue major hazard at %(site)s",
                           site=hazard.site.name),
                   dedupe_key=f"hazard-{hazard.id}-propose")
            counts["proposed"] += 1
    db.session.commit()
    return counts
