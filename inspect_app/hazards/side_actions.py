"""A hazard's side-actions: extensions (延期), supervision (督办 / 挂牌督办) and referral to
enforcement (执法)."""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from .. import forms
from ..auth.models import User
from ..auth.recipients import site_staff, supervisors
from ..errors import Conflict, UserError
from ..extensions import db
from ..notifications.service import notify
from ..timeutil import local_today, utcnow
from . import workflow
from .closeout import record_stop_work
from .lifecycle import check, commit, facts_of, record_event, text_site
from .messages import EXTENSION_APPROVED, EXTENSION_ASKED, EXTENSION_REFUSED, SUPERVISED
from .models import Extension, HazardEvent, Referral, Supervision
from .service import _link, get_for
from .workflow import Action, Level

# Extensions (延期) --------------------------------------------------------------------------


def request_extension(user: User, hazard_id: int, values, now: datetime | None = None) -> Extension:
    """Ask for a later deadline (hazards/forms.EXTENSION's values)."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    today = local_today(now)
    check(Action.REQUEST_EXTENSION, user, facts_of(hazard, today))
    reason, new_deadline = values["reason"], values["new_deadline"]
    cfg = current_app.config
    approved = [(e.new_deadline - e.old_deadline).days for e in hazard.extensions
                if e.status == "approved"]
    broken = workflow.extension_refusal(hazard.deadline, new_deadline, today, approved,
                                        cfg["EXTENSION_MAX_COUNT"], cfg["EXTENSION_MAX_DAYS"])
    messages = {
        "late": _("The deadline has passed: an extension must be asked for before it."),
        "not_later": _("The new deadline must be later than the current one."),
        "count": _("This hazard already had %(n)s extensions, the most allowed.",
                   n=cfg["EXTENSION_MAX_COUNT"]),
        "length": _("Extensions may add at most %(n)s days in total.", n=cfg["EXTENSION_MAX_DAYS"]),
    }
    if broken:
        raise (Conflict(messages[broken]) if broken in ("late", "count")
               else forms.Invalid({"new_deadline": messages[broken]}))

    ext = Extension(hazard_id=hazard.id, requested_by_id=user.id, requested_at=now, reason=reason,
                    old_deadline=hazard.deadline, new_deadline=new_deadline)
    db.session.add(ext)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now,
                               action="extension_requested", from_status=hazard.status,
                               to_status=hazard.status,
                               note=f"{hazard.deadline.isoformat()} → {new_deadline.isoformat()}: {reason}"))
    notify(supervisors(), kind="extension", link=_link(hazard), message=EXTENSION_ASKED,
           params={"site": hazard.site.name})
    db.session.commit()
    return ext


def decide_extension(user: User, extension_id: int, approve: bool, note: str = "",
                     now: datetime | None = None) -> Extension:
    now = now or utcnow()
    ext = db.session.get(Extension, extension_id)
    if ext is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    hazard = get_for(user, ext.hazard_id)
    check(Action.APPROVE_EXTENSION if approve else Action.REFUSE_EXTENSION, user,
           facts_of(hazard), ext.id)
    if not (note or "").strip():  # the decision is recorded with who decided and why
        raise forms.Invalid({"note": _("Please give a reason.")})
    ext.status = "approved" if approve else "refused"
    ext.decided_by_id, ext.decided_at, ext.decision_note = user.id, now, note.strip()
    if approve:
        hazard.deadline = ext.new_deadline
        # The 督办 due date follows the approved extension.
        for sup in hazard.supervisions:
            if sup.status in ("active", "proposed") and (sup.due_date is None
                                                         or sup.due_date < ext.new_deadline):
                sup.due_date = ext.new_deadline
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now,
                               action=f"extension_{ext.status}", from_status=hazard.status,
                               to_status=hazard.status, note=note.strip()))
    notify([ext.requested_by], kind="extension", link=_link(hazard),
           message=EXTENSION_APPROVED if approve else EXTENSION_REFUSED,
           params={"d": ext.new_deadline.isoformat()} if approve else None)
    db.session.commit()
    return ext


# Supervision (督办 / 挂牌督办) ---------------------------------------------------------------


def open_supervision(user: User, hazard_id: int, values, now: datetime | None = None) -> Supervision:
    """Put a hazard under supervision, or accept a proposal the sweep made
    (hazards/forms.SUPERVISION's values)."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    check(Action.SUPERVISE, user, facts_of(hazard))
    if values["due_date"] < local_today(now):
        raise forms.Invalid({"due_date": _("%(field)s cannot be in the past.", field=_("Due date"))})
    proposal = next((s for s in hazard.supervisions if s.status == "proposed"), None)
    sup = proposal or Supervision(hazard_id=hazard.id, proposed_at=now)
    sup.status, sup.level = "active", values.get("level") or "zone"
    sup.office, sup.doc_no = values["office"], values.get("doc_no", "")
    sup.due_date, sup.note = values["due_date"], values.get("note", "")
    sup.opened_by_id, sup.opened_at = user.id, now
    db.session.add(sup)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="supervise",
                               from_status=hazard.status, to_status=hazard.status,
                               note=f"{sup.office} {sup.doc_no}".strip()))
    notify(site_staff(hazard.site_id), kind="supervision", link=_link(hazard),
           message=SUPERVISED, params={"site": hazard.site.name})
    if hazard.level == Level.MAJOR:
        site, office, due = hazard.site.name, sup.office, sup.due_date.isoformat()
        text_site(hazard, "supervision", lambda: _(
            "[%(site)s] The major hazard is under supervision (督办) by %(office)s, due %(d)s.",
            site=site, office=office, d=due))
    db.session.commit()
    return sup


