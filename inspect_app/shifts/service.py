"""Teams, shift meetings, check-ins, stops and compliance. Every write commits here.

Who may do what is asked of rules.py; the queries here are scoped so that what a user may
not see answers 404.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..admin.rules import Invalid
from ..auth.models import User
from ..auth.service import attempt, pin_matches
from ..extensions import db
from ..hazards.service import staff_of
from ..notifications.service import notify
from ..photos import service as photos
from ..roles import Role
from ..sites.models import Site, new_qr_token
from ..sites.types import RISK_COLORS
from ..timeutil import local_today, to_local, utcnow
from ..web import UserError
from . import rules
from .models import CheckIn, Meeting, Post, Team, TeamMember
from .rules import Decision

MESSAGES = {
    "fit_missing": _l("Say whether you are fit to work today."),
    "decision_missing": _l("Choose: work or stop."),
    "must_stop": _l("Not every point is confirmed, or you are not fit: do not work. "
                    "Press “Stop” instead."),
    "reason_missing": _l("Say why you stop."),
    "pin_format": _l("A PIN has 4 to 6 digits."),
    "pin_simple": _l("This PIN is too easy to guess (like 1111 or 1234): choose another."),
}


def message(code: str) -> str:
    return str(MESSAGES.get(code, code))


def _invalid(codes: dict[str, str]) -> Invalid:
    return Invalid({key: message(code) for key, code in codes.items()})


# Finding teams, scoped -------------------------------------------------------------------------

def membership(user: User) -> TeamMember | None:
    return db.session.scalar(select(TeamMember).where(TeamMember.user_id == user.id))


def member_team_id(user: User) -> int | None:
    if user.role != Role.WORKER:
        return None
    return db.session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user.id))


def get_team_for(user: User, team_id: int) -> Team:
    """The team, or 404 when it does not exist or `user` may not see it."""
    team = db.session.get(Team, team_id)
    if team is None or not rules.can_see_team(user, team, member_team_id(user)):
        abort(404)
    return team


def get_managed_team(user: User, team_id: int) -> Team:
    """A team `user` manages (its enterprise's staff); 404 otherwise."""
    team = db.session.get(Team, team_id)
    if team is None or not rules.can_manage_team(user, team):
        abort(404)
    return team


def team_by_token(token: str) -> Team | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Team).where(Team.qr_token == token, Team.active.is_(True)))


def teams_for(user: User) -> list[Team]:
    """The teams `user` works with: an enterprise's all, a worker's own (and the one they lead)."""
    query = select(Team).options(selectinload(Team.leader)).order_by(Team.active.desc(), Team.name)
    if user.role == Role.ENTERPRISE:
        query = query.where(Team.site_id == user.site_id)
    elif user.role == Role.WORKER:
        query = query.where(Team.active.is_(True),
                            (Team.id == (member_team_id(user) or -1)) | (Team.leader_id == user.id))
    elif not rules.is_zone_staff(user):
        return []
    return list(db.session.scalars(query))


def site_people(site_id: int, roles=(Role.WORKER,)) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.site_id == site_id, User.role.in_(list(roles)), User.active.is_(True))
        .order_by(User.name)))


def members_of(team: Team) -> list[TeamMember]:
    """Active workers of the team, by name."""
    return list(db.session.scalars(
        select(TeamMember).join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team.id, User.active.is_(True))
        .options(selectinload(TeamMember.user), selectinload(TeamMember.post))
        .order_by(User.name)))


# Setting teams up (enterprise staff) --------------------------------------------------------

def team_form(team: Team | None) -> dict:
    if team is None:
        return {"shifts": _("Day shift"), "workdays": list("123456"),
                "late_minutes": str(rules.DEFAULT_LATE_MINUTES), "leader_id": ""}
    return {"name": team.name, "leader_id": str(team.leader_id or ""), "shifts": team.shifts,
            "workdays": list(team.workdays), "late_minutes": str(team.late_minutes)}


