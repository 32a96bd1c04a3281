"""Driving a hazard to closure: its transitions (perform), what each user is offered, and
the steps the side-actions share (closeout.py: a major's stop-work, assessment and resumption;
side_actions.py: extensions, supervision, referrals; sweep.py: the daily sweep).

Every change goes through these (routes, CLI and tests alike), is checked by workflow.py,
appends a HazardEvent, notifies the people concerned and commits once.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import access, forms
from ..auth.models import User
from ..auth.recipients import inspectors_of, safety_leads, site_staff, supervisors
from ..errors import Conflict, UserError
from ..extensions import db
from ..notifications.service import notify
from ..photos import service as photos
from ..sms import service as sms
from ..timeutil import local_today, utcnow
from ..web import path_for
from . import workflow
from .forms import TRANSITIONS
from .messages import (
    CLOSED,
    CONFIRMED,
    MAJOR_CONFIRMED,
    PROPOSED,
    REPORT_CLOSED,
    REPORT_CONFIRMED,
    REPORT_REJECTED,
    SENT_BACK,
    TO_VERIFY,
    WRITTEN_OFF,
    ZONE_TO_VERIFY,
)
from .models import Extension, Hazard, HazardEvent, Referral, Supervision
from .regimes import default_authority
from .service import _link, get_for
from .workflow import Action, Actor, Facts, Level, Source, State


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, role=user.role, site_id=user.site_id,
                 grid_ids=access.grid_ids(user), position=user.position)


def facts_of(hazard: Hazard, today: date | None = None) -> Facts:
    submitted_by = None
    for event in hazard.events:
        if event.action == Action.SUBMIT:
            submitted_by = event.actor_id
    return Facts(status=hazard.status, level=hazard.level, site_id=hazard.site_id,
                 grid_id=hazard.site.grid_id, submitted_by=submitted_by, source=hazard.source,
                 extensions=tuple((e.id, e.status) for e in hazard.extensions),
                 supervisions=tuple((s.id, s.status) for s in hazard.supervisions),
                 referrals=tuple((r.id, r.status) for r in hazard.referrals),
                 stop_work=stop_work_active(hazard), assessed=bool(hazard.assessment_at),
                 resume_applied=bool(hazard.resume_applied_at),
                 report_complete=not workflow.report_missing(hazard),
                 deadline_passed=hazard.deadline < (today or local_today()))


def stop_work_active(hazard: Hazard) -> bool:
    return bool(hazard.stop_work) and hazard.stop_work_lifted_at is None


def submitted_on(hazard: Hazard) -> date | None:
    """The day the current rectification was submitted (the review timer starts there)."""
    last = next((e for e in reversed(hazard.events) if e.action == Action.SUBMIT), None)
    return local_today(last.at) if last else None


def review_state(hazard: Hazard, today: date | None = None) -> tuple[date | None, bool]:
    """(review due date, overdue) of a major hazard waiting for its on-site review."""
    if hazard.level != Level.MAJOR or hazard.status != State.SUBMITTED:
        return None, False
    days = current_app.config["MAJOR_REVIEW_DAYS"]
    on = submitted_on(hazard)
    if on is None:
        return None, False
    today = today or local_today()
    return workflow.review_due(on, days), workflow.review_overdue(
        hazard.status, hazard.level, on, today, days)


@dataclass(frozen=True)
class Offer:
    """One action the user may take now, with the extension/supervision/referral it acts on."""

    action: Action
    subject: Extension | Supervision | Referral | None = None
    levels: tuple[str, ...] = ()  # a confirmation: the levels this user may give

    @property
    def transition(self) -> bool:
        return self.action in workflow.TRANSITIONS

    @property
    def key(self) -> str:
        """Names this offer's form on the page (to show it again after a refusal)."""
        return f"{self.action}-{self.subject.id}" if self.subject else str(self.action)


def offers(hazard: Hazard, user: User) -> list[Offer]:
    """Everything the user may do with the hazard now: the detail page loops over this."""
    subjects = {(kind, obj.id): obj for kind in ("extensions", "supervisions", "referrals")
                for obj in getattr(hazard, kind)}
    actor, facts = actor_of(user), facts_of(hazard)
    return [Offer(action, subjects[(workflow.RULES[action].subject[0], i)] if i else None,
                  workflow.confirm_levels(actor, facts) if action == Action.CONFIRM else ())
            for action, i in workflow.allowed_actions(actor, facts)]