def close_supervision(user: User, supervision_id: int, status: str,
                      now: datetime | None = None) -> Supervision:
    """Lift an active supervision, or decline a proposal."""
    sup = db.session.get(Supervision, supervision_id)
    if sup is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    hazard = get_for(user, sup.hazard_id)
    actions = {"lifted": Action.LIFT_SUPERVISION, "declined": Action.DECLINE_SUPERVISION}
    if status not in actions:
        raise Conflict(_("This supervision was already changed."))
    check(actions[status], user, facts_of(hazard), sup.id)
    now = now or utcnow()
    sup.status, sup.closed_at = status, now
    record_event(hazard, user, now, f"supervision_{status}", f"{sup.office} {sup.doc_no}".strip())
    db.session.commit()
    return sup


# Enforcement (执法) ----------------------------------------------------------------------------


def refer(user: User, hazard_id: int, values, now: datetime | None = None) -> Referral:
    """Hand a hazard to an enforcement department (hazards/forms.REFERRAL's values)."""
    now = now or utcnow()
    hazard = get_for(user, hazard_id)
    facts = facts_of(hazard, local_today(now))
    check(Action.REFER, user, facts)
    measure, stop = values["measure"], values.get("stop_work") or ""
    if stop or measure in workflow.STOPPING_MEASURES:
        check(Action.STOP_WORK, user, facts)  # the same rule as a stop-work recorded directly
        if not stop:
            raise forms.Invalid({"stop_work": _("This measure stops work: choose how.")})
        if not values.get("stop_work_doc"):
            raise forms.Invalid({"stop_work_doc": _("Please fill in: %(field)s",
                                                    field=_("Stop-work document number"))})
    ref = Referral(hazard_id=hazard.id, site_id=hazard.site_id, measure=measure,
                   department=values["department"], reason=values.get("reason", ""),
                   referred_by_id=user.id, referred_at=now, stops_work=bool(stop))
    db.session.add(ref)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, at=now, action="refer",
                               from_status=hazard.status, to_status=hazard.status,
                               note=f"{ref.department}: {measure}"))
    if stop:
        record_stop_work(hazard, user, now, stop, values["stop_work_doc"], ref.department)
    commit(hazard)
    return ref


def update_referral(user: User, referral_id: int, values, now: datetime | None = None) -> Referral:
    """Record the case number (filed) or the outcome (closed) of a referral
    (hazards/forms.REFERRAL_UPDATE's values)."""
    ref = db.session.get(Referral, referral_id)
    if ref is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    status = values["status"]
    actions = {"filed": Action.FILE_REFERRAL, "closed": Action.CLOSE_REFERRAL}
    check(actions[status], user, facts_of(get_for(user, ref.hazard_id)), ref.id)
    needed = "case_no" if status == "filed" else "outcome"
    if not values.get(needed):
        label = _("Case number") if status == "filed" else _("Outcome")
        raise forms.Invalid({needed: _("Please fill in: %(field)s", field=label)})
    now = now or utcnow()
    if status == "filed":
        ref.case_no = values["case_no"]
        note = f"{ref.department}: {ref.case_no}"
    else:
        ref.outcome, ref.penalty_amount = values["outcome"], values.get("penalty_amount")
        ref.case_no = values.get("case_no") or ref.case_no
        ref.closed_at = now
        note = " · ".join(filter(None, (ref.department, ref.case_no, ref.outcome)))
        if ref.penalty_amount is not None:
            note += " · ¥" + f"{ref.penalty_amount:,.2f}".removesuffix(".00")
    ref.status = status
    # 立案 and 结案 stand in the hazard's history like every other step.
    hazard = ref.hazard
    db.session.add(HazardEvent(hazard_id=ref.hazard_id, actor_id=user.id, at=now,
                               action=f"case_{status}", from_status=hazard.status,
                               to_status=hazard.status, note=note))
    db.session.commit()
    return ref