def save_team(actor: User, values: Mapping, team_id: int | None = None) -> Team:
    """Create or change a team of the actor's enterprise from the typed values of the team form
    (shifts/views.TEAM); raises Invalid with every error."""
    team = get_managed_team(actor, team_id) if team_id else None
    if not rules.can_manage_people(actor):
        abort(403)
    site_id = actor.site_id
    errors = {}
    name = values.get("name") or ""
    if not name:
        errors["name"] = _("Enter the name.")
    elif db.session.scalar(select(Team.id).where(Team.site_id == site_id, Team.name == name,
                                                 Team.id != (team_id or 0))):
        errors["name"] = _("This name is already used.")
    shifts = rules.parse_shifts(values.get("shifts") or "")
    if not shifts:
        errors["shifts"] = _("Name at least one shift.")
    workdays = rules.parse_workdays(values.get("workdays") or [])
    if not workdays:
        errors["workdays"] = _("Tick at least one working day.")
    late = values.get("late_minutes")
    late = rules.DEFAULT_LATE_MINUTES if late is None else late
    leader = None
    if values.get("leader_id"):
        leader = db.session.get(User, values["leader_id"])
        if leader is None or leader.site_id != site_id or not leader.active \
                or leader.role not in (Role.WORKER, Role.ENTERPRISE):
            errors["leader_id"] = _("Choose a leader from this enterprise's people.")
        elif leader.role == Role.WORKER and (other := db.session.scalar(select(Team).where(
                Team.leader_id == leader.id, Team.id != (team_id or 0)))):
            errors["leader_id"] = _("%(name)s already leads the team %(team)s.",
                                    name=leader.name, team=other.name)
    if errors:
        raise Invalid(errors)
    if team is None:
        team = Team(site_id=site_id)
        db.session.add(team)
    team.name, team.shifts, team.workdays, team.late_minutes = name, "\n".join(shifts), \
        workdays, late
    team.leader_id = leader.id if leader else None
    db.session.flush()
    if leader is not None and leader.role == Role.WORKER:
        _place(team, leader, keep_post=True)  # a worker who leads the team is in it
    db.session.commit()
    return team


def _place(team: Team, worker: User, post_id: int | None = None, keep_post: bool = False) -> None:
    """Put a worker in `team` (moving them out of any other team)."""
    member = membership(worker)
    if member is None:
        member = TeamMember(user_id=worker.id, team_id=team.id)
        db.session.add(member)
    elif member.team_id != team.id:
        member.team_id, member.post_id = team.id, None
    if not keep_post:
        member.post_id = post_id


def post_form(post: Post | None) -> dict:
    if post is None:
        return {"risk_color": "blue"}
    return {k: getattr(post, k) for k in ("name", "risk_color", "risks", "measures", "emergency")}


def save_post(actor: User, team: Team, values: Mapping, post_id: int | None = None) -> Post:
    """Create or change a post and its risk card (typed values of shifts/views.POST)."""
    if not rules.can_manage_team(actor, team):
        abort(404)
    post = db.session.get(Post, post_id) if post_id else None
    if post_id and (post is None or post.team_id != team.id):
        abort(404)
    values = {k: values.get(k) or "" for k in ("name", "risk_color", "risks", "measures",
                                                "emergency")}
    errors = {}
    if not values["name"]:
        errors["name"] = _("Enter the name.")
    elif db.session.scalar(select(Post.id).where(Post.team_id == team.id,
                                                 Post.name == values["name"],
                                                 Post.id != (post_id or 0))):
        errors["name"] = _("This name is already used.")
    if values["risk_color"] not in RISK_COLORS:
        errors["risk_color"] = _("Choose a risk colour from the list.")
    if errors:
        raise Invalid(errors)
    post = post or Post(team_id=team.id)
    for key, value in values.items():
        setattr(post, key, value)
    db.session.add(post)
    db.session.commit()
    return post


