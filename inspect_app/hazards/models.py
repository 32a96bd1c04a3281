"""Hazards (隐患), their append-only events, supervision (督办), extensions and enforcement."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import local_today, utcnow
from .workflow import OPEN_STATES


def _found_on_default(context) -> date:
    """Unless told, a hazard was found the day its record was made."""
    return local_today(context.get_current_parameters().get("created_at") or utcnow())


# Open hazards, as the queue's partial index is defined (workflow.OPEN_STATES), in this order.
OPEN_ORDER = ("reported", "confirmed", "rectifying", "submitted")
OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_ORDER) + ")"
assert set(OPEN_ORDER) == OPEN_STATES
# The major-hazard database's rows (a major, or reported as one, not rejected), as its partial
# index is defined: found_on order walked over majors only, not over every hazard (3 % majors).
MAJOR_LISTED_SQL = "(level = 'major' OR reported_level = 'major') AND status <> 'rejected'"


class Hazard(db.Model):
    __tablename__ = "hazards"
    # One hazard per failed item per inspection: a repeated submit cannot duplicate findings.
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id", name="uq_hazards_inspection_item"),
        # The lists' order (newest first, paged by key) and the queue's (open hazards only).
        Index("ix_hazards_found_on_id", "found_on", "id"),
        Index("ix_hazards_open_queue", "level", "deadline", "id",
              postgresql_where=text(OPEN_SQL), sqlite_where=text(OPEN_SQL)),
        Index("ix_hazards_major_found_on_id", "found_on", "id",
              postgresql_where=text(MAJOR_LISTED_SQL), sqlite_where=text(MAJOR_LISTED_SQL)),
        # ...and by site, for that list filtered by area, grid or industry: an area's majors,
        # not every hazard of its sites.
        Index("ix_hazards_major_site", "site_id",
              postgresql_where=text(MAJOR_LISTED_SQL), sqlite_where=text(MAJOR_LISTED_SQL)),
        # The work queue (home/queue.py): one enterprise's or one grid's hazards in a state;
        # a section's members by their facts, counted on the index alone (site: who runs it).
        Index("ix_hazards_site_status", "site_id", "status"),
        # An inspector's or an enterprise's queue (hazards/service._scoped_page): their sites'
        # open hazards with what ranks them, read from the index alone, not each from the table.
        Index("ix_hazards_site_open", "site_id", "level", "deadline", "id",
              postgresql_where=text(OPEN_SQL), sqlite_where=text(OPEN_SQL)),
        Index("ix_hazards_status_level_source_site", "status", "level", "source", "site_id"),
        # What a user has just reported (hazards/service.just_found): their own few, where by
        # status or date alone it read a city's every open or recent hazard.
        Index("ix_hazards_found_by_created", "found_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")  # where on the site
    level: Mapped[str] = mapped_column(String(8), index=True)  # general | major
    # Carried over from a major checklist item: 重大事故隐患 (accident) or 重大火灾隐患 (fire),
    # and the judgement standard with its clause.
    regime: Mapped[str] = mapped_column(String(8), default="")
    judgement: Mapped[str] = mapped_column(String(240), default="")
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[date] = mapped_column(index=True)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The day it was found (in the zone), which every figure counts by; `created_at` is only
    # when the record was keyed in (an imported 2023 hazard is created today, found in 2023).
    found_on: Mapped[date] = mapped_column(default=_found_on_default, index=True)
    closed_at: Mapped[datetime | None]
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    # The authority that decides a major hazard (regimes.py: 应急管理, 住建, 消防救援);
    # empty for a general hazard.
    authority: Mapped[str] = mapped_column(String(12), default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_imports.id"), index=True)
    closing_doc_no: Mapped[str] = mapped_column(String(60), default="")  # 核销/销号 document

    # Confirmation: who answers for fixing it (责任人) and the "five fixes" (五定) of the plan.
    responsible_name: Mapped[str] = mapped_column(String(64), default="")
    responsible_phone: Mapped[str] = mapped_column(String(20), default="")
    measures: Mapped[str] = mapped_column(Text, default="")  # 整改措施
    funds: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 整改资金 (yuan)
    interim_measures: Mapped[str] = mapped_column(Text, default="")  # 临时安全措施

    # A major hazard's written report (16号令 第十四条) and remediation plan (第十五条).
    report_state_cause: Mapped[str] = mapped_column(Text, default="")  # 现状及产生原因
    report_harm_difficulty: Mapped[str] = mapped_column(Text, default="")  # 危害程度和整改难易程度
    plan_goal: Mapped[str] = mapped_column(Text, default="")  # 目标和任务
    plan_resources: Mapped[str] = mapped_column(Text, default="")  # 经费和物资
    plan_organisation: Mapped[str] = mapped_column(Text, default="")  # 负责机构和人员
    plan_timeline: Mapped[str] = mapped_column(Text, default="")  # 时限和要求
    plan_emergency: Mapped[str] = mapped_column(Text, default="")  # 安全措施和应急预案

    # The supervisor's decision at confirmation (五落实: 责任 = responsible_*, 时限 = deadline,
    # and these), kept apart from the enterprise's own report above, which it never overwrites.
    decision_measures: Mapped[str] = mapped_column(Text, default="")  # 措施
    decision_funds: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 资金
    decision_plan: Mapped[str] = mapped_column(Text, default="")  # 预案 / interim measures
    # The level as reported, and why the supervisor changed it at confirmation (either way).
    reported_level: Mapped[str] = mapped_column(String(8), default="")
    level_reason: Mapped[str] = mapped_column(Text, default="")
    level_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # 16号令 第16条: work stopped while it is fixed (workflow.STOP_WORK), with the document;
    # lifted at 核销.
    stop_work: Mapped[str] = mapped_column(String(16), default="")
    stop_work_doc: Mapped[str] = mapped_column(String(60), default="")
    stop_work_at: Mapped[datetime | None]
    stop_work_lifted_at: Mapped[datetime | None]
    # 16号令 第18条: the unit's assessment of the remediation (its experts or a qualified
    # 安全评价机构; photos of the report, phase "assess") and its written 复产申请.
    assessment_by: Mapped[str] = mapped_column(String(100), default="")
    assessment_qualified: Mapped[bool | None]
    assessment_at: Mapped[datetime | None]
    resume_application: Mapped[str] = mapped_column(Text, default="")
    resume_applied_at: Mapped[datetime | None]
    # The authority's on-site review before 核销 (closing_doc_no holds the 核销 document).
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None]

    # Rectification as submitted by the enterprise.
    rectified_note: Mapped[str] = mapped_column(Text, default="")
    rectification_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent actions

    __mapper_args__ = {"version_id_col": version}

    site = relationship("Site")
    inspection = relationship("Inspection", back_populates="hazards")
    item = relationship("ChecklistItem")
    found_by = relationship("User", foreign_keys=[found_by_id])
    level_decided_by = relationship("User", foreign_keys=[level_decided_by_id])
    photos = relationship("Photo", back_populates="hazard", order_by="Photo.id")
    events = relationship("HazardEvent", back_populates="hazard", order_by="HazardEvent.id")
    supervisions = relationship("Supervision", back_populates="hazard", order_by="Supervision.id")
    extensions = relationship("Extension", back_populates="hazard", order_by="Extension.id")
    referrals = relationship("Referral", back_populates="hazard", order_by="Referral.id")
    documents = relationship("HazardDocument", back_populates="hazard",
                             order_by="HazardDocument.id")
    imported_from = relationship("HazardImport")


def open_clause() -> ColumnElement[bool]:
    """workflow.is_open as SQL: the hazard is still being dealt with. Written out as the
    partial index's own WHERE (literals, same order): SQLite uses a partial index only for a
    query whose WHERE has that very term, and bound parameters never match it."""
    return Hazard.status.in_([literal_column(f"'{s}'") for s in OPEN_ORDER])


def major_listed_clause() -> ColumnElement[bool]:
    """The major-hazard database's rows, written as its partial index's WHERE (literals, as
    open_clause: bound parameters never match a partial index's terms)."""
    major = literal_column("'major'")
    return and_(or_(Hazard.level == major, Hazard.reported_level == major),
                Hazard.status != literal_column("'rejected'"))


def regime_clause(regime: str) -> ColumnElement[bool]:
    """Major hazards of one regime (regimes.Regime): 重大事故隐患 or 重大火灾隐患."""
    return and_(Hazard.level == "major", Hazard.regime == regime)


def stop_work_clause() -> ColumnElement[bool]:
    """lifecycle.stop_work_active as SQL: work stopped for the hazard and not yet lifted."""
    return and_(Hazard.stop_work != "", Hazard.stop_work_lifted_at.is_(None))


def overdue_clause(today: date) -> ColumnElement[bool]:
    """workflow.is_overdue as SQL: still open and its deadline has passed."""
    return and_(open_clause(), Hazard.deadline < today)


class HazardEvent(db.Model):
    """Append-only: one row per transition or decision, never updated."""

    __tablename__ = "hazard_events"
    # A page of the rectification list reads each hazard's latest submit and verify from it;
    # the work queue, the hazards a verifier submitted themselves (home/queue.py).
    __table_args__ = (Index("ix_hazard_events_hazard_action_id", "hazard_id", "action", "id"),
                      Index("ix_hazard_events_actor_action", "actor_id", "action", "hazard_id"))

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
    photos = relationship("Photo", back_populates="event", order_by="Photo.id")


class Supervision(db.Model):
    """督办 / 挂牌督办 of one hazard: proposed by the sweep or opened by a supervisor."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="proposed")  # proposed|active|lifted|declined
    level: Mapped[str] = mapped_column(String(12), default="")  # zone | county | city | province
    office: Mapped[str] = mapped_column(String(100), default="")
    doc_no: Mapped[str] = mapped_column(String(60), default="")
    due_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    hazard = relationship("Hazard", back_populates="supervisions")
    opened_by = relationship("User")


class Extension(db.Model):
    """A request to move a deadline (延期), approved or refused by a supervisor."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    old_deadline: Mapped[date]
    new_deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|approved|refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    hazard = relationship("Hazard", back_populates="extensions")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Referral(db.Model):
    """A referral to a department with penalty power (执法), tracked to its outcome."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_referred_at_id", "referred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    department: Mapped[str] = mapped_column(String(100))
    measure: Mapped[str] = mapped_column(String(24))  # see workflow.ENFORCEMENT_MEASURES
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="referred")  # referred|filed|closed
    case_no: Mapped[str] = mapped_column(String(60), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    penalty_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # This measure stopped work: the hazard's stop-work (kind, document, lifted at 核销) is the
    # one record of it, whoever ordered it.
    stops_work: Mapped[bool] = mapped_column(default=False)
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    hazard = relationship("Hazard", back_populates="referrals")
    site = relationship("Site")
    referred_by = relationship("User")


class HazardImport(db.Model):
    """One spreadsheet of historic hazards (the stock), imported whole: the hazards it created
    point back here, so a figure can always say where its rows came from."""

    __tablename__ = "hazard_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the same file twice is refused
    rows: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    imported_by = relationship("User")


class HazardDocument(db.Model):
    """A file filed for a major hazard's close-out (16号令 第18条): the assessment report or the
    written 复产申请, kept byte for byte as uploaded (it is evidence), PDF, JPEG or PNG
    (hazards/documents.py checks the type by the content and bounds the size)."""

    __tablename__ = "hazard_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_events.id"))
    kind: Mapped[str] = mapped_column(String(16))  # assessment | resume (documents.KINDS)
    file_name: Mapped[str] = mapped_column(String(120))  # as uploaded, for the download
    media_type: Mapped[str] = mapped_column(String(32))  # from the content, never the client
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Loaded only when downloaded: listing a hazard's documents never reads their bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    hazard = relationship("Hazard", back_populates="documents")
    uploaded_by = relationship("User")
