"""The words for the codes the shift rules answer with (check-in refusals, PIN problems)."""


from flask_babel import lazy_gettext as _l

MESSAGES = {
    "fit_missing": _l("Say whether you are fit to work today."),
    "decision_missing": _l("Choose: work or stop."),
    "must_stop": _l("Not every point is confirmed, or you are not fit: do not work. "
                    "Press “Stop” instead."),
    "reason_missing": _l("Say why you stop."),
    "pin_format": _l("A PIN has 4 to 6 digits."),
    "pin_simple": _l("This PIN is too easy to guess (like 1111 or 1234): choose another."),
}


def message(code: str) -> str:
    return str(MESSAGES.get(code, code))
