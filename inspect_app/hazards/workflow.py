"""The hazard's rules in one place: levels, states, deadlines, overdue.

Pure Python (no Flask, no db), so the routes, the CLI and the tests share it.
Overdue is derived (deadline passed and not closed), never stored, so it cannot
go stale or be forgotten.
"""

from datetime import date, timedelta
from enum import StrEnum


class Level(StrEnum):
    GENERAL = "general"  # 一般事故隐患
    MAJOR = "major"  # 重大事故隐患


class State(StrEnum):
    REPORTED = "reported"  # found, waiting to be confirmed
    CONFIRMED = "confirmed"
    RECTIFYING = "rectifying"
    SUBMITTED = "submitted"  # rectification submitted, waiting for verification
    CLOSED = "closed"  # verified and closed (销号)
    REJECTED = "rejected"  # not a hazard, or a duplicate


class Source(StrEnum):
    PATROL = "patrol"  # 网格员巡查
    SUPERVISORY = "supervisory"  # 监管检查
    SELF_CHECK = "self_check"  # 企业自查
    WORKER = "worker"  # 员工报告
    PUBLIC = "public"  # 举报核实


OPEN_STATES = frozenset({State.REPORTED, State.CONFIRMED, State.RECTIFYING, State.SUBMITTED})


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
