"""The enterprise pages' forms, through the one forms layer (inspect_app/forms.py)."""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from ..hazards.forms import FUNDS
from ..hazards.models import Hazard
from ..inspections.models import Inspection
from ..photos.models import Photo
from .models import Drill, ModelPost, StandardGrade, StatisticsConfirmation, Training
from .schedule import CHECK_DUTIES, DRILL_KINDS

REPORT_TEXTS = ("report_state_cause", "report_harm_difficulty", "plan_goal", "measures",
                "plan_resources", "plan_organisation", "plan_timeline", "plan_emergency",
                "interim_measures")
REPORT = {**{name: f.Text(column=getattr(Hazard, name)) for name in REPORT_TEXTS}, "funds": FUNDS}

START_CHECK = {"duty": f.Choice(CHECK_DUTIES, required=True, label=_l("Check")),
               "template": f.Id(label=_l("Checklist")),
               "led_by": f.Text(column=Inspection.led_by, multiline=False, label=_l("Led by")),
               "principal_present": f.Bool()}
TEMPLATE = {"template": f.Id(label=_l("Checklist"))}
SCORE = f.Int(0, 100_000, label=_l("Points"))
NOTE = f.Text(1000)

GRADE = {"grade": f.Choice(("level1", "level2", "level3", "compliant"), required=True,
                           label=_l("Grade")),
         "granted_on": f.Date(required=True, label=_l("Granted on")),
         "expires_on": f.Date(label=_l("Expires on")),
         "document_no": f.Text(column=StandardGrade.document_no, multiline=False)}
POST = {"name": f.Text(column=ModelPost.name, required=True, label=_l("Post"), multiline=False),
        "holder": f.Text(column=ModelPost.holder, multiline=False),
        "description": f.Text(column=ModelPost.description)}
DRILL = {"kind": f.Choice(DRILL_KINDS, label=_l("Type of drill")),
         "planned_on": f.Date(label=_l("Planned for")), "done_on": f.Date(label=_l("Held on")),
         "participants": f.Int(0, 100_000, label=_l("Participants")),
         "title": f.Text(column=Drill.title, multiline=False), "lessons": f.Text(column=Drill.lessons)}
TRAINING = {"topic": f.Text(column=Training.topic, required=True, label=_l("Topic"),
                            multiline=False),
            "kind": f.Choice(("initial", "refresher"), default="refresher", label=_l("Kind")),
            "held_on": f.Date(required=True, label=_l("Held on")),
            "hours": f.Number(0.5, 200, scale=1, required=True, label=_l("Hours")),
            "attendee": f.Ids(label=_l("Attendees")),
            "trainer": f.Text(column=Training.trainer, multiline=False),
            "other_attendees": f.Text(column=Training.other_attendees)}
PERIOD = {"year": f.Year(label=_l("Year")), "quarter": f.Int(0, 4, label=_l("Quarter"))}
SIGN = {"signed_name": f.Text(column=StatisticsConfirmation.signed_name, required=True,
                              label=_l("Signature"), multiline=False),
        # Required, but checked after who may sign (statistics.confirm_statistics).
        "analysis": f.Text(column=StatisticsConfirmation.analysis, label=_l("Analysis"))}
SUBMISSION = {"submitted_to": f.Text(column=StatisticsConfirmation.submitted_to, required=True,
                                     label=_l("Submitted to"), multiline=False),
              "submitted_on": f.Date(required=True, label=_l("Submitted on"))}
SITE = {"site": f.Id()}
PHOTO = {"upload_key": f.Text(column=Photo.upload_key, multiline=False)}
YEAR = {"year": f.Year()}
