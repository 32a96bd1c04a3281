"""Shift meetings: opening, check-ins (own phone or the leader's), stops and their
resolution, closing, the history and a worker's day. Every write commits here; who may do
what is asked of rules.py."""

from dataclasses import dataclass
from datetime import datetime

from flask import abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import periods
from ..auth.models import User
from ..auth.recipients import staff_of
from ..auth.service import attempt, pin_matches
from ..errors import Invalid, UserError
from ..extensions import db
from ..notifications.messages import register
from ..notifications.service import notify
from ..photos import service as photos
from ..timeutil import local_today, utcnow
from . import rules
from .messages import message
from .models import CheckIn, Meeting, Team, TeamMember
from .rules import Decision
from .teams import member_team_id, members_of, membership, teams_for


def _invalid(codes: dict[str, str]) -> Invalid:
    return Invalid({key: message(code) for key, code in codes.items()})



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
    notify([team.leader, *staff_of(team.site_id)], kind="shift_stop", message=STOP_RAISED,
           params={"name": worker.name, "team": team.name, "reasons": {
               "missing": [c for c in rules.FIVE_THINKS if c not in checkin.confirmed_codes],
               "fit": bool(checkin.fit), "own": checkin.stop_reason or ""}},
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
    missing = [c for c in rules.FIVE_THINKS if c not in checkin.confirmed_codes]
    return _reasons(missing, checkin.fit, checkin.stop_reason)


def _reasons(missing, fit: bool, own: str | None) -> list[str]:
    reasons = [str(THINK_SHORT.get(c, c)) for c in missing]
    if not fit:
        reasons.append(_("not fit to work"))
    if own:
        reasons.append(own)
    return reasons


# Rendered in each reader's language when read (notifications/messages.py); a stop's reasons
# are kept as codes and the worker's own words.
STOP_RAISED = register("shift.stop", _l("Stop raised: %(name)s, %(team)s"), "%(reasons)s",
                       words={"reasons": lambda r: "; ".join(
                           _reasons(r.get("missing", []), r.get("fit", True), r.get("own")))})
STOP_RESOLVED = register("shift.stop_resolved", _l("Your stop was resolved: %(text)s"))


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
    notify([checkin.user], kind="shift_stop_resolved", message=STOP_RESOLVED,
           params={"text": resolution[:80]},
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


def open_stops_query(user: User) -> Select | None:
    """Stops not yet resolved on the teams `user` leads or manages, as a query over CheckIn
    (None: no such team)."""
    teams = [t.id for t in teams_for(user) if rules.can_lead(user, t)]
    if not teams:
        return None
    return select(CheckIn).join(Meeting).where(Meeting.team_id.in_(teams),
                                               CheckIn.decision == Decision.STOP,
                                               CheckIn.resolved_at.is_(None))


def open_stops(user: User) -> list[CheckIn]:
    """Stops not yet resolved on the teams `user` leads or manages."""
    query = open_stops_query(user)
    if query is None:
        return []
    return list(db.session.scalars(
        query.options(selectinload(CheckIn.user), selectinload(CheckIn.meeting))
        .order_by(CheckIn.at.desc())))


def history(team: Team, period: periods.Period) -> list[tuple[Meeting, int, int, int]]:
    """(meeting, check-ins, late, stops) for each meeting of the team in the period."""
    rows = db.session.execute(counted(select(Meeting)).where(
        Meeting.team_id == team.id, Meeting.day >= period.start, Meeting.day <= period.end)
        .order_by(Meeting.day.desc(), Meeting.opened_at.desc())).all()
    return [tuple(r) for r in rows]


def counted(query):
    """Add check-in, late and stop counts per meeting to a query over Meeting."""
    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (query.add_columns(func.count(CheckIn.id), tally(CheckIn.late.is_(True)),
                              tally(CheckIn.decision == Decision.STOP))
            .outerjoin(CheckIn, CheckIn.meeting_id == Meeting.id).group_by(Meeting.id))




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
