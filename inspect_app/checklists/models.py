"""Checklist templates (the four specifications) and their items, versioned."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

KINDS = ("enterprise_checklist", "standardization_guide", "compliance_rules", "grid_guideline")
SECTIONS = ("基础管理", "设备设施", "作业现场", "作业行为")
MAJOR_FLAGS = ("Y", "C", "N")


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
        """Items grouped by section in checklist order (Jinja's groupby would sort them)."""
        groups: dict[str, list[ChecklistItem]] = {}
        for item in self.items:
            groups.setdefault(item.section, []).append(item)
        return list(groups.items())

    @property
    def applies_codes(self) -> set[str]:
        return set(self.applies_to.split(","))


class ChecklistItem(db.Model):
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

    template = relationship("ChecklistTemplate", back_populates="items")

    @property
    def is_major(self) -> bool:
        return self.major == "Y"