def set_member(actor: User, team: Team, user_id: int | None, post_id: int | None) -> TeamMember:
    """Add a worker of the enterprise to the team (or change their post)."""
    if not rules.can_manage_team(actor, team):
        abort(404)
    worker = db.session.get(User, user_id or 0)
    if worker is None or worker.site_id != team.site_id or worker.role != Role.WORKER:
        raise Invalid({"user_id": _("Choose a worker of this enterprise.")})
    if post_id and not db.session.scalar(select(Post.id).where(Post.id == post_id,
                                                               Post.team_id == team.id)):
        raise Invalid({"post_id": _("Choose one of this team's posts.")})
    current = membership(worker)
    if current and current.team_id != team.id and current.team.leader_id == worker.id:
        raise Invalid({"user_id": _("%(name)s leads the team %(team)s: choose another leader "
                                    "there first.", name=worker.name, team=current.team.name)})
    _place(team, worker, post_id or None)
    db.session.commit()
    return membership(worker)


def remove_member(actor: User, team: Team, user_id: int) -> None:
    if not rules.can_manage_team(actor, team):
        abort(404)
    member = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                        TeamMember.user_id == user_id))
    if member is None:
        return  # already gone: a second tap changes nothing
    if team.leader_id == user_id:
        raise UserError(_("This worker leads the team: choose another leader first."))
    db.session.delete(member)
    db.session.commit()


def reissue_qr(actor: User, team: Team) -> None:
    """A new token for the team's code: posters printed before stop working."""
    if not rules.can_manage_team(actor, team):
        abort(404)
    team.qr_token, team.qr_issued_at = new_qr_token(), utcnow()
    db.session.commit()


def set_team_active(actor: User, team: Team, active: bool) -> None:
    if not rules.can_manage_team(actor, team):
        abort(404)
    team.active = active
    db.session.commit()


# Meetings -----------------------------------------------------------------------------------

def get_meeting_for(user: User, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not rules.can_see_team(user, meeting.team, member_team_id(user)):
        abort(404)
    return meeting


def todays_meetings(team: Team, now: datetime | None = None) -> list[Meeting]:
    day = local_today(now)
    return list(db.session.scalars(select(Meeting).where(Meeting.team_id == team.id,
                                                         Meeting.day == day)
                                   .order_by(Meeting.opened_at)))


def open_meeting(actor: User, team: Team, shift: str, now: datetime | None = None) -> Meeting:
    """Open today's meeting for a shift; opening it again (a second tap) finds the first."""
    if not rules.can_lead(actor, team):
        abort(404)
    if shift not in team.shift_names:
        raise UserError(_("Choose one of the team's shifts."))
    now = now or utcnow()
    day = local_today(now)
    found = select(Meeting).where(Meeting.team_id == team.id, Meeting.day == day,
                                  Meeting.shift == shift)
    if (meeting := db.session.scalar(found)) is not None:
        return meeting
    meeting = Meeting(team_id=team.id, day=day, shift=shift, opened_by_id=actor.id, opened_at=now,
                      late_minutes=team.late_minutes, roster=len(members_of(team)))
    db.session.add(meeting)
    try:
        db.session.commit()
    except IntegrityError:  # the same tap twice, racing
        db.session.rollback()
        return db.session.scalar(found)
    return meeting


@dataclass
class Board:
    """The leader's view of one meeting."""

    meeting: Meeting
    checkins: list[CheckIn]
    missing: list[TeamMember]
    members: list[TeamMember]

    @property
    def stops(self) -> list[CheckIn]:
        return [c for c in self.checkins if c.decision == Decision.STOP]

    @property
    def checked_ids(self) -> set[int]:
        return {c.user_id for c in self.checkins}


def board(meeting: Meeting) -> Board:
    checkins = list(db.session.scalars(select(CheckIn).where(CheckIn.meeting_id == meeting.id)
                                       .options(selectinload(CheckIn.user),
                                                selectinload(CheckIn.post))
                                       .order_by(CheckIn.at)))
    members = members_of(meeting.team)
    done = {c.user_id for c in checkins}
    return Board(meeting, checkins, [m for m in members if m.user_id not in done], members)


def checkin_of(meeting: Meeting, user: User) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == meeting.id,
                                                   CheckIn.user_id == user.id))


