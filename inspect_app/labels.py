"""The words people see for every code the app stores: one table per code family.

Pages get them as Jinja globals (`GLOBALS`, registered once by create_app), the macros call
those, and the .xlsx ledgers render the same tables in Chinese (ledgers/export.py), so a code
reads the same on a page and in its file. Keys are the stored strings (the StrEnums in the
rule modules compare equal to them), which keeps this module free of feature imports.
"""

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

# Hazards ---------------------------------------------------------------------------------------

HAZARD_STATUS = {"reported": _l("Reported"), "confirmed": _l("Confirmed"),
                 "rectifying": _l("Rectifying"), "submitted": _l("Rectification submitted"),
                 "closed": _l("Closed"), "rejected": _l("Rejected")}
LEVELS = {"general": _l("General"), "major": _l("Major")}
SOURCES = {"patrol": _l("Grid patrol"), "supervisory": _l("Supervisory inspection"),
           "self_check": _l("Enterprise self-check"), "worker": _l("Worker report"),
           "public": _l("Public report"), "imported": _l("Imported register")}
ACTIONS = {"confirm": _l("Confirm"), "reject": _l("Reject"), "start": _l("Start fixing"),
           "submit": _l("Submit rectification"), "verify": _l("Verify and close"),
           "return": _l("Send back"), "fix_on_spot": _l("Fixed on the spot"),
           # A major hazard is not verified but written off (核销) after the on-site review.
           "write_off": _l("Write off")}
EVENTS = {**ACTIONS, "report": _l("Reported"), "import": _l("Imported from a register"),
          "overdue": _l("Became overdue"),
          "extension_requested": _l("Extension requested"),
          "extension_approved": _l("Extension approved"), "extension_refused": _l("Extension refused"),
          "supervise": _l("Put under supervision"), "refer": _l("Referred for enforcement"),
          "case_filed": _l("Enforcement case filed"), "case_closed": _l("Enforcement case closed"),
          "supervision_proposed": _l("Proposed for supervision"),
          "supervision_lifted": _l("Supervision lifted"),
          "supervision_declined": _l("Supervision declined"),
          "stop_work": _l("Work stopped"), "stop_work_lifted": _l("Stop-work lifted"),
          "assessment": _l("Assessment of the remediation"),
          "resume_application": _l("Application to resume work"),
          "review_overdue": _l("On-site review overdue")}
# 16号令 第16条: how work is stopped while a major hazard is fixed.
STOP_WORK = {"suspend_all": _l("Production and business suspended"),
             "suspend_part": _l("Production partly suspended"),
             "stop_use": _l("Use stopped"), "evacuate": _l("People withdrawn")}
# The 五落实 of an open major hazard (enterprise/statistics.py counts them).
FIVE_IN_PLACE = {"responsibility": _l("Responsibility"), "measures": _l("Measures"),
                 "funds": _l("Funds"), "deadline": _l("Time limit"), "plan": _l("Emergency plan")}
EXTENSION_STATUS = {"pending": _l("waiting"), "approved": _l("approved"), "refused": _l("refused")}
SUPERVISION_STATUS = {"none": _l("not supervised"), "proposed": _l("proposed"),
                      "active": _l("active"), "lifted": _l("lifted"), "declined": _l("declined")}
SUPERVISION_LEVELS = {"zone": _l("Zone"), "county": _l("County"), "city": _l("City"),
                      "province": _l("Province")}
MEASURES = {"order_rectify": _l("Order to rectify within a time limit"),
            "suspend": _l("Suspend production for rectification"), "fine": _l("Fine"),
            "seal": _l("Seal up or seize"), "cut_power": _l("Cut power"), "other": _l("Other")}
REFERRAL_STATUS = {"referred": _l("referred"), "filed": _l("case filed"),
                   "closed": _l("case closed")}
# Which authority decides a major hazard (hazards/regimes.py holds the rule).
AUTHORITIES = {"emergency": _l("Emergency management"), "housing": _l("Housing and construction"),
               "fire": _l("Fire and rescue")}
SMS_STATUS = {"queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"),
              "delivered": _l("delivered"), "failed": _l("failed")}
SMS_ROLES = {"principal": _l("Principal"), "controller": _l("Actual controller")}
STOCK = {True: _l("Stock"), False: _l("Increment")}
# 责任清单: what a person answers for.
RESPONSIBILITIES = {"principal": _l("Principal"), "controller": _l("Actual controller"),
                    "safety_manager": _l("Safety manager"), "inspector": _l("Grid inspector"),
                    "hazard": _l("Responsible for a hazard"), "office": _l("Supervising office")}