def _refusal_messages(action: Action, facts: Facts) -> dict:
    """(action or None, code, detail) -> message, or (message, status) where it differs."""
    extension = (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION)
    supervision = (Action.LIFT_SUPERVISION, Action.DECLINE_SUPERVISION)
    referral = (Action.FILE_REFERRAL, Action.CLOSE_REFERRAL)
    return {
        (None, "state", ""): _("This hazard is now '%(status)s'; that step no longer applies.",
                               status=facts.status),
        (None, "who", ""): _("You may not do this with this hazard."),
        (Action.CONFIRM, "who", ""): _(
            "Only the zone's supervisors confirm this hazard; a general hazard the enterprise "
            "found itself is also confirmed by its principal or safety manager."),
        (Action.CONFIRM, "who", "grade"): _(
            "Only the zone judges a hazard major. Confirm it as general, or leave it for the "
            "zone's supervisors, who see it."),
        (None, "who", "own_work"): _("The person who submitted the rectification cannot verify it."),
        (None, "level", ""): _("Only a general hazard can be closed on the spot."),
        (None, "note", ""): _("Please give a reason."),
        (None, "photo", ""): _("Please add at least one photo of the fixed situation."),
        (None, "closeout", ""): _("This major hazard cannot be written off yet."),
        (Action.REQUEST_EXTENSION, "who", ""):
            _("Only the enterprise's own staff can ask for more time."),
        (Action.REQUEST_EXTENSION, "state", ""):
            _("An extension can only be asked for while the hazard is being fixed."),
        (Action.REQUEST_EXTENSION, "state", "exists"):
            _("An extension request is already waiting for a decision."),
        **{(a, "state", "subject"): _("This request was already decided.") for a in extension},
        (Action.SUPERVISE, "state", ""): _("Only an open hazard can be put under supervision."),
        (Action.SUPERVISE, "state", "exists"): _("This hazard is already under supervision."),
        **{(a, "state", "subject"): _("This supervision was already changed.") for a in supervision},
        **{(a, "state", "subject"): _("This case was already updated.") for a in referral},
        **({(Action.VERIFY, "who", ""): _(
            "A major hazard is reviewed on site and written off (核销) by the supervising "
            "authority, not by a grid inspector."),
            (Action.RETURN, "who", ""): _("A major hazard is reviewed on site by the supervising "
                                          "authority, not by a grid inspector.")}
           if facts.level == Level.MAJOR else {}),
        (Action.VERIFY, "closeout", "report"):
            _("The enterprise's written report is not complete yet."),
        (Action.VERIFY, "closeout", "assessment"):
            _("The enterprise's assessment of the remediation (评估报告) is missing."),
        (Action.VERIFY, "closeout", "resume"):
            _("Work was stopped: the enterprise's written application to resume (复产申请) is "
              "missing."),
        (Action.REQUEST_EXTENSION, "state", "late"):
            _("The deadline has passed: an extension must be asked for before it."),
        (Action.STOP_WORK, "state", "exists"): _("Work is already stopped for this hazard."),
        (Action.STOP_WORK, "state", ""):
            _("Work can be stopped only while the hazard is being fixed."),
        (Action.STOP_WORK, "level", ""):
            _("Work is stopped for a major hazard only (16号令 第16条)."),
        (Action.APPLY_RESUME, "state", "no_stop"): _("Work was not stopped for this hazard."),
        **{(a, "who", ""): _("This hazard is under supervision (督办): only the supervising "
                             "office decides on more time.") for a in extension
           if facts.supervised},
        # A case is the supervisors' business: others are told it does not exist.
        **{(a, "who", ""): (_("Not found, or you do not have access to it."), 404) for a in referral},
    }


_REFUSAL_STATUS = {"state": 409, "level": 409, "who": 403, "note": 422, "photo": 422,
                   "closeout": 409}
_INPUT_FIELD = {"note": "note", "photo": "photos"}