def _member_of_team(meeting: Meeting, user_id: int) -> TeamMember:
    member = db.session.scalar(select(TeamMember).where(TeamMember.team_id == meeting.team_id,
                                                        TeamMember.user_id == user_id))
    if member is None or not member.user.active:
        abort(404)
    return member


def get_member(meeting: Meeting, user_id: int) -> TeamMember:
    return _member_of_team(meeting, user_id)


def check_in(meeting: Meeting, worker: User, raw: dict, now: datetime | None = None) -> CheckIn:
    """A worker checks in from their own phone."""
    if not rules.can_check_in(worker, meeting.team, member_team_id(worker)):
        abort(404)
    if (done := checkin_of(meeting, worker)) is not None:
        return done
    answer = _answer(meeting, raw)
    return _record(meeting, _member_of_team(meeting, worker.id), answer, worker, "own", now)


def check_in_shared(meeting: Meeting, leader: User, worker_id: int, raw: dict,
                    now: datetime | None = None) -> CheckIn:
    """A worker checks in on the leader's phone with their PIN; wrong PINs count toward the
    worker's lock for this phone's address (auth.lockout)."""
    if not rules.can_lead(leader, meeting.team):
        abort(404)
    member = _member_of_team(meeting, worker_id)
    worker = member.user
    if (done := checkin_of(meeting, worker)) is not None:
        return done
    answer = _answer(meeting, raw)
    if not worker.pin_hash:
        raise Invalid({"pin": _("%(name)s has no PIN yet: ask the enterprise's staff to set one.",
                                name=worker.name)})
    pin = raw.get("pin") or ""
    result = attempt(worker, worker.phone or "", lambda u: pin_matches(u, pin), "")
    if result.user is None:
        if result.locked:
            raise Invalid({"pin": result.error})
        raise Invalid({"pin": _("Wrong PIN. %(n)s tries left before it locks.", n=result.tries_left)})
    return _record(meeting, member, answer, leader, "shared", now)


def _answer(meeting: Meeting, raw: dict) -> rules.Answer:
    if meeting.closed_at is not None:
        raise UserError(_("This meeting is closed."), 409)
    answer = rules.check_answer(raw.get("confirmed") or [], raw.get("fit") or "",
                                raw.get("decision") or "", raw.get("reason") or "")
    if answer.errors:
        raise _invalid(answer.errors)
    return answer


def _record(meeting: Meeting, member: TeamMember, answer: rules.Answer, recorded_by: User,
            via: str, now: datetime | None) -> CheckIn:
    now = now or utcnow()
    checkin = CheckIn(meeting_id=meeting.id, user_id=member.user_id, post_id=member.post_id,
                      at=now, late=rules.is_late(meeting.opened_at, now, meeting.late_minutes),
                      confirmed=",".join(answer.confirmed), fit=answer.fit,
                      decision=answer.decision, stop_reason=answer.stop_reason, via=via,
                      recorded_by_id=recorded_by.id)
    db.session.add(checkin)
    try:
        db.session.flush()
    except IntegrityError:  # a double tap that raced the first: keep the first
        db.session.rollback()
        return checkin_of(meeting, member.user)
    if checkin.decision == Decision.STOP:
        _alert_stop(meeting, checkin, member.user)
    db.session.commit()
    return checkin


