"""The hazard's rules in one place: levels, states, who may do what, deadlines, overdue.

Pure Python (no Flask, no db): the routes, the CLI and the tests all ask this module.
Overdue is derived (deadline passed and still open), never stored, so it cannot go stale;
only what a person decided (states, extensions, supervision) is stored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Level(StrEnum):
    GENERAL = "general"  # 一般事故隐患
    MAJOR = "major"  # 重大事故隐患


class State(StrEnum):
    REPORTED = "reported"  # found, waiting to be confirmed by the zone
    CONFIRMED = "confirmed"  # graded, responsible person and deadline set
    RECTIFYING = "rectifying"  # the enterprise is fixing it
    SUBMITTED = "submitted"  # rectification submitted, waiting for verification (复查)
    CLOSED = "closed"  # verified and closed (销号)
    REJECTED = "rejected"  # not a hazard, or a duplicate


class Source(StrEnum):
    PATROL = "patrol"  # 网格员巡查
    SUPERVISORY = "supervisory"  # 监管检查
    SELF_CHECK = "self_check"  # 企业自查
    WORKER = "worker"  # 员工报告
    PUBLIC = "public"  # 举报核实


class Action(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    START = "start"
    SUBMIT = "submit"
    VERIFY = "verify"
    RETURN = "return"
    FIX_ON_SPOT = "fix_on_spot"  # 立查立改: a general hazard fixed while the inspector watches


OPEN_STATES = frozenset({State.REPORTED, State.CONFIRMED, State.RECTIFYING, State.SUBMITTED})
DONE_STATES = frozenset({State.CLOSED, State.REJECTED})

ENFORCEMENT_MEASURES = ("order_rectify", "suspend", "fine", "seal", "cut_power", "other")
SUPERVISION_LEVELS = ("zone", "county", "city", "province")


@dataclass(frozen=True)
class Actor:
    id: int
    role: str
    site_id: int | None = None
    grid_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a hazard."""

    status: str
    level: str
    site_id: int
    grid_id: int
    submitted_by: int | None = None  # who submitted the current rectification


def is_supervisor(actor: Actor, facts: Facts) -> bool:
    return actor.role in ("supervisor", "admin")


def is_site_staff(actor: Actor, facts: Facts) -> bool:
    return actor.role == "enterprise" and actor.site_id == facts.site_id


def is_checker(actor: Actor, facts: Facts) -> bool:
    """Supervisors anywhere, grid inspectors in their own grids."""
    return is_supervisor(actor, facts) or (actor.role == "inspector" and facts.grid_id in actor.grid_ids)


def is_verifier(actor: Actor, facts: Facts) -> bool:
    """A checker who did not submit the rectification: nobody verifies their own work."""
    return is_checker(actor, facts) and actor.id != facts.submitted_by


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: State
    who: Callable[[Actor, Facts], bool]
    needs_note: bool = False  # a reason must be given
    needs_photo: bool = False  # an after-photo must be attached
    general_only: bool = False


RULES: dict[Action, Rule] = {
    Action.CONFIRM: Rule(frozenset({State.REPORTED}), State.CONFIRMED, is_supervisor),
    Action.REJECT: Rule(frozenset({State.REPORTED}), State.REJECTED, is_supervisor, needs_note=True),
    Action.START: Rule(frozenset({State.CONFIRMED}), State.RECTIFYING, is_site_staff),
    Action.SUBMIT: Rule(frozenset({State.CONFIRMED, State.RECTIFYING}), State.SUBMITTED,
                        is_site_staff, needs_photo=True),
    Action.VERIFY: Rule(frozenset({State.SUBMITTED}), State.CLOSED, is_verifier),
    Action.RETURN: Rule(frozenset({State.SUBMITTED}), State.RECTIFYING, is_verifier, needs_note=True),
    Action.FIX_ON_SPOT: Rule(frozenset({State.REPORTED}), State.CLOSED, is_checker, needs_photo=True,
                             general_only=True),
}


class TransitionError(Exception):
    """The action is not allowed for this actor in this state; nothing changes."""


def can(action: Action, actor: Actor, facts: Facts) -> bool:
    rule = RULES[action]
    return (facts.status in rule.sources and rule.who(actor, facts)
            and not (rule.general_only and facts.level != Level.GENERAL))


def allowed_actions(actor: Actor, facts: Facts) -> list[Action]:
    return [a for a in RULES if can(a, actor, facts)]


def apply(action: Action, actor: Actor, facts: Facts, *, note: str = "", photos: int = 0) -> State:
    """The state `action` leads to, or TransitionError saying why it cannot be done."""
    rule = RULES[action]
    if facts.status not in rule.sources:
        raise TransitionError(f"cannot {action} a hazard that is {facts.status}")
    if rule.general_only and facts.level != Level.GENERAL:
        raise TransitionError(f"{action} is only for general hazards")
    if not rule.who(actor, facts):
        raise TransitionError(f"{actor.role} may not {action} this hazard")
    if rule.needs_note and not note.strip():
        raise TransitionError(f"{action} needs a reason")
    if rule.needs_photo and photos < 1:
        raise TransitionError(f"{action} needs an after-photo")
    return rule.target


def replay(events: list[tuple[str | None, str]]) -> str | None:
    """The state an event log leads to: each (from, to) must start where the last ended."""
    state = None
    for from_status, to_status in events:
        if from_status != state:
            raise ValueError(f"event from {from_status} does not follow {state}")
        state = to_status
    return state


def level_for_item(item_major_flag: str) -> Level:
    """A failed item is a major hazard only when the judgement standard lists it (flag Y)."""
    return Level.MAJOR if item_major_flag == "Y" else Level.GENERAL


def default_deadline(level: str, found_on: date, days_by_level: dict[str, int]) -> date:
    """The deadline a new finding gets: found date plus the configured days for its level."""
    return found_on + timedelta(days=days_by_level[level])


def is_open(status: str) -> bool:
    return status in OPEN_STATES


def is_overdue(status: str, deadline: date, today: date) -> bool:
    return is_open(status) and deadline < today


def reminder_due(deadline: date, today: date) -> str | None:
    """Which deadline reminder is due today: 3 days before, on the day, or after (overdue).
    Runs daily; a missed day still sends the latest one that applies."""
    days_left = (deadline - today).days
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due_today"
    if days_left <= 3:
        return "due_soon"
    return None


def needs_supervision(status: str, level: str, deadline: date, today: date) -> bool:
    """A major hazard past its deadline is proposed for 督办."""
    return level == Level.MAJOR and is_overdue(status, deadline, today)
