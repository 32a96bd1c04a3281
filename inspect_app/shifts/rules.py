"""The shift meeting's rules in one place: who may do what, the check-in, lateness, PINs,
the compliance figures over a week or a month (periods.py).

Pure Python (no app, no db): the services, the views and the tests share it; who is zone
staff and who manages a site, the access policy says. Messages are codes here; the service
turns them into translated text.

Compliance, as the plan asks for it:
- meetings held per shift: for each team, the meetings held in the period against the team's
  workdays in it (since the team was created, up to today) times its number of shifts;
- share checked in: check-ins against the members expected at the meetings held (a day with
  no meeting counts against the first figure, not this one).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from ..access import is_enterprise_staff, is_worker, is_zone_staff, leads_safety, manages_site
from ..periods import Period
from ..roles import ZONE_STAFF, Role

# 五想五不干: think of each; if any is not right, don't work.
# Who opens the shift pages (the routes' allow rules).
ENTERPRISE = (Role.ENTERPRISE,)
TEAM_ROLES = (Role.ENTERPRISE, Role.WORKER)  # who takes part in a meeting
VIEWERS = (Role.ENTERPRISE, Role.WORKER, *ZONE_STAFF)
FIVE_THINKS = ("risk", "measures", "tools", "environment", "skills")
DEFAULT_LATE_MINUTES = 10
PIN_LENGTHS = (4, 6)


class Decision(StrEnum):
    WORK = "work"
    STOP = "stop"  # 不干


# Who may do what ----------------------------------------------------------------------------

def can_manage_team(user, team) -> bool:
    """Enterprise staff set up their own enterprise's teams, posts and members."""
    return manages_site(user, team.site_id)


def can_lead(user, team) -> bool:
    """Open and close meetings, check workers in on the shared phone, resolve stops."""
    return team.active and (user.id == team.leader_id or can_manage_team(user, team))


def can_see_team(user, team, member_team_id: int | None) -> bool:
    """Zone staff see every team, enterprise staff their enterprise's, a worker their own."""
    if is_zone_staff(user) or can_manage_team(user, team):
        return True
    return is_worker(user) and user.site_id == team.site_id and (
        member_team_id == team.id or user.id == team.leader_id)


def can_check_in(user, team, member_team_id: int | None) -> bool:
    """Only the team's own workers check in (from their phone or the leader's)."""
    return is_worker(user) and user.active and user.site_id == team.site_id \
        and member_team_id == team.id


def can_report(user, team, member_team_id: int | None) -> bool:
    return can_check_in(user, team, member_team_id) and team.active


def can_see_rewards(user, site_id: int) -> bool:
    """The enterprise's staff see and export its reward record; zone staff may look too."""
    return is_zone_staff(user) or manages_site(user, site_id)


# 隐患报告奖励: a worker's report counts once the enterprise has confirmed it is a hazard.
REWARDABLE_STATES = frozenset({"confirmed", "rectifying", "submitted", "closed"})


def counts_for_reward(hazard_status: str) -> bool:
    return hazard_status in REWARDABLE_STATES


def can_manage_people(user) -> bool:
    """Enterprise staff add and manage their enterprise's workers."""
    return is_enterprise_staff(user) and user.site_id is not None


def can_manage_staff(user) -> bool:
    """Only the principal and safety managers add or deactivate other staff accounts."""
    return leads_safety(user, user.site_id)


# The check-in -------------------------------------------------------------------------------

@dataclass
class Answer:
    """What a worker said, checked: the codes are what is kept."""

    confirmed: list[str]
    fit: bool
    decision: Decision
    stop_reason: str
    errors: dict[str, str] = field(default_factory=dict)


