"""Every model, imported in one place so mappers and migrations see the whole schema."""

from .auth.models import AccountEvent, LoginFailure, User
from .checklists.models import ChecklistItem, ChecklistTemplate
from .enterprise import models as enterprise_models  # noqa: F401 - SelfCheck, Drill, Training…
from .hazards.models import (
    Extension,
    Hazard,
    HazardDocument,
    HazardEvent,
    HazardImport,
    Referral,
    Supervision,
)
from .idempotency import Receipt
from .inspections.models import Answer, Inspection
from .ledgers.models import ExportJob, MajorSummary, MajorSummaryRow
from .notifications.models import Notification
from .photos.models import Photo
from .roles import Position, Role
from .shifts.models import CheckIn, Meeting, Post, Team, TeamMember, WorkerReport  # noqa: F401
from .sites.models import Area, Grid, Site, grid_inspectors
from .sms.models import SmsMessage

__all__ = ["AccountEvent", "Answer", "Area", "ChecklistItem", "ChecklistTemplate", "Extension",
           "ExportJob", "Grid", "Hazard", "HazardDocument", "HazardEvent", "HazardImport", "Inspection",
           "LoginFailure", "MajorSummary", "MajorSummaryRow", "Notification", "Photo",
           "Position", "Receipt", "Referral", "Role", "Site",
           "SmsMessage",
           "Supervision", "User", "grid_inspectors"]
