"""Teams, their posts and members: finding them (scoped, others 404) and setting them up.
Every write commits here; who may do what is asked of rules.py."""

from collections.abc import Mapping

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import is_enterprise_staff, is_worker, is_zone_staff
from ..auth.models import User
from ..errors import Invalid, UserError
from ..extensions import db
from ..roles import Role
from ..sites.models import new_qr_token
from ..sites.types import RISK_COLORS
from ..timeutil import utcnow
from . import rules
from .models import Post, Team, TeamMember


def membership(user: User) -> TeamMember | None:
    return db.session.scalar(select(TeamMember).where(TeamMember.user_id == user.id))


def member_team_id(user: User) -> int | None:
    if not is_worker(user):
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
    if is_enterprise_staff(user):
        query = query.where(Team.site_id == user.site_id)
    elif is_worker(user):
        query = query.where(Team.active.is_(True),
                            (Team.id == (member_team_id(user) or -1)) | (Team.leader_id == user.id))
    elif not is_zone_staff(user):
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
    (shifts/forms.TEAM); raises Invalid with every error."""
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
    """Create or change a post and its risk card (typed values of shifts/forms.POST)."""
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
