"""Training sessions, who attended, and each person's hours against their position."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..roles import Role
from ..sites.models import Site
from ..timeutil import local_today
from . import schedule
from .models import Training, TrainingAttendance
from .scope import own_site

TRAINING_KINDS = {"initial": _l("Initial training"), "refresher": _l("Refresher training")}



def people(site: Site) -> list[User]:
    """The enterprise's people: its enterprise users and workers."""
    return list(db.session.scalars(select(User).where(
        User.site_id == site.id, User.role.in_([Role.ENTERPRISE, Role.WORKER]),
        User.active.is_(True)).order_by(User.position.is_(None), User.position, User.name)))


def trainings(site: Site, year: int | None = None) -> list[Training]:
    query = select(Training).where(Training.site_id == site.id)
    if year:
        query = query.where(Training.held_on >= date(year, 1, 1),
                            Training.held_on <= date(year, 12, 31))
    return list(db.session.scalars(query.order_by(Training.held_on.desc(), Training.id.desc())))


def record_training(user: User, values: Mapping, today: date | None = None) -> Training:
    """Record a training session from forms.TRAINING's values."""
    site = own_site(user)
    today = today or local_today()
    topic, kind, held_on = values["topic"], values["kind"], values["held_on"]
    if not topic:
        raise UserError(_("Please fill in: %(field)s", field=_("Topic")))
    if kind not in TRAINING_KINDS:
        raise UserError(_("Choose initial or refresher training."))
    if held_on > today:
        raise UserError(_("A training cannot be recorded before it is held."))
    hours = float(values["hours"])
    mine = {p.id for p in people(site)}
    attendees = set(values.get("attendee") or ())
    if attendees - mine:
        abort(404)
    if not attendees and not values.get("other_attendees"):
        raise UserError(_("Tick who attended."))
    training = Training(site_id=site.id, topic=topic, kind=kind, held_on=held_on, hours=hours,
                        trainer=values.get("trainer") or "",
                        other_attendees=values.get("other_attendees") or "", created_by_id=user.id)
    training.attendance = [TrainingAttendance(user_id=uid, hours=hours)
                           for uid in sorted(attendees)]
    db.session.add(training)
    db.session.commit()
    return training


def training_position(user: User) -> str:
    return user.position or ("staff" if user.role == Role.WORKER else "")


def training_statuses(site: Site, year: int) -> list[tuple[User, schedule.TrainingStatus]]:
    """Each person's hours in `year` against what their position requires."""
    sessions: dict[int, list[schedule.Session]] = defaultdict(list)
    rows = db.session.execute(
        select(TrainingAttendance.user_id, Training.held_on, TrainingAttendance.hours,
               Training.kind)
        .join(Training).where(Training.site_id == site.id, Training.held_on <= date(year, 12, 31)))
    for user_id, held_on, hours, kind in rows:
        sessions[user_id].append(schedule.Session(held_on, hours, kind == "initial"))
    required = current_app.config["TRAINING_REQUIRED_HOURS"]
    return [(p, schedule.training_status(training_position(p), sessions[p.id], year, required))
            for p in people(site)]
