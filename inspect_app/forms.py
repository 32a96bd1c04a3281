"""The one forms layer: typed fields bounded by their columns, for POST forms and GET filters.

Views parse, services take typed arguments; no service reads a MultiDict.

    from .. import forms as f

    CONFIRM = {
        "level": f.Choice(Level, label=_l("Level")),
        "deadline": f.Date(required=True, label=_l("Deadline")),
        "funds": f.Money(column=Hazard.funds, label=_l("Funds")),
        "note": f.Text(column=HazardEvent.note),
        "team_id": f.Id(),
    }
    values = f.parse(request.form, CONFIRM)   # raises f.Invalid({field: message}) -> 422
    values.deadline                           # a date, or None when blank and not required

    args = f.filters(request.args, {"grid": f.Id(), "from": f.Date()})
    # a bad filter value is dropped (None) and a notice flashed; never an error

Fields (all take `required=False`, `label=`, `default=None`):
- `Text(max_len=None, column=None, multiline=True)`: stripped; capped at the column's length
  (or 4000); NUL and other control characters refused (PostgreSQL cannot store NUL).
- `Int(low, high)`: decimal digits only, within the database's integer range by default.
  `Id()`: 1 .. 2**31-1 (PostgreSQL's `integer`), so a 20-digit id is "not found", not a crash.
- `Money(column=None, high=None, low=0)`: finite decimal (no NaN/Infinity/exponent), at most
  the column's scale, below the column's maximum; "1,200.50" accepted.
- `Number(low, high, scale=2)`: the same for other quantities (hours), both ends included.
- `Date(low=None, high=None)`: ISO date within the configured window (`DATE_MIN`..`DATE_MAX`,
  default 1900-01-01..2100-12-31), so date arithmetic at the edges cannot overflow.
- `Year()`: an integer year within the same window.
- `Choice(choices)`: one of an enum's values or a list's items (or a dict's keys).
- `Bool()`: present and not "0"/"false"/"off" means True.
- `Ids()`: a list of ids from repeated keys (`getlist`), each bounded like `Id()`.

`parse(data, fields, only_present=False)` returns a `Values` (a dict with attribute access).
With `only_present`, fields missing from the form are left out (partial updates).
`combine(field_errors, rule_errors, fields)` orders a form's errors the one way: each field's
own first, in form order, then the rules' findings (what depends on other fields or the
database), in form order; `ordered(errors, fields)` sorts one set by the form.
`check(value, field, name)` parses one raw value (for a single query argument or a path part).
`IdConverter` replaces `<int:…>` in routes with one bounded at `INT_MAX` (404 beyond).
Fields that fail raise `errors.Invalid` (422) with every error by field name.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from flask import current_app, flash, has_app_context, has_request_context
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from .errors import Invalid

INT_MAX = 2**31 - 1  # PostgreSQL `integer`; SQLite's is wider, but the schema must fit both
INT_MIN = -(2**31)
TEXT_MAX = 4000  # for Text columns without a length
DATE_WINDOW = (date(1900, 1, 1), date(2100, 12, 31))
# Tab, newline and carriage return are legitimate in notes; other control characters are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[+-]?\d{1,12}", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MONEY = re.compile(r"\d{1,15}(?:\.\d{1,12})?", re.ASCII)


class Values(dict):
    """Parsed values by field name, also readable as attributes (`values.deadline`)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def date_window() -> tuple[date, date]:
    if has_app_context():
        cfg = current_app.config
        return (_as_date(cfg.get("DATE_MIN"), DATE_WINDOW[0]),
                _as_date(cfg.get("DATE_MAX"), DATE_WINDOW[1]))
    return DATE_WINDOW


def _as_date(value, fallback: date) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if value else fallback


class Field:
    """One typed input. `convert` turns non-blank text into a value or raises ValueError(msg)."""

    multi = False

    def __init__(self, *, required: bool = False, label=None, default=None):
        self.required = required
        self.label = label
        self.default = default

    def name_for(self, key: str) -> str:
        return str(self.label) if self.label else key

    def raw(self, data: Mapping, key: str):
        return data.get(key)

    def clean(self, raw, key: str):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise ValueError(_("Please fill in: %(field)s", field=self.name_for(key)))
            return self.default
        return self.convert(raw.strip(), key)

    def convert(self, raw: str, key: str):  # pragma: no cover - every field overrides it
        raise NotImplementedError


