"""Words people see for the checklists' codes (one place, both languages)."""

from flask_babel import lazy_gettext as _l

REGIMES = {"accident": _l("Major accident hazard (重大事故隐患)"),
           "fire": _l("Major fire hazard (重大火灾隐患)")}
VERIFY = {"V": _l("Confirmed against a source"), "P": _l("Partly confirmed"),
          "U": _l("Unconfirmed: check against the official text")}
MAJOR_FLAGS = {"Y": _l("Major"), "C": _l("Counts toward a major fire hazard"), "N": _l("General")}
PROPOSAL_STATUS = {"proposed": _l("waiting for a decision"), "accepted": _l("judged a major fire hazard"),
                   "declined": _l("not a major fire hazard")}


def regime_label(code: str) -> str:
    return str(REGIMES.get(code, code))


def verify_label(code: str) -> str:
    return str(VERIFY.get(code, code))