def check_answer(confirmed: Iterable[str], fit: str, decision: str, reason: str) -> Answer:
    """Working needs all five thinks confirmed and fitness; a stop needs a reason, and a
    missing think or unfitness is one (so one tap on "stop" is enough then)."""
    ticked = set(confirmed)
    codes = [c for c in FIVE_THINKS if c in ticked]
    errors: dict[str, str] = {}
    if fit not in ("yes", "no"):
        errors["fit"] = "fit_missing"
    if decision not in set(Decision):
        errors["decision"] = "decision_missing"
    reason = (reason or "").strip()[:500]
    unfit = fit == "no"
    missing = [c for c in FIVE_THINKS if c not in ticked]
    if decision == Decision.WORK and (missing or unfit):
        errors["decision"] = "must_stop"
    if decision == Decision.STOP and not (missing or unfit or reason):
        errors["reason"] = "reason_missing"
    return Answer(codes, not unfit, Decision(decision) if decision in set(Decision)
                  else Decision.STOP, reason, errors)


def is_late(opened_at: datetime, at: datetime, late_minutes: int) -> bool:
    """Late: checked in more than `late_minutes` after the meeting opened."""
    return at - opened_at > timedelta(minutes=late_minutes)


def check_pin(pin: str) -> str | None:
    """Why `pin` is not an acceptable PIN (None when fine): 4-6 digits, not all one digit,
    not a run like 1234 or 9876."""
    if not (pin.isascii() and pin.isdigit()) or not PIN_LENGTHS[0] <= len(pin) <= PIN_LENGTHS[1]:
        return "pin_format"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        return "pin_simple"
    return None


def parse_shifts(text: str) -> list[str]:
    """Shift names from a text box (one per line or comma-separated), duplicates dropped."""
    names: list[str] = []
    for part in text.replace("，", ",").replace(",", "\n").splitlines():
        name = part.strip()[:40]
        if name and name not in names:
            names.append(name)
    return names


def parse_workdays(days: Iterable[str]) -> str:
    """'123456' from ticked ISO weekday numbers (1 = Monday)."""
    ticked = {str(d) for d in days}
    return "".join(d for d in "1234567" if d in ticked)


def workdays_in(start: date, end: date, workdays: str) -> int:
    """How many days from `start` to `end` (inclusive) fall on the given ISO weekdays."""
    if end < start:
        return 0
    total = 0
    day = start
    while day <= end:
        if str(day.isoweekday()) in workdays:
            total += 1
        day += timedelta(days=1)
    return total


def expected_meetings(period: Period, workdays: str, shifts: int, since: date,
                      today: date) -> int:
    """Meetings a team should hold in the period: its workdays since it was created and up to
    today, times its shifts."""
    return workdays_in(max(period.start, since), min(period.end, today), workdays) * shifts


@dataclass
class Figures:
    """Compliance of one team or enterprise in one period."""

    expected: int = 0  # meetings due
    held: int = 0  # meetings opened
    roster: int = 0  # workers expected at the meetings held
    checked_in: int = 0
    late: int = 0
    stops: int = 0

    @property
    def meeting_rate(self) -> float | None:
        return min(1.0, self.held / self.expected) if self.expected else None

    @property
    def checkin_rate(self) -> float | None:
        return min(1.0, self.checked_in / self.roster) if self.roster else None

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, f) + getattr(other, f) for f in
                         ("expected", "held", "roster", "checked_in", "late", "stops")))


@dataclass(frozen=True)
class MeetingFacts:
    """What compliance needs of one meeting."""

    day: date
    roster: int
    checked_in: int
    late: int
    stops: int


def team_figures(meetings: Iterable[MeetingFacts], period: Period, workdays: str, shifts: int,
                 since: date, today: date) -> Figures:
    """One team's figures for the period from its meetings (those outside it are ignored)."""
    figures = Figures(expected=expected_meetings(period, workdays, shifts, since, today))
    for m in meetings:
        if m.day in period:
            figures.held += 1
            figures.roster += max(m.roster, m.checked_in)
            figures.checked_in += m.checked_in
            figures.late += m.late
            figures.stops += m.stops
    return figures
