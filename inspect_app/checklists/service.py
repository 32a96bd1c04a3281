"""Which checklist fits a site and a user's role."""

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..roles import Role
from ..sites.models import Site
from ..sites.types import applicable_codes
from .models import ChecklistTemplate

# Per role, the kinds of checklist offered, in order of preference.
KINDS_FOR_ROLE = {
    Role.INSPECTOR: ("grid_guideline", "enterprise_checklist"),
    Role.SUPERVISOR: ("enterprise_checklist", "grid_guideline"),
    Role.ADMIN: ("enterprise_checklist", "grid_guideline"),
    Role.ENTERPRISE: ("enterprise_checklist",),
}


def current_templates() -> list[ChecklistTemplate]:
    return list(db.session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.is_current.is_(True))
        .order_by(ChecklistTemplate.kind, ChecklistTemplate.slug)))


def templates_for(site: Site, user: User) -> list[ChecklistTemplate]:
    """Current templates that cover this site, for this role; a grid inspector gets the
    guideline written for grid inspectors when one covers the site, else the enterprise list."""
    kinds = KINDS_FOR_ROLE.get(user.role, ())
    codes = applicable_codes(site.site_type, site.feature_codes)
    fitting = [t for t in current_templates() if t.kind in kinds and t.applies_codes & codes]
    if user.role == Role.INSPECTOR and any(t.kind == "grid_guideline" for t in fitting):
        fitting = [t for t in fitting if t.kind == "grid_guideline"]
    return sorted(fitting, key=lambda t: (kinds.index(t.kind), t.slug))