def _column_type(column):
    """The SQLAlchemy type of a mapped attribute or Column (or None)."""
    if column is None:
        return None
    col = getattr(column, "property", None)
    if col is not None and hasattr(col, "columns"):
        return col.columns[0].type
    return getattr(column, "type", None)


class Text(Field):
    def __init__(self, max_len: int | None = None, *, column=None, multiline: bool = True,
                 **kw):
        super().__init__(**kw)
        length = getattr(_column_type(column), "length", None)
        self.max_len = max_len or length or TEXT_MAX
        self.pattern = _CONTROL if multiline else _SINGLE_LINE_CONTROL
        if self.default is None:
            self.default = ""

    def convert(self, raw: str, key: str) -> str:
        if self.pattern.search(raw):
            raise ValueError(_("%(field)s contains characters that cannot be saved.",
                               field=self.name_for(key)))
        if len(raw) > self.max_len:
            raise ValueError(_("%(field)s is too long (at most %(n)s characters).",
                               field=self.name_for(key), n=self.max_len))
        return raw


class Int(Field):
    def __init__(self, low: int = INT_MIN, high: int = INT_MAX, **kw):
        super().__init__(**kw)
        self.low, self.high = max(low, INT_MIN), min(high, INT_MAX)

    def convert(self, raw: str, key: str) -> int:
        if not _DIGITS.fullmatch(raw):
            raise ValueError(_("%(field)s must be a whole number.", field=self.name_for(key)))
        value = int(raw)
        if not self.low <= value <= self.high:
            raise ValueError(_("%(field)s must be between %(low)s and %(high)s.",
                               field=self.name_for(key), low=self.low, high=self.high))
        return value


class Id(Int):
    def __init__(self, **kw):
        super().__init__(1, INT_MAX, **kw)

    def convert(self, raw: str, key: str) -> int:
        try:
            return super().convert(raw, key)
        except ValueError:
            raise ValueError(_("%(field)s does not name a record.", field=self.name_for(key))) \
                from None


class Ids(Id):
    multi = True

    def raw(self, data, key):
        return data.getlist(key) if hasattr(data, "getlist") else data.get(key)

    def clean(self, raw, key):
        if raw is None:
            raw = []
        if isinstance(raw, str):
            raw = [raw]
        values = []
        for item in raw:
            if item is None or not str(item).strip():
                continue
            value = self.convert(str(item).strip(), key)
            if value not in values:
                values.append(value)
        if self.required and not values:
            raise ValueError(_("Please fill in: %(field)s", field=self.name_for(key)))
        return values


