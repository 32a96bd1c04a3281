"""What an enterprise must do and by when: its duties, their periods, and training hours.

Pure Python (no Flask, no db). The rule lives here once; the numbers come from
`config.Defaults` through `Rules.from_config`, and `today` is always passed in.

- A duty is due once per calendar period (day, ISO week, month, quarter, half-year, year).
  The principal-led check is monthly for high-risk enterprises (by industry, feature or
  risk colour) and quarterly for the others; staff check the enterprise monthly; fire
  inspections and daily fire patrols apply by site type; drills are yearly, or half-yearly
  for high-risk and crowded places (the zone plan, 2号令 第33条, 61号令 第25、26、40条).
- A duty is *done* for a period when something that satisfies it happened inside the
  period; *due* while the current period is open and nothing has; *overdue* when, on top
  of that, the previous period ended with nothing (counted only for periods that started
  after the enterprise was registered). Nothing is stored: the state is derived, so it
  cannot go stale.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from ..periods import Kind, Period, period_of


def statistics_deadline(period: Period) -> date:
    """When the hazard statistics table is due (16号令 第14条): by the 15th of the month after
    a quarter, by 31 January after a year."""
    after = period.end + timedelta(days=1)
    if period.kind == Kind.YEAR:
        return date(after.year, 1, 31)
    return date(after.year, after.month, 15)


# Duties ---------------------------------------------------------------------------------------

class Duty(StrEnum):
    PRINCIPAL_CHECK = "principal_check"  # 主要负责人带队检查
    STAFF_CHECK = "staff_check"  # 员工按检查清单自查
    FIRE_INSPECTION = "fire_inspection"  # 防火检查
    FIRE_PATROL = "fire_patrol"  # 防火巡查
    EMERGENCY_DRILL = "emergency_drill"  # 综合/专项/现场处置方案演练
    FIRE_DRILL = "fire_drill"  # 灭火和应急疏散演练


# Duties a person starts as a checklist run (the others are recorded as drills).
CHECK_DUTIES = (Duty.PRINCIPAL_CHECK, Duty.STAFF_CHECK, Duty.FIRE_INSPECTION, Duty.FIRE_PATROL)

DRILL_KINDS = ("comprehensive", "special", "on_site", "fire")

# What happened (an event kind) → the duties it fulfils. One check counts once, for its own
# duty: a principal-led check is not also the month's staff check unless the zone says so
# (Rules.principal_check_covers_staff_check, see `satisfies`); a full fire inspection also
# covers that day's patrol.
SATISFIES: dict[str, frozenset[Duty]] = {
    Duty.PRINCIPAL_CHECK: frozenset({Duty.PRINCIPAL_CHECK}),
    Duty.STAFF_CHECK: frozenset({Duty.STAFF_CHECK}),
    Duty.FIRE_INSPECTION: frozenset({Duty.FIRE_INSPECTION, Duty.FIRE_PATROL}),
    Duty.FIRE_PATROL: frozenset({Duty.FIRE_PATROL}),
    "drill:comprehensive": frozenset({Duty.EMERGENCY_DRILL}),
    "drill:special": frozenset({Duty.EMERGENCY_DRILL}),
    "drill:on_site": frozenset({Duty.EMERGENCY_DRILL}),
    "drill:fire": frozenset({Duty.FIRE_DRILL}),
}


@dataclass(frozen=True)
class Profile:
    """The facts about an enterprise that decide its duties."""

    site_type: str
    features: tuple[str, ...] = ()
    risk_color: str = "blue"


@dataclass(frozen=True)
class Event:
    """Something done on a day that may fulfil duties: a check (its duty) or a drill."""

    day: date
    kind: str


@dataclass(frozen=True)
class Rules:
    """The configurable numbers of the rule (see config.Defaults for what each means)."""

    high_risk_types: frozenset[str] = frozenset()
    high_risk_features: frozenset[str] = frozenset()
    high_risk_colors: frozenset[str] = frozenset()
    principal_check_period: Mapping[str, str] = field(
        default_factory=lambda: {"high_risk": "month", "other": "quarter"})
    staff_check_period: str = "month"
    fire_inspection_types: frozenset[str] = frozenset({"ALL"})
    fire_inspection_period: str = "month"
    fire_patrol_types: frozenset[str] = frozenset()
    drill_period: Mapping[str, str] = field(
        default_factory=lambda: {"high_risk": "half", "other": "year"})
    drill_half_yearly_types: frozenset[str] = frozenset()
    remind_days: Mapping[str, int | None] = field(default_factory=dict)
    principal_check_covers_staff_check: bool = False

    @classmethod
    def from_config(cls, config: Mapping) -> "Rules":
        return cls(
            high_risk_types=frozenset(config["ENTERPRISE_HIGH_RISK_TYPES"]),
            high_risk_features=frozenset(config["ENTERPRISE_HIGH_RISK_FEATURES"]),
            high_risk_colors=frozenset(config["ENTERPRISE_HIGH_RISK_COLORS"]),
            principal_check_period=dict(config["PRINCIPAL_CHECK_PERIOD"]),
            staff_check_period=config["STAFF_CHECK_PERIOD"],
            fire_inspection_types=frozenset(config["FIRE_INSPECTION_TYPES"]),
            fire_inspection_period=config["FIRE_INSPECTION_PERIOD"],
            fire_patrol_types=frozenset(config["FIRE_PATROL_TYPES"]),
            drill_period=dict(config["DRILL_PERIOD"]),
            drill_half_yearly_types=frozenset(config["DRILL_HALF_YEARLY_TYPES"]),
            remind_days=dict(config["SELF_CHECK_REMIND_DAYS"]),
            principal_check_covers_staff_check=bool(
                config["PRINCIPAL_CHECK_COVERS_STAFF_CHECK"]),
        )


def is_high_risk(profile: Profile, rules: Rules) -> bool:
    """High-risk industry (危化、燃气、金属冶炼…), feature (粉尘涉爆、涉氨、有限空间) or colour."""
    return (profile.site_type in rules.high_risk_types
            or bool(set(profile.features) & rules.high_risk_features)
            or profile.risk_color in rules.high_risk_colors)


def _applies(types: frozenset[str], profile: Profile) -> bool:
    return "ALL" in types or profile.site_type in types or bool(set(profile.features) & types)


def duties_for(profile: Profile, rules: Rules) -> dict[Duty, Kind]:
    """Each duty that applies to the enterprise, with the period it recurs in."""
    high = "high_risk" if is_high_risk(profile, rules) else "other"
    duties = {
        Duty.PRINCIPAL_CHECK: Kind(rules.principal_check_period[high]),
        Duty.STAFF_CHECK: Kind(rules.staff_check_period),
    }
    if _applies(rules.fire_inspection_types, profile):
        duties[Duty.FIRE_INSPECTION] = Kind(rules.fire_inspection_period)
    if _applies(rules.fire_patrol_types, profile):
        duties[Duty.FIRE_PATROL] = Kind.DAY
    crowded = profile.site_type in rules.drill_half_yearly_types
    drill = Kind(rules.drill_period["high_risk" if high == "high_risk" or crowded
                                          else "other"])
    duties[Duty.EMERGENCY_DRILL] = drill
    duties[Duty.FIRE_DRILL] = drill
    return duties


class State(StrEnum):
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DueItem:
    duty: Duty
    period: Period
    state: State
    done_on: date | None  # the latest day it was done in this period
    days_left: int  # until the period's last day (0 on the last day)
    remind: bool  # due soon or overdue, and reminders are on for this period kind

    @property
    def due_on(self) -> date:
        return self.period.end


def satisfies(kind: str, rules: Rules) -> frozenset[Duty]:
    """The duties one event of `kind` fulfils under `rules`."""
    duties = SATISFIES.get(kind, frozenset())
    if kind == Duty.PRINCIPAL_CHECK and rules.principal_check_covers_staff_check:
        duties = duties | {Duty.STAFF_CHECK}
    return duties


def _done_in(events: Iterable[Event], duty: Duty, period: Period, today: date,
             rules: Rules) -> date | None:
    days = [e.day for e in events
            if e.day in period and e.day <= today and duty in satisfies(e.kind, rules)]
    return max(days, default=None)


def due_items(profile: Profile, events: Iterable[Event], today: date, rules: Rules,
              since: date | None = None) -> list[DueItem]:
    """The state of every duty in its current period, overdue first, then by due date."""
    events = list(events)
    items = []
    for duty, kind in duties_for(profile, rules).items():
        period = period_of(kind, today)
        done_on = _done_in(events, duty, period, today, rules)
        before = period.previous
        missed = ((since is None or since <= before.start)
                  and _done_in(events, duty, before, today, rules) is None)
        state = State.DONE if done_on else (State.OVERDUE if missed else State.DUE)
        days_left = (period.end - today).days
        lead = rules.remind_days.get(kind)
        remind = lead is not None and (state == State.OVERDUE
                                       or (state == State.DUE and days_left <= lead))
        items.append(DueItem(duty, period, state, done_on, days_left, remind))
    order = {State.OVERDUE: 0, State.DUE: 1, State.DONE: 2}
    return sorted(items, key=lambda i: (order[i.state], i.period.end, list(Duty).index(i.duty)))


# Training hours -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """Hours one person attended on a day; `initial` marks 初次培训 (the rest count as 再培训)."""

    day: date
    hours: float
    initial: bool = False


@dataclass(frozen=True)
class TrainingStatus:
    stage: str  # "initial" until the initial hours are complete, then "refresher"; "" = none
    required: float
    done: float

    @property
    def met(self) -> bool:
        return self.done >= self.required

    @property
    def short(self) -> float:
        return max(0.0, self.required - self.done)


def training_status(position: str, sessions: Iterable[Session], year: int,
                    required: Mapping[str, Mapping[str, float]]) -> TrainingStatus:
    """A person's hours in `year` against the requirement for their position.

    Until the initial training hours (all years up to `year`) reach the initial requirement,
    that is what is required; from the year after they are complete, the yearly refresher
    hours (sessions of any kind in that year) are.
    """
    rule = required.get(position)
    if not rule:
        return TrainingStatus("", 0.0, 0.0)
    sessions = [s for s in sessions if s.day.year <= year]
    initial_before = sum(s.hours for s in sessions if s.initial and s.day.year < year)
    if initial_before < rule.get("initial", 0):
        done = sum(s.hours for s in sessions if s.initial)
        return TrainingStatus("initial", float(rule.get("initial", 0)), float(done))
    done = sum(s.hours for s in sessions if s.day.year == year)
    return TrainingStatus("refresher", float(rule.get("refresher", 0)), float(done))
