"""The record a photo belongs to decides who sees it, and a photo belongs to one record only.

A photo is part of an inspection item (its answer), a hazard (its report or an event's
after-photo), a drill, a meeting, or a worker's report (the hazard it raised). Whoever may
see that record may see its photos; nobody else, except the uploader. An unattached photo
is its uploader's alone.
"""

from sqlalchemy import exists, select

from ..access import is_worker, is_zone_staff, manages_site
from ..auth.models import User
from ..enterprise.models import Drill, drill_photos
from ..extensions import db
from ..hazards import service as hazards
from ..hazards.models import Hazard
from ..inspections import service as inspections
from ..shifts import rules as shift_rules
from ..shifts.models import Meeting, WorkerReport
from ..shifts.teams import member_team_id
from .models import Photo


def _drills(photo: Photo) -> list[Drill]:
    return list(db.session.scalars(select(Drill).join(drill_photos).where(
        drill_photos.c.photo_id == photo.id)))


def _meetings(photo: Photo) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.photo_id == photo.id)))


def _can_see_hazard(user: User, hazard: Hazard) -> bool:
    if hazards.can_see(user, hazard):
        return True
    # A worker follows their own reports, and sees nothing else of the ledger.
    return is_worker(user) and bool(db.session.scalar(select(exists().where(
        WorkerReport.hazard_id == hazard.id, WorkerReport.reporter_id == user.id))))


def _can_see_drill(user: User, drill: Drill) -> bool:
    # As the drill page allows: zone staff, and the enterprise's own staff.
    return is_zone_staff(user) or manages_site(user, drill.site_id)


def _can_see_meeting(user: User, meeting: Meeting) -> bool:
    # As the meeting page shows it: a worker who does not lead the team is sent to check in.
    team = meeting.team
    return shift_rules.can_see_team(user, team, member_team_id(user)) and (
        not is_worker(user) or shift_rules.can_lead(user, team))


def can_see(user: User, photo: Photo) -> bool:
    """Those who may see one of the records the photo is part of, and its uploader."""
    if photo.uploader_id == user.id:
        return True
    if photo.answer is not None and inspections.can_see(user, photo.answer.inspection):
        return True
    hazard = photo.hazard or (photo.event.hazard if photo.event is not None else None)
    if hazard is not None and _can_see_hazard(user, hazard):
        return True
    return any(_can_see_drill(user, d) for d in _drills(photo)) or any(
        _can_see_meeting(user, m) for m in _meetings(photo))
