"""Reading the lists (五张清单, the major-hazard database): every row, a page, the count, and
showing values on the page.

The page, the print view and the xlsx export all read the same rows (columns.py: what a list
is; lists.py and major.py: the lists), narrowed to what the user may see.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Integer, Select, bindparam, func, literal_column, select, tuple_

from .. import labels
from ..access import Scope, scope_of
from ..auth.models import User
from ..extensions import read
from ..memo import memo
from ..sites.models import Site
from ..sites.service import FilterChoices, filter_choices
from ..sites.service import choices_key as sites_choices_key
from ..timeutil import local_minute, local_today
from .columns import Column, Ledger
from .filters import Filters
from .lists import FIVE, PAGE_SITE_ORDER, in_site_order
from .major import MAJOR, PARTS

LEVELS = labels.LEVELS
LEDGERS = {ledger.slug: ledger for ledger in (*FIVE, MAJOR)}


# Reading rows ---------------------------------------------------------------------------------


# Every row is read as the screen reads a page (the keys on the list's index, then every
# column for those ids), this many rows at a time.
ROWS_PER_READ = 500


def rows(ledger: Ledger, user: User, filters: Filters, today: date | None = None,
         limit: int | None = None) -> Iterator[tuple]:
    """Every row of the list in column order (export, print), `limit` at most, read
    ROWS_PER_READ at a time: memory stays flat at any size. One statement for every row
    joined each row's figures over the whole table before its first row came (a city's
    20 million answers counted for a 2,000-row print: 26 s; its rectification list: 58 s);
    read by pages, a row costs what it costs on the screen."""
    today = today or local_today()
    if ledger.generate:
        yield from islice(ledger.generate(user, filters, today), limit)
        return
    last, left = None, limit
    while left is None or left > 0:
        keys, more = _key_page(ledger, user, filters, today, last,
                               ROWS_PER_READ if left is None else min(ROWS_PER_READ, left))
        if keys:
            yield from ledger.convert(read(*ledger.for_ids([k[-1] for k in keys])).all(), today)
            last = keys[-1]
        if not more:
            return
        if left is not None:
            left -= len(keys)


def count(ledger: Ledger, user: User, filters: Filters, today: date | None = None) -> int:
    """How many rows the list has (an export's progress counts them)."""
    today = today or local_today()
    if ledger.generate:
        return sum(1 for _row in ledger.generate(user, filters, today))
    return count_listed(ledger, user, filters, today)


def count_listed(ledger: Ledger, user: User, filters: Filters, today: date) -> int:
    """What the screen's total counts: rows, or sites for the responsibility list. A whole-
    list count, so the screen asks for it through `total`, memoised."""
    stmt = ledger.core(user, filters, today).add_columns(
        Site.id if ledger.generate else ledger.key[1])
    return read(select(func.count()).select_from(stmt.subquery())).scalar()


_totals = memo(60)


def total(ledger: Ledger, user: User, filters: Filters, today: date) -> int:
    """The list's count, at most a minute old: paging never recounts the whole list."""
    key = (ledger.slug, user.id, user.role, filters, today)
    return _totals.get(key, lambda: count_listed(ledger, user, filters, today))


def fits_in_request(ledger: Ledger, user: User, filters: Filters,
                    today: date | None = None) -> bool:
    """Whether the list's file is small enough to write in the request (at most
    EXPORT_INLINE_MAX_ROWS rows; larger ones are queued): reads at most that many rows + 1."""
    limit = current_app.config["EXPORT_INLINE_MAX_ROWS"]
    return sum(1 for _row in rows(ledger, user, filters, today, limit=limit + 1)) <= limit


_fits = memo(60)


def listed_fits_in_request(ledger: Ledger, user: User, filters: Filters, today: date,
                           listed: int) -> bool:
    """`fits_in_request` for the screen, from its total when that counts rows. The
    responsibility list's total counts sites, each of one row or more: a few sites may still
    be too many rows, so its rows are counted (at most the limit + 1, memoised a minute)."""
    if listed > current_app.config["EXPORT_INLINE_MAX_ROWS"]:
        return False
    if not ledger.generate:
        return True
    key = (ledger.slug, user.id, user.role, filters, today)
    return _fits.get(key, lambda: fits_in_request(ledger, user, filters, today))


@dataclass
class Listing:
    rows: list[tuple]
    next: int | None  # the id to continue after ("More"), None on the last page


@dataclass
class Counted:
    total: int
    unit: str  # what `total` counts: rows, or sites for the responsibility list
    fits_request: bool  # its file may be written in the request (fits_in_request)


def _ordered(ledger: Ledger, user: User, filters: Filters,
             today: date) -> tuple[Select, tuple, bool]:
    """The list's rows as pages read them, their order (sort columns…, id) and whether it runs
    newest first: an index's."""
    if ledger.generate:
        return in_site_order(ledger.core(user, filters, today)), PAGE_SITE_ORDER, False
    return ledger.core(user, filters, today), ledger.key, True


def _key_page(ledger: Ledger, user: User, filters: Filters, today: date, last: tuple | None,
              limit: int) -> tuple[list[tuple], bool]:
    """The order keys (sort…, id) of one page, from the keys alone (LIMIT n + 1: one more
    tells whether there is a next page). `last`: the keys of the row before the page."""
    query = _keys_statement(ledger.slug, scope_of(user), filters, today, last is not None, limit)
    params = {f"after_{i}": value for i, value in enumerate(last)} if last is not None else None
    keys = [tuple(k) for k in read(query, params).all()]
    return keys[:limit], len(keys) > limit


# A statement with its cache key is ~17 KB: 256 of each kind are ~4 MB a worker. Zone staff
# share one scope, so their pages stay; an inspector's or enterprise's are rebuilt when evicted.
@lru_cache(maxsize=256)
def _keys_statement(slug: str, scope: Scope, filters: Filters, today: date, after: bool,
                    limit: int) -> Select:
    """A page's keys statement, built once per scope (access.Scope), filters, day, limit and
    whether it continues after a row (whose keys are then its parameters after_0…): building
    it and working out its cache key cost more CPU than running it (zone PG, rectification:
    ~1.1 of ~1.7 ms). Built from the scope in the user's place, so the list can read of the
    user nothing the key leaves out: its scope rule reads `scope`, never a user."""
    query, order, descending = _ordered(LEDGERS[slug], scope, filters, today)
    query = query.add_columns(*order)
    if after:
        # The row-value comparison the order's index answers: (sort…, id) past the last one.
        last = tuple_(*(bindparam(f"after_{i}", type_=c.type) for i, c in enumerate(order)))
        query = query.where(tuple_(*order) < last if descending else tuple_(*order) > last)
    query = query.order_by(*(c.desc() for c in order) if descending else order)
    # The limit written in the SQL, not bound: PostgreSQL keeps a prepared statement's generic
    # plan only when it costs what the custom ones did, and it costs a bound LIMIT as a tenth
    # of the list, so every page was planned again (zone PG: ~0.9 -> ~0.25 ms server CPU).
    return query.limit(literal_column(str(limit + 1), Integer))


def _keys_of(ledger: Ledger, user: User, filters: Filters, today: date,
             after: int | None) -> tuple | None:
    """The order keys of the row `after` ("More" carries only its id); None for the first page
    (or an id no longer in the list: the list starts again)."""
    if after is None:
        return None
    query = _row_keys_statement(ledger.slug, scope_of(user), filters, today)
    found = read(query, {"after": after}).first()
    return tuple(found) if found else None


@lru_cache(maxsize=256)
def _row_keys_statement(slug: str, scope: Scope, filters: Filters, today: date) -> Select:
    """The order keys of one row of the list, its id the parameter `after`: built once per
    scope, filters and day, as `_keys_statement`."""
    query, order, _descending = _ordered(LEDGERS[slug], scope, filters, today)
    return query.add_columns(*order).where(order[-1] == bindparam("after"))


# The responsibility list reads this many sites at a time until its page has `limit` rows.
SITES_PER_READ = 10


def listing(ledger: Ledger, user: User, filters: Filters, after: int | None = None,
            limit: int = 50, today: date | None = None) -> Listing:
    """One page of the list for the screen: its ids first, then every column for those ids
    only. No total: the screen asks `counted` for it in a request of its own."""
    today = today or local_today()
    last = _keys_of(ledger, user, filters, today, after)
    if ledger.generate:
        return _site_listing(ledger, user, filters, last, limit, today)
    keys, more = _key_page(ledger, user, filters, today, last, limit)
    ids = [k[-1] for k in keys]
    # .all(): fetched at once, not row by row through the result's iterator.
    page_rows = ledger.convert(read(*ledger.for_ids(ids)).all(), today) if ids else []
    return Listing(page_rows, ids[-1] if more else None)


def _site_listing(ledger: Ledger, user: User, filters: Filters, last: tuple | None, limit: int,
                  today: date) -> Listing:
    """A page of a list by site (the responsibility list): whole sites, a few at a time, until
    the page has `limit` rows (a site has one row or dozens: a page of 50 sites had 400)."""
    page_rows: list[tuple] = []
    while True:
        keys, more = _key_page(ledger, user, filters, today, last, SITES_PER_READ)
        if keys:
            page_rows += ledger.generate(user, filters, today, ids=[k[-1] for k in keys])
            last = keys[-1]
        if not more or len(page_rows) >= limit:
            return Listing(page_rows, last[-1] if more else None)


def counted(ledger: Ledger, user: User, filters: Filters, today: date | None = None) -> Counted:
    """The list's total and whether its file fits in a request, memoised a minute: the screen
    asks for them apart from its rows, so a page never waits for a whole-list count."""
    today = today or local_today()
    listed = total(ledger, user, filters, today)
    return Counted(listed, "sites" if ledger.generate else "rows",
                   listed_fits_in_request(ledger, user, filters, today, listed))


# The filters' choices ------------------------------------------------------------------------

def choices_key(user) -> tuple:
    """What decides the areas and grids `user` may filter by (sites.service.choices_key)."""
    return sites_choices_key(user)


def choices(user) -> FilterChoices:
    """The areas and grids `user` may filter a list by, as plain pairs (memoised a minute per
    scope, sites.service.filter_choices)."""
    return filter_choices(user)


# Showing values on the page -------------------------------------------------------------------

LABELS = labels.FAMILIES

def _shows(kind: str) -> Callable[[Any], str]:
    """How a column of this kind shows a value that is there, in the UI language. Words are
    looked up once per call, not once per cell (a page has a thousand cells)."""
    if kind == "datetime":
        return local_minute
    if kind == "date":
        return date.isoformat
    if kind == "money":
        return "{:,.2f}".format
    if kind == "bool":
        yes, no = _("Yes"), _("No")
        return lambda value: yes if value else no
    if kind == "parts":  # nine parts, a few dozen combinations: each worded once per page
        worded: dict[tuple, str] = {}

        def parts(value) -> str:
            if value not in worded:
                worded[value] = (_("Missing: %(parts)s", parts=", ".join(str(PARTS[p])
                                                                         for p in value))
                                 if value else _("Complete"))
            return worded[value]
        return parts
    if kind in LABELS:
        family, words = LABELS[kind], {}

        def word(value) -> str:
            if value not in words:
                words[value] = str(family.get(value, value))
            return words[value]
        return word
    return str


def display(column: Column, value) -> str:
    """A cell as the page shows it, in the UI language."""
    return "" if value is None or value == "" else _shows(column.kind)(value)


# Kinds whose shown text has no character to escape (digits, dashes, colons, commas).
_PLAIN = frozenset({"int", "hazard", "date", "datetime", "money"})


class _CodedCells(dict):
    """A coded column's cells (a code, yes or no, the parts missing) by value, as HTML: the same
    on every page, so each value is worded and escaped once per process, not once per page."""

    __slots__ = ("td", "shows")

    def __missing__(self, value) -> str:
        found = self[value] = f"{self.td}{_escaped(self.shows(value))}</td>"
        return found


_CODED: dict[tuple[str, str, str], _CodedCells] = {}


def _coded(kind: str, td: str, locale: str) -> _CodedCells:
    cells = _CODED.get((kind, td, locale))
    if cells is None:
        cells = _CodedCells({None: f"{td}</td>", "": f"{td}</td>"})
        cells.td, cells.shows = td, _shows(kind)
        _CODED[kind, td, locale] = cells
    return cells


def _escaped(value) -> str:
    """markupsafe's escape of a value, as a plain str: most texts have nothing to escape, and
    escaping one into a Markup, then writing that into its cell, cost 2x these checks."""
    if type(value) is str and not ("&" in value or "<" in value or ">" in value
                                   or "'" in value or '"' in value):
        return value
    return str(escape(value))


def _column(kind: str, td: str, locale: str, values: list, detail: str | None) -> list[str]:
    """One column's cells, `td` each (empty for no value): a coded value's is looked up, a
    text escaped (the check inline: a call per cell cost more than the check), a number or
    day written as it is; a hazard number links to `detail` + its id, when given."""
    empty = f"{td}</td>"
    if kind == "text":
        return [empty if v is None or v == "" else f"{td}{v}</td>" if type(v) is str and not (
            "&" in v or "<" in v or ">" in v or "'" in v or '"' in v) else f"{td}{escape(v)}</td>"
            for v in values]
    if kind == "hazard" and detail is not None:
        return [empty if v is None or v == "" else f'{td}<a href="{detail}{v}">{v}</a></td>'
                for v in values]
    if kind in _PLAIN:
        shows = _shows(kind)
        return [empty if v is None or v == "" else f"{td}{shows(v)}</td>" for v in values]
    return list(map(_coded(kind, td, locale).__getitem__, values))


def cells(ledger: Ledger, rows: list[tuple], links: bool = True) -> Iterator[Markup]:
    """Each row's <td> cells, in HTML (`_cells`)."""
    return map(Markup, _cells(ledger, rows, links))


def table_rows(ledger: Ledger, rows: list[tuple]) -> Markup:
    """The page's rows as its <tbody> shows them, each <tr> on a line of its own (as a loop in
    ledgers/_rows.html wrote them): one string, not a Markup per row for Jinja to escape, copy
    and join."""
    return Markup("".join([f"\n<tr>{row}</tr>\n" for row in _cells(ledger, rows, True)]))


def _cells(ledger: Ledger, rows: list[tuple], links: bool) -> Iterator[str]:
    """The shown columns of each row as its <td> cells, in HTML: a hazard number links to its
    hazard (not in print). Written here, not cell by cell in Jinja: a major-hazard page has
    1,650 cells, and escaping and branching per cell in the template cost more than its
    queries. Written a column at a time, each column's kind decided once, and each row's cells
    joined: a cell's kind branched on per cell cost ~1/3 more (zone, major page: 1.3 -> 1.0
    ms). Every value is escaped; a column's class is escaped once."""
    detail = url_for("hazards.detail", hazard_id=0).removesuffix("0") if links else None
    locale = str(get_locale())
    columns = [_column(c.kind, f'<td class="{escape(c.css)}">', locale, [row[i] for row in rows],
                       detail) for i, c in ledger.page_columns]
    return map("".join, zip(*columns, strict=True))


def heads(ledger: Ledger) -> Markup:
    """The shown columns' <th> cells, in the UI language: the same on every page of a list,
    written once per list and language (a major-hazard page has 33, each a lazy word)."""
    return _heads(ledger.slug, str(get_locale()))


@lru_cache(maxsize=64)
def _heads(slug: str, _locale: str) -> Markup:
    return Markup("".join(f'<th class="{escape(c.css)}">{escape(c.label)}</th>'
                          for _i, c in LEDGERS[slug].page_columns))


# The label family that words a filter's code (area and grid are names already).
FILTER_FAMILIES = {"type": "site_type", "level": "level", "regime": "regime"}


def filter_words(ledger: Ledger, filters: Filters, codes: dict[str, dict],
                 statuses: dict) -> list[tuple[str, Any]]:
    """The filters that are set, each value in words (`codes`: label families by name; a period
    stays its (low, high) pair): the print view's heading (describe) and the xlsx subtitle
    (export.describe) each phrase these."""
    return [(key, codes[FILTER_FAMILIES[key]].get(value, value) if key in FILTER_FAMILIES
             else statuses[value] if key == "status" else value)
            for key, value in filters.parts()]


def describe(ledger: Ledger, filters: Filters) -> str:
    """The filters in the UI language, for the print view's heading."""
    phrases = {"area": _("Area: %(v)s"), "grid": _("Grid: %(v)s"), "type": _("Industry: %(v)s"),
               "level": _("Level: %(v)s"), "status": _("Status: %(v)s"),
               "regime": _("Regime: %(v)s")}
    parts = [_("%(what)s from %(low)s to %(high)s", what=ledger.period_label,
               low=value[0] or "…", high=value[1] or "…") if key == "period"
             else phrases[key] % {"v": value}
             for key, value in filter_words(ledger, filters, LABELS, ledger.statuses)]
    return "; ".join(parts) or _("All rows")
