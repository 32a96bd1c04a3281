"""Hazards (隐患) and their append-only event history."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Hazard(db.Model):
    __tablename__ = "hazards"
    # One hazard per failed item per inspection: a repeated submit cannot duplicate findings.
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_hazards_inspection_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    description: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(8), index=True)  # general | major
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[date] = mapped_column(index=True)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent actions

    __mapper_args__ = {"version_id_col": version}

    site = relationship("Site")
    inspection = relationship("Inspection", back_populates="hazards")
    item = relationship("ChecklistItem")
    found_by = relationship("User")
    photos = relationship("Photo", back_populates="hazard", order_by="Photo.id")
    events = relationship("HazardEvent", back_populates="hazard", order_by="HazardEvent.id")


class HazardEvent(db.Model):
    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    hazard = relationship("Hazard", back_populates="events")
    actor = relationship("User")
