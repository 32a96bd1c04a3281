"""Scoring the standardization self-assessment: weights, sections, N/A, pass mark, veto, trend."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_app.enterprise import scoring
from inspect_app.enterprise.scoring import Item, ScoreError

ITEMS = [
    Item("A1", "基础管理", 10), Item("A2", "基础管理", 20),
    Item("B1", "设备设施", 30, major=True), Item("C1", "作业现场", 40),
]


def test_full_marks_and_sections():
    result = scoring.score(ITEMS, {"A1": 10, "A2": 20, "B1": 30, "C1": 40}, pass_mark=60)
    assert (result.points, result.possible, result.score, result.passed) == (100, 100, 100.0, True)
    assert [(s.section, s.points, s.possible) for s in result.sections] == [
        ("基础管理", 30, 30), ("设备设施", 30, 30), ("作业现场", 40, 40)]


def test_partial_scores_and_the_pass_mark_boundary():
    given_ = {"A1": 5, "A2": 10, "B1": 25, "C1": 20}  # 60 of 100
    assert scoring.score(ITEMS, given_, pass_mark=60).passed  # exactly on the mark passes
    assert not scoring.score(ITEMS, given_, pass_mark=60.5).passed
    assert scoring.score(ITEMS, given_, pass_mark=60).sections[0].points == 15


def test_not_applicable_items_leave_the_total():
    result = scoring.score(ITEMS, {"A1": 10, "A2": None, "B1": 30, "C1": 20}, pass_mark=60)
    assert (result.points, result.possible) == (60, 80)
    assert result.score == 75.0 and result.passed
    assert result.sections[0].possible == 10 and result.sections[0].answered == 2


def test_everything_not_applicable_scores_zero_without_dividing_by_zero():
    result = scoring.score(ITEMS, dict.fromkeys(["A1", "A2", "B1", "C1"]), pass_mark=60)
    assert result.score == 0.0 and not result.passed


def test_unanswered_items_block_passing():
    result = scoring.score(ITEMS, {"A1": 10, "A2": 20, "B1": 30}, pass_mark=10)
    assert result.unanswered == ["C1"] and not result.complete and not result.passed
    assert result.possible == 100  # still counted as possible: not yet scored is not N/A


def test_a_failed_major_item_vetoes_unless_the_veto_is_off():
    given_ = {"A1": 10, "A2": 20, "B1": 0, "C1": 40}  # 70 points, but B1 (major) failed
    vetoed = scoring.score(ITEMS, given_, pass_mark=60)
    assert vetoed.score == 70.0 and vetoed.vetoed == ["B1"] and not vetoed.passed
    assert scoring.score(ITEMS, given_, pass_mark=60, veto_major=False).passed
    partly = scoring.score(ITEMS, given_ | {"B1": 1}, pass_mark=60)
    assert partly.vetoed == [] and partly.passed


@pytest.mark.parametrize("given_", [{"A1": 11}, {"A1": -1}, {"ZZ": 1}])
def test_out_of_range_or_unknown_scores_are_refused(given_):
    with pytest.raises(ScoreError):
        scoring.score(ITEMS, given_, pass_mark=60)


def test_score_rounds_to_one_decimal():
    items = [Item("X", "s", 3), Item("Y", "s", 3), Item("Z", "s", 3)]
    assert scoring.score(items, {"X": 3, "Y": 3, "Z": 1}, pass_mark=60).score == 77.8


@given(st.lists(st.integers(1, 20), min_size=1, max_size=12).flatmap(
    lambda weights: st.tuples(st.just(weights), st.tuples(*[
        st.one_of(st.none(), st.integers(0, w)) for w in weights]))))
def test_score_stays_between_0_and_100_and_matches_points(case):
    weights, points = case
    items = [Item(f"I{n}", f"S{n % 3}", w) for n, w in enumerate(weights)]
    result = scoring.score(items, {f"I{n}": p for n, p in enumerate(points)}, pass_mark=60)
    assert 0 <= result.score <= 100
    assert result.points == sum(p for p in points if p is not None)
    assert result.possible == sum(w for w, p in zip(weights, points, strict=True) if p is not None)
    assert sum(s.points for s in result.sections) == result.points


def test_trend_is_the_change_between_assessments():
    assert scoring.trend([52.5, 61.0, 58.0]) == [8.5, -3.0]
    assert scoring.trend([70]) == [] and scoring.trend([]) == []


def test_bundled_rules_weights_sum_to_100():
    """std-small's weights make a 100-point table, so its pass mark reads as a percentage."""
    import tomllib
    from pathlib import Path

    import inspect_app.checklists as checklists
    data = tomllib.loads((Path(checklists.__file__).parent / "data/std-small.toml").read_text())
    assert sum(i["weight"] for i in data["items"]) == 100
    items = [Item(i["code"], i["section"], i["weight"], i["major"] == "Y") for i in data["items"]]
    full = scoring.score(items, {i.code: i.weight for i in items}, pass_mark=data["pass_mark"])
    assert full.score == 100.0 and full.passed
