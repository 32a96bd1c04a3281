"""The major-hazard dashboard as a page reads it: from the zone's summary (summary.py) when that
answers exactly, else counted live from the hazards (stats.py), memoised per user and filter."""

from dataclasses import replace
from datetime import date

from ..auth.models import User
from ..memo import memo
from ..timeutil import local_today, utcnow
from . import summary
from .stats import Dashboard, load_groups, stock_cutoff, summarise_groups, summarise_parts, target_rules

_boards = memo(60, size=256)
_summed = memo(600, size=256)


def dashboard(user: User, filters, today: date | None = None, cutoff: date | None = None,
              regime: str = "", live: bool = False) -> Dashboard:
    """The dashboard for what `user` may see (area, grid, industry and regime filters apply):
    from the zone's summary when it answers exactly (summary.py), else counted from the hazards,
    memoised a minute per user and filter (paging the list below never recounts it). `live`:
    counted now whatever the summary holds (an export's figures match its own rows)."""
    cutoff = cutoff or stock_cutoff()
    today = today or local_today()
    rules = target_rules(cutoff)
    why = "asked" if live else "" if summary.answers(user, filters) else "scope"
    if not why:
        counted = summary.latest_row()
        if summary.usable(counted, today, cutoff, rules):
            # A summary never changes once made: its sums per filter are kept while it is the
            # latest (the page then costs the one look-up above).
            return _summed.get((counted.id, filters.area, filters.site_type, regime, today,
                                cutoff, rules), lambda: replace(summarise_parts(
                                    *summary.parts(counted, filters, regime), cutoff, today,
                                    rules), counted_at=counted.made_at, source="summary"))
        why = "pending"

    def count() -> Dashboard:
        at = utcnow()
        board = summarise_groups(load_groups(user, filters, cutoff, today, rules, regime),
                                 cutoff, today, rules)
        return replace(board, counted_at=at)

    key = (user.id, user.role, filters.area, filters.grid, filters.site_type, regime, today,
           cutoff, rules, live)
    return replace(_boards.get(key, count), live_why=why)