def _alert_stop(meeting: Meeting, checkin: CheckIn, worker: User) -> None:
    team = meeting.team
    notify([team.leader, *staff_of(team.site_id)], kind="shift_stop",
           title=_("Stop raised: %(name)s, %(team)s", name=worker.name, team=team.name),
           body="; ".join(stop_reasons(checkin)),
           link=url_for("shifts.meeting", meeting_id=meeting.id),
           dedupe_key=f"shift-stop-{checkin.id}")


# What the worker confirms (五想), and the words for a point not confirmed (五不干).
THINKS = {
    "risk": _l("I know the risks of my task today"),
    "measures": _l("The safety measures are in place"),
    "tools": _l("I have the tools and protective gear I need"),
    "environment": _l("The place where I work is safe"),
    "skills": _l("I have the skills and permits for this task"),
}
THINK_SHORT = {
    "risk": _l("risk not clear"), "measures": _l("measures incomplete"),
    "tools": _l("tools missing"), "environment": _l("environment unsafe"),
    "skills": _l("skills lacking"),
}


def stop_reasons(checkin: CheckIn) -> list[str]:
    """Why a worker stopped, in words: the points not confirmed, unfitness, their own words."""
    reasons = [str(THINK_SHORT[c]) for c in rules.FIVE_THINKS if c not in checkin.confirmed_codes]
    if not checkin.fit:
        reasons.append(_("not fit to work"))
    if checkin.stop_reason:
        reasons.append(checkin.stop_reason)
    return reasons


