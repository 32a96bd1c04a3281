"""Words people see for the hazard lifecycle's codes (one place, both languages)."""

import uuid

from flask_babel import lazy_gettext as _l

from .regimes import AUTHORITIES, REGIMES

SOURCES = {"patrol": _l("Grid patrol"), "supervisory": _l("Supervisory inspection"),
           "self_check": _l("Enterprise self-check"), "worker": _l("Worker report"),
           "public": _l("Public report"), "imported": _l("Imported register")}
ACTIONS = {"confirm": _l("Confirm"), "reject": _l("Reject"), "start": _l("Start fixing"),
           "submit": _l("Submit rectification"), "verify": _l("Verify and close"),
           "return": _l("Send back"), "fix_on_spot": _l("Fixed on the spot")}
EVENTS = {**ACTIONS, "report": _l("Reported"), "import": _l("Imported from a register"),
          "overdue": _l("Became overdue"),
          "extension_requested": _l("Extension requested"),
          "extension_approved": _l("Extension approved"), "extension_refused": _l("Extension refused"),
          "supervise": _l("Put under supervision"), "refer": _l("Referred for enforcement")}
SUPERVISION_STATUS = {"proposed": _l("proposed"), "active": _l("active"), "lifted": _l("lifted"),
                      "declined": _l("declined")}
SUPERVISION_LEVELS = {"zone": _l("Zone"), "county": _l("County"), "city": _l("City"),
                      "province": _l("Province")}
MEASURES = {"order_rectify": _l("Order to rectify within a time limit"),
            "suspend": _l("Suspend production for rectification"), "fine": _l("Fine"),
            "seal": _l("Seal up or seize"), "cut_power": _l("Cut power"), "other": _l("Other")}
REFERRAL_STATUS = {"referred": _l("referred"), "filed": _l("case filed"),
                   "closed": _l("case closed")}

SMS_STATUS = {"queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"),
              "delivered": _l("delivered"), "failed": _l("failed")}
SMS_ROLES = {"principal": _l("Principal"), "controller": _l("Actual controller")}


def _lookup(table):
    return lambda code: str(table.get(code, code))


GLOBALS = {
    "source_label": _lookup(SOURCES), "action_label": _lookup(ACTIONS),
    "event_label": _lookup(EVENTS), "supervision_status": _lookup(SUPERVISION_STATUS),
    "supervision_level": _lookup(SUPERVISION_LEVELS), "measure_label": _lookup(MEASURES),
    "referral_status": _lookup(REFERRAL_STATUS),
    "regime_label": _lookup(REGIMES), "regime_labels": REGIMES, "authority_label": _lookup(AUTHORITIES),
    "sms_status": _lookup(SMS_STATUS), "sms_role": _lookup(SMS_ROLES),
    # A fresh key per rendered form: a retried upload reuses it, a new form gets a new one.
    "new_key": lambda: uuid.uuid4().hex,
}