def refusal(error: workflow.TransitionError, facts: Facts) -> UserError:
    """The one place a workflow refusal becomes what the user is told, and its status."""
    messages = _refusal_messages(error.action, facts)
    found = next(m for key in ((error.action, error.code, error.detail), (None, error.code, error.detail),
                               (None, error.code, "")) if (m := messages.get(key)) is not None)
    message, status = found if isinstance(found, tuple) else (found, _REFUSAL_STATUS[error.code])
    if error.code in _INPUT_FIELD:  # shown beside the field it is about
        field = "rectified_note" if error.action == Action.SUBMIT else _INPUT_FIELD[error.code]
        return forms.Invalid({field: message})
    return Conflict(message) if status == 409 else UserError(message, status)


def check(action: Action, user: User, facts: Facts, subject: int | None = None, *,
           note: str | None = None, photos: int | None = None, level: str | None = None) -> State:
    """The state `action` leads to, or the user's refusal. Without note/photos/level, only
    whether the action is open at all (so a refused user is told before their input is looked at)."""
    if error := workflow.refusal(action, actor_of(user), facts, subject, note=note, photos=photos,
                                 level=level):
        raise refusal(error, facts)
    return workflow.RULES[action].target or State(facts.status)


def _confirmation(hazard: Hazard, values, today: date, user: User) -> dict:
    """The confirm form's fields for the hazard. A major one needs the supervisor's 五落实
    (responsible, measures, funds, deadline, plan), stored as the decision and never over the
    enterprise's written report; a deadline is never past; a changed level needs its reason."""
    level = values.get("level") or hazard.level
    note = values.get("note") or ""
    reported = hazard.reported_level or hazard.level
    errors = {}
    if values["deadline"] < today:
        errors["deadline"] = _("%(field)s cannot be in the past.", field=_("Deadline"))
    if level != reported and not note.strip():
        # A changed level moves the hazard in or out of the 动态清零 figures: say why.
        errors["note"] = _("Changing the level needs a reason.")
    if level == Level.MAJOR:
        labels = {"measures": _("Measures"), "funds": _("Funds"),
                  "interim_measures": _("Interim safety measures")}
        errors |= {k: _("Please fill in: %(field)s", field=label) for k, label in labels.items()
                   if values.get(k) in (None, "")}
    if errors:
        raise forms.Invalid(forms.ordered(errors, TRANSITIONS[Action.CONFIRM]))
    major = level == Level.MAJOR
    regime = (values.get("regime") or hazard.regime or "accident") if major else ""
    fields = {"level": level, "deadline": values["deadline"],
              "responsible_name": values.get("responsible_name"),
              "responsible_phone": values.get("responsible_phone"),
              # (The form keeps its field names; only where they are stored changed.)
              "decision_measures": values.get("measures") or "",
              "decision_funds": values.get("funds"),
              "decision_plan": values.get("interim_measures") or "",
              "regime": regime,
              "authority": default_authority(regime, hazard.site.site_type) if major else ""}
    if level != reported:
        fields |= {"level_reason": note, "level_decided_by_id": user.id}
    return fields


def _fields(action: Action, hazard: Hazard, values, today: date, user: User) -> dict:
    """What the action writes onto the hazard."""
    if action == Action.CONFIRM:
        return _confirmation(hazard, values, today, user)
    if action == Action.VERIFY and hazard.level == Level.MAJOR:
        # 核销 follows the on-site review and is issued as a document (16号令 第23条).
        missing = {k: _("Please fill in: %(field)s", field=label) for k, label in (
            ("review_note", _("On-site review")),
            ("closing_doc_no", _("Write-off (核销) document number"))) if not values.get(k)}
        if missing:
            raise forms.Invalid(missing)
        return {"review_note": values["review_note"], "closing_doc_no": values["closing_doc_no"]}
    if action == Action.SUBMIT:
        return {"rectified_note": values["rectified_note"],
                "rectification_cost": values.get("rectification_cost")}
    return {}


