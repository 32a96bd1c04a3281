"""Major-hazard statistics (重大事故隐患统计) and the three-year plan's targets.

`summarise` is pure (records in, figures out, `today` passed in) so tests can pin any date;
`dashboard` loads the major hazards a user may see and calls it. The database page, its xlsx
export and the tests all go through here.

Definitions (safety-facts §2.5, §11; plan item 13):
- a major hazard is a hazard of level major from any channel, unless it was rejected;
- stock (存量): found on or before the cut-off day (MAJOR_STOCK_CUTOFF, a calendar day in the
  zone, default 2023-12-31); increment (增量): found after it;
- clearing rate (清零率): closed / total;
- the plan's targets as it means them (§一(二); definitions configurable in MAJOR_TARGETS and
  shown on the page, see `targets`):
  存量清零: every major found on or before the cut-off closed by its due day;
  增量遏制: fewer majors found in the target year than in the baseline year;
  动态清零: from its start day, every major closed within its time limit (the deadline after
  approved extensions) and none open past it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, and_, case, cast, extract, false, func, not_, or_, select, true

from ..auth.models import User
from ..extensions import read
from ..hazards.models import Hazard, Supervision, regime_clause
from ..hazards.service import scope
from ..hazards.workflow import OPEN_STATES, Level, State, is_overdue
from ..sites.models import Area, Site
from ..sites.types import SITE_TYPES
from .filters import LocalDay, day_start, located, placed


@dataclass(frozen=True)
class MajorRecord:
    """What the statistics need to know about one major hazard."""

    found_on: date  # calendar day in the zone
    status: str
    deadline: date
    supervised: bool = False  # an active 督办
    area: str = ""
    site_type: str = ""
    closed_on: date | None = None  # calendar day in the zone, when closed
    regime: str = ""  # accident | fire (hazards/regimes.py)


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

    def add(self, group: "MajorGroup") -> None:
        """Count `group.n` major hazards alike in every way a tally tells apart."""
        n, is_open, closed = group.n, group.state == "open", group.state == "closed"
        if not (is_open or closed):
            return  # rejected: not a hazard after all
        overdue = n if group.overdue else 0
        self.total += n
        self.open += n * is_open
        self.closed += n * closed
        self.overdue += overdue
        self.supervised += n * group.supervised
        if group.stock:
            self.stock += n
            self.stock_open += n * is_open
            self.stock_closed += n * closed
        else:
            self.increment += n
            self.increment_open += n * is_open
            self.increment_closed += n * closed
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


TARGET_KEYS = ("stock_cleared", "increment_curbed", "dynamic_zero")
TARGET_TITLES = {
    "stock_cleared": _l("Stock of major hazards cleared"),
    "increment_curbed": _l("Increment of major hazards curbed"),
    "dynamic_zero": _l("Major hazards at dynamic zero"),
}
TARGET_MEASURES = {
    "stock_cleared": _l("stock hazards not closed by the due day"),
    "increment_curbed": _l("major hazards found in the target year"),
    "dynamic_zero": _l("major hazards closed late or open past their time limit"),
}


@dataclass(frozen=True)
class TargetRules:
    """The targets' parameters (config MAJOR_TARGETS; the plan's by default)."""

    stock_found_by: date = date(2023, 12, 31)
    stock_closed_by: date = date(2024, 12, 31)
    increment_year: int = 2025
    increment_baseline_year: int = 2024
    zero_from: date = date(2026, 1, 1)
    zero_due: date = date(2026, 12, 31)

    @classmethod
    def from_config(cls, cfg: dict) -> "TargetRules":
        stock, inc, zero = (cfg.get(k, {}) for k in TARGET_KEYS)
        d = cls()
        return cls(
            stock_found_by=date.fromisoformat(stock.get("found_by", d.stock_found_by.isoformat())),
            stock_closed_by=date.fromisoformat(stock.get("closed_by", d.stock_closed_by.isoformat())),
            increment_year=int(inc.get("year", d.increment_year)),
            increment_baseline_year=int(inc.get("baseline_year", d.increment_baseline_year)),
            zero_from=date.fromisoformat(zero.get("from", d.zero_from.isoformat())),
            zero_due=date.fromisoformat(zero.get("due", d.zero_due.isoformat())))

    def due(self, key: str) -> date:
        return {"stock_cleared": self.stock_closed_by,
                "increment_curbed": date(self.increment_year, 12, 31),
                "dynamic_zero": self.zero_due}[key]

    def definition(self, key: str) -> str:
        """What the target counts, in words, with this deployment's days and years."""
        from flask_babel import gettext as _
        if key == "stock_cleared":
            return _("Every major hazard found on or before %(found)s is closed by %(closed)s.",
                     found=self.stock_found_by.isoformat(), closed=self.stock_closed_by.isoformat())
        if key == "increment_curbed":
            return _("Fewer major hazards are found in %(year)s than in %(base)s (or none in "
                     "either year).", year=self.increment_year, base=self.increment_baseline_year)
        return _("From %(start)s, every major hazard is closed within its time limit (the "
                 "deadline after approved extensions), and none is open past it.",
                 start=self.zero_from.isoformat())


