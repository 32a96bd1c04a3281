"""Major-hazard statistics (重大事故隐患统计) and the three-year plan's targets.

`summarise` is pure (records in, figures out, `today` passed in) so tests can pin any date;
`dashboard` loads the major hazards a user may see and calls it. The database page, its xlsx
export and the tests all go through here.

Definitions (safety-facts §2.5, §11; plan item 13):
- a major hazard is a hazard of level major from any channel, unless it was rejected;
- stock (存量): found on or before the cut-off day (MAJOR_STOCK_CUTOFF, a calendar day in the
  zone, default 2023-12-31); increment (增量): found after it;
- clearing rate (清零率): closed / total;
- targets: stock cleared by 2024-12-31 (no stock hazard open); increment curbed by 2025-12-31
  (no increment hazard open past its deadline: every new one is fixed in time); dynamic zero
  by 2026-12-31 (no major hazard open). A target whose figure is 0 today is met; otherwise it
  is pending until its due date and not met after it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..hazards.models import Hazard, Supervision
from ..hazards.service import scope
from ..hazards.workflow import OPEN_STATES, Level, State, is_overdue
from ..sites.models import Area, Site
from ..sites.types import SITE_TYPES
from ..timeutil import local_today


@dataclass(frozen=True)
class MajorRecord:
    """What the statistics need to know about one major hazard."""

    found_on: date  # calendar day in the zone
    status: str
    deadline: date
    supervised: bool = False  # an active 督办
    area: str = ""
    site_type: str = ""


def is_stock(found_on: date, cutoff: date) -> bool:
    return found_on <= cutoff


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to clear."""
    return part / whole if whole else None


@dataclass
class Tally:
    total: int = 0
    open: int = 0
    closed: int = 0
    overdue: int = 0
    supervised: int = 0
    stock: int = 0
    stock_open: int = 0
    stock_closed: int = 0
    increment: int = 0
    increment_open: int = 0
    increment_closed: int = 0
    increment_overdue: int = 0

    def add(self, rec: MajorRecord, cutoff: date, today: date) -> None:
        is_open, closed = rec.status in OPEN_STATES, rec.status == State.CLOSED
        if not (is_open or closed):
            return  # rejected: not a hazard after all
        overdue = is_overdue(rec.status, rec.deadline, today)
        self.total += 1
        self.open += is_open
        self.closed += closed
        self.overdue += overdue
        self.supervised += rec.supervised
        if is_stock(rec.found_on, cutoff):
            self.stock += 1
            self.stock_open += is_open
            self.stock_closed += closed
        else:
            self.increment += 1
            self.increment_open += is_open
            self.increment_closed += closed
            self.increment_overdue += overdue

    @property
    def clearing_rate(self) -> float | None:
        return rate(self.closed, self.total)

    @property
    def stock_rate(self) -> float | None:
        return rate(self.stock_closed, self.stock)

    @property
    def increment_rate(self) -> float | None:
        return rate(self.increment_closed, self.increment)


class TargetState(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    PENDING = "pending"  # not yet met, due date still ahead


# (key, due date, the Tally figure that must be 0)
TARGETS = (
    ("stock_cleared", date(2024, 12, 31), "stock_open"),
    ("increment_curbed", date(2025, 12, 31), "increment_overdue"),
    ("dynamic_zero", date(2026, 12, 31), "open"),
)
TARGET_TITLES = {
    "stock_cleared": _l("Stock of major hazards cleared"),
    "increment_curbed": _l("Increment of major hazards curbed"),
    "dynamic_zero": _l("Major hazards at dynamic zero"),
}
TARGET_MEASURES = {
    "stock_cleared": _l("stock hazards still open"),
    "increment_curbed": _l("new major hazards open past their deadline"),
    "dynamic_zero": _l("major hazards open"),
}


def target_state(due: date, today: date, figure: int) -> TargetState:
    if figure == 0:
        return TargetState.MET
    return TargetState.NOT_MET if today > due else TargetState.PENDING


@dataclass(frozen=True)
class Target:
    key: str
    due: date
    figure: int
    state: TargetState
    days_left: int  # negative once the due date has passed


@dataclass
class Dashboard:
    today: date
    cutoff: date
    overall: Tally
    by_area: list[tuple[str, Tally]] = field(default_factory=list)
    by_industry: list[tuple[str, Tally]] = field(default_factory=list)  # (site type code, tally)
    by_year: list[tuple[int, Tally]] = field(default_factory=list)  # year found
    targets: list[Target] = field(default_factory=list)


def summarise(records: Iterable[MajorRecord], cutoff: date, today: date) -> Dashboard:
    """Every figure of the major-hazard dashboard from plain records (pure)."""
    overall = Tally()
    areas: dict[str, Tally] = {}
    industries: dict[str, Tally] = {}
    years: dict[int, Tally] = {}
    for rec in records:
        for tally in (overall, areas.setdefault(rec.area, Tally()),
                      industries.setdefault(rec.site_type, Tally()),
                      years.setdefault(rec.found_on.year, Tally())):
            tally.add(rec, cutoff, today)
    order = {code: n for n, code in enumerate(SITE_TYPES)}
    targets = [Target(key, due, getattr(overall, figure),
                      target_state(due, today, getattr(overall, figure)), (due - today).days)
               for key, due, figure in TARGETS]
    return Dashboard(
        today=today, cutoff=cutoff, overall=overall,
        by_area=[(name, t) for name, t in sorted(areas.items()) if t.total],
        by_industry=[(code, t) for code, t in sorted(industries.items(),
                                                     key=lambda kv: (order.get(kv[0], 99), kv[0]))
                     if t.total],
        by_year=[(year, t) for year, t in sorted(years.items()) if t.total],
        targets=targets,
    )


def stock_cutoff() -> date:
    from flask import current_app
    return date.fromisoformat(current_app.config["MAJOR_STOCK_CUTOFF"])


def load_records(user: User, filters) -> list[MajorRecord]:
    """The major hazards `user` may see in the filters' area, grid and industry."""
    from .service import located, placed

    active = select(Supervision.hazard_id).where(Supervision.status == "active")
    query = placed(select(Hazard.created_at, Hazard.status, Hazard.deadline,
                          Hazard.id.in_(active), Area.name, Site.site_type), Hazard.site_id)
    query = located(scope(query, user), filters).where(Hazard.level == Level.MAJOR,
                                                       Hazard.status != State.REJECTED)
    return [MajorRecord(local_today(found), status, deadline, bool(supervised), area, site_type)
            for found, status, deadline, supervised, area, site_type in db.session.execute(query)]


def dashboard(user: User, filters, today: date | None = None,
              cutoff: date | None = None) -> Dashboard:
    """The dashboard for what `user` may see (area, grid and industry filters apply)."""
    return summarise(load_records(user, filters), cutoff or stock_cutoff(), today or local_today())