def perform(user: User, hazard_id: int, action: str, values, files=(),
            now: datetime | None = None) -> Hazard:
    """Apply one action to a hazard for `user` with its form's typed values (hazards/forms.py),
    or raise (403/404/409/422) with nothing changed."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    if action not in workflow.TRANSITIONS:
        raise UserError(_("Unknown action."), 404)
    action = Action(action)
    expected = values.get("version")
    if expected is not None and expected != hazard.version:
        raise _stale()
    # The event's note: what was done, for a rectification.
    note = values.get("rectified_note" if action == Action.SUBMIT else "note") or ""
    files = [f for f in files if f is not None and f.filename]
    level = (values.get("level") or hazard.level) if action == Action.CONFIRM else None
    target = check(action, user, facts_of(hazard, local_today(now)), note=note, photos=len(files),
                    level=level)
    fields = _fields(action, hazard, values, local_today(now), user)
    if action == Action.CONFIRM and fields["level"] != (hazard.reported_level or hazard.level):
        note = _("Level %(old)s → %(new)s: %(why)s", old=hazard.reported_level or hazard.level,
                 new=fields["level"], why=note)
    elif action == Action.VERIFY and "review_note" in fields:
        note = _("On-site review: %(note)s · %(doc)s", note=fields["review_note"],
                 doc=fields["closing_doc_no"])
    # Photos are checked and processed before anything changes: a refused one refuses the step.
    uploads = photos.prepare(files)
    for name, value in fields.items():
        setattr(hazard, name, value)
    key = values.get("upload_key") or ""
    stored = [photos.store(u, uploader=user, site_id=hazard.site_id,
                           upload_key=f"{key}-{n}" if key else None,
                           taken_at=values.get("taken_at") or None)
              for n, u in enumerate(uploads)]
    event = HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action=action,
                        from_status=hazard.status, to_status=target, note=note)
    hazard.status = target
    hazard.closed_at = now if target in workflow.DONE_STATES else None
    if action == Action.REJECT and (dup := values.get("duplicate_of")):
        hazard.duplicate_of_id = get_for(user, dup).id  # a duplicate of a hazard they can see
    db.session.add(event)
    try:
        db.session.flush()  # the UPDATE checks the version: a concurrent change fails here
        for photo in stored:
            photo.hazard_id, photo.event_id, photo.phase = hazard.id, event.id, "after"
        if hazard.level == Level.MAJOR and action == Action.CONFIRM:
            _on_major_confirmed(hazard, user, now)
        if hazard.level == Level.MAJOR and action == Action.VERIFY:
            _on_major_written_off(hazard, user, now)
        _notify_transition(hazard, action, user, note)
    except (StaleDataError, IntegrityError):  # IntegrityError: the same photos, sent twice at once
        _conflict()
    commit(hazard)
    return hazard


def _others(users: list[User], user: User) -> list[User]:
    """Whoever acted needs no message about it."""
    return [u for u in users if u.id != user.id]


def _notify_transition(hazard: Hazard, action: Action, user: User, note: str) -> None:
    name = hazard.site.name
    major = hazard.level == Level.MAJOR
    if action == Action.CONFIRM:
        notify(_others(site_staff(hazard.site_id), user), kind="confirmed",
               message=MAJOR_CONFIRMED if major else CONFIRMED, link=_link(hazard),
               params={"site": name, "d": hazard.deadline.isoformat(),
                       "who": hazard.responsible_name})
    elif action == Action.SUBMIT:
        if workflow.own_loop(hazard.level, hazard.source):
            # The enterprise's own loop: another of its safety leads verifies; with none, the
            # grid's inspectors (who may always step in).
            leads = _others(safety_leads(hazard.site_id), user)
            notify(leads or inspectors_of(hazard.site), kind="submitted", link=_link(hazard),
                   message=TO_VERIFY, params={"site": name, "what": hazard.description[:80],
                                              "who": user.name})
        else:
            notify(inspectors_of(hazard.site) + (supervisors() if major else []), kind="submitted",
                   message=ZONE_TO_VERIFY, params={"site": name}, link=_link(hazard))
    elif action in (Action.VERIFY, Action.RETURN):
        if action == Action.VERIFY and major:
            message, params = WRITTEN_OFF, {"site": name, "doc": hazard.closing_doc_no}
        else:
            message = CLOSED if action == Action.VERIFY else SENT_BACK
            params = {"site": name}
        notify(_others(site_staff(hazard.site_id), user), kind=str(action), message=message,
               params=params, link=_link(hazard))
    _tell_reporter(hazard, action, note)


def _tell_reporter(hazard: Hazard, action: Action, note: str) -> None:
    """The worker who reported the hazard hears when it is confirmed (or not), and closed."""
    if hazard.source != Source.WORKER or hazard.found_by is None:
        return
    what = hazard.description[:80]
    message, params = {
        Action.CONFIRM: (REPORT_CONFIRMED, {"what": what}),
        Action.REJECT: (REPORT_REJECTED, {"what": what, "why": note[:200]}),
        Action.VERIFY: (REPORT_CLOSED, {"what": what}),
        Action.FIX_ON_SPOT: (REPORT_CLOSED, {"what": what}),
    }.get(action, (None, None))
    if message:
        notify([hazard.found_by], kind=f"report_{message.split('.')[-1]}", message=message,
               params=params, link=path_for("shifts.my_reports"),
               dedupe_key=f"report-{hazard.id}-{message}")


def record_event(hazard: Hazard, user: User | None, now: datetime, action: str, note: str = "") -> None:
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id if user else None, at=now,
                               action=action, from_status=hazard.status, to_status=hazard.status,
                               note=note))


def text_site(hazard: Hazard, kind: str, build) -> None:
    """Tell the principal and the actual controller by SMS (plan item 13), once per news."""
    sms.tell_site(hazard.site, kind=kind, build=build, hazard_id=hazard.id,
                  dedupe_key=f"hazard-{hazard.id}-{kind}")


def _on_major_confirmed(hazard: Hazard, user: User, now: datetime) -> None:
    """A confirmed major: 督办 proposed (when so configured), the people without accounts told."""
    if current_app.config["MAJOR_SUPERVISION_PROPOSE"] == "confirmation" and not hazard.supervisions:
        propose_supervision(hazard, now, _("Major hazard confirmed"))
    site, deadline = hazard.site.name, hazard.deadline.isoformat()
    text_site(hazard, "confirmed", lambda: _(
        "[%(site)s] A major hazard was confirmed: %(what)s. Fix it by %(d)s.",
        site=site, what=hazard.description[:60], d=deadline))


def propose_supervision(hazard: Hazard, now: datetime, why: str) -> None:
    db.session.add(Supervision(hazard_id=hazard.id, status="proposed", proposed_at=now,
                               due_date=hazard.deadline, note=why))
    record_event(hazard, None, now, "supervision_proposed", why)
    notify(supervisors(), kind="proposed", link=_link(hazard), message=PROPOSED,
           params={"site": hazard.site.name}, dedupe_key=f"hazard-{hazard.id}-propose")


def _on_major_written_off(hazard: Hazard, user: User, now: datetime) -> None:
    """核销 lifts the stop-work and ends any 督办, each with an event; the people are told."""
    hazard.reviewed_at = now
    if stop_work_active(hazard):
        hazard.stop_work_lifted_at = now
        record_event(hazard, user, now, "stop_work_lifted", hazard.closing_doc_no)
    for sup in hazard.supervisions:
        if sup.status in ("active", "proposed"):
            sup.status = "lifted" if sup.status == "active" else "declined"
            sup.closed_at = now
            record_event(hazard, user, now, f"supervision_{sup.status}",
                   _("Written off (核销) %(doc)s", doc=hazard.closing_doc_no))
    site, doc = hazard.site.name, hazard.closing_doc_no
    text_site(hazard, "written_off", lambda: _(
        "[%(site)s] The major hazard \"%(what)s\" was written off (核销), document %(doc)s.",
        site=site, what=hazard.description[:60], doc=doc))



def commit(hazard: Hazard) -> None:
    """The user's action in one transaction; a Conflict (409) when someone else changed the
    hazard meanwhile (its version column) or sent the same thing at once."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        _conflict()


def _conflict() -> None:
    db.session.rollback()
    raise _stale() from None


def _stale() -> Conflict:
    return Conflict(_("Someone else changed this hazard a moment ago. Here is its current state."))
