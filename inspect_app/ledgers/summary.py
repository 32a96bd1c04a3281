"""The major-hazard dashboard's summary: the zone's major hazards counted ahead of the page.

Counting every visible major hazard on each view grows with the table (2.7 s at city scale on
SQLite). The summary keeps them counted per area (stats.classified, grouped: a few hundred
rows), and the page sums those rows for its filters and shows when they were counted.

- Made on the task queue: after a commit that changes a major hazard, a supervision, or where a
  site is counted (`refresh_major_summary`); every five minutes, which also starts each day's
  overdue figures at midnight (`major_summary_catch_up`); and by a supervisor's "count again".
- Read only when it answers exactly what live counting would: counted for today, with today's
  cut-off and target days, at most MAJOR_SUMMARY_MAX_MINUTES ago (a stopped consumer never
  leaves old figures up), for a reader who sees the whole zone, without a grid filter (it
  counts per area). Otherwise stats.dashboard counts live and the page says so.
"""

import logging
from datetime import date, datetime, timedelta

from huey import crontab
from sqlalchemy import delete, event, func, insert, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from .. import tasks
from ..access import is_zone_staff
from ..extensions import db, read
from ..hazards.models import Hazard, Supervision
from ..hazards.workflow import Level
from ..sites.models import Area, Grid, Site
from ..timeutil import local_today, utcnow
from . import stats
from .models import MajorSummary, MajorSummaryRow

log = logging.getLogger(__name__)

# A supervisor's "count again" within this of the last count just shows that one.
RECOUNT_GAP = timedelta(seconds=10)
# The five-minute count skips a count of today begun this recently (another consumer's run).
CATCH_UP_GAP = timedelta(minutes=1)


def rules_key(cutoff: date, rules: stats.TargetRules) -> str:
    """What a count depends on besides the hazards and the day (the target years do not: the
    summary keeps the year found)."""
    return "|".join(d.isoformat() for d in (cutoff, rules.stock_found_by, rules.stock_closed_by,
                                            rules.zero_from))


def answers(user, filters) -> bool:
    """Whether the summary holds this reader's figures: it counts the whole zone per area."""
    return is_zone_staff(user) and not filters.grid


def latest() -> MajorSummary | None:
    return db.session.scalar(select(MajorSummary)
                             .order_by(MajorSummary.made_at.desc(), MajorSummary.id.desc()).limit(1))


_LATEST = (select(*MajorSummary.__table__.c)
           .order_by(MajorSummary.made_at.desc(), MajorSummary.id.desc()).limit(1))


def latest_row():
    """`latest` as a plain row (id, made_at, day, rules), or None: every dashboard view reads
    it, and loading it as an object cost more than reading it (~0.35 -> 0.15 ms CPU)."""
    return read(_LATEST).first()


def usable(summary: MajorSummary | None, today: date, cutoff: date, rules: stats.TargetRules,
           now: datetime | None = None) -> bool:
    """Counted for this day and these rules, and recently enough to trust the queue is running."""
    from flask import current_app
    if summary is None or summary.day != today or summary.rules != rules_key(cutoff, rules):
        return False
    limit = timedelta(minutes=current_app.config["MAJOR_SUMMARY_MAX_MINUTES"])
    return (now or utcnow()) - summary.made_at <= limit


TARGETS = "targets"  # parts' rows for the plan's targets (year found, 存量清零, 动态清零)


def parts(summary: MajorSummary, filters, regime: str = ""
          ) -> tuple[dict[str, list[stats.MajorGroup]], list[stats.MajorGroup]]:
    """The summary's rows within the filters' area and industry (and regime), summed apart for
    each of the dashboard's tables and for its targets (stats.summarise_parts), in one UNION
    ALL: a few dozen rows each, whatever the number of areas."""
    r = MajorSummaryRow
    shown = func.coalesce(func.nullif(r.regime, ""), "accident")  # as stats.SHOWN_REGIME
    no = literal(False)
    place = {"area": Area.name, "site_type": r.site_type, "year": r.year, "regime": shown}
    blank = {"area": literal(""), "site_type": literal(""), "year": literal(0),
             "regime": literal("")}
    selects = []
    for dim in (*stats.DIMENSIONS, TARGETS):
        kept = {dim} if dim in place else {"year"} if dim == TARGETS else set()
        keys = [place[k] if k in kept else blank[k] for k in ("area", "site_type", "year", "regime")]
        tally = [r.stock, r.overdue, r.supervised] if dim != TARGETS else [no, no, no]
        target = [r.stock_left, r.late] if dim == TARGETS else [no, no]
        query = select(literal(dim), *keys, r.state, *tally, *target, func.sum(r.n)).where(
            r.summary_id == summary.id).group_by(
            *(place[k] for k in kept), r.state, *(c for c in (*tally, *target) if c is not no))
        if dim == "area":
            query = query.join(Area, Area.id == r.area_id)
        if filters.area:
            query = query.where(r.area_id == filters.area)
        if filters.site_type:
            query = query.where(r.site_type == filters.site_type)
        if regime:
            query = query.where(r.regime == regime)
        selects.append(query)
    tables: dict[str, list[stats.MajorGroup]] = {dim: [] for dim in stats.DIMENSIONS}
    for_targets = []
    for dim, *row in db.session.execute(union_all(*selects)):
        (for_targets if dim == TARGETS else tables[dim]).append(stats.as_group(row))
    return tables, for_targets


