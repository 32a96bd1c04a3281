"""The enterprise's hazard list and the written report of a major hazard (16号令 第十四条)."""

from collections.abc import Mapping

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..access import can_see_site
from ..auth.models import User
from ..auth.recipients import supervisors
from ..extensions import db
from ..hazards import workflow
from ..hazards.models import Hazard, open_clause
from ..hazards.workflow import Level, State
from ..notifications.messages import register
from ..notifications.service import notify
from ..sites.models import Site
from ..web import path_for
from .scope import must_manage

# The written report of a major hazard: (field, label, part). Part 3 is the remediation plan.
REPORT_FIELDS = (
    ("report_state_cause", _l("Current state and cause"), 1),
    ("report_harm_difficulty", _l("Harm, and how hard it is to fix"), 2),
    ("plan_goal", _l("Goals and tasks"), 3),
    ("measures", _l("Methods and measures"), 3),
    ("plan_resources", _l("Funds and materials"), 3),
    ("plan_organisation", _l("Responsible body and people"), 3),
    ("plan_timeline", _l("Time limits and requirements"), 3),
    ("plan_emergency", _l("Safety measures and emergency plan"), 3),
    ("interim_measures", _l("Interim safety measures"), 3),
)




def site_hazards(site: Site, open_only: bool = False) -> list[Hazard]:
    """The enterprise's hazard list (隐患清单), major first, then by deadline."""
    query = select(Hazard).where(Hazard.site_id == site.id, Hazard.status != State.REJECTED)
    if open_only:
        query = query.where(open_clause())
    return list(db.session.scalars(query.order_by(
        ~open_clause(), Hazard.level.desc(), Hazard.deadline, Hazard.id)))


def report_missing(hazard: Hazard) -> list[str]:
    """The fields of the written report still empty (all three parts are required): the one
    definition in hazards/workflow.py, which REPORT_FIELDS lays out for the form."""
    return list(workflow.report_missing(hazard))


def major_hazard(user: User, hazard_id: int) -> Hazard:
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None or hazard.level != Level.MAJOR or not can_see_site(user, hazard.site):
        abort(404)
    return hazard


# Rendered in each reader's language when read (notifications/messages.py).
REPORT_RECEIVED = register("major_report.received",
                           _l("Written report on a major hazard received: %(site)s"), "%(what)s")

def save_report(user: User, hazard_id: int, values: Mapping) -> Hazard:
    """Save the three-part written report (the parts sent, typed by forms.REPORT); the
    supervisors hear once it is complete."""
    hazard = major_hazard(user, hazard_id)
    must_manage(user, hazard.site_id)
    for name, _label, _part in REPORT_FIELDS:
        if name in values:
            setattr(hazard, name, values[name])
    if "funds" in values:
        hazard.funds = values["funds"]
    if not report_missing(hazard):
        notify(supervisors(), kind="major_report", message=REPORT_RECEIVED,
               params={"site": hazard.site.name, "what": hazard.description[:200]},
               link=path_for("hazards.detail", hazard_id=hazard.id),
               dedupe_key=f"major-report-done:{hazard.id}")
    db.session.commit()
    return hazard
