"""Teams with their posts and members, shift meetings, check-ins and workers' hazard reports."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..sites.models import new_qr_token
from ..timeutil import utcnow


class Team(db.Model):
    """A 班组 of one enterprise, with its own QR code for opening the shift meeting."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_teams_site_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    shifts: Mapped[str] = mapped_column(String(200))  # shift names, one per line (data)
    workdays: Mapped[str] = mapped_column(String(7), default="123456")  # ISO weekdays worked
    late_minutes: Mapped[int] = mapped_column(default=10)
    qr_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_qr_token)
    qr_issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site = relationship("Site")
    leader = relationship("User", foreign_keys=[leader_id])
    posts = relationship("Post", back_populates="team", order_by="Post.name")
    members = relationship("TeamMember", back_populates="team", order_by="TeamMember.id")

    @property
    def shift_names(self) -> list[str]:
        return [s for s in (line.strip() for line in self.shifts.splitlines()) if s]

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name}>"


class Post(db.Model):
    """A post (岗位) of a team with its risk colour and risk card (风险告知卡)."""

    __tablename__ = "team_posts"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_team_posts_team_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    risk_color: Mapped[str] = mapped_column(String(8), default="blue")
    risks: Mapped[str] = mapped_column(Text, default="")  # 主要风险
    measures: Mapped[str] = mapped_column(Text, default="")  # 防范措施
    emergency: Mapped[str] = mapped_column(Text, default="")  # 应急处置
    active: Mapped[bool] = mapped_column(default=True)

    team = relationship("Team", back_populates="posts")


class TeamMember(db.Model):
    """A worker in a team; a worker belongs to one team at a time (unique user)."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("team_posts.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team = relationship("Team", back_populates="members")
    user = relationship("User")
    post = relationship("Post")


class Meeting(db.Model):
    """One pre-shift meeting: one per team, day and shift (opening twice finds the first)."""

    __tablename__ = "shift_meetings"
    __table_args__ = (UniqueConstraint("team_id", "day", "shift",
                                       name="uq_shift_meetings_team_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)  # the zone's calendar date when it opened
    shift: Mapped[str] = mapped_column(String(40))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    late_minutes: Mapped[int] = mapped_column(default=10)  # the team's setting when it opened
    roster: Mapped[int] = mapped_column(default=0)  # members expected (fixed when it closes)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))

    team = relationship("Team")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    photo = relationship("Photo")
    checkins = relationship("CheckIn", back_populates="meeting", order_by="CheckIn.at")


class CheckIn(db.Model):
    """A worker's minute: the five thinks confirmed, fitness, and work or stop (不干)."""

    __tablename__ = "shift_checkins"
    # One check-in per worker per meeting, even when a double tap races two requests.
    __table_args__ = (UniqueConstraint("meeting_id", "user_id",
                                       name="uq_shift_checkins_meeting_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("shift_meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("team_posts.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    confirmed: Mapped[str] = mapped_column(String(64), default="")  # five-think codes
    fit: Mapped[bool] = mapped_column(default=True)
    decision: Mapped[str] = mapped_column(String(8))  # work | stop
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(8), default="own")  # own | shared (leader's phone)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]  # a stop stays open until resolved
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")

    meeting = relationship("Meeting", back_populates="checkins")
    user = relationship("User", foreign_keys=[user_id])
    post = relationship("Post")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])

    @property
    def confirmed_codes(self) -> list[str]:
        return [c for c in self.confirmed.split(",") if c]

    @property
    def is_open_stop(self) -> bool:
        return self.decision == "stop" and self.resolved_at is None


class WorkerReport(db.Model):
    """A hazard a worker reported from their team page, and the reward it earned (E3)."""

    __tablename__ = "worker_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Made when the form is shown: the same form sent twice is one report.
    submit_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reward_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # yuan
    reward_note: Mapped[str] = mapped_column(Text, default="")
    rewarded_at: Mapped[datetime | None]
    rewarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    hazard = relationship("Hazard")
    team = relationship("Team")
    reporter = relationship("User", foreign_keys=[reporter_id])
    rewarded_by = relationship("User", foreign_keys=[rewarded_by_id])
