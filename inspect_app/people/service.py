"""An enterprise's people: workers (phone and PIN, no e-mail) and staff. Every write commits here.

The account rules are the admin's (admin.rules.check_user); this module fixes what an
enterprise may choose: its own enterprise, the worker or staff role, and a worker's PIN.
Its functions take typed values, parsed by the views and the import with people/forms.py.
"""

import secrets

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import has_pin
from ..admin import service as admin
from ..admin.rules import check_user
from ..auth import service as accounts
from ..auth.models import User
from ..auth.service import set_pin as store_pin
from ..errors import Invalid, UserError
from ..extensions import db
from ..roles import Role
from ..shifts import rules
from ..shifts.messages import MESSAGES
from ..shifts.models import Post, Team, TeamMember
from ..shifts.teams import membership

ROLES = (Role.WORKER, Role.ENTERPRISE)


def list_people(actor: User) -> list[User]:
    """The enterprise's staff and workers, active first, by name."""
    if not rules.can_manage_people(actor):
        abort(403)
    return list(db.session.scalars(
        select(User).where(User.site_id == actor.site_id, User.role.in_(list(ROLES)))
        .order_by(User.active.desc(), User.role, User.name)))


def memberships(site_id: int) -> dict[int, TeamMember]:
    rows = db.session.scalars(select(TeamMember).join(Team).where(Team.site_id == site_id)
                              .options(selectinload(TeamMember.team),
                                       selectinload(TeamMember.post)))
    return {m.user_id: m for m in rows}


def site_teams(site_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.site_id == site_id,
                                                      Team.active.is_(True))
                                   .options(selectinload(Team.posts)).order_by(Team.name)))


def get_person(actor: User, user_id: int) -> User:
    """A person of the actor's enterprise (404 for anyone else)."""
    if not rules.can_manage_people(actor):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None or user.site_id != actor.site_id or user.role not in ROLES:
        abort(404)
    return user


def may_change(actor: User, user: User) -> bool:
    """Workers and one's own account, yes; another staff account only for the principal and
    safety managers (shifts/rules.can_manage_staff)."""
    return user.role != Role.ENTERPRISE or user.id == actor.id or rules.can_manage_staff(actor)


def may_set_active(actor: User, user: User) -> bool:
    """Whether the edit page offers to deactivate (or reactivate) `user`: never oneself."""
    return user.id != actor.id and may_change(actor, user)


def _may_change(actor: User, user: User) -> None:
    if not may_change(actor, user):
        abort(403)


def person_form(user: User | None, role: str = Role.WORKER) -> dict:
    if user is None:
        return {"role": role if role in ROLES else Role.WORKER}
    member = membership(user)
    return {"role": user.role, "name": user.name, "phone": user.phone or "",
            "username": user.username, "position": user.position or "",
            "team_id": str(member.team_id) if member else "",
            "post_id": str(member.post_id or "") if member else ""}


def pin_error(pin: str) -> str | None:
    problem = rules.check_pin(pin)
    return str(MESSAGES[problem]) if problem else None


def _placement(site_id: int, fields: dict, errors: dict) -> tuple[Team | None, int | None]:
    """The team and post chosen in a form (both optional; ids already bounded)."""
    team_id, post_id = fields.get("team_id"), fields.get("post_id")
    team = db.session.get(Team, team_id) if team_id else None
    if team_id and (team is None or team.site_id != site_id):
        errors["team_id"] = _("Choose one of this enterprise's teams.")
        return None, None
    post = db.session.get(Post, post_id) if post_id else None
    if post_id and (team is None or post is None or post.team_id != team.id):
        errors["post_id"] = _("Choose a post of the chosen team.")
        return team, None
    return team, post.id if post else None


