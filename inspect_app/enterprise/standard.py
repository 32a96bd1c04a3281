"""Standardization (安全生产标准化): self-assessments, the grades awarded, model posts."""

from collections.abc import Mapping
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..auth.recipients import staff_of, supervisors
from ..checklists.models import ChecklistTemplate
from ..checklists.service import current_templates
from ..errors import Invalid, UserError
from ..extensions import db
from ..notifications.messages import register
from ..notifications.service import notify
from ..sites.models import Site
from ..sites.types import applicable_codes
from ..timeutil import utcnow
from ..web import path_for
from . import scoring
from .models import ModelPost, StandardAssessment, StandardGrade, StandardScore
from .scope import enterprise_site, must_manage, own_record, own_site

GRADE_LABELS = {"level1": _l("Grade 1"), "level2": _l("Grade 2"), "level3": _l("Grade 3"),
                "compliant": _l("Compliant (not graded)")}
# Rendered in each reader's language when read (notifications/messages.py).
GRADE_RECORDED = register("standard.grade", _l("Standardization grade recorded: %(grade)s"),
                          words={"grade": lambda code: GRADE_LABELS.get(code, code)})
POST_PROPOSED = register("standard.post_proposed", _l("Model post proposed by %(site)s: %(post)s"))
POST_RECOGNISED = register("standard.post_recognised", _l("Model post recognised: %(post)s"))



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
        raise Invalid({"template": _("Those rules do not apply to this enterprise.")})
    draft = draft_assessment(site)
    if draft is not None and draft.template_id == template.id:
        return draft
    assessment = StandardAssessment(site_id=site.id, template_id=template.id, assessor_id=user.id)
    db.session.add(assessment)
    db.session.commit()
    return assessment


def get_assessment(user: User, assessment_id: int) -> StandardAssessment:
    return own_record(user, StandardAssessment, assessment_id)


def save_scores(user: User, assessment_id: int, scores: Mapping[int, int | str | None],
                notes: Mapping[int, str], note: str | None = None) -> StandardAssessment:
    """Save the scores sent by item id: points, "na", or None for not yet scored."""
    assessment = get_assessment(user, assessment_id)
    must_manage(user, assessment.site_id)
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
    must_manage(user, assessment.site_id)
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
           message=GRADE_RECORDED, params={"grade": grade})
    db.session.commit()
    return record


def grades(site: Site) -> list[StandardGrade]:
    return list(db.session.scalars(select(StandardGrade).where(StandardGrade.site_id == site.id)
                                   .order_by(StandardGrade.granted_on.desc())))



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
           message=POST_PROPOSED, params={"site": site.name, "post": name},
           dedupe_key=f"model-post:{post.id}")
    db.session.commit()
    return post


def recognise_post(user: User, post_id: int) -> ModelPost:
    post = own_record(user, ModelPost, post_id)
    if post.recognised_at is None:
        post.recognised_at, post.recognised_by_id = utcnow(), user.id
        notify(staff_of(post.site_id), kind="model_post", link=path_for("enterprise.posts"),
               message=POST_RECOGNISED, params={"post": post.name})
        db.session.commit()
    return post
