"""What a list (五张清单, the major-hazard database) is: its columns and its queries.

Each list is a `Ledger`: its columns (page label, value kind, xlsx width), a query whose rows
come out in column order, and the filters that apply to it. Rows hold raw values (codes,
naive-UTC datetimes, Decimals): the page shows them with the UI's labels (service.display), the
xlsx with the ledger's Chinese ones (export.py). The lists themselves: lists.py and major.py.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam

from ..auth.models import User
from .filters import Filters


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy English msgid, shown on the page
    kind: str = "text"  # text int date datetime money bool, or a code kind (see LABELS)
    width: int = 12  # xlsx column width in characters
    on_page: bool = True  # long texts go only to the xlsx file

    @property
    def css(self) -> str:
        """Cell classes: the kind (alignment) and, for text, how much room it needs."""
        size = ("k-long" if self.width >= 24 else "k-mid" if self.width >= 14
                else "k-short" if self.width >= 10 else "")
        return f"k-{self.kind} {size}".strip()


@dataclass(frozen=True)
class Ledger:
    slug: str
    title: Any
    title_zh: str  # the official name: the xlsx title and file name
    columns: tuple[Column, ...]
    filters: frozenset[str]  # of area grid type period level
    statuses: dict[str, Any] = field(default_factory=dict)
    period_label: Any = None
    period_zh: str = ""
    # The rows' order, newest first: (sort column, id column), both descending, indexed.
    key: tuple = ()
    # The list's rows (the filters applied, no columns yet): a page's keys are read from it.
    core: Callable[[User, Filters, date], Select] | None = None
    # Every column of a page's rows, by their ids alone (built_once): per-row figures for
    # those rows only. Print and export read every row so too, a few hundred at a time.
    statement: Callable[[], Select] | None = None
    # A read's rows (a page, or ROWS_PER_READ) as the list shows them, in column order: a read
    # at a time, so what its rows share (the major list's stock cutoff) is read once.
    convert: Callable[[list, date], list[tuple]] | None = None
    generate: Callable[..., Iterator[tuple]] | None = None  # not one query (by sites)

    def for_ids(self, ids: list) -> tuple[Select, dict]:
        """The rows of these ids: the page statement and the parameters to run it with."""
        return self.statement(), {"ids": list(ids)}

    @property
    def page_columns(self) -> list[tuple[int, Column]]:
        return [(i, c) for i, c in enumerate(self.columns) if c.on_page]


WHERE = (Column("area", _l("Area"), width=10), Column("grid", _l("Grid"), width=10),
         Column("site", _l("Enterprise or place"), width=24),
         Column("site_type", _l("Industry"), "site_type", width=12))


def each_row(convert: Callable[[Any, date], tuple]) -> Callable[[list, date], list[tuple]]:
    """A Ledger.convert that converts each row on its own."""
    return lambda rows, today: [convert(row, today) for row in rows]


def built_once(build: Callable[[Any], Select]) -> Callable[[], Select]:
    """A list's page statement, built once with its ids a parameter (`build(ids)`): it reads
    no filter or scope (the ids were read with them already; applied again, they only
    mislead the planner: PostgreSQL read a city area's 40,000 hazards for 50 ids), and
    building its joins and subqueries cost ~4.5 ms a page, twice what reading its 50 rows
    costs. It is run as built, its ids given at execution (Ledger.for_ids): a copy with the
    ids bound has its cache key worked out again, ~1-2 ms more a page."""
    built: list[Select] = []

    def page() -> Select:
        if not built:  # two threads may both build it: the same statement either way
            built.append(build(bindparam("ids", expanding=True)))
        return built[0]
    return page