def refresh(now: datetime | None = None) -> MajorSummary:
    """Count the zone's major hazards now, in one INSERT … SELECT, and drop older counts (one
    transaction: a reader sees the old count or the new one, never half of either)."""
    now = now or utcnow()
    today, cutoff = local_today(now), stats.stock_cutoff()
    rules = stats.target_rules(cutoff)
    summary = MajorSummary(made_at=now, day=today, rules=rules_key(cutoff, rules))
    db.session.add(summary)
    db.session.flush()
    counted = stats.grouped(stats.classified(Grid.area_id, Hazard.regime, cutoff, today,
                                             rules)).subquery()
    names = ["area_id", *(c.name for c in list(counted.c)[1:])]  # its first column: the area's id
    db.session.execute(insert(MajorSummaryRow).from_select(
        ["summary_id", *names], select(literal(summary.id), *counted.c)))
    # Older counts only: one begun later by another consumer stays.
    older = select(MajorSummary.id).where(MajorSummary.id != summary.id,
                                          MajorSummary.made_at <= now)
    db.session.execute(delete(MajorSummaryRow).where(MajorSummaryRow.summary_id.in_(older)))
    db.session.execute(delete(MajorSummary).where(MajorSummary.id.in_(older)))
    db.session.commit()
    return summary


def recount() -> MajorSummary:
    """A supervisor's "count again": a new count, unless one was made moments ago."""
    last = latest()
    if last is not None and utcnow() - last.made_at < RECOUNT_GAP and last.day == local_today():
        return last
    return refresh()


# Tasks ----------------------------------------------------------------------------------------

@tasks.job(retries=2, retry_delay=10)
def refresh_major_summary(asked_at: str = "") -> bool:
    """After a change: count again, unless a count begun since the change already holds it
    (many changes in a row cost one count, not one each)."""
    last = latest()
    if asked_at and last is not None and last.made_at >= datetime.fromisoformat(asked_at):
        return False
    refresh()
    return True


@tasks.periodic(crontab(minute="*/5"))
def major_summary_catch_up() -> bool:
    """Every five minutes (the zone's midnight included): a new day's overdue figures, and any
    change the hooks below cannot see (rows written with plain SQL, a queue that was down).
    Each consumer runs its own schedule: one count of today begun within the minute serves all."""
    last = latest()
    if last is not None and last.day == local_today() and utcnow() - last.made_at < CATCH_UP_GAP:
        return False
    refresh()
    return True


# What changes a count -------------------------------------------------------------------------

_DUE = "major_summary_due"


def _changed(obj, deleted: bool = False) -> bool:
    if isinstance(obj, Supervision):
        return True
    state = inspect(obj)
    if isinstance(obj, Hazard):  # a major hazard, or one that was major
        return Level.MAJOR in (obj.level, *state.attrs.level.history.deleted)
    if isinstance(obj, Site):  # its hazards counted in another area or industry
        return deleted or any(state.attrs[a].history.deleted for a in ("grid_id", "site_type"))
    if isinstance(obj, Grid):
        return deleted or bool(state.attrs.area_id.history.deleted)
    return False


@event.listens_for(Session, "after_flush")
def _note_changes(session, _context) -> None:
    if session.info.get(_DUE):
        return
    if any(_changed(o) for o in (*session.new, *session.dirty)) or any(
            _changed(o, deleted=True) for o in session.deleted):
        session.info[_DUE] = True


@event.listens_for(Session, "after_commit")
def _ask_for_a_count(session) -> None:
    if session.info.pop(_DUE, None):
        try:
            tasks.enqueue("refresh_major_summary", utcnow().isoformat())
        except Exception:  # the five-minute catch-up counts it instead
            log.exception("could not queue refresh_major_summary")


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_DUE, None)
