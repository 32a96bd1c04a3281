"""The site and user forms, through the one forms layer: one field table per record.

The admin pages and the spreadsheet imports parse with the same table, so a cell and a form
field get the same bounds (the column's length, ids within the integer range). What depends on
other fields or on the database (a kind only for nine small places, a taken credit code) is
checked afterwards, on the typed values, by admin/rules.py.
"""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from .. import forms as f
from ..auth.models import User
from ..sites.models import Site


class Codes(f.Field):
    """Codes from checkboxes (repeated keys) or a list already split from a cell."""

    multi = True

    def __init__(self, max_len: int = 16, **kw):
        super().__init__(**kw)
        self.item = f.Text(max_len, multiline=False, label=kw.get("label"))

    def raw(self, data, key):
        return data.getlist(key) if hasattr(data, "getlist") else data.get(key)

    def clean(self, raw, key):
        items = [raw] if isinstance(raw, str) else (raw or [])
        return [code for item in items if (code := self.item.clean(str(item), key))]


def _line(column, label):
    return f.Text(column=column, multiline=False, label=label)


SITE = {
    "name": _line(Site.name, _l("Name")),
    "credit_code": _line(Site.credit_code, _l("Unified social credit code")),
    "address": _line(Site.address, _l("Address")),
    "site_type": _line(Site.site_type, _l("Type")),
    "subkind": _line(Site.subkind, _l("Kind (nine small places only)")),
    "features": Codes(label=_l("Features")),
    "haz_modes": Codes(label=_l("Hazardous chemicals: what the site does (HAZ only)")),
    "size_class": _line(Site.size_class, _l("Size")),
    "principal_name": _line(Site.principal_name, _l("Principal")),
    "principal_phone": _line(Site.principal_phone, _l("Principal's phone")),
    "controller_name": _line(Site.controller_name, _l("Actual controller")),
    "controller_phone": _line(Site.controller_phone, _l("Controller's phone")),
    "grid_id": f.Id(label=_l("Grid")),
    "risk_color": _line(Site.risk_color, _l("Risk colour")),
    "notes": f.Text(column=Site.notes, label=_l("Notes")),
}

# A password is hashed, so its cap is ours: long enough for any pass phrase.
PASSWORD = f.Text(128, multiline=False, label=_l("Initial password"))

NEW_PASSWORD = {"password": f.Text(128, multiline=False, label=_l("New password"))}

USER = {
    "username": _line(User.username, _l("Username")),
    "name": _line(User.name, _l("Name")),
    "phone": _line(User.phone, _l("Mobile number")),
    "role": _line(User.role, _l("Role")),
    "site_id": f.Id(label=_l("Enterprise")),
    "position": _line(User.position, _l("Position")),
    "grid_ids": f.Ids(label=_l("Grids (grid inspectors only)")),
    "password": PASSWORD,
}


def parse_row(data: Mapping, fields: dict[str, f.Field]) -> tuple[f.Values, dict[str, str]]:
    """Every field typed, and the errors by field, without raising: an import reports a row's
    bad cells together with the rules' findings. A refused field gets its default (or [])."""
    values, errors = f.Values(), {}
    for key, field in fields.items():
        raw = field.raw(data, key)
        if raw is not None and not isinstance(raw, (str, list, tuple)):
            raw = str(raw)  # a spreadsheet cell or a command-line argument may be a number
        try:
            values[key] = field.clean(raw, key)
        except ValueError as e:
            values[key], errors[key] = [] if field.multi else field.default, str(e)
    return values, errors


def parse(data: Mapping, fields: dict[str, f.Field]) -> f.Values:
    """A submitted form: typed values, or forms.Invalid (422) with every field's error."""
    values, errors = parse_row(data, fields)
    if errors:
        raise f.Invalid(errors)
    return values
