"""The shift pages' forms (inspect_app/forms.py field tables) and their query arguments.

Choices that depend on the team (its shifts) or on other answers (the five thinks) are checked
by meetings.py and rules.py; these only bound what may be stored.
"""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from .. import periods
from ..admin.forms import Codes
from ..sites.types import RISK_COLORS
from ..timeutil import local_today
from . import rules
from .models import CheckIn, Meeting, Post, Team, WorkerReport

WEEKDAYS = [("1", _l("Mon")), ("2", _l("Tue")), ("3", _l("Wed")), ("4", _l("Thu")),
            ("5", _l("Fri")), ("6", _l("Sat")), ("7", _l("Sun"))]
TEAM = {"name": f.Text(column=Team.name, multiline=False, label=_l("Name")),
        "shifts": f.Text(column=Team.shifts, label=_l("Shifts")),
        "workdays": f.Ids(label=_l("Working days")),
        "late_minutes": f.Int(0, 240, default=rules.DEFAULT_LATE_MINUTES, label=_l("Minutes")),
        "leader_id": f.Id(label=_l("Leader"))}
REWARD = {"amount": f.Money(column=WorkerReport.reward_amount, required=True,
                            label=_l("Reward (yuan)")),
          "note": f.Text(500, label=_l("Reward note"))}
# The meeting's forms.
OPEN = {"shift": f.Text(column=Meeting.shift, multiline=False, label=_l("Shift"))}
CLOSE = {"note": f.Text(column=Meeting.note, label=_l("Note")),
         "upload_key": f.Text(56, multiline=False)}
RESOLVE = {"resolution": f.Text(2000, label=_l("How was it resolved?"))}
CHECKIN = {"confirmed": Codes(label=_l("Five thinks: tap each one that is true")),
           "fit": f.Text(8, multiline=False, label=_l("Fit to work")),
           "decision": f.Text(column=CheckIn.decision, multiline=False, label=_l("Check in")),
           "reason": f.Text(500, label=_l("Reason")),
           "pin": f.Text(16, multiline=False, label=_l("PIN"))}
REPORT = {"submit_key": f.Text(64, multiline=False),
          "description": f.Text(2000, label=_l("What did you see?")),
          "location": f.Text(200, multiline=False, label=_l("Where?"))}
MEMBER = {"user_id": f.Id(label=_l("Member")), "post_id": f.Id(label=_l("Post"))}
POST = {"name": f.Text(column=Post.name, multiline=False, label=_l("Name")),
        "risk_color": f.Choice(RISK_COLORS, label=_l("Risk colour")),
        **{key: f.Text(1000) for key in ("risks", "measures", "emergency")}}


def checkin_input(form) -> dict:
    """What was typed, shown again beside the errors."""
    return {"confirmed": form.getlist("confirmed"), "fit": form.get("fit", ""),
            "decision": form.get("decision", ""), "reason": form.get("reason", ""),
            "pin": form.get("pin", "")}


def period_arg(args, default: str = "week") -> periods.Period:
    """The week or month a page shows (?period=week|month&at=date), today's by default."""
    args = f.filters(args, {"period": f.Choice(("week", "month"), default=default),
                            "at": f.Date()})
    return periods.period_of(args.period, args.at or local_today())


def site_arg(args) -> int | None:
    """The enterprise a zone page is narrowed to (?site=id)."""
    return f.filters(args, {"site": f.Id()}).site
