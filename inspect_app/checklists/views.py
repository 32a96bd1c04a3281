from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..access import FIELD_ROLES, STAFF_ROLES, allow
from ..extensions import db
from ..web import page
from . import bp
from .labels import regime_label, verify_label
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
    return page("checklists/detail.html", checklist=template, versions=versions,
                staff=current_user.role in STAFF_ROLES, regime_label=regime_label,
                verify_label=verify_label,
                unconfirmed=sum(i.verify == "U" for i in template.items))