# Inspections and duties -----------------------------------------------------------------------

ANSWER_RESULTS = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A")}
DUTY_STATES = {"done": _l("Done"), "due": _l("Due"), "overdue": _l("Overdue")}

# Checklists -----------------------------------------------------------------------------------

REGIMES = {"accident": _l("Major accident hazard (重大事故隐患)"),
           "fire": _l("Major fire hazard (重大火灾隐患)")}
VERIFY = {"V": _l("Confirmed against a source"), "P": _l("Partly confirmed"),
          "U": _l("Unconfirmed: check against the official text")}
MAJOR_FLAGS = {"Y": _l("Major"), "C": _l("Counts toward a major fire hazard"), "N": _l("General")}
REVIEW_CHANGES = {"added": _l("added"), "removed": _l("removed"), "changed": _l("changed"),
                  "reordered": _l("items reordered")}  # a checklist upload's diff
FIRE_PROPOSAL_STATUS = {"proposed": _l("waiting for a decision"),
                        "accepted": _l("judged a major fire hazard"),
                        "declined": _l("not a major fire hazard")}

# Sites -----------------------------------------------------------------------------------------

SITE_TYPES = {
    "GM": _l("Industry & trade (general)"),
    "MET": _l("Industry & trade: metallurgy"),
    "NF": _l("Industry & trade: non-ferrous metals"),
    "BM": _l("Industry & trade: building materials"),
    "MECH": _l("Industry & trade: machinery"),
    "LIGHT": _l("Industry & trade: light industry"),
    "TEX": _l("Industry & trade: textiles"),
    "TOB": _l("Industry & trade: tobacco"),
    "HAZ": _l("Hazardous chemicals"),
    "GASU": _l("Gas user (catering/commercial)"),
    "GASOP": _l("Gas operator"),
    "CON": _l("Construction site"),
    "SCON": _l("Small or sporadic works"),
    "NINE": _l("Nine small places"),
    "SELF": _l("Self-built house used for processing"),
    "MIX": _l("Three-in-one premises"),
    "PDP": _l("Crowded place"),
    "WH": _l("Warehouse"),
}
# Hazard features a site may carry on top of its type (they pull in extra checklists).
FEATURES = {
    "DUST": _l("Combustible dust"),
    "NH3": _l("Ammonia refrigeration"),
    "CS": _l("Confined spaces with toxic or asphyxiant risk"),
    "SE": _l("Special equipment"),
    "FLAM": _l("Stores flammable or explosive goods"),
    "LABOR": _l("Labour-intensive enterprise"),
    "MULTI": _l("Mixed multi-use production and business premises"),
    # GB 35181-2025 terms: the places its elder- and child-care elements apply to.
    "ELDER": _l("Elderly care facility"),
    "CHILD": _l("Children's activity place"),
    "FUEL": _l("Fuel or gas filling station"),
}
# What a hazardous-chemicals (HAZ) site does with them: AQ 3067—2026 covers 生产 and
# 经营（有储存） only; a unit that only uses chemicals falls under 10号令 and GB 35181.
HAZ_MODES = {
    "PROD": _l("Produces"),
    "TRADE": _l("Trades, with storage"),
    "STORE": _l("Stores"),
    "USE": _l("Uses only"),
}
# 九小场所 kinds.
NINE_KINDS = {
    "shop": _l("Small shop"),
    "restaurant": _l("Small restaurant"),
    "hotel": _l("Small hotel"),
    "entertainment": _l("Small entertainment venue"),
    "workshop": _l("Small workshop"),
    "clinic": _l("Small clinic"),
    "school": _l("Small school or nursery"),
    "salon": _l("Small salon or bathhouse"),
    "internet": _l("Small internet cafe"),
}
RISK_COLORS = {
    "red": _l("Red (major risk)"),
    "orange": _l("Orange (high risk)"),
    "yellow": _l("Yellow (moderate risk)"),
    "blue": _l("Blue (low risk)"),
}
SIZE_CLASSES = {
    "large": _l("Above designated size"),
    "medium": _l("Medium"),
    "small": _l("Small or micro"),
}

# People ----------------------------------------------------------------------------------------