def worker_values(fields: dict, site_id: int, known, user: User | None = None
                  ) -> tuple[dict, dict]:
    """Check a worker's typed fields with the admin's rules: the phone number is the login."""
    phone = fields.get("phone") or ""
    username = phone if user is None or user.username == user.phone else user.username
    values, errors = check_user({"username": username, "name": fields.get("name") or "",
                                 "phone": phone,
                                 "role": Role.WORKER, "site_id": site_id, "position": "",
                                 "password": secrets.token_urlsafe(18), "grid_ids": []},
                                known, None, user)
    if not phone:
        errors["phone"] = _("Enter the mobile number: it is the worker's login.")
    if "username" in errors:  # the login is the phone number: say it there
        errors.setdefault("phone", _("Another user already has this phone number."))
        del errors["username"]
    return values, errors


def add_person(actor: User, fields: dict) -> User:
    """A new worker (phone, PIN, team and post) or staff account of the actor's enterprise,
    from typed fields (people.forms.PERSON)."""
    if not rules.can_manage_people(actor):
        abort(403)
    role = fields.get("role") or Role.WORKER
    if role == Role.ENTERPRISE and not rules.can_manage_staff(actor):
        abort(403)
    known = admin.known()
    errors: dict[str, str] = {}
    if role == Role.WORKER:
        values, errors = worker_values(fields, actor.site_id, known)
        pin = fields.get("pin") or ""
        if pin and (problem := pin_error(pin)):
            errors["pin"] = problem
        team, post_id = _placement(actor.site_id, fields, errors)
    elif role == Role.ENTERPRISE:
        account = {key: fields.get(key) or "" for key in ("username", "name", "phone",
                                                          "position", "password")}
        values, errors = check_user({**account, "role": Role.ENTERPRISE,
                                     "site_id": actor.site_id, "grid_ids": []}, known, actor)
        pin, team, post_id = "", None, None
    else:
        raise Invalid({"role": _("Choose a role from the list.")})
    if errors:
        raise Invalid(errors)
    user = admin.build_user(values)
    if pin:
        store_pin(user, pin)
    db.session.flush()
    if team is not None:
        db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post_id))
    db.session.commit()
    return user


def update_person(actor: User, user_id: int, fields: dict) -> User:
    """Change a person's name, phone and (staff) position; a worker's team and post
    (typed fields, people.forms.PERSON)."""
    user = get_person(actor, user_id)
    _may_change(actor, user)
    known = admin.known()
    if user.role == Role.WORKER:
        values, errors = worker_values(fields, actor.site_id, known, user)
        team, post_id = _placement(actor.site_id, fields, errors)
        lead = db.session.scalar(select(Team).where(Team.leader_id == user.id))
        if lead is not None and (team is None or team.id != lead.id):
            errors["team_id"] = _("%(name)s leads the team %(team)s: choose another leader "
                                  "there first.", name=user.name, team=lead.name)
    else:
        position = fields.get("position") if rules.can_manage_staff(actor) else user.position
        values, errors = check_user({"username": user.username, "name": fields.get("name") or "",
                                     "phone": fields.get("phone") or "", "role": user.role,
                                     "site_id": user.site_id, "position": position or "",
                                     "password": "", "grid_ids": []}, known, actor, user)
    if errors:
        raise Invalid(errors)
    user.name, user.phone, user.username = values["name"], values["phone"], values["username"]
    if user.role == Role.ENTERPRISE:
        user.position = values["position"]
    else:
        member = membership(user)
        if team is None and member is not None:
            db.session.delete(member)
        elif team is not None and member is None:
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post_id))
        elif team is not None:
            member.team_id, member.post_id = team.id, post_id
    db.session.commit()
    return user


def set_pin(actor: User, user_id: int, pin: str) -> User:
    """Set or reset a worker's PIN (which also lifts a lock); tell it to the worker in person."""
    user = get_person(actor, user_id)
    if not has_pin(user):
        abort(404)
    if problem := pin_error(pin or ""):
        raise Invalid({"pin": problem})
    accounts.reset_pin(user, pin, actor)
    db.session.commit()
    return user


def set_active(actor: User, user_id: int, active: bool) -> User:
    user = get_person(actor, user_id)
    _may_change(actor, user)
    if user.id == actor.id and not active:
        raise UserError(_("You cannot deactivate your own account."))
    accounts.set_active(user, active, actor)
    db.session.commit()
    return user
