"""Which checklist fits a site and a user's role."""

from sqlalchemy import select

from ..access import is_inspector
from ..auth.models import User
from ..extensions import db
from ..roles import Role
from ..sites.models import Site
from ..sites.types import FEATURES
from .item_rows import items_for
from .models import ChecklistTemplate

# Per role, the kinds of checklist offered, in order of preference.
# The 标准化运行提升指南 (standardization_guide) is the enterprise's own yearly run of its
# standardization, which a supervisor may also review on site; grid inspectors do not ask it.
KINDS_FOR_ROLE = {
    Role.INSPECTOR: ("grid_guideline", "enterprise_checklist"),
    Role.SUPERVISOR: ("enterprise_checklist", "grid_guideline", "standardization_guide"),
    Role.ADMIN: ("enterprise_checklist", "grid_guideline", "standardization_guide"),
    Role.ENTERPRISE: ("enterprise_checklist", "standardization_guide"),
}
# Enterprise lists whose major items a grid inspector also asks, beside the guideline, at the
# sites they cover (audit E10): the special-feature lists (any list for a site feature), and
# these industry and fire lists, whose majors no grid guideline repeats.
PATROL_MAJOR_LISTS = frozenset({"ent-mech", "ent-gm-industry", "ent-fire-general"})


def current_templates() -> list[ChecklistTemplate]:
    return list(db.session.scalars(_CURRENT))


_CURRENT = (select(ChecklistTemplate).where(ChecklistTemplate.is_current.is_(True))
            .order_by(ChecklistTemplate.kind, ChecklistTemplate.slug))  # built once


def templates_for(site: Site, user: User) -> list[ChecklistTemplate]:
    """Current templates that cover this site, for this role. A grid inspector gets the
    guideline written for grid inspectors when one covers the site's type, plus the guidelines
    and enterprise lists of the site's special features (粉尘涉爆, 涉氨制冷, 有限空间, 特种设备…)
    and PATROL_MAJOR_LISTS, whose major items a patrol asks (Inspection.items); with no
    guideline for the type, the enterprise lists (and any feature guideline)."""
    kinds = KINDS_FOR_ROLE.get(user.role, ())
    codes = site.checklist_codes
    fitting = [t for t in current_templates() if t.kind in kinds and t.applies_codes & codes
               and items_for(t, codes)]
    features = set(site.feature_codes) & set(FEATURES)
    # Only a guideline for the site's type replaces the enterprise lists; one for a feature
    # (the confined-space guideline) is added beside them.
    if is_inspector(user) and any(
            t.kind == "grid_guideline" and t.applies_codes & (codes - features) for t in fitting):
        fitting = [t for t in fitting if t.kind == "grid_guideline"
                   or ((t.applies_codes & features or t.slug in PATROL_MAJOR_LISTS)
                       and any(i.is_major for i in items_for(t, codes)))]
    # The lists for the site's type first, then those its features add.
    return sorted(fitting, key=lambda t: (not t.applies_codes & (codes - features),
                                          kinds.index(t.kind), t.slug))