ROLES = {"inspector": _l("Grid inspector"), "enterprise": _l("Enterprise staff"),
         "worker": _l("Worker"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}
POSITIONS = {"principal": _l("Principal"), "safety_manager": _l("Safety manager"),
             "staff": _l("Staff")}

# Every family by name, as `label(family, code)` and the ledgers' column kinds call them.
FAMILIES: dict[str, dict] = {
    "status": HAZARD_STATUS, "level": LEVELS, "source": SOURCES, "kind": SOURCES,
    "action": ACTIONS, "event": EVENTS, "extension": EXTENSION_STATUS,
    "supervision": SUPERVISION_STATUS, "supervision_level": SUPERVISION_LEVELS,
    "measure": MEASURES, "referral": REFERRAL_STATUS, "stock": STOCK,
    "duty": RESPONSIBILITIES, "result": ANSWER_RESULTS, "duty_state": DUTY_STATES,
    "site_type": SITE_TYPES, "feature": FEATURES, "haz_mode": HAZ_MODES, "nine_kind": NINE_KINDS,
    "risk": RISK_COLORS, "regime": REGIMES, "verify": VERIFY, "major_flag": MAJOR_FLAGS,
    "fire_proposal": FIRE_PROPOSAL_STATUS, "review_change": REVIEW_CHANGES,
    "authority": AUTHORITIES, "sms": SMS_STATUS,
    "sms_role": SMS_ROLES, "stop_work": STOP_WORK, "five": FIVE_IN_PLACE, "size": SIZE_CLASSES,
    "role": ROLES, "position": POSITIONS,
}


def label(family: str, code) -> str:
    """The word for `code` in the UI language; an unknown code shows as itself (a test renders
    every role's pages in Chinese and fails on any that leak through)."""
    word = FAMILIES[family].get(code)
    if word is None:
        return str(code)
    # Each word is translated once per language and process: Flask-Babel finds the catalog
    # anew for every lazy string (13 us; a queue page words two codes per card).
    key = (get_locale(), family, code)
    try:
        return _words[key]
    except KeyError:
        text = _words[key] = str(word)
        return text


_words: dict[tuple, str] = {}  # (locale, family, code) -> the word: bounded by the tables


def applies_label(codes: str) -> str:
    """A checklist's comma-separated `applies_to` codes (site types, features, HAZ:mode, ALL)
    in words."""
    words = []
    for code in filter(None, codes.split(",")):
        kind, _sep, mode = code.partition(":")
        if code == "ALL":
            words.append(str(_l("All sites")))
        elif mode:
            words.append(f"{label('site_type', kind)}：{label('haz_mode', mode)}")
        else:
            words.append(label("feature" if code in FEATURES else "site_type", code))
    return "、".join(words)


def action_label(action: str, level: str = "") -> str:
    """A workflow action (or its event) in words: a major hazard's close (VERIFY) is its
    核销 (16号令 第23条), a general one's is verify-and-close."""
    code = "write_off" if action == "verify" and level == "major" else action
    return label("event", code)


def event_note(action: str, note: str) -> str:
    """A history entry's note in words: a referral's is stored "department: measure code"."""
    if action == "refer":
        department, sep, code = note.rpartition(": ")
        if sep and code in MEASURES:
            return f"{department}: {label('measure', code)}"
    return note


def in_chinese() -> dict[str, dict]:
    """Every family's words in Chinese, whatever the UI language (the .xlsx ledgers are
    official); made once per file, not per cell."""
    with force_locale("zh"):
        return {name: {code: str(word) for code, word in table.items()}
                for name, table in FAMILIES.items()}


def _lookup(family: str):
    return lambda code: label(family, code)


GLOBALS = {
    "label": label, "applies_label": applies_label,
    "status_text": _lookup("status"), "level_text": _lookup("level"),
    "risk_text": _lookup("risk"), "source_label": _lookup("source"),
    "action_label": action_label, "event_label": action_label, "event_note": event_note,
    "supervision_status": _lookup("supervision"), "supervision_level": _lookup("supervision_level"),
    "measure_label": _lookup("measure"), "referral_status": _lookup("referral"),
    "regime_label": _lookup("regime"), "verify_label": _lookup("verify"),
    "regime_labels": REGIMES, "authority_label": _lookup("authority"),
    "sms_status": _lookup("sms"), "sms_role": _lookup("sms_role"),
    "stop_work_label": _lookup("stop_work"),
}
