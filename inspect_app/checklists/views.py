from flask import abort
from sqlalchemy import select

from ..access import FIELD_ROLES, allow
from ..extensions import db
from ..web import page
from . import bp
from .models import ChecklistTemplate
from .service import current_templates


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    return page("checklists/index.html", templates=current_templates())


@bp.get("/<int:template_id>")
@allow(*FIELD_ROLES)
def detail(template_id: int):
    template = db.session.get(ChecklistTemplate, template_id) or abort(404)
    versions = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == template.slug).order_by(ChecklistTemplate.id.desc())).all()
    return page("checklists/detail.html", checklist=template, versions=versions)