def resolve_stop(actor: User, checkin_id: int, resolution: str,
                 now: datetime | None = None) -> CheckIn:
    """Record how a stop was resolved; it then leaves the open list (a second time: no change)."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or not rules.can_see_team(actor, checkin.meeting.team,
                                                 member_team_id(actor)):
        abort(404)
    if not rules.can_lead(actor, checkin.meeting.team):
        abort(403)
    if checkin.decision != Decision.STOP or checkin.resolved_at is not None:
        return checkin
    resolution = (resolution or "").strip()
    if not resolution:
        raise Invalid({"resolution": _("Say how the stop was resolved.")})
    checkin.resolution, checkin.resolved_at = resolution[:2000], now or utcnow()
    checkin.resolved_by_id = actor.id
    notify([checkin.user], kind="shift_stop_resolved",
           title=_("Your stop was resolved: %(text)s", text=resolution[:80]),
           link=url_for("home.index"), dedupe_key=f"shift-stop-resolved-{checkin.id}")
    db.session.commit()
    return checkin


def close_meeting(actor: User, meeting: Meeting, note: str, photo_file=None,
                  upload_key: str | None = None, now: datetime | None = None) -> Meeting:
    """Close with a note and an optional photo; the roster is fixed then (closing twice: once)."""
    if not rules.can_lead(actor, meeting.team):
        abort(403)
    if meeting.closed_at is not None:
        return meeting
    if photo_file is not None and photo_file.filename:
        meeting.photo = photos.store(photo_file, uploader=actor, site_id=meeting.team.site_id,
                                     upload_key=upload_key)
    done = {c.user_id for c in meeting.checkins}
    meeting.roster = len(done | {m.user_id for m in members_of(meeting.team)})
    meeting.note, meeting.closed_at, meeting.closed_by_id = (note or "").strip()[:4000], \
        now or utcnow(), actor.id
    try:
        db.session.commit()
    except IntegrityError:  # closed twice at once with the same photo: the first close stands
        db.session.rollback()
    return meeting


def open_stops(user: User) -> list[CheckIn]:
    """Stops not yet resolved on the teams `user` leads or manages."""
    teams = [t.id for t in teams_for(user) if rules.can_lead(user, t)]
    if not teams:
        return []
    return list(db.session.scalars(
        select(CheckIn).join(Meeting).where(Meeting.team_id.in_(teams),
                                            CheckIn.decision == Decision.STOP,
                                            CheckIn.resolved_at.is_(None))
        .options(selectinload(CheckIn.user), selectinload(CheckIn.meeting))
        .order_by(CheckIn.at.desc())))


def history(team: Team, period: rules.Period) -> list[tuple[Meeting, int, int, int]]:
    """(meeting, check-ins, late, stops) for each meeting of the team in the period."""
    rows = db.session.execute(_counted(select(Meeting)).where(
        Meeting.team_id == team.id, Meeting.day >= period.start, Meeting.day <= period.end)
        .order_by(Meeting.day.desc(), Meeting.opened_at.desc())).all()
    return [tuple(r) for r in rows]


def _counted(query):
    """Add check-in, late and stop counts per meeting to a query over Meeting."""
    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (query.add_columns(func.count(CheckIn.id), tally(CheckIn.late.is_(True)),
                              tally(CheckIn.decision == Decision.STOP))
            .outerjoin(CheckIn, CheckIn.meeting_id == Meeting.id).group_by(Meeting.id))


# Compliance ---------------------------------------------------------------------------------

@dataclass
class ComplianceRow:
    label: str
    figures: rules.Figures
    team: Team | None = None
    site: Site | None = None


@dataclass
class Compliance:
    period: rules.Period
    rows: list[ComplianceRow] = field(default_factory=list)
    site: Site | None = None  # the enterprise whose teams are listed (None: all enterprises)

    @property
    def total(self) -> rules.Figures:
        return sum((r.figures for r in self.rows), rules.Figures())


def compliance(user: User, period: rules.Period, site_id: int | None = None,
               today: date | None = None) -> Compliance:
    """Per-team figures of one enterprise, or per-enterprise figures of all (zone staff)."""
    today = today or local_today()
    if user.role == Role.ENTERPRISE:
        site_id = user.site_id
    elif not rules.is_zone_staff(user):
        abort(403)
    site = db.get_or_404(Site, site_id) if site_id else None
    query = select(Team).where(Team.active.is_(True)).options(selectinload(Team.site))
    if site is not None:
        query = query.where(Team.site_id == site.id)
    teams = list(db.session.scalars(query.order_by(Team.name)))
    per_team = _team_figures(teams, period, today)
    result = Compliance(period, site=site)
    if site is not None:
        result.rows = [ComplianceRow(t.name, per_team[t.id], team=t) for t in teams]
        return result
    by_site: dict[int, ComplianceRow] = {}
    for t in teams:
        row = by_site.setdefault(t.site_id,
                                 ComplianceRow(t.site.name, rules.Figures(), site=t.site))
        row.figures = row.figures + per_team[t.id]
    result.rows = sorted(by_site.values(), key=lambda r: r.label)
    return result


def _team_figures(teams: list[Team], period: rules.Period, today: date) -> dict[int, rules.Figures]:
    if not teams:
        return {}
    facts: dict[int, list[rules.MeetingFacts]] = {t.id: [] for t in teams}
    rows = db.session.execute(_counted(select(Meeting)).where(
        Meeting.team_id.in_(list(facts)), Meeting.day >= period.start, Meeting.day <= period.end))
    for meeting, checked_in, late, stops in rows:
        facts[meeting.team_id].append(rules.MeetingFacts(meeting.day, meeting.roster, checked_in,
                                                         late, stops))
    return {t.id: rules.team_figures(facts[t.id], period, t.workdays, len(t.shift_names),
                                     to_local(t.created_at).date(), today) for t in teams}


# A worker's start page ----------------------------------------------------------------------

@dataclass
class WorkerDay:
    team: Team | None
    member: TeamMember | None
    meetings: list[tuple[Meeting, CheckIn | None]]  # today's, with the worker's check-in
    leads: bool


def worker_day(user: User, now: datetime | None = None) -> WorkerDay:
    member = membership(user)
    team = member.team if member and member.team.active else None
    if team is None:
        return WorkerDay(None, None, [], False)
    meetings = [(m, checkin_of(m, user)) for m in todays_meetings(team, now)]
    return WorkerDay(team, member, meetings, rules.can_lead(user, team))
