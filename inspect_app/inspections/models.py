"""Inspections (grid patrols, supervisory checks, self-checks) and their answers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..checklists.item_rows import items_for
from ..checklists.models import group_sections
from ..extensions import db
from ..timeutil import utcnow


class InspectionKind(StrEnum):
    PATROL = "patrol"  # 网格员巡查
    SUPERVISORY = "supervisory"  # 监管检查
    SELF_CHECK = "self_check"  # 企业自查


class Result(StrEnum):
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格
    NA = "na"  # 不涉及


def asks_majors_only(kind: str, template_kind: str) -> bool:
    """A grid patrol on an enterprise list (the site's feature lists, added to the grid
    guideline) asks only its major items."""
    return kind == InspectionKind.PATROL and template_kind == "enterprise_checklist"


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_submitted_at_id", "submitted_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_scan: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Self-checks: who led it, and whether the principal (主要负责人) took part.
    led_by: Mapped[str] = mapped_column(String(64), default="")
    principal_present: Mapped[bool] = mapped_column(default=False)

    site = relationship("Site")
    template = relationship("ChecklistTemplate")
    inspector = relationship("User")
    answers = relationship("Answer", back_populates="inspection", cascade="all, delete-orphan")
    hazards = relationship("Hazard", back_populates="inspection", order_by="Hazard.id")

    @property
    def items(self):
        """The checklist's items that apply to this site (see asks_majors_only)."""
        return items_for(self.template, self.site.checklist_codes,
                         asks_majors_only(self.kind, self.template.kind))

    @property
    def sections(self):
        return group_sections(self.items)


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_answers_inspection_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    result: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    inspection = relationship("Inspection", back_populates="answers")
    item = relationship("ChecklistItem")
    photos = relationship("Photo", back_populates="answer", order_by="Photo.id")
