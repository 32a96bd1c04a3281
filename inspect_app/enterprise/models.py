"""An enterprise's own safety work: self-check duties, standardization assessments and grades,
model posts, drills, training and the signed hazard statistics."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class SelfCheck(db.Model):
    """Which duty (schedule.Duty) a self-check inspection was run for. The inspection itself
    (answers, photos, led_by, principal_present) lives in inspections."""

    __tablename__ = "self_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"),
                                               unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    duty: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inspection = relationship("Inspection")


class StandardAssessment(db.Model):
    """One standardization self-assessment (达标细则 自评) against one version of the rules."""

    __tablename__ = "standard_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # Fixed on submit, so later changes to the pass mark do not rewrite history.
    points: Mapped[int | None]
    possible: Mapped[int | None]
    score: Mapped[float | None]
    pass_mark: Mapped[float | None]
    passed: Mapped[bool | None]
    note: Mapped[str] = mapped_column(Text, default="")

    site = relationship("Site")
    template = relationship("ChecklistTemplate")
    assessor = relationship("User")
    scores = relationship("StandardScore", back_populates="assessment",
                          cascade="all, delete-orphan")


class StandardScore(db.Model):
    __tablename__ = "standard_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id",
                                       name="uq_standard_scores_assessment_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("standard_assessments.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    points: Mapped[int | None]  # None: not applicable
    note: Mapped[str] = mapped_column(Text, default="")

    assessment = relationship("StandardAssessment", back_populates="scores")
    item = relationship("ChecklistItem")


class StandardGrade(db.Model):
    """A grade awarded after review (评审定级, or 不定级达标), recorded by a supervisor."""

    __tablename__ = "standard_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    grade: Mapped[str] = mapped_column(String(16))  # level1 | level2 | level3 | compliant
    granted_on: Mapped[date]
    expires_on: Mapped[date | None]
    document_no: Mapped[str] = mapped_column(String(60), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    site = relationship("Site")
    recorded_by = relationship("User")


class ModelPost(db.Model):
    """A model post (示范岗位): proposed by the enterprise, recognised by a supervisor."""

    __tablename__ = "model_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    holder: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    recognised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recognised_at: Mapped[datetime | None] = mapped_column(index=True)

    site = relationship("Site")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    recognised_by = relationship("User", foreign_keys=[recognised_by_id])


drill_photos = Table(
    "drill_photos",
    db.metadata,
    Column("drill_id", ForeignKey("drills.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True),
)


class Drill(db.Model):
    """An emergency drill (演练), planned and then done."""

    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # schedule.DRILL_KINDS
    title: Mapped[str] = mapped_column(String(120))
    planned_on: Mapped[date | None]
    done_on: Mapped[date | None] = mapped_column(index=True)
    participants: Mapped[int | None]
    lessons: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site = relationship("Site")
    photos = relationship("Photo", secondary=drill_photos, order_by="Photo.id")


class Training(db.Model):
    """A training session (培训) with its attendees."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), default="refresher")  # initial | refresher
    held_on: Mapped[date] = mapped_column(index=True)
    hours: Mapped[float]
    trainer: Mapped[str] = mapped_column(String(64), default="")
    other_attendees: Mapped[str] = mapped_column(Text, default="")  # people without an account
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendance = relationship("TrainingAttendance", back_populates="training",
                              cascade="all, delete-orphan")


class TrainingAttendance(db.Model):
    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("training_id", "user_id",
                                       name="uq_training_attendance_training_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    hours: Mapped[float]

    training = relationship("Training", back_populates="attendance")
    user = relationship("User")


class StatisticsConfirmation(db.Model):
    """The quarterly or yearly hazard statistics (16号令 第14条) as the principal signed them."""

    __tablename__ = "statistics_confirmations"
    __table_args__ = (UniqueConstraint("site_id", "year", "quarter",
                                       name="uq_statistics_confirmations_site_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    year: Mapped[int]
    quarter: Mapped[int]  # 1–4, or 0 for the whole year
    figures: Mapped[dict] = mapped_column(JSON)  # the table as signed
    signed_name: Mapped[str] = mapped_column(String(64))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 16号令 asks for a statistical *analysis*, sent (报送) to the authority: the principal's
    # analysis signed with the table, and the record of its submission.
    analysis: Mapped[str] = mapped_column(Text, default="")
    submitted_to: Mapped[str] = mapped_column(String(100), default="")
    submitted_on: Mapped[date | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    site = relationship("Site")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
