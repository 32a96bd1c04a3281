"""The shift meeting's pure rules: who may do what, the check-in, lateness, PINs, periods and
compliance figures. No app, no database."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace as NS

import pytest

from inspect_app.periods import period_of
from inspect_app.shifts import rules
from inspect_app.shifts.rules import Decision, Figures, MeetingFacts

ALL = list(rules.FIVE_THINKS)
OPENED = datetime(2024, 5, 6, 0, 0)  # 08:00 in the zone


# Lateness ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("after", "late"), [
    (timedelta(0), False), (timedelta(minutes=10), False),
    (timedelta(minutes=10, seconds=1), True), (timedelta(hours=3), True),
])
def test_late_means_more_than_n_minutes_after_opening(after, late):
    assert rules.is_late(OPENED, OPENED + after, 10) is late


def test_late_minutes_are_configurable():
    assert rules.is_late(OPENED, OPENED + timedelta(minutes=4), 3)
    assert not rules.is_late(OPENED, OPENED + timedelta(minutes=4), 5)
    assert rules.is_late(OPENED, OPENED + timedelta(seconds=1), 0)


# The check-in answer ----------------------------------------------------------------------------

def test_all_five_confirmed_and_fit_may_work():
    a = rules.check_answer(ALL, "yes", "work", "")
    assert a.errors == {} and a.decision == Decision.WORK and a.fit and a.confirmed == ALL


def test_confirmed_codes_are_kept_in_order_and_unknown_ones_dropped():
    a = rules.check_answer(["skills", "bogus", "risk"], "yes", "stop", "")
    assert a.confirmed == ["risk", "skills"] and a.errors == {}


@pytest.mark.parametrize("missing", rules.FIVE_THINKS)
def test_any_think_not_confirmed_forbids_working(missing):
    a = rules.check_answer([c for c in ALL if c != missing], "yes", "work", "")
    assert a.errors == {"decision": "must_stop"}


def test_unfit_forbids_working():
    assert rules.check_answer(ALL, "no", "work", "").errors == {"decision": "must_stop"}


@pytest.mark.parametrize(("confirmed", "fit", "reason", "ok"), [
    (ALL[:4], "yes", "", True),  # a point not confirmed is the reason
    (ALL, "no", "", True),  # unfitness is the reason
    (ALL, "yes", "the crane is broken", True),
    (ALL, "yes", "   ", False),  # everything fine and no reason: say why
])
def test_a_stop_needs_a_reason(confirmed, fit, reason, ok):
    a = rules.check_answer(confirmed, fit, "stop", reason)
    assert (a.errors == {}) is ok
    if not ok:
        assert a.errors == {"reason": "reason_missing"}


def test_fitness_and_decision_must_be_given():
    a = rules.check_answer(ALL, "", "", "")
    assert a.errors == {"fit": "fit_missing", "decision": "decision_missing"}


def test_the_reason_is_trimmed_and_capped():
    said = "  x" * 400
    assert rules.check_answer(ALL, "yes", "stop", said).stop_reason == said.strip()[:500]


# PINs -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pin", "problem"), [
    ("2580", None), ("907153", None), ("1357", None), ("0912", None),
    ("123", "pin_format"), ("1234567", "pin_format"), ("12a4", "pin_format"), ("", "pin_format"),
    ("１２３４", "pin_format"),  # full-width digits are not what a phone keypad sends
    ("1111", "pin_simple"), ("1234", "pin_simple"), ("9876", "pin_simple"),
    ("000000", "pin_simple"),
])
def test_pins_are_short_digits_but_not_trivial(pin, problem):
    assert rules.check_pin(pin) == problem


# Shifts and workdays ----------------------------------------------------------------------------

def test_shift_names_from_lines_or_commas():
    assert rules.parse_shifts("白班\n夜班，中班, 白班\n\n") == ["白班", "夜班", "中班"]
    assert rules.parse_shifts("  ") == []


def test_workdays_from_ticks():
    assert rules.parse_workdays(["6", "1", "3", "9", "x"]) == "136"
    assert rules.parse_workdays([]) == ""


# Periods ----------------------------------------------------------------------------------------

def test_week_runs_monday_to_sunday():
    p = period_of("week", date(2024, 5, 9))  # a Thursday
    assert (p.start, p.end) == (date(2024, 5, 6), date(2024, 5, 12))
    assert p.previous.start == date(2024, 4, 29) and p.next.start == date(2024, 5, 13)
    assert period_of("week", date(2024, 5, 12)) == p == period_of("week", date(2024, 5, 6))


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2024, 2, 15), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
    (date(2023, 2, 1), date(2023, 2, 1), date(2023, 2, 28)),
    (date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31)),
])
def test_month_periods(day, start, end):
    p = period_of("month", day)
    assert (p.kind, p.start, p.end) == ("month", start, end)


def test_month_navigation_crosses_the_year():
    dec = period_of("month", date(2024, 12, 10))
    assert dec.next.start == date(2025, 1, 1) and dec.next.previous == dec


def test_week_across_the_new_year():
    p = period_of("week", date(2025, 1, 1))
    assert (p.start, p.end) == (date(2024, 12, 30), date(2025, 1, 5))


def test_days_in_a_period():
    p = period_of("week", date(2024, 5, 6))
    assert date(2024, 5, 6) in p and date(2024, 5, 12) in p and date(2024, 5, 13) not in p


# Compliance -------------------------------------------------------------------------------------

def test_workdays_in_a_range():
    monday, sunday = date(2024, 5, 6), date(2024, 5, 12)
    assert rules.workdays_in(monday, sunday, "1234567") == 7
    assert rules.workdays_in(monday, sunday, "123456") == 6
    assert rules.workdays_in(sunday, monday, "1234567") == 0


def test_expected_meetings_count_from_creation_to_today_times_shifts():
    week = period_of("week", date(2024, 5, 6))
    assert rules.expected_meetings(week, "123456", 2, date(2024, 1, 1), date(2024, 6, 1)) == 12
    # created on Wednesday: Wed-Sat
    assert rules.expected_meetings(week, "123456", 1, date(2024, 5, 8), date(2024, 6, 1)) == 4
    # today is Tuesday: Mon-Tue
    assert rules.expected_meetings(week, "1234567", 2, date(2024, 1, 1), date(2024, 5, 7)) == 4
    # the whole week is in the future
    assert rules.expected_meetings(week, "1234567", 2, date(2024, 1, 1), date(2024, 5, 1)) == 0


def test_team_figures_count_only_meetings_in_the_period():
    week = period_of("week", date(2024, 5, 6))
    facts = [MeetingFacts(date(2024, 5, 6), 10, 9, 2, 1),
             MeetingFacts(date(2024, 5, 7), 10, 10, 0, 0),
             MeetingFacts(date(2024, 5, 7), 4, 5, 0, 0),  # one checked in who joined later
             MeetingFacts(date(2024, 5, 13), 10, 1, 0, 0)]  # next week
    f = rules.team_figures(facts, week, "123456", 1, date(2024, 1, 1), date(2024, 6, 1))
    assert (f.expected, f.held, f.roster, f.checked_in, f.late, f.stops) == (6, 3, 25, 24, 2, 1)
    assert f.meeting_rate == pytest.approx(0.5) and f.checkin_rate == pytest.approx(24 / 25)


def test_rates_are_none_without_a_denominator_and_capped_at_one():
    assert Figures().meeting_rate is None and Figures().checkin_rate is None
    assert Figures(expected=2, held=3).meeting_rate == 1.0  # an extra meeting on a rest day


def test_figures_add_up_across_teams():
    total = Figures(1, 2, 3, 4, 5, 6) + Figures(10, 20, 30, 40, 50, 60)
    assert total == Figures(11, 22, 33, 44, 55, 66)


# Who may do what --------------------------------------------------------------------------------

def user(role, uid=1, site=1, position=None, active=True):
    return NS(id=uid, role=role, site_id=site, position=position, active=active)


TEAM = NS(id=7, site_id=1, leader_id=5, active=True)


@pytest.mark.parametrize(("who", "member_team", "sees"), [
    (user("supervisor", site=None), None, True),
    (user("admin", site=None), None, True),
    (user("enterprise"), None, True),
    (user("enterprise", site=2), None, False),
    (user("worker"), 7, True),
    (user("worker"), 8, False),  # another team of the same enterprise
    (user("worker", uid=5), None, True),  # the leader
    (user("worker", site=2), 7, False),
    (user("inspector", site=None), None, False),
])
def test_who_sees_a_team(who, member_team, sees):
    assert rules.can_see_team(who, TEAM, member_team) is sees


def test_who_leads_and_manages():
    assert rules.can_lead(user("worker", uid=5), TEAM)
    assert not rules.can_lead(user("worker", uid=6), TEAM)
    assert rules.can_lead(user("enterprise"), TEAM)
    assert rules.can_manage_team(user("enterprise"), TEAM)
    assert not rules.can_manage_team(user("worker", uid=5), TEAM)
    assert not rules.can_lead(user("supervisor", site=None), TEAM)  # zone staff only look
    assert not rules.can_lead(user("worker", uid=5), NS(**{**vars(TEAM), "active": False}))


def test_only_the_teams_active_workers_check_in():
    assert rules.can_check_in(user("worker"), TEAM, 7)
    assert not rules.can_check_in(user("worker"), TEAM, 8)
    assert not rules.can_check_in(user("worker", active=False), TEAM, 7)
    assert not rules.can_check_in(user("enterprise"), TEAM, 7)


def test_staff_accounts_need_a_principal_or_safety_manager():
    assert rules.can_manage_people(user("enterprise", position="staff"))
    assert not rules.can_manage_staff(user("enterprise", position="staff"))
    assert rules.can_manage_staff(user("enterprise", position="principal"))
    assert rules.can_manage_staff(user("enterprise", position="safety_manager"))
    assert not rules.can_manage_people(user("worker"))


@pytest.mark.parametrize(("status", "counts"), [
    ("reported", False), ("rejected", False), ("confirmed", True), ("rectifying", True),
    ("submitted", True), ("closed", True),
])
def test_a_report_counts_for_reward_once_confirmed(status, counts):
    assert rules.counts_for_reward(status) is counts
