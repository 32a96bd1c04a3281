"""Checklist templates (the four specifications) and their items, versioned."""

from datetime import datetime
from functools import lru_cache

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

KINDS = ("enterprise_checklist", "standardization_guide", "compliance_rules", "grid_guideline")
SECTIONS = ("基础管理", "设备设施", "作业现场", "作业行为")
MAJOR_FLAGS = ("Y", "C", "N")
VERIFY_STATUSES = ("V", "P", "U")  # seen in a source / partly / not confirmed (needs checking)
REGIMES = ("accident", "fire")  # 重大事故隐患 / 重大火灾隐患


class ChecklistTemplate(db.Model):
    """One version of one checklist. Versions are never edited: a changed file makes a new one."""

    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("slug", "version", name="uq_checklist_templates_slug_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))
    title_en: Mapped[str] = mapped_column(String(128), default="")
    applies_to: Mapped[str] = mapped_column(String(128))  # comma-separated site-type codes
    pass_mark: Mapped[int | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True, index=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    items = relationship("ChecklistItem", back_populates="template",
                         order_by="ChecklistItem.position")

    @property
    def sections(self) -> list[tuple[str, list["ChecklistItem"]]]:
        return group_sections(self.items)

    @property
    def applies_codes(self) -> frozenset[str]:
        return codes_applied(self.applies_to)


def codes_applied(applies_to: str) -> frozenset[str]:
    """The site codes a template's `applies_to` names (comma-separated)."""
    return frozenset(applies_to.split(","))


@lru_cache(maxsize=4096)
def _parse_applies(applies: str) -> tuple[frozenset[str], frozenset[str]]:
    """An item's `applies` as (codes wanted, codes excluded), parsed once per distinct text:
    a checklist page asks it of every item of the template, several times a request."""
    codes = [c for c in applies.split(",") if c]
    return (frozenset(c for c in codes if not c.startswith("-")),
            frozenset(c[1:] for c in codes if c.startswith("-")))


def items_applying(items, site_codes: set[str], majors_only: bool = False) -> list:
    """The items of `items` that apply to a site with these codes (item_rows.items_for)."""
    return [i for i in items if i.applies_to_site(site_codes) and (not majors_only or i.is_major)]


def group_sections(items) -> list[tuple[str, list["ChecklistItem"]]]:
    """Items grouped by section in checklist order (Jinja's groupby would sort them)."""
    groups: dict[str, list[ChecklistItem]] = {}
    for item in items:
        groups.setdefault(item.section, []).append(item)
    return list(groups.items())


class ItemRules:
    """What an item means, asked of a loaded ChecklistItem and of its frozen row alike
    (checklists/item_rows.py)."""

    __slots__ = ()

    @property
    def is_major(self) -> bool:
        return self.major == "Y"

    @property
    def applies_codes(self) -> list[str]:
        return [c for c in self.applies.split(",") if c]

    def applies_to_site(self, site_codes: set[str]) -> bool:
        """Whether the item applies to a site with these codes (Site.checklist_codes)."""
        wanted, excluded = _parse_applies(self.applies)
        return not (excluded & site_codes) and (not wanted or bool(wanted & site_codes))

    @property
    def citation(self) -> str:
        """The judgement standard and clause a hazard made from this item carries."""
        return f"{self.judgement} {self.clause}".strip() if self.judgement else ""


class ChecklistItem(ItemRules, db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("template_id", "code", name="uq_checklist_items_template_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    section: Mapped[str] = mapped_column(String(16))
    requirement: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    major: Mapped[str] = mapped_column(String(1))  # Y: failing it is a 重大事故隐患; C: conditional
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int | None]
    # The primary basis as data: its key in standards.toml, edition and clause.
    std: Mapped[str] = mapped_column(String(40), default="")
    edition: Mapped[str] = mapped_column(String(40), default="")
    clause: Mapped[str] = mapped_column(String(64), default="")
    # For Y and C items: the regime of the judgement standard (REGIMES) and its full name.
    regime: Mapped[str] = mapped_column(String(8), default="")
    judgement: Mapped[str] = mapped_column(String(200), default="")
    # Codes of the sites the item applies to (comma-separated; "-X" excludes sites with X);
    # empty: every site the template applies to.
    applies: Mapped[str] = mapped_column(String(128), default="")
    element: Mapped[str] = mapped_column(String(32), default="")  # C: GB 35181 综合判定要素
    verify: Mapped[str] = mapped_column(String(1), default="V")
    verify_note: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[bool] = mapped_column(default=False)  # basis cited for reference only

    template = relationship("ChecklistTemplate", back_populates="items")


class FireProposal(db.Model):
    """GB 35181's combination rule met in one inspection: proposed to a supervisor, who
    decides whether it is one 重大火灾隐患 (accepted: the hazard it became)."""

    __tablename__ = "fire_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    place_kind: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[int]
    elements: Mapped[str] = mapped_column(Text)  # one "code requirement" line per element
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))

    inspection = relationship("Inspection")
    site = relationship("Site")
    decided_by = relationship("User")
    hazard = relationship("Hazard")

    @property
    def element_lines(self) -> list[str]:
        return [line for line in self.elements.splitlines() if line]
