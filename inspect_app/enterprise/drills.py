"""The enterprise's emergency and fire drills: planned, then recorded as held."""

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..errors import Invalid, UserError
from ..extensions import db
from ..photos import service as photos
from ..sites.models import Site
from ..timeutil import local_today
from . import schedule
from .models import Drill
from .scope import must_manage, own_record, own_site

DRILL_LABELS = {"comprehensive": _l("Comprehensive"), "special": _l("Special"),
                "on_site": _l("On-site response"), "fire": _l("Fire and evacuation")}



def drills(site: Site) -> list[Drill]:
    """Planned drills first (soonest first), then done ones (latest first)."""
    rows = list(db.session.scalars(select(Drill).where(Drill.site_id == site.id)))
    planned = sorted((d for d in rows if d.done_on is None), key=lambda d: d.planned_on or date.max)
    done = sorted((d for d in rows if d.done_on), key=lambda d: d.done_on, reverse=True)
    return planned + done


def save_drill(user: User, values: Mapping, drill_id: int | None = None,
               today: date | None = None) -> Drill:
    """Plan a drill, or record one as done (date, participants, lessons): forms.DRILL's values."""
    today = today or local_today()
    if drill_id is None:
        drill = Drill(site_id=own_site(user).id, created_by_id=user.id)
    else:
        drill = own_record(user, Drill, drill_id)
        must_manage(user, drill.site_id)
    kind = values.get("kind") or drill.kind or ""
    if kind not in schedule.DRILL_KINDS:
        raise UserError(_("Choose the type of drill."))
    planned_on = values.get("planned_on") or drill.planned_on
    done_on = values.get("done_on")
    if done_on and done_on > today:
        raise UserError(_("A drill cannot be recorded as held in the future."))
    if not (done_on or planned_on):
        raise UserError(_("Give the planned date, or the date it was held."))
    participants = values.get("participants")
    if done_on is not None and participants is None:
        raise Invalid({"participants": _("Please fill in: %(field)s", field=_("Participants"))})
    drill.kind, drill.planned_on, drill.done_on, drill.participants = (kind, planned_on, done_on,
                                                                       participants)
    drill.title = values.get("title") or drill.title or str(DRILL_LABELS[kind])
    drill.lessons = values.get("lessons") or ""
    db.session.add(drill)
    db.session.commit()
    return drill


def get_drill(user: User, drill_id: int) -> Drill:
    return own_record(user, Drill, drill_id)


def add_drill_photo(user: User, drill_id: int, file, upload_key: str | None) -> Drill:
    drill = get_drill(user, drill_id)
    must_manage(user, drill.site_id)
    photo = photos.store(file, uploader=user, site_id=drill.site_id, upload_key=upload_key,
                         among=drill.photos)
    if photo not in drill.photos:
        drill.photos.append(photo)
        try:
            db.session.commit()
        except IntegrityError:  # the same upload twice at once: the first one is kept
            db.session.rollback()
    return drill
