"""The hazard notifications, by key: rendered in each reader's language when read
(notifications/messages.py)."""

from flask_babel import lazy_gettext as _l

from ..notifications.messages import register

TO_VERIFY = register("hazard.to_verify", _l("Rectification to verify at %(site)s"),
                     _l("%(what)s · submitted by %(who)s"))
REPORT_CONFIRMED = register(
    "worker_report.confirmed", _l("Your hazard report was confirmed"),
    _l("%(what)s · It counts toward your reward. You will be told when it is fixed."))
REPORT_REJECTED = register("worker_report.rejected", _l("Your hazard report was not taken up"),
                           _l("%(what)s · Reason: %(why)s"))
REPORT_CLOSED = register("worker_report.closed", _l("The hazard you reported was fixed and closed"),
                         _l("%(what)s"))
TO_FIX = _l("Fix it by %(d)s. Responsible: %(who)s.")
CONFIRMED = register("hazard.confirmed", _l("Hazard confirmed at %(site)s"), TO_FIX)
MAJOR_CONFIRMED = register("hazard.major_confirmed",
                           _l("Major accident hazard confirmed at %(site)s"), TO_FIX)
ZONE_TO_VERIFY = register("hazard.zone_to_verify", _l("Rectification to verify at %(site)s"))
CLOSED = register("hazard.closed", _l("Hazard closed at %(site)s"))
# A major hazard is not closed but written off (核销) by the authority, with its document.
WRITTEN_OFF = register("hazard.written_off", _l("Major hazard written off at %(site)s"),
                       _l("Write-off (核销) document %(doc)s"))
SENT_BACK = register("hazard.sent_back", _l("Rectification sent back at %(site)s"))
PROPOSED = register("hazard.proposed", _l("Proposed for supervision: major hazard at %(site)s"))
WORK_STOPPED = register("hazard.stop_work",
                        _l("Work stopped at %(site)s until the major hazard is written off"))
RESUME_APPLIED = register("hazard.resume", _l("Application to resume work at %(site)s"))
EXTENSION_ASKED = register("hazard.extension_requested",
                           _l("Extension requested for a hazard at %(site)s"))
EXTENSION_APPROVED = register("hazard.extension_approved",
                              _l("Extension approved: new deadline %(d)s"))
EXTENSION_REFUSED = register("hazard.extension_refused", _l("Extension refused"))
SUPERVISED = register("hazard.supervised", _l("Hazard at %(site)s is under supervision (督办)"))
REMINDERS = {"due_soon": register("hazard.due_soon", _l("Hazard due in 3 days at %(site)s")),
             "due_today": register("hazard.due_today", _l("Hazard due today at %(site)s")),
             "overdue": register("hazard.overdue", _l("Hazard overdue at %(site)s"))}
REVIEW_LATE = register("hazard.review_overdue",
                       _l("On-site review overdue: major hazard at %(site)s"))
REVIEW_DUE = register("hazard.review_due", _l("On-site review due %(d)s: major hazard at %(site)s"))
