from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import forms as f
from .. import labels
from ..access import FIELD_ROLES, ZONE_STAFF, allow, is_zone_staff
from ..errors import UserError
from ..extensions import db
from ..hazards.models import HazardEvent
from ..web import page, redirect_to
from . import bp, combination, review
from .models import ChecklistTemplate
from .service import current_templates


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    staff = is_zone_staff(current_user)
    return page("checklists/index.html", templates=current_templates(), staff=staff,
                pending=len(combination.pending()) if staff else 0)


@bp.get("/<int:template_id>")
@allow(*FIELD_ROLES)
def detail(template_id: int):
    template = db.session.get(ChecklistTemplate, template_id) or abort(404)
    versions = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == template.slug).order_by(ChecklistTemplate.id.desc())).all()
    return page("checklists/detail.html", checklist=template, versions=versions,
                staff=is_zone_staff(current_user),
                unconfirmed=sum(i.verify == "U" for i in template.items))


@bp.get("/proposals")
@allow(*ZONE_STAFF)
def proposals():
    return page("checklists/proposals.html", pending=combination.pending(),
                decided=combination.recent(), statuses=labels.FIRE_PROPOSAL_STATUS)


# The note is kept on the proposal and, when accepted, as the new hazard's first event note.
# The two buttons send one of these; anything else is refused, not taken as a decline.
DECISION = {"decision": f.Choice(("accept", "decline"), required=True, label=_l("Decided")),
            "note": f.Text(column=HazardEvent.note, label=_l("Reason for the decision"))}


@bp.post("/proposals/<int:proposal_id>")
@allow(*ZONE_STAFF)
def decide(proposal_id: int):
    v = f.parse(request.form, DECISION)
    proposal = combination.decide(proposal_id, current_user, v.decision == "accept", v.note)
    flash(_("Decision recorded: %(status)s.", status=labels.label("fire_proposal", proposal.status)),
          "success")
    if proposal.hazard_id:
        return redirect_to(url_for("hazards.detail", hazard_id=proposal.hazard_id))
    return redirect_to(url_for(".proposals"))


@bp.get("/<int:template_id>/download.xlsx")
@allow(*ZONE_STAFF)
def download(template_id: int):
    return review.download(db.session.get(ChecklistTemplate, template_id) or abort(404))


def _current(template_id: int) -> ChecklistTemplate:
    """Uploads make a new version of the slug's current one."""
    template = db.session.get(ChecklistTemplate, template_id) or abort(404)
    if not template.is_current:
        raise UserError(_("Upload against the current version of this checklist."), 409)
    return template


@bp.route("/<int:template_id>/upload", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def upload(template_id: int):
    """GET the form; POST a file: its per-row errors (nothing loaded), or the diff to confirm."""
    template = _current(template_id)
    if request.method == "GET":
        return page("checklists/upload.html", checklist=template, result=None)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise UserError(_("Choose the .xlsx file to upload."))
    result = review.check(template, file.read(review.MAX_BYTES + 1))
    return page("checklists/upload.html", "result", 422 if result.errors else 200,
                checklist=template, result=result)


@bp.post("/<int:template_id>/upload/confirm")
@allow(*ZONE_STAFF)
def confirm_upload(template_id: int):
    template = _current(template_id)
    loaded = review.load(template, request.form.get("content", ""), request.form.get("digest", ""))
    if loaded.created:
        flash(_("Loaded as version %(v)s. Inspections already started keep their version.",
                v=loaded.version), "success")
    else:
        flash(_("The file matches version %(v)s: nothing new was loaded.", v=loaded.version),
              "success")
    new = db.session.scalar(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == loaded.slug, ChecklistTemplate.version == loaded.version))
    return redirect_to(url_for(".detail", template_id=new.id))
