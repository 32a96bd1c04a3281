"""Pure domain rules: deadlines, overdue, inspection intervals, site-type matching."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_app.hazards import workflow
from inspect_app.hazards.workflow import Level, State
from inspect_app.sites import schedule
from inspect_app.sites.types import applicable_codes

DAYS = {"general": 15, "major": 60}
INTERVALS = {"red": 30, "orange": 60, "yellow": 90, "blue": 180}


@pytest.mark.parametrize("flag,level", [("Y", Level.MAJOR), ("C", Level.GENERAL), ("N", Level.GENERAL)])
def test_only_listed_criteria_make_a_major_hazard(flag, level):
    assert workflow.level_for_item(flag) == level


def test_default_deadline_by_level_crosses_month_and_leap_day():
    assert workflow.default_deadline("general", date(2024, 2, 20), DAYS) == date(2024, 3, 6)
    assert workflow.default_deadline("major", date(2024, 12, 15), DAYS) == date(2025, 2, 13)


@given(st.dates(), st.dates(), st.sampled_from(list(State)))
def test_overdue_only_when_open_and_past_deadline(deadline, today, state):
    overdue = workflow.is_overdue(state, deadline, today)
    assert overdue == (state in workflow.OPEN_STATES and deadline < today)


def test_next_due_follows_risk_colour():
    last = datetime(2026, 3, 1, 2, 0)  # 10:00 in the zone
    assert schedule.next_due("red", last, INTERVALS) == date(2026, 3, 31)
    assert schedule.next_due("blue", last, INTERVALS) == date(2026, 8, 28)


def test_never_inspected_site_is_due_today():
    assert schedule.next_due("blue", None, INTERVALS, today=date(2026, 5, 5)) == date(2026, 5, 5)


def test_next_due_counts_in_the_zones_calendar():
    # 23:30 UTC on 31 March is already 1 April in Nan'an.
    assert schedule.next_due("red", datetime(2026, 3, 31, 23, 30), INTERVALS) == date(2026, 5, 1)


def test_applicable_codes_include_the_gm_family_and_features():
    assert applicable_codes("MECH", ["DUST"]) == {"ALL", "MECH", "GM", "DUST"}
    assert applicable_codes("NINE", []) == {"ALL", "NINE"}
