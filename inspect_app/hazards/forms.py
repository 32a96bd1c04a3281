"""The hazard pages' forms, through the one forms layer: one definition per column.

The views parse with these and hand typed values to hazards/lifecycle.py. Rules that depend on
the hazard (a major hazard needs the five fixes, a deadline not in the past, a later new
deadline) stay in the lifecycle, which raises forms.Invalid for the field concerned.
"""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from .models import Extension, Hazard, HazardEvent, Referral, Supervision
from .regimes import REGIMES
from .workflow import ENFORCEMENT_MEASURES, STOP_WORK, SUPERVISION_LEVELS, Action, Level

# 整改资金: the same bounds on the confirm form and in the major-hazard report.
FUNDS = f.Money(column=Hazard.funds, label=_l("Funds"))
NOTE = f.Text(column=HazardEvent.note, label=_l("Note"))

# Every transition form carries these: the version seen (a stale one is a conflict) and, for
# photos, the retry key and the capture time the phone read before shrinking.
_STEP = {"version": f.Int(0), "note": NOTE,
         "upload_key": f.Text(56, multiline=False), "taken_at": f.Text(40, multiline=False)}

TRANSITIONS: dict[Action, dict[str, f.Field]] = {
    Action.CONFIRM: {
        **_STEP,
        "level": f.Choice(Level, label=_l("Level")),
        "responsible_name": f.Text(column=Hazard.responsible_name, required=True,
                                   label=_l("Responsible person"), multiline=False),
        "responsible_phone": f.Text(column=Hazard.responsible_phone, label=_l("Phone"),
                                    multiline=False),
        "deadline": f.Date(required=True, label=_l("Deadline")),
        # Required for a major hazard only: the lifecycle checks them against the level.
        "measures": f.Text(column=Hazard.measures, label=_l("Measures")),
        "funds": FUNDS,
        "interim_measures": f.Text(column=Hazard.interim_measures,
                                   label=_l("Interim safety measures")),
        "regime": f.Choice(REGIMES, label=_l("Regime")),
    },
    Action.REJECT: {**_STEP, "duplicate_of": f.Id(label=_l("Duplicate of hazard no."))},
    Action.START: _STEP,
    Action.SUBMIT: {
        **_STEP,
        "rectified_note": f.Text(column=Hazard.rectified_note, required=True,
                                 label=_l("What was done")),
        "rectification_cost": f.Money(column=Hazard.rectification_cost, label=_l("Cost")),
    },
    # A major hazard's 核销: the on-site review and its document (the lifecycle requires them).
    Action.VERIFY: {**_STEP, "review_note": f.Text(column=Hazard.review_note, label=_l("On-site review")),
                    "closing_doc_no": f.Text(column=Hazard.closing_doc_no, multiline=False,
                                             label=_l("Write-off (核销) document number"))},
    Action.RETURN: _STEP,
    Action.FIX_ON_SPOT: _STEP,
}

STOP = {"stop_work": f.Choice(STOP_WORK, required=True, label=_l("Measure")),
        "stop_work_doc": f.Text(column=Hazard.stop_work_doc, required=True, multiline=False,
                                label=_l("Document number"))}
ASSESSMENT = {"assessment_by": f.Text(column=Hazard.assessment_by, required=True, multiline=False,
                                      label=_l("Assessed by")),
              "assessment_qualified": f.Choice(("yes", "no"), required=True,
                                               label=_l("Made by a qualified safety assessment agency?")),
              "upload_key": f.Text(56, multiline=False)}
RESUME = {"resume_application": f.Text(column=Hazard.resume_application, required=True,
                                       label=_l("Application to resume"))}
EXTENSION = {"reason": f.Text(column=Extension.reason, required=True, label=_l("Reason")),
             "new_deadline": f.Date(required=True, label=_l("New deadline"))}
DECISION = {"note": f.Text(column=Extension.decision_note, label=_l("Note"))}
SUPERVISION = {
    "level": f.Choice(SUPERVISION_LEVELS, default="zone", label=_l("Level")),
    "office": f.Text(column=Supervision.office, required=True, label=_l("Issuing office"),
                     multiline=False),
    "doc_no": f.Text(column=Supervision.doc_no, label=_l("Document number"), multiline=False),
    "due_date": f.Date(required=True, label=_l("Due date")),
    "note": f.Text(column=Supervision.note, label=_l("Note")),
}
REFERRAL = {
    "measure": f.Choice(ENFORCEMENT_MEASURES, required=True, label=_l("Measure")),
    "department": f.Text(column=Referral.department, required=True, label=_l("Department"),
                         multiline=False),
    "reason": f.Text(column=Referral.reason, label=_l("Reason")),
    # Work stopped by this measure (required for a stopping one): how, and the document.
    "stop_work": f.Choice(STOP_WORK, label=_l("Stop-work")),
    "stop_work_doc": f.Text(column=Hazard.stop_work_doc, multiline=False,
                            label=_l("Stop-work document number")),
}
# Which of the two is required depends on the status: the lifecycle checks it.
REFERRAL_UPDATE = {
    "status": f.Choice(("filed", "closed"), required=True, label=_l("Status")),
    "case_no": f.Text(column=Referral.case_no, label=_l("Case number"), multiline=False),
    "outcome": f.Text(column=Referral.outcome, label=_l("Outcome")),
    "penalty_amount": f.Money(column=Referral.penalty_amount, label=_l("Penalty")),
}


def transition(action: str, data) -> f.Values:
    """A transition's form, typed; raises forms.Invalid (422). An unknown action parses nothing:
    the lifecycle answers it with 404."""
    return f.parse(data, TRANSITIONS.get(action, {}))
