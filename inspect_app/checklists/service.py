"""Which checklist fits a site and a user's role."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..access import is_inspector
from ..auth.models import User
from ..extensions import db, read
from ..roles import Role
from ..sites.models import Site
from ..sites.types import FEATURES
from .item_rows import items_for
from .models import ChecklistTemplate, codes_applied

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


@dataclass(frozen=True, slots=True)
class TemplateRow:
    """A current version as the site page shows it, as plain columns (no ORM object)."""

    id: int
    slug: str
    kind: str
    version: str
    title: str
    content_hash: str
    loaded_at: datetime
    applies_codes: frozenset[str]


_CURRENT_ROWS = (select(ChecklistTemplate.id, ChecklistTemplate.slug, ChecklistTemplate.kind,
                        ChecklistTemplate.version, ChecklistTemplate.title,
                        ChecklistTemplate.content_hash, ChecklistTemplate.loaded_at,
                        ChecklistTemplate.applies_to)
                 .where(ChecklistTemplate.is_current.is_(True))
                 .order_by(ChecklistTemplate.kind, ChecklistTemplate.slug))
# The rows as read -> their TemplateRows. A version is never edited and the key is every
# column read, so a publish (another version current) is simply another key: read anew.
_rows_kept: dict[tuple, tuple[TemplateRow, ...]] = {}


def current_rows() -> tuple[TemplateRow, ...]:
    """current_templates as TemplateRows: loading ~30 ChecklistTemplate objects cost more than
    the page's other reads together."""
    rows = tuple(read(_CURRENT_ROWS))
    kept = _rows_kept.get(rows)
    if kept is None:
        kept = tuple(TemplateRow(*r[:-1], codes_applied(r.applies_to)) for r in rows)
        if len(_rows_kept) >= 16:
            _rows_kept.clear()  # a process that saw many publishes: start afresh
        _rows_kept[rows] = kept
    return kept


def templates_for(site: Site, user: User) -> list[ChecklistTemplate]:
    """The current templates (objects) that cover this site, for this role: fitting()."""
    return fitting(current_templates(), site, user)


def offered(site, user: User) -> list[TemplateRow]:
    """templates_for as TemplateRows (the site page's Start buttons)."""
    return fitting(current_rows(), site, user)


def fitting(templates, site, user: User) -> list:
    """Of the current `templates`, those that cover this site, for this role. A grid inspector
    gets the guideline written for grid inspectors when one covers the site's type, plus the
    guidelines and enterprise lists of the site's special features (粉尘涉爆, 涉氨制冷,
    有限空间, 特种设备…) and PATROL_MAJOR_LISTS, whose major items a patrol asks
    (Inspection.items); with no guideline for the type, the enterprise lists (and any feature
    guideline)."""
    kinds = KINDS_FOR_ROLE.get(user.role, ())
    codes = site.checklist_codes
    fit = [t for t in templates if t.kind in kinds and t.applies_codes & codes
               and items_for(t, codes)]
    features = set(site.feature_codes) & set(FEATURES)
    # Only a guideline for the site's type replaces the enterprise lists; one for a feature
    # (the confined-space guideline) is added beside them.
    if is_inspector(user) and any(
            t.kind == "grid_guideline" and t.applies_codes & (codes - features) for t in fit):
        fit = [t for t in fit if t.kind == "grid_guideline"
                   or ((t.applies_codes & features or t.slug in PATROL_MAJOR_LISTS)
                       and any(i.is_major for i in items_for(t, codes)))]
    # The lists for the site's type first, then those its features add.
    return sorted(fit, key=lambda t: (not t.applies_codes & (codes - features),
                                          kinds.index(t.kind), t.slug))
