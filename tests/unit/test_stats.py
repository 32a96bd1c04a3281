"""Major-hazard statistics: stock and increment, clearing rates, breakdowns, plan targets."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_app.ledgers.stats import (
    MajorRecord,
    Tally,
    TargetRules,
    TargetState,
    is_stock,
    rate,
    summarise,
    target_state,
)

CUTOFF = date(2023, 12, 31)
TODAY = date(2026, 6, 1)


def rec(found: date, status: str = "confirmed", *, deadline: date | None = None,
        supervised: bool = False, area: str = "雪峰片区", site_type: str = "MECH",
        closed_on: date | None = None, regime: str = "accident") -> MajorRecord:
    if status == "closed" and closed_on is None:
        closed_on = found + timedelta(days=10)
    return MajorRecord(found, status, deadline or TODAY + timedelta(days=30), supervised, area,
                       site_type, closed_on, regime)


def targets_of(board) -> dict:
    return {t.key: t for t in board.targets}


# Stock and increment -----------------------------------------------------------------------------

@pytest.mark.parametrize(("found", "stock"), [
    (date(2023, 1, 1), True), (date(2023, 12, 31), True),  # the cut-off day itself is stock
    (date(2024, 1, 1), False), (date(2025, 7, 1), False),
])
def test_stock_is_found_on_or_before_the_cutoff(found, stock):
    assert is_stock(found, CUTOFF) is stock
    board = summarise([rec(found)], CUTOFF, TODAY)
    assert (board.overall.stock, board.overall.increment) == ((1, 0) if stock else (0, 1))


def test_the_cutoff_is_a_parameter():
    records = [rec(date(2024, 6, 1)), rec(date(2025, 6, 1))]
    assert summarise(records, CUTOFF, TODAY).overall.stock == 0
    assert summarise(records, date(2024, 12, 31), TODAY).overall.stock == 1


def test_counts_open_closed_overdue_and_supervised():
    board = summarise([
        rec(date(2023, 5, 1), "closed", deadline=date(2023, 6, 1)),  # closed late: not overdue
        rec(date(2023, 5, 2), "rectifying", deadline=TODAY - timedelta(days=1), supervised=True),
        rec(date(2024, 5, 1), "submitted", deadline=TODAY),  # due today: not yet overdue
        rec(date(2024, 5, 2), "reported"),
        rec(date(2024, 5, 3), "closed"),
        rec(date(2024, 5, 4), "rejected"),  # not a hazard: left out of every figure
    ], CUTOFF, TODAY)
    o = board.overall
    assert (o.total, o.open, o.closed, o.overdue, o.supervised) == (5, 3, 2, 1, 1)
    assert (o.stock, o.stock_open, o.stock_closed) == (2, 1, 1)
    assert (o.increment, o.increment_open, o.increment_closed, o.increment_overdue) == (3, 2, 1, 0)


def test_clearing_rates():
    board = summarise([rec(date(2023, 1, 1), "closed"), rec(date(2023, 2, 1), "closed"),
                       rec(date(2023, 3, 1)), rec(date(2024, 3, 1), "closed"),
                       rec(date(2024, 4, 1)), rec(date(2024, 5, 1)), rec(date(2024, 6, 1))],
                      CUTOFF, TODAY)
    o = board.overall
    assert o.stock_rate == pytest.approx(2 / 3)
    assert o.increment_rate == pytest.approx(1 / 4)
    assert o.clearing_rate == pytest.approx(3 / 7)


def test_rates_are_none_when_there_is_nothing_to_clear():
    assert rate(0, 0) is None
    o = summarise([rec(date(2024, 1, 1))], CUTOFF, TODAY).overall
    assert o.stock_rate is None and o.increment_rate == 0


def test_by_area_and_by_industry():
    board = summarise([
        rec(date(2023, 1, 1), "closed", area="雪峰片区", site_type="MECH"),
        rec(date(2024, 1, 1), area="雪峰片区", site_type="NINE"),
        rec(date(2024, 2, 1), area="南区片区", site_type="MECH"),
        rec(date(2024, 3, 1), "rejected", area="北区片区", site_type="HAZ"),
    ], CUTOFF, TODAY)
    areas = dict(board.by_area)
    # Sorted by name; an area with only rejected hazards is left out.
    assert list(areas) == ["南区片区", "雪峰片区"]
    assert (areas["雪峰片区"].total, areas["雪峰片区"].closed, areas["雪峰片区"].stock) == (2, 1, 1)
    assert (areas["南区片区"].total, areas["南区片区"].increment_open) == (1, 1)
    industries = dict(board.by_industry)
    assert [code for code, _ in board.by_industry] == ["MECH", "NINE"]  # in SITE_TYPES order
    assert (industries["MECH"].total, industries["MECH"].clearing_rate) == (2, 0.5)
    assert industries["NINE"].total == 1
    assert [(year, t.total) for year, t in board.by_year] == [(2023, 1), (2024, 2)]


@given(st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2026, 12, 31)),
                          st.sampled_from(["reported", "confirmed", "rectifying", "submitted",
                                           "closed", "rejected"]),
                          st.sampled_from(["A", "B", "C"])), max_size=30))
def test_breakdowns_add_up_to_the_whole(items):
    board = summarise([rec(found, status, area=area) for found, status, area in items],
                      CUTOFF, TODAY)
    o = board.overall
    assert o.total == o.open + o.closed == o.stock + o.increment
    assert o.stock_open + o.increment_open == o.open
    for field in ("total", "open", "closed", "overdue", "stock_open", "increment_open"):
        assert sum(getattr(t, field) for _, t in board.by_area) == getattr(o, field)
        assert sum(getattr(t, field) for _, t in board.by_industry) == getattr(o, field)
        assert sum(getattr(t, field) for _, t in board.by_year) == getattr(o, field)


# The plan's targets ------------------------------------------------------------------------------

def test_target_due_dates_are_the_plans():
    rules = TargetRules()
    assert [(key, rules.due(key)) for key in ("stock_cleared", "increment_curbed", "dynamic_zero")] \
        == [("stock_cleared", date(2024, 12, 31)), ("increment_curbed", date(2025, 12, 31)),
            ("dynamic_zero", date(2026, 12, 31))]
    assert TargetRules.from_config({"increment_curbed": {"year": 2026, "baseline_year": 2025}}) \
        .due("increment_curbed") == date(2026, 12, 31)


@pytest.mark.parametrize(("today", "figure", "state"), [
    (date(2024, 12, 30), 2, TargetState.PENDING),
    (date(2024, 12, 31), 2, TargetState.PENDING),  # the due day itself still counts
    (date(2025, 1, 1), 2, TargetState.NOT_MET),
    (date(2024, 6, 1), 0, TargetState.MET),  # met early
    (date(2025, 1, 1), 0, TargetState.MET),
])
def test_target_state_relative_to_today(today, figure, state):
    assert target_state(date(2024, 12, 31), today, figure) == state


# An open stock hazard (due mid-2026), and one found in 2024 that stays open.
PLAN_RECORDS = [rec(date(2023, 3, 1), "rectifying", deadline=date(2026, 7, 1)),
                rec(date(2024, 3, 1), "rectifying", deadline=date(2024, 6, 1))]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2024, 11, 1), {"stock_cleared": "pending", "increment_curbed": "pending",
                         "dynamic_zero": "pending"}),
    # After the stock target: it is missed while a stock hazard stays open.
    (date(2025, 2, 1), {"stock_cleared": "not_met", "increment_curbed": "pending",
                        "dynamic_zero": "pending"}),
    # No major found in 2025 against one in 2024: the increment is curbed.
    (date(2026, 1, 5), {"stock_cleared": "not_met", "increment_curbed": "met",
                        "dynamic_zero": "pending"}),
    # The stock hazard is open past its 2026 time limit: dynamic zero is missed.
    (date(2027, 1, 1), {"stock_cleared": "not_met", "increment_curbed": "met",
                        "dynamic_zero": "not_met"}),
])
def test_targets_before_and_after_each_due_date(today, expected):
    board = summarise(PLAN_RECORDS, CUTOFF, today)
    assert {k: str(t.state) for k, t in targets_of(board).items()} == expected


def test_stock_closed_after_its_due_day_misses_the_target():
    late = [rec(date(2023, 3, 1), "closed", closed_on=date(2025, 1, 10))]
    stock = targets_of(summarise(late, CUTOFF, date(2025, 6, 1)))["stock_cleared"]
    assert stock.state == TargetState.NOT_MET and stock.figure == 1
    in_time = [rec(date(2023, 3, 1), "closed", closed_on=date(2024, 12, 31))]
    assert targets_of(summarise(in_time, CUTOFF, date(2025, 6, 1)))["stock_cleared"].state \
        == TargetState.MET


@pytest.mark.parametrize(("found_2024", "found_2025", "today", "state"), [
    (3, 2, date(2025, 6, 1), TargetState.PENDING),  # below so far, year not over
    (3, 2, date(2026, 1, 1), TargetState.MET),
    (2, 2, date(2025, 6, 1), TargetState.NOT_MET),  # reached the baseline: cannot recover
    (0, 0, date(2026, 1, 1), TargetState.MET),  # none in either year
    (0, 1, date(2026, 1, 1), TargetState.NOT_MET),
])
def test_increment_is_the_number_found_against_the_baseline_year(found_2024, found_2025, today,
                                                                 state):
    records = ([rec(date(2024, 5, 1), "closed")] * found_2024
               + [rec(date(2025, 5, 1), "closed")] * found_2025)
    target = targets_of(summarise(records, CUTOFF, today))["increment_curbed"]
    assert (target.state, target.figure, target.baseline) == (state, found_2025, found_2024)


def test_dynamic_zero_counts_late_closures_and_open_past_the_limit():
    records = [
        rec(date(2026, 2, 1), "closed", deadline=date(2026, 3, 1), closed_on=date(2026, 3, 1)),
        rec(date(2026, 2, 1), "rectifying", deadline=date(2026, 12, 1)),
        # before the target's start: not counted
        rec(date(2025, 2, 1), "closed", deadline=date(2025, 3, 1), closed_on=date(2025, 5, 1)),
    ]
    zero = targets_of(summarise(records, CUTOFF, date(2026, 11, 1)))["dynamic_zero"]
    assert zero.state == TargetState.PENDING and zero.figure == 0
    zero = targets_of(summarise(records, CUTOFF, date(2027, 1, 2)))["dynamic_zero"]
    assert zero.state == TargetState.NOT_MET and zero.figure == 1  # open past 12-01
    records[1] = rec(date(2026, 2, 1), "closed", deadline=date(2026, 12, 1),
                     closed_on=date(2026, 12, 3))  # closed, but two days late
    zero = targets_of(summarise(records, CUTOFF, date(2027, 1, 2)))["dynamic_zero"]
    assert zero.state == TargetState.NOT_MET and zero.figure == 1
    records[1] = rec(date(2026, 2, 1), "closed", deadline=date(2026, 12, 1),
                     closed_on=date(2026, 11, 30))
    zero = targets_of(summarise(records, CUTOFF, date(2027, 1, 2)))["dynamic_zero"]
    assert zero.state == TargetState.MET and zero.figure == 0


def test_empty_database():
    board = summarise([], CUTOFF, TODAY)
    assert board.overall == Tally() and board.by_area == [] and board.overall.clearing_rate is None
    states = {t.key: t.state for t in board.targets}
    assert states == {"stock_cleared": TargetState.MET, "increment_curbed": TargetState.MET,
                      "dynamic_zero": TargetState.PENDING}


def test_regimes_are_counted_apart():
    board = summarise([rec(date(2025, 1, 1)), rec(date(2025, 2, 1), regime="fire"),
                       rec(date(2025, 3, 1), regime="fire")], CUTOFF, TODAY)
    assert [(r, t.total) for r, t in board.by_regime] == [("accident", 1), ("fire", 2)]


def test_definitions_name_the_configured_days():
    rules = TargetRules.from_config({"stock_cleared": {"found_by": "2023-12-31",
                                                       "closed_by": "2025-06-30"}})
    from flask import Flask
    from flask_babel import Babel
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        assert "2025-06-30" in rules.definition("stock_cleared")
        assert "2024" in rules.definition("increment_curbed")