class TargetState(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    PENDING = "pending"  # not yet met, due date still ahead


def target_state(due: date, today: date, figure: int) -> TargetState:
    """For a figure that must reach 0 by `due` (the stock): 0 is met, whenever it happens."""
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
    baseline: int | None = None  # 增量遏制: the baseline year's count


def _late(rec: MajorRecord, today: date) -> bool:
    """Closed after its time limit, or open past it as of today."""
    if rec.status == State.CLOSED:
        return rec.closed_on is not None and rec.closed_on > rec.deadline
    return is_overdue(rec.status, rec.deadline, today)


@dataclass(frozen=True)
class MajorGroup:
    """Major hazards alike in everything the dashboard counts, and how many (`n`): what the
    database's GROUP BY returns (a few hundred rows for a city), or one record classified."""

    area: str
    site_type: str
    year: int  # the year found
    regime: str
    state: str  # open | closed | other (not counted)
    stock: bool  # found on or before the cut-off
    overdue: bool  # open past its deadline today
    supervised: bool  # an active 督办
    stock_left: bool  # 存量清零: found by the target's day and not closed by its due day
    late: bool  # 动态清零: its time limit from the start day on, closed late or open past it
    n: int = 1


def classify(rec: MajorRecord, cutoff: date, today: date, rules: TargetRules) -> MajorGroup:
    """One record's group (the same definitions the SQL of `load_groups` computes)."""
    closed = rec.status == State.CLOSED
    state = "open" if rec.status in OPEN_STATES else "closed" if closed else "other"
    return MajorGroup(
        area=rec.area, site_type=rec.site_type, year=rec.found_on.year,
        regime=rec.regime or "accident", state=state, stock=is_stock(rec.found_on, cutoff),
        overdue=is_overdue(rec.status, rec.deadline, today), supervised=rec.supervised,
        stock_left=rec.found_on <= rules.stock_found_by and not (
            closed and rec.closed_on is not None and rec.closed_on <= rules.stock_closed_by),
        late=rec.deadline >= rules.zero_from and _late(rec, today))


def targets(groups: list[MajorGroup], rules: TargetRules, today: date) -> list[Target]:
    """The three targets of the plan, each as its definition reads."""
    groups = [g for g in groups if g.state in ("open", "closed")]
    stock_due = rules.stock_closed_by
    stock_left = sum(g.n for g in groups if g.stock_left)
    stock = Target("stock_cleared", stock_due, stock_left,
                   target_state(stock_due, today, stock_left), (stock_due - today).days)

    inc_due = rules.due("increment_curbed")
    found = sum(g.n for g in groups if g.year == rules.increment_year)
    base = sum(g.n for g in groups if g.year == rules.increment_baseline_year)
    below = found < base or (found == 0 and base == 0)
    if not below:
        inc_state = TargetState.NOT_MET  # counts only grow: reaching the baseline is final
    else:
        inc_state = TargetState.MET if today > inc_due else TargetState.PENDING
    increment = Target("increment_curbed", inc_due, found, inc_state, (inc_due - today).days,
                       baseline=base)

    zero_due = rules.zero_due
    late = sum(g.n for g in groups if g.late)
    zero_state = (TargetState.NOT_MET if late else
                  TargetState.MET if today > zero_due else TargetState.PENDING)
    zero = Target("dynamic_zero", zero_due, late, zero_state, (zero_due - today).days)
    return [stock, increment, zero]


@dataclass
class Dashboard:
    today: date
    cutoff: date
    overall: Tally
    by_area: list[tuple[str, Tally]] = field(default_factory=list)
    by_industry: list[tuple[str, Tally]] = field(default_factory=list)  # (site type code, tally)
    by_year: list[tuple[int, Tally]] = field(default_factory=list)  # year found
    by_regime: list[tuple[str, Tally]] = field(default_factory=list)  # accident | fire
    targets: list[Target] = field(default_factory=list)
    rules: TargetRules = field(default_factory=TargetRules)
    # Where the figures come from, and when they were counted (UTC): "summary" (summary.py) or
    # "live" from the hazards, with why (scope: the summary cannot tell; pending: it is not up
    # to date; asked: the caller wanted a live count). Not part of the figures' equality.
    source: str = field(default="live", compare=False)
    counted_at: datetime | None = field(default=None, compare=False)
    live_why: str = field(default="", compare=False)


def summarise(records: Iterable[MajorRecord], cutoff: date, today: date,
              rules: TargetRules | None = None) -> Dashboard:
    """Every figure of the major-hazard dashboard from plain records (pure)."""
    rules = rules or TargetRules(stock_found_by=cutoff)
    return summarise_groups([classify(r, cutoff, today, rules) for r in records], cutoff,
                            today, rules)


# The dashboard's tables: a tally per value of one MajorGroup field each ("": the whole).
DIMENSIONS = ("", "area", "site_type", "year", "regime")


def summarise_groups(groups: Iterable[MajorGroup], cutoff: date, today: date,
                     rules: TargetRules) -> Dashboard:
    """Every figure of the dashboard from groups of alike major hazards (pure)."""
    groups = list(groups)
    return summarise_parts(dict.fromkeys(DIMENSIONS, groups), groups, cutoff, today, rules)


def summarise_parts(parts: dict[str, Iterable[MajorGroup]], for_targets: Iterable[MajorGroup],
                    cutoff: date, today: date, rules: TargetRules) -> Dashboard:
    """The same from groups summed apart for each table (`parts`, by DIMENSIONS: there only
    that field and what a tally counts tell groups apart) and for the targets (pure): the
    summary sums its rows so, a few dozen per table whatever the number of areas."""
    tables: dict[str, dict] = {dim: {} for dim in DIMENSIONS}
    for dim, groups in parts.items():
        table = tables[dim]
        for group in groups:
            key = getattr(group, dim) if dim else ""
            (table.get(key) or table.setdefault(key, Tally())).add(group)
    regimes = tables["regime"]
    order = {code: n for n, code in enumerate(SITE_TYPES)}
    return Dashboard(
        today=today, cutoff=cutoff, overall=tables[""].get("", Tally()),
        by_area=[(name, t) for name, t in sorted(tables["area"].items()) if t.total],
        by_industry=[(code, t) for code, t in sorted(tables["site_type"].items(),
                                                     key=lambda kv: (order.get(kv[0], 99), kv[0]))
                     if t.total],
        by_year=[(year, t) for year, t in sorted(tables["year"].items()) if t.total],
        by_regime=[(r, regimes[r]) for r in ("accident", "fire") if r in regimes
                   and regimes[r].total],
        targets=targets(list(for_targets), rules, today), rules=rules,
    )


def stock_cutoff() -> date:
    from flask import current_app
    return date.fromisoformat(current_app.config["MAJOR_STOCK_CUTOFF"])


def target_rules(cutoff: date | None = None) -> TargetRules:
    from flask import current_app
    cfg = dict(current_app.config.get("MAJOR_TARGETS") or {})
    cfg.setdefault("stock_cleared", {})
    cfg["stock_cleared"] = {"found_by": (cutoff or stock_cutoff()).isoformat(),
                            **cfg["stock_cleared"]}
    return TargetRules.from_config(cfg)


# A major hazard's regime as the dashboard shows it (one keyed in before regimes is an accident).
SHOWN_REGIME = func.coalesce(func.nullif(Hazard.regime, ""), "accident")


def classified(place, regime, cutoff: date, today: date, rules: TargetRules) -> Select:
    """Every counted major hazard (not rejected) with what `classify` tells apart, in SQL: `place`
    is the area column (its name for the page, its id for the summary), `regime` the regime's."""
    closed = Hazard.status == State.CLOSED
    is_open = Hazard.status.in_(list(OPEN_STATES))
    active = select(Supervision.hazard_id).where(Supervision.status == "active")

    def flag(condition):
        return case((condition, true()), else_=false())

    columns = [
        place.label("area"), Site.site_type.label("site_type"),
        cast(extract("year", Hazard.found_on), Integer).label("year"), regime.label("regime"),
        case((closed, "closed"), else_="open").label("state"),
        flag(Hazard.found_on <= cutoff).label("stock"),
        flag(and_(is_open, Hazard.deadline < today)).label("overdue"),
        flag(Hazard.id.in_(active)).label("supervised"),
        flag(and_(Hazard.found_on <= rules.stock_found_by, not_(and_(
            closed, Hazard.closed_at.is_not(None),
            Hazard.closed_at < day_start(rules.stock_closed_by + timedelta(days=1)))))
             ).label("stock_left"),
        flag(and_(Hazard.deadline >= rules.zero_from, or_(
            and_(closed, Hazard.closed_at.is_not(None),
                 LocalDay(Hazard.closed_at) > Hazard.deadline),
            and_(is_open, Hazard.deadline < today)))).label("late"),
    ]
    return placed(select(*columns), Hazard.site_id).where(
        Hazard.level == Level.MAJOR, or_(closed, is_open))


def grouped(query: Select) -> Select:
    """`classified` rows counted: one row per kind of major hazard, with how many (`n`)."""
    rows = query.subquery()
    return select(*rows.c, func.count().label("n")).group_by(*rows.c)


def as_group(row) -> MajorGroup:
    area, site_type, year, regime, state, stock, overdue, supervised, stock_left, late, n = row
    return MajorGroup(area, site_type, int(year), regime, state, bool(stock), bool(overdue),
                      bool(supervised), bool(stock_left), bool(late), int(n))


def load_groups(user: User, filters, cutoff: date, today: date, rules: TargetRules,
                regime: str = "") -> list[MajorGroup]:
    """The major hazards `user` may see in the filters' area, grid and industry, counted in
    one GROUP BY over what the dashboard tells apart: a few hundred rows whatever the number of
    hazards, but a read of every major hazard in scope (summary.py keeps them counted)."""
    query = located(scope(classified(Area.name, SHOWN_REGIME, cutoff, today, rules), user),
                    filters)
    if regime:
        query = query.where(regime_clause(regime))
    return [as_group(row) for row in read(grouped(query))]

