"""Scoring a standardization self-assessment (达标细则): pure Python, no Flask, no db.

Each item is scored from 0 up to its weight, or marked not applicable (None). Items not
applicable leave the total, and the score is the points got as a share of the points
possible, out of 100, so an enterprise is not marked down for what it does not have. With
the veto on, failing (scoring 0 on) an item that is itself a major accident hazard fails
the assessment whatever the total (the rule file's suggested 一票否决).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    weight: int
    major: bool = False


@dataclass(frozen=True)
class SectionScore:
    section: str
    points: int
    possible: int
    answered: int
    items: int


@dataclass(frozen=True)
class Score:
    sections: list[SectionScore]
    points: int  # got, over the applicable items
    possible: int  # sum of the weights of applicable items
    score: float  # points / possible × 100, one decimal
    pass_mark: float
    vetoed: list[str]  # codes of failed major items
    unanswered: list[str]

    @property
    def passed(self) -> bool:
        return not self.unanswered and not self.vetoed and self.score >= self.pass_mark

    @property
    def complete(self) -> bool:
        return not self.unanswered


class ScoreError(ValueError):
    """A score outside 0..weight, or for an item that is not on the list."""


def check_points(item: Item, points: int | None) -> int | None:
    """The points as given, or ScoreError when outside 0..weight."""
    if points is not None and not 0 <= points <= item.weight:
        raise ScoreError(f"{item.code}: {points} is not between 0 and {item.weight}")
    return points


def score(items: Iterable[Item], given: Mapping[str, int | None], pass_mark: float,
          veto_major: bool = True) -> Score:
    """Score the assessment. `given` maps item code → points (None: not applicable); an item
    missing from `given` is unanswered and keeps the assessment from passing."""
    items = list(items)
    known = {i.code for i in items}
    if stray := set(given) - known:
        raise ScoreError(f"not on the list: {', '.join(sorted(stray))}")
    sections: dict[str, list] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    rows, vetoed, unanswered = [], [], []
    for section, members in sections.items():
        points = possible = answered = 0
        for item in members:
            if item.code not in given:
                unanswered.append(item.code)
                possible += item.weight
                continue
            answered += 1
            got = check_points(item, given[item.code])
            if got is None:
                continue
            points += got
            possible += item.weight
            if veto_major and item.major and got == 0:
                vetoed.append(item.code)
        rows.append(SectionScore(section, points, possible, answered, len(members)))
    total = sum(r.points for r in rows)
    possible = sum(r.possible for r in rows)
    pct = round(total * 100 / possible, 1) if possible else 0.0
    return Score(rows, total, possible, pct, pass_mark, vetoed, unanswered)


def trend(scores: Iterable[float]) -> list[float]:
    """Change from each assessment to the next (oldest first): the trend the history shows."""
    scores = list(scores)
    return [round(b - a, 1) for a, b in zip(scores, scores[1:], strict=False)]