class Number(Field):
    """A finite decimal with at most `scale` places within [low, high] (hours, scores)."""

    def __init__(self, low=0, high=100_000, *, scale: int = 2, **kw):
        super().__init__(**kw)
        self.low, self.high, self.scale = Decimal(str(low)), Decimal(str(high)), scale

    def bad(self, key: str) -> str:
        return _("%(field)s must be a number.", field=self.name_for(key))

    def out_of_range(self, key: str) -> str:
        return _("%(field)s must be between %(low)s and %(high)s.", field=self.name_for(key),
                 low=self.low, high=self.high)

    def in_range(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def convert(self, raw: str, key: str) -> Decimal:
        text = raw.replace(",", "").replace("，", "")
        if not _MONEY.fullmatch(text.removeprefix("-")):  # no NaN, Infinity, exponent or 5,000 digits
            raise ValueError(self.bad(key))
        value = Decimal(text)
        if not self.in_range(value):
            raise ValueError(self.out_of_range(key))
        quantum = Decimal(1).scaleb(-self.scale)
        if value != value.quantize(quantum):
            raise ValueError(_("%(field)s has at most %(n)s decimal places.",
                               field=self.name_for(key), n=self.scale))
        return value.quantize(quantum)


class Money(Number):
    """Yuan, bounded by a Numeric column: at most its scale, below 10**(precision - scale)."""

    def __init__(self, *, column=None, high: Decimal | int | None = None, low: int = 0,
                 scale: int | None = None, **kw):
        ctype = _column_type(column)
        scale = scale if scale is not None else (getattr(ctype, "scale", None) or 2)
        precision = getattr(ctype, "precision", None)
        column_max = Decimal(10) ** (precision - scale) if precision else Decimal(10) ** 10
        super().__init__(low, min(Decimal(high), column_max) if high is not None else column_max,
                         scale=scale, **kw)

    def bad(self, key: str) -> str:
        return _("%(field)s must be an amount in yuan.", field=self.name_for(key))

    def out_of_range(self, key: str) -> str:
        return _("%(field)s must be at least %(low)s and below %(high)s.",
                 field=self.name_for(key), low=self.low, high=self.high)

    def in_range(self, value: Decimal) -> bool:
        return self.low <= value < self.high


class Date(Field):
    def __init__(self, *, low: date | None = None, high: date | None = None, **kw):
        super().__init__(**kw)
        self.low, self.high = low, high

    def convert(self, raw: str, key: str) -> date:
        try:
            value = date.fromisoformat(raw) if _ISO_DATE.fullmatch(raw) else None
        except ValueError:
            value = None
        if value is None:
            raise ValueError(_("Please give a valid date for: %(field)s", field=self.name_for(key)))
        w_low, w_high = date_window()
        low = max(self.low, w_low) if self.low else w_low
        high = min(self.high, w_high) if self.high else w_high
        if value < low or value > high:
            raise ValueError(_("%(field)s must be between %(low)s and %(high)s.",
                               field=self.name_for(key), low=low.isoformat(),
                               high=high.isoformat()))
        return value


class Year(Int):
    def __init__(self, **kw):
        super().__init__(**kw)

    def convert(self, raw: str, key: str) -> int:
        low, high = (d.year for d in date_window())
        self.low, self.high = low, high
        return super().convert(raw, key)


class Choice(Field):
    def __init__(self, choices: Iterable | type[enum.Enum], **kw):
        super().__init__(**kw)
        if isinstance(choices, type) and issubclass(choices, enum.Enum):
            self.choices = [m.value for m in choices]
        else:
            self.choices = [str(c) for c in choices]

    def convert(self, raw: str, key: str) -> str:
        if raw not in self.choices:
            raise ValueError(_("Choose one of the listed options for: %(field)s",
                               field=self.name_for(key)))
        return raw


class Bool(Field):
    def clean(self, raw, key):
        if raw is None:
            return bool(self.default)
        return raw.strip().lower() not in ("", "0", "false", "off", "no")


def check(raw, field: Field, key: str = ""):
    """One raw value through one field; raises Invalid({key: message})."""
    try:
        return field.clean(raw, key)
    except ValueError as e:
        raise Invalid({key: str(e)}) from None


def parse(data: Mapping, fields: dict[str, Field], *, only_present: bool = False) -> Values:
    """Every field of a submitted form, typed and bounded; raises Invalid with all errors."""
    values, errors = Values(), {}
    for key, field in fields.items():
        if only_present and key not in data:
            continue
        try:
            values[key] = field.clean(field.raw(data, key), key)
        except ValueError as e:
            errors[key] = str(e)
    if errors:
        raise Invalid(errors)
    return values


def ordered(errors: Mapping[str, str], fields: Iterable[str]) -> dict[str, str]:
    """Errors in the form's order (its field table's), any key not in it after them."""
    order = {key: n for n, key in enumerate(fields)}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def combine(field_errors: Mapping[str, str], rule_errors: Mapping[str, str],
            fields: Iterable[str]) -> dict[str, str]:
    """A form's errors as every page and import shows them: the fields' own (a value refused
    by its field) first, in form order, then the rules' findings on the typed values, in form
    order. A refused field keeps its own message (it says why, not "enter the name")."""
    fields = list(fields)
    rules = {k: v for k, v in rule_errors.items() if k not in field_errors}
    return ordered(field_errors, fields) | ordered(rules, fields)


def filters(args: Mapping, fields: dict[str, Field], *, notify: bool = True) -> Values:
    """GET filters: a bad value is ignored (None, or the field's default) with a notice."""
    values = Values()
    for key, field in fields.items():
        try:
            values[key] = field.clean(field.raw(args, key), key)
        except ValueError as e:
            values[key] = [] if field.multi else field.default
            if notify and has_request_context():
                flash(_("A filter was ignored: %(error)s", error=str(e)), "warning")
    return values


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: an id beyond the database's integer range is a 404, not a crash."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)
