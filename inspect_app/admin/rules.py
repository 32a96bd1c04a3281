"""The rules for site and user records, shared by the admin forms and the spreadsheet imports.

Pure functions over typed values, parsed by admin/forms.py from a submitted form or a
spreadsheet row (text stripped and capped by its column, ids bounded): each returns the values
to store and the errors by field. What they check against in the database (grids, credit
codes, logins) comes in a `Known`, loaded once per form or per import, not per row.
"""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .. import labels
from ..access import may_manage_role
from ..roles import Position, Role
from ..sites.types import FEATURES, HAZ_MODES, NINE_KINDS, RISK_COLORS, SITE_TYPES, SIZE_CLASSES

# GB 32100: 18 digits or capital letters, never I, O, Z, S or V.
CREDIT_CODE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")
MOBILE = re.compile(r"1[3-9]\d{9}")
# 86281234, 0595-86281234, 059586281234-801: optional area code, 7-8 digits, optional extension.
LANDLINE = re.compile(r"(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?")
MIN_PASSWORD = 6

ROLE_LABELS, POSITION_LABELS = labels.ROLES, labels.POSITIONS
ENTERPRISE_ROLES = (Role.ENTERPRISE, Role.WORKER)

SITE_FIELDS = ("name", "credit_code", "address", "site_type", "subkind", "size_class",
               "principal_name", "principal_phone", "controller_name", "controller_phone",
               "grid_id", "risk_color", "notes")
USER_FIELDS = ("username", "name", "phone", "role", "site_id", "position", "password")


@dataclass
class Known:
    """What the rules check against in the database."""

    grids: dict[int, bool] = field(default_factory=dict)  # grid id -> active
    sites: dict[int, bool] = field(default_factory=dict)  # site id -> active
    credit_codes: dict[str, tuple[int, str]] = field(default_factory=dict)  # -> (site id, name)
    logins: dict[str, int] = field(default_factory=dict)  # username or phone -> user id


def phone_error(value: str, mobile_only: bool = False) -> str | None:
    """Why `value` is not a phone number (None when empty or fine)."""
    if not value or MOBILE.fullmatch(value):
        return None
    if mobile_only:
        return _("Enter an 11-digit mobile number.")
    if LANDLINE.fullmatch(value) and len(value) <= 20:
        return None
    return _("Enter an 11-digit mobile number or a landline number (digits and '-').")


def check_site(values: dict, known: Known, site_id: int | None = None
               ) -> tuple[dict, dict[str, str]]:
    """Values for a Site and the errors by field (`site_id`: the site being edited)."""
    errors: dict[str, str] = {}
    v = {key: values[key] for key in SITE_FIELDS}
    if not v["name"]:
        errors["name"] = _("Enter the name.")
    code = v["credit_code"] = v["credit_code"].upper() or None
    if code and not CREDIT_CODE.fullmatch(code):
        errors["credit_code"] = _("A unified social credit code has 18 digits or capital "
                                  "letters (not I, O, Z, S or V).")
    elif code and code in known.credit_codes and known.credit_codes[code][0] != site_id:
        errors["credit_code"] = _("Another site already has this credit code: %(name)s.",
                                  name=known.credit_codes[code][1])
    if v["site_type"] not in SITE_TYPES:
        errors["site_type"] = _("Choose a site type from the list.")
    if v["site_type"] == "NINE" and v["subkind"] not in NINE_KINDS:
        errors["subkind"] = _("Choose which of the nine small places this is.")
    elif v["site_type"] != "NINE" and v["subkind"]:
        errors["subkind"] = _("Only nine small places have a kind; leave it empty.")
    features = values["features"]
    if unknown := [f for f in features if f not in FEATURES]:
        errors["features"] = _("Unknown features: %(codes)s.", codes=", ".join(unknown))
    v["features"] = ",".join(f for f in FEATURES if f in features)
    modes = values["haz_modes"]
    if unknown := [m for m in modes if m not in HAZ_MODES]:
        errors["haz_modes"] = _("Unknown hazardous-chemicals modes: %(codes)s.",
                                codes=", ".join(unknown))
    elif modes and v["site_type"] != "HAZ":
        errors["haz_modes"] = _("Only hazardous-chemicals sites have these modes; leave them empty.")
    v["haz_modes"] = ",".join(m for m in HAZ_MODES if m in modes)
    if v["size_class"] not in SIZE_CLASSES:
        errors["size_class"] = _("Choose a size class from the list.")
    if v["risk_color"] not in RISK_COLORS:
        errors["risk_color"] = _("Choose a risk colour from the list.")
    for key in ("principal_phone", "controller_phone"):
        if problem := phone_error(v[key]):
            errors[key] = problem
    grid_id = v["grid_id"]
    if grid_id not in known.grids:
        errors["grid_id"] = _("Choose a grid.")
    elif not known.grids[grid_id]:
        errors["grid_id"] = _("This grid is inactive; choose an active one.")
    return v, errors


def check_user(values: dict, known: Known, actor=None, user=None) -> tuple[dict, dict[str, str]]:
    """Values for a User and the errors by field.

    `user` is the account being edited (None: a new one, which needs a password); `actor` is
    who makes the change (None: the command line, which may do anything).
    """
    errors: dict[str, str] = {}
    v = {key: values[key] for key in USER_FIELDS}
    own_id = user.id if user else None
    if not v["username"]:
        errors["username"] = _("Enter a username.")
    elif re.search(r"\s", v["username"]):
        errors["username"] = _("A username has no spaces.")
    elif known.logins.get(v["username"], own_id) != own_id:
        errors["username"] = _("This username is taken (by a username or a phone number).")
    if not v["name"]:
        errors["name"] = _("Enter the person's name.")
    v["phone"] = v["phone"] or None
    if v["phone"] and (problem := phone_error(v["phone"], mobile_only=True)):
        errors["phone"] = problem
    elif v["phone"] and known.logins.get(v["phone"], own_id) != own_id:
        errors["phone"] = _("Another user already has this phone number.")
    role = v["role"]
    if role not in set(Role):
        errors["role"] = _("Choose a role from the list.")
    elif actor is not None and not may_manage_role(actor, role):
        errors["role"] = _("Only an admin can give the admin role.")
    elif user is not None and actor is not None and user.id == actor.id and role != user.role:
        errors["role"] = _("You cannot change your own role.")
    site_id = v["site_id"] = v["site_id"] if role in ENTERPRISE_ROLES else None
    if role in ENTERPRISE_ROLES and not known.sites.get(site_id):
        errors["site_id"] = _("Enterprise staff and workers must belong to an active enterprise.")
    v["position"] = v["position"] if role in ENTERPRISE_ROLES and v["position"] else None
    if v["position"] and v["position"] not in set(Position):
        errors["position"] = _("Choose a position from the list.")
    grid_ids = values["grid_ids"] if role == Role.INSPECTOR else []
    if any(not known.grids.get(g) for g in grid_ids):
        errors["grid_ids"] = _("Choose active grids only.")
    v["grid_ids"] = sorted(set(grid_ids))
    if user is None and len(v["password"]) < MIN_PASSWORD:
        errors["password"] = _("The password must have at least %(n)s characters.",
                               n=MIN_PASSWORD)
    return v, errors
