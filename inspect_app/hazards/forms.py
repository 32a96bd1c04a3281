"""Fields of hazard forms used in more than one place: one definition per column."""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from .models import Hazard

# 整改资金: the same bounds on the confirm form and in the major-hazard report.
FUNDS = f.Money(column=Hazard.funds, label=_l("Funds"))
