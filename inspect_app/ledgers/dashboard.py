"""The major-hazard dashboard as a page reads it: from the zone's summary (summary.py) when that
answers exactly, else counted live from the hazards (stats.py), memoised per user and filter;
and its figures as HTML, rendered once per count and language (`figures`)."""

from dataclasses import dataclass, replace
from datetime import date

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from ..auth.models import User
from ..memo import memo
from ..sites.types import SITE_TYPES
from ..timeutil import local_today, utcnow
from . import summary
from .stats import (
    TARGET_MEASURES,
    TARGET_TITLES,
    Dashboard,
    load_groups,
    stock_cutoff,
    summarise_groups,
    summarise_parts,
    target_rules,
)

_boards = memo(60, size=256)
_summed = memo(600, size=256)
_shown = memo(600, size=256)


def dashboard(user: User, filters, today: date | None = None, cutoff: date | None = None,
              regime: str = "", live: bool = False) -> Dashboard:
    """The dashboard for what `user` may see (area, grid, industry and regime filters apply):
    from the zone's summary when it answers exactly (summary.py), else counted from the hazards,
    memoised a minute per user and filter (paging the list below never recounts it). `live`:
    counted now whatever the summary holds (an export's figures match its own rows)."""
    return _counted(user, filters, today, cutoff, regime, live)[1]


def _counted(user: User, filters, today: date | None, cutoff: date | None, regime: str,
             live: bool) -> tuple[tuple, Dashboard]:
    """`dashboard`, and the key it is kept under: what decided its figures."""
    cutoff = cutoff or stock_cutoff()
    today = today or local_today()
    rules = target_rules(cutoff)
    why = "asked" if live else "" if summary.answers(user, filters) else "scope"
    if not why:
        counted = summary.latest_row()
        if summary.usable(counted, today, cutoff, rules):
            # A summary never changes once made: its sums per filter are kept while it is the
            # latest (the page then costs the one look-up above).
            key = ("summary", counted.id, filters.area, filters.site_type, regime, today,
                   cutoff, rules)
            return key, _summed.get(key, lambda: replace(summarise_parts(
                *summary.parts(counted, filters, regime), cutoff, today, rules),
                counted_at=counted.made_at, source="summary"))
        why = "pending"

    def count() -> Dashboard:
        at = utcnow()
        board = summarise_groups(load_groups(user, filters, cutoff, today, rules, regime),
                                 cutoff, today, rules)
        return replace(board, counted_at=at)

    key = ("live", user.id, user.role, filters.area, filters.grid, filters.site_type, regime,
           today, cutoff, rules, live)
    # Asked live (an export): counted in the export's snapshot, not taken from the memo.
    return (*key, why), replace(count() if live else _boards.get(key, count), live_why=why)


@dataclass(frozen=True)
class Figures:
    """The dashboard as HTML: when and from what it was counted, and every figure after that
    (ledgers/_figures.html). The page puts the "count again" form, which carries the reader's
    own CSRF token, between the two."""

    counted: Markup
    tables: Markup


def figures(user: User, filters, regime: str = "") -> tuple[Dashboard, Figures]:
    """The dashboard and its HTML, rendered once per count and language: the key is what
    decided the figures (for the summary, the zone's count and the filters; live, the reader
    too) and when they were counted, so a new count is rendered anew. The four tables cost
    more to render than the rest of the page's dashboard (50 rows a city's areas)."""
    key, board = _counted(user, filters, None, None, regime, False)

    def render() -> Figures:
        module = current_app.jinja_env.get_template("ledgers/_figures.html").make_module(
            {"titles": TARGET_TITLES, "measures": TARGET_MEASURES,
             "site_types": SITE_TYPES})
        return Figures(Markup(module.counted(board)), Markup(module.tables(board)))
    return board, _shown.get((key, board.counted_at, str(get_locale())), render)
