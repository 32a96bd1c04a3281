"""The enterprise's due-date rule: periods, duties by industry and colour, states, hours."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_app import periods
from inspect_app.config import Defaults
from inspect_app.enterprise import schedule
from inspect_app.enterprise.schedule import Duty, Event, Profile, State
from inspect_app.periods import Kind

RULES = schedule.Rules.from_config(vars(Defaults))


# Periods ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,day,start,end,key", [
    ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29), "2024-02"),  # leap year
    ("month", date(2023, 2, 28), date(2023, 2, 1), date(2023, 2, 28), "2023-02"),
    ("month", date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31), "2024-12"),
    ("quarter", date(2024, 3, 31), date(2024, 1, 1), date(2024, 3, 31), "2024-Q1"),
    ("quarter", date(2024, 4, 1), date(2024, 4, 1), date(2024, 6, 30), "2024-Q2"),
    ("quarter", date(2024, 9, 30), date(2024, 7, 1), date(2024, 9, 30), "2024-Q3"),
    ("quarter", date(2024, 12, 31), date(2024, 10, 1), date(2024, 12, 31), "2024-Q4"),
    ("half", date(2024, 6, 30), date(2024, 1, 1), date(2024, 6, 30), "2024-H1"),
    ("half", date(2024, 7, 1), date(2024, 7, 1), date(2024, 12, 31), "2024-H2"),
    ("year", date(2024, 2, 29), date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ("week", date(2024, 12, 31), date(2024, 12, 30), date(2025, 1, 5), "2025-W01"),  # ISO week
    ("day", date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29), "2024-02-29"),
])
def test_period_boundaries(kind, day, start, end, key):
    period = periods.period_of(kind, day)
    assert (period.start, period.end, period.key) == (start, end, key)


@given(st.sampled_from(list(Kind)), st.dates(date(1901, 1, 1), date(2199, 12, 31)))
def test_periods_tile_the_calendar(kind, day):
    period = periods.period_of(kind, day)
    assert day in period
    assert period.next.start == period.end + timedelta(days=1)
    assert period.previous.end == period.start - timedelta(days=1)
    assert periods.period_of(kind, period.start) == period == periods.period_of(kind, period.end)


def test_quarter_numbers_and_whole_year():
    assert periods.quarter(2024, 1).end == date(2024, 3, 31)
    assert periods.quarter(2024, 4).start == date(2024, 10, 1)
    assert periods.quarter(2024, 0) == periods.period_of("year", date(2024, 6, 1))
    with pytest.raises(ValueError):
        periods.quarter(2024, 5)


@pytest.mark.parametrize("period,deadline", [
    (periods.quarter(2024, 1), date(2024, 4, 15)),
    (periods.quarter(2024, 2), date(2024, 7, 15)),
    (periods.quarter(2024, 4), date(2025, 1, 15)),  # Q4 is due in the next year
    (periods.quarter(2024, 0), date(2025, 1, 31)),  # the yearly table
])
def test_statistics_deadline(period, deadline):
    assert schedule.statistics_deadline(period) == deadline


# Duties by industry × colour --------------------------------------------------------------------

@pytest.mark.parametrize("site_type,features,color,principal", [
    ("MECH", (), "blue", "quarter"),
    ("MECH", (), "orange", "quarter"),
    ("MECH", (), "red", "month"),  # a red enterprise is high-risk whatever its industry
    ("HAZ", (), "blue", "month"),  # 危险化学品
    ("GASU", (), "yellow", "month"),  # 燃气
    ("MET", (), "blue", "month"),  # 金属冶炼
    ("LIGHT", ("DUST",), "blue", "month"),  # 粉尘涉爆
    ("GM", ("NH3",), "blue", "month"),  # 涉氨制冷
    ("TEX", ("CS",), "yellow", "month"),  # 有限空间
    ("TEX", ("SE",), "yellow", "quarter"),  # special equipment alone is not high-risk
    ("NINE", (), "orange", "quarter"),
])
def test_principal_check_is_monthly_for_high_risk_quarterly_otherwise(site_type, features, color,
                                                                      principal):
    duties = schedule.duties_for(Profile(site_type, features, color), RULES)
    assert duties[Duty.PRINCIPAL_CHECK] == principal
    assert duties[Duty.STAFF_CHECK] == "month"


def test_high_risk_lists_are_configurable():
    rules = schedule.Rules.from_config(vars(Defaults) | {"ENTERPRISE_HIGH_RISK_TYPES": ("MECH",),
                                                         "ENTERPRISE_HIGH_RISK_COLORS": ()})
    assert schedule.duties_for(Profile("MECH"), rules)[Duty.PRINCIPAL_CHECK] == "month"
    assert schedule.duties_for(Profile("HAZ", (), "red"), rules)[Duty.PRINCIPAL_CHECK] == "quarter"


def test_fire_duties_and_drills_follow_type_and_class():
    mech = schedule.duties_for(Profile("MECH", (), "blue"), RULES)
    assert mech[Duty.FIRE_INSPECTION] == "month" and Duty.FIRE_PATROL not in mech
    assert mech[Duty.EMERGENCY_DRILL] == mech[Duty.FIRE_DRILL] == "year"
    mall = schedule.duties_for(Profile("PDP", (), "blue"), RULES)
    assert mall[Duty.FIRE_PATROL] == "day"
    assert mall[Duty.EMERGENCY_DRILL] == "half"  # crowded place
    chem = schedule.duties_for(Profile("HAZ", (), "blue"), RULES)
    assert chem[Duty.FIRE_PATROL] == "day" and chem[Duty.FIRE_DRILL] == "half"


# States -----------------------------------------------------------------------------------------

def _item(items, duty):
    return next(i for i in items if i.duty == duty)


def test_quarterly_principal_check_done_due_and_overdue_across_a_quarter_end():
    mech = Profile("MECH", (), "yellow")
    since = date(2023, 1, 1)
    done_in_q1 = [Event(date(2024, 3, 31), Duty.PRINCIPAL_CHECK)]  # last day of the quarter
    on_q1_end = schedule.due_items(mech, done_in_q1, date(2024, 3, 31), RULES, since)
    assert _item(on_q1_end, Duty.PRINCIPAL_CHECK).state == State.DONE
    # The next day is a new quarter: due (Q1 was done, so not overdue), by 30 June.
    q2 = _item(schedule.due_items(mech, done_in_q1, date(2024, 4, 1), RULES, since),
               Duty.PRINCIPAL_CHECK)
    assert q2.state == State.DUE and q2.due_on == date(2024, 6, 30) and q2.days_left == 90
    # Nothing in Q2 either: on 1 July it is overdue.
    q3 = _item(schedule.due_items(mech, done_in_q1, date(2024, 7, 1), RULES, since),
               Duty.PRINCIPAL_CHECK)
    assert q3.state == State.OVERDUE and q3.period.key == "2024-Q3"


def test_monthly_check_in_a_leap_february():
    haz = Profile("HAZ", (), "blue")
    events = [Event(date(2024, 1, 15), Duty.PRINCIPAL_CHECK)]
    on_29th = _item(schedule.due_items(haz, events, date(2024, 2, 29), RULES, date(2023, 1, 1)),
                    Duty.PRINCIPAL_CHECK)
    assert on_29th.state == State.DUE and on_29th.due_on == date(2024, 2, 29)
    assert on_29th.days_left == 0
    march = _item(schedule.due_items(haz, events, date(2024, 3, 1), RULES, date(2023, 1, 1)),
                  Duty.PRINCIPAL_CHECK)
    assert march.state == State.OVERDUE  # February was missed
    # In 2023 February ends on the 28th.
    feb23 = _item(schedule.due_items(haz, [], date(2023, 2, 20), RULES, date(2022, 1, 1)),
                  Duty.PRINCIPAL_CHECK)
    assert feb23.due_on == date(2023, 2, 28)


def test_same_day_in_a_high_risk_and_an_ordinary_enterprise():
    today = date(2024, 5, 20)
    events = [Event(date(2024, 4, 2), Duty.PRINCIPAL_CHECK)]
    ordinary = _item(schedule.due_items(Profile("MECH"), events, today, RULES, date(2023, 1, 1)),
                     Duty.PRINCIPAL_CHECK)
    high = _item(schedule.due_items(Profile("MECH", (), "red"), events, today, RULES,
                                    date(2023, 1, 1)), Duty.PRINCIPAL_CHECK)
    assert ordinary.state == State.DONE and ordinary.period.key == "2024-Q2"
    assert high.state == State.DUE and high.period.key == "2024-05"


def test_a_new_enterprise_is_not_overdue_for_periods_before_it_existed():
    items = schedule.due_items(Profile("MECH"), [], date(2024, 5, 20), RULES, date(2024, 5, 1))
    assert {i.state for i in items} == {State.DUE}
    items = schedule.due_items(Profile("MECH"), [], date(2024, 5, 20), RULES, date(2024, 4, 1))
    assert _item(items, Duty.STAFF_CHECK).state == State.OVERDUE  # April existed and was missed
    assert _item(items, Duty.PRINCIPAL_CHECK).state == State.DUE  # Q1 did not


def test_a_principal_led_check_counts_once_and_fire_inspection_covers_the_patrol():
    today = date(2024, 5, 20)
    events = [Event(today, Duty.PRINCIPAL_CHECK), Event(today, Duty.FIRE_INSPECTION)]
    assert not RULES.principal_check_covers_staff_check  # the default
    items = schedule.due_items(Profile("PDP"), events, today, RULES, date(2024, 1, 1))
    for duty in (Duty.PRINCIPAL_CHECK, Duty.FIRE_INSPECTION, Duty.FIRE_PATROL):
        assert _item(items, duty).state == State.DONE
    assert _item(items, Duty.STAFF_CHECK).state == State.OVERDUE  # April and May: none
    staff_only = schedule.due_items(Profile("PDP"), [Event(today, Duty.STAFF_CHECK)], today, RULES,
                                    today)
    assert _item(staff_only, Duty.PRINCIPAL_CHECK).state == State.DUE


def test_future_events_do_not_count_and_drills_fulfil_their_duty():
    today = date(2024, 5, 20)
    events = [Event(date(2024, 6, 1), Duty.STAFF_CHECK), Event(date(2024, 3, 1), "drill:fire"),
              Event(date(2024, 2, 1), "drill:on_site")]
    items = schedule.due_items(Profile("MECH"), events, today, RULES, date(2024, 5, 1))
    assert _item(items, Duty.STAFF_CHECK).state == State.DUE
    assert _item(items, Duty.FIRE_DRILL).state == State.DONE
    assert _item(items, Duty.FIRE_DRILL).done_on == date(2024, 3, 1)
    assert _item(items, Duty.EMERGENCY_DRILL).state == State.DONE
    # A half-yearly enterprise needs another drill in the second half.
    h2 = schedule.due_items(Profile("PDP"), events, date(2024, 7, 1), RULES, date(2024, 1, 1))
    assert _item(h2, Duty.FIRE_DRILL).state == State.DUE
    assert _item(h2, Duty.EMERGENCY_DRILL).due_on == date(2024, 12, 31)


def test_items_are_sorted_overdue_first_and_reminders_follow_the_lead_days():
    items = schedule.due_items(Profile("MECH"), [Event(date(2024, 5, 2), Duty.FIRE_INSPECTION)],
                               date(2024, 5, 25), RULES, date(2024, 1, 1))
    states = [i.state for i in items]
    assert states == sorted(states, key=[State.OVERDUE, State.DUE, State.DONE].index)
    staff = _item(items, Duty.STAFF_CHECK)  # April missed → overdue → remind
    assert staff.state == State.OVERDUE and staff.remind
    assert not _item(items, Duty.FIRE_INSPECTION).remind  # done
    early = schedule.due_items(Profile("MECH"), [Event(date(2024, 4, 2), Duty.STAFF_CHECK)],
                               date(2024, 5, 23), RULES, date(2024, 1, 1))
    assert not _item(early, Duty.STAFF_CHECK).remind  # 8 days left; the lead is 7
    late = schedule.due_items(Profile("MECH"), [Event(date(2024, 4, 2), Duty.STAFF_CHECK)],
                              date(2024, 5, 25), RULES, date(2024, 1, 1))
    assert _item(late, Duty.STAFF_CHECK).remind
    patrol = schedule.due_items(Profile("PDP"), [], date(2024, 5, 25), RULES, date(2024, 1, 1))
    assert not _item(patrol, Duty.FIRE_PATROL).remind  # daily patrols: no reminders


# Training hours ---------------------------------------------------------------------------------

HOURS = Defaults.TRAINING_REQUIRED_HOURS


def test_initial_training_until_32_hours_then_12_a_year():
    sessions = [schedule.Session(date(2023, 3, 1), 16, initial=True)]
    first = schedule.training_status("principal", sessions, 2023, HOURS)
    assert (first.stage, first.required, first.done, first.met) == ("initial", 32, 16, False)
    assert first.short == 16
    sessions.append(schedule.Session(date(2023, 9, 1), 16, initial=True))
    assert schedule.training_status("principal", sessions, 2023, HOURS).met
    # The next year the refresher applies, counted within that year only.
    refresher = schedule.training_status("principal", sessions, 2024, HOURS)
    assert (refresher.stage, refresher.required, refresher.done) == ("refresher", 12, 0)
    sessions += [schedule.Session(date(2024, 2, 29), 8), schedule.Session(date(2025, 1, 2), 8)]
    assert schedule.training_status("safety_manager", sessions, 2024, HOURS).done == 8


def test_positions_without_a_requirement_and_configured_hours():
    assert schedule.training_status("staff", [], 2024, HOURS).stage == ""
    assert schedule.training_status("staff", [], 2024, HOURS).met
    custom = {"principal": {"initial": 48, "refresher": 16}}
    status = schedule.training_status("principal", [schedule.Session(date(2024, 1, 1), 40, True)],
                                      2024, custom)
    assert status.required == 48 and not status.met


def test_the_zone_may_let_a_principal_led_check_stand_for_the_staff_check():
    today = date(2024, 5, 20)
    covers = schedule.Rules.from_config(vars(Defaults) | {"PRINCIPAL_CHECK_COVERS_STAFF_CHECK": True})
    events = [Event(date(2024, 4, 10), Duty.PRINCIPAL_CHECK), Event(today, Duty.PRINCIPAL_CHECK)]
    items = schedule.due_items(Profile("PDP"), events, today, covers, date(2024, 1, 1))
    staff = _item(items, Duty.STAFF_CHECK)
    assert staff.state == State.DONE and staff.done_on == today
    assert schedule.satisfies(Duty.PRINCIPAL_CHECK, covers) == {Duty.PRINCIPAL_CHECK,
                                                                Duty.STAFF_CHECK}
    # Never the other way round: a staff check is not the principal's.
    assert schedule.satisfies(Duty.STAFF_CHECK, covers) == {Duty.STAFF_CHECK}
    assert _item(schedule.due_items(Profile("PDP"), [Event(today, Duty.STAFF_CHECK)], today, covers,
                                    today), Duty.PRINCIPAL_CHECK).state == State.DUE
