from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import labels
from ..access import FIELD_ROLES, STAFF_ROLES, allow
from ..extensions import db
from ..web import page, redirect_to
from . import bp, combination
from .models import ChecklistTemplate
from .service import current_templates


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    staff = current_user.role in STAFF_ROLES
    return page("checklists/index.html", templates=current_templates(), staff=staff,
                pending=len(combination.pending()) if staff else 0)


@bp.get("/<int:template_id>")
@allow(*FIELD_ROLES)
def detail(template_id: int):
    template = db.session.get(ChecklistTemplate, template_id) or abort(404)
    versions = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == template.slug).order_by(ChecklistTemplate.id.desc())).all()
    return page("checklists/detail.html", checklist=template, versions=versions,
                staff=current_user.role in STAFF_ROLES,
                unconfirmed=sum(i.verify == "U" for i in template.items))


@bp.get("/proposals")
@allow(*STAFF_ROLES)
def proposals():
    return page("checklists/proposals.html", pending=combination.pending(),
                decided=combination.recent(), statuses=labels.FIRE_PROPOSAL_STATUS)


@bp.post("/proposals/<int:proposal_id>")
@allow(*STAFF_ROLES)
def decide(proposal_id: int):
    accept = request.form.get("decision") == "accept"
    proposal = combination.decide(proposal_id, current_user, accept, request.form.get("note"))
    flash(_("Decision recorded: %(status)s.", status=labels.label("fire_proposal", proposal.status)),
          "success")
    if proposal.hazard_id:
        return redirect_to(url_for("hazards.detail", hazard_id=proposal.hazard_id))
    return redirect_to(url_for(".proposals"))
