"""The hazard queue: creating findings, scoping, filtering and key-based paging."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    union_all,
)

from .. import forms
from ..access import FIELD_ROLES, Scope, can_see_site, is_inspector, is_zone_staff, scope_of
from ..auth.models import User
from ..auth.recipients import site_staff, supervisors
from ..extensions import db, read
from ..notifications.messages import register
from ..notifications.service import notify
from ..roles import Position
from ..sites.models import Grid, Site
from ..sites.service import scope_by_site, scope_sites
from ..sites.types import SITE_TYPES
from ..timeutil import local_today, utcnow
from ..web import path_for
from . import workflow
from .models import (
    OPEN_ORDER,
    Hazard,
    HazardEvent,
    open_clause,
    overdue_clause,
    regime_clause,
    stop_work_clause,
)
from .regimes import REGIMES, Regime, default_authority
from .workflow import OPEN_STATES, Level, Source, State

SOURCE_FOR_KIND = {"patrol": Source.PATROL, "supervisory": Source.SUPERVISORY,
                   "self_check": Source.SELF_CHECK}


def report(*, site_id: int, description: str, level: str, source: str, reporter: User | None,
           now: datetime | None = None, inspection_id: int | None = None, item_id: int | None = None,
           location: str = "", photos=(), note: str = "", regime: str = "",
           judgement: str = "") -> Hazard:
    """A new hazard from any channel (patrol, self-check, worker, public), in the REPORTED state
    with the default deadline for its level (no commit: the caller's transaction owns it).
    A major one gets its regime (accident unless told) and that regime's deciding authority."""
    now = now or utcnow()
    found_on = local_today(now)
    site = db.session.get(Site, site_id)
    regime = (regime or Regime.ACCIDENT) if level == Level.MAJOR else ""
    hazard = Hazard(
        site_id=site_id, inspection_id=inspection_id, item_id=item_id, description=description,
        location=location, level=level, status=State.REPORTED, source=source,
        deadline=workflow.default_deadline(level, found_on,
                                           current_app.config["HAZARD_DEADLINE_DAYS"]),
        found_by_id=reporter.id if reporter else None, created_at=now, found_on=found_on,
        regime=regime, judgement=judgement[:240], reported_level=level,
        authority=default_authority(regime, site.site_type) if regime else "",
    )
    db.session.add(hazard)
    db.session.flush()
    for photo in photos:
        photo.hazard_id = hazard.id
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=hazard.found_by_id, at=now,
                               action="report", from_status=None, to_status=State.REPORTED,
                               note=note))
    announce_reported(hazard)
    return hazard


# Rendered in each reader's language when read (notifications/messages.py).
MAJOR_SELF_REPORT = register("hazard.major_self_report",
                             _l("Major hazard self-reported by %(site)s"), "%(what)s")
MAJOR_REPORT_DUE = register("hazard.major_report_due",
                            _l("Major hazard found: complete the written report"), "%(what)s")


def announce_reported(hazard: Hazard) -> None:
    """A major hazard an enterprise found itself goes to the zone at once (企业自查上报): the
    supervisors hear of it, and the principal is asked for the written report. In the caller's
    transaction, so a finding rolled back alerts nobody."""
    if hazard.level == Level.MAJOR and hazard.source == Source.SELF_CHECK:
        site = db.session.get(Site, hazard.site_id)
        what = hazard.description[:200]
        notify(supervisors(), kind="major_self_report", link=_link(hazard),
               message=MAJOR_SELF_REPORT, params={"site": site.name, "what": what},
               dedupe_key=f"major-self-report:{hazard.id}")
        principals = [u for u in site_staff(site.id) if u.position == Position.PRINCIPAL]
        notify(principals, kind="major_report_due", message=MAJOR_REPORT_DUE,
               params={"what": what},
               link=path_for("enterprise.major_report", hazard_id=hazard.id),
               dedupe_key=f"major-report-due:{hazard.id}")


def _link(hazard: Hazard) -> str:
    """The hazard page's path, for notifications (also built from cron jobs)."""
    return path_for("hazards.detail", hazard_id=hazard.id)


def report_from_answer(inspection, answer, user: User, now: datetime) -> Hazard:
    """One failed answer becomes one reported hazard, with the answer's photos (no commit)."""
    item = answer.item
    level = workflow.level_for_item(item.major)
    # A major item's regime and judgement standard travel with the hazard (the 重大事故隐患 and
    # 重大火灾隐患 registers are kept apart); a C item's stay with the combination rule.
    major = level == Level.MAJOR
    return report(site_id=inspection.site_id, description=answer.note or item.requirement,
                  level=level, source=SOURCE_FOR_KIND[inspection.kind],
                  reporter=user, now=now, inspection_id=inspection.id, item_id=item.id,
                  photos=answer.photos, note=f"{item.code} {inspection.template.title}",
                  regime=item.regime if major else "", judgement=item.citation if major else "")


def scope(query: Select, user: User) -> Select:
    """Narrow a query over Hazard to the sites `user` may see."""
    return scope_by_site(query, user, Hazard.site_id)


def can_see(user: User, hazard: Hazard) -> bool:
    """The hazard pages are for field users at the sites they see (workers follow their own
    reports in shifts)."""
    return user.role in FIELD_ROLES and can_see_site(user, hazard.site)


def get_for(user: User, hazard_id: int) -> Hazard:
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None or not can_see_site(user, hazard.site):
        abort(404)
    return hazard


def open_for_site(site: Site) -> list:
    """The site's open hazards, most serious first, as rows of what its page lists."""
    return list(read(_OPEN_AT_SITE, {"site_id": site.id}))


# Built once (building a statement costs more than running it, on a page of many such).
_OPEN_AT_SITE = (
    select(Hazard.id, Hazard.description, Hazard.level, Hazard.status, Hazard.deadline)
    .where(Hazard.site_id == bindparam("site_id"), open_clause())
    .order_by(Hazard.level.desc(), Hazard.deadline))


def stopped_work(site: Site) -> list[Hazard]:
    """The site's hazards whose work is stopped and not yet lifted (until 核销), whether the
    supervisor or an enforcement measure ordered it: on every page of the site."""
    # Most sites have none: their ids first, as one plain column (loading Hazard objects sets
    # up ~40 columns even for no row), and the objects only when there are some.
    if read(_ANY_STOPPED_AT_SITE, {"site_id": site.id}).first() is None:
        return []
    return list(db.session.scalars(_STOPPED_AT_SITE, {"site_id": site.id}))


_STOPPED_AT_SITE = (select(Hazard).where(Hazard.site_id == bindparam("site_id"), stop_work_clause())
                    .order_by(Hazard.stop_work_at, Hazard.id))
_ANY_STOPPED_AT_SITE = _STOPPED_AT_SITE.with_only_columns(Hazard.id).limit(1)


@dataclass
class Filters:
    status: str = "open"  # open | closed | all | one State
    level: str = ""
    area: int | None = None
    grid: int | None = None
    site_type: str = ""
    overdue: bool = False
    regime: str = ""  # major hazards of one regime (重大事故隐患 / 重大火灾隐患)

    @classmethod
    def from_args(cls, args) -> "Filters":
        """The queue's filters from a query string, through the forms layer (bad ones dropped)."""
        v = forms.filters(args, {
            "status": forms.Choice(("open", "closed", "all", *State), default="open"),
            "level": forms.Choice(Level, default=""), "area": forms.Id(), "grid": forms.Id(),
            "type": forms.Choice(SITE_TYPES, default=""), "overdue": forms.Bool(),
            "regime": forms.Choice(REGIMES, default="")})
        return cls(status=v.status, level=v.level, area=v.area, grid=v.grid,
                   site_type=v.type, overdue=v.overdue, regime=v.regime)


@dataclass
class QueuePage:
    hazards: list  # Card rows (CARD_COLUMNS)
    next_cursor: str | None


# What a queue card shows (here, on the home pages and the enterprise overview), read as plain
# rows with the site's name: loading each card as a Hazard and a Site (80 columns, two objects)
# was half the time of the queue's statements.
CARD_COLUMNS = (Hazard.id, Hazard.level, Hazard.status, Hazard.deadline, Hazard.description,
                Hazard.source, Hazard.found_on, Site.name.label("site_name"))


def _sort_columns(today: date):
    overdue_rank = case((overdue_clause(today), 0), else_=1)
    major_rank = case((Hazard.level == Level.MAJOR, 0), else_=1)
    return overdue_rank, major_rank, Hazard.deadline, Hazard.id


def encode_cursor(hazard: Hazard, today: date) -> str:
    overdue = 0 if workflow.is_overdue(hazard.status, hazard.deadline, today) else 1
    major = 0 if hazard.level == Level.MAJOR else 1
    return f"{overdue}.{major}.{hazard.deadline.isoformat()}.{hazard.id}"


def decode_cursor(cursor: str | None) -> tuple | None:
    try:
        overdue, major, deadline, hazard_id = (cursor or "").split(".")
        return (forms.check(overdue, forms.Int(0, 1, required=True)),
                forms.check(major, forms.Int(0, 1, required=True)),
                forms.check(deadline, forms.Date(required=True)),
                forms.check(hazard_id, forms.Id(required=True)))
    except (ValueError, forms.Invalid):
        return None  # a hand-edited "More" link: start from the top


# How long an inspector's own new findings stay pinned above their queue.
JUST_FOUND_FOR = timedelta(hours=2)


def just_found(user: User, now: datetime | None = None) -> list:
    """What `user` has just reported from an inspection, as queue cards (CARD_COLUMNS): shown
    first in their queue. Read on (found_by_id, created_at): by status it read every open
    hazard of a city."""
    statement = _JUST_FOUND if is_zone_staff(user) else _scoped_just_found(
        scope_of(user), db.engine.dialect.name)
    return list(read(statement, {
        "user_id": user.id, "since": (now or utcnow()) - JUST_FOUND_FOR,
        "today": local_today(now)}))


def _just_found(query: Select) -> Select:
    # Still open, written so that no index on the status serves it: a user's own findings of
    # the last hours are few, and read first (ix_hazards_found_by_created). With the open
    # hazards' index by site, SQLite sometimes started from the sites instead, reading each
    # one's open hazards (a zone of few inspectors, where each finder has many findings).
    still_open = (Hazard.status + literal_column("''")).in_(
        [literal_column(f"'{s}'") for s in OPEN_ORDER])
    return (query.join(Site, Hazard.site_id == Site.id).where(
        Hazard.found_by_id == bindparam("user_id"), Hazard.inspection_id.is_not(None),
        Hazard.created_at >= bindparam("since"), still_open)
        .order_by(*_sort_columns(bindparam("today"))).limit(20))


# Zone staff's, built once (they see every site: nothing in it is the user's but parameters).
_JUST_FOUND = _just_found(select(*CARD_COLUMNS))


@lru_cache(maxsize=1024)
def _scoped_just_found(scope_key: Scope, dialect: str) -> Select:
    """An inspector's or an enterprise's, built once per scope (building it cost more CPU than
    the queue's own statement, ~0.5 ms a page)."""
    return _just_found(_scoped(select(*CARD_COLUMNS), scope_key, dialect))


def _scoped(query: Select, scope_key: Scope, dialect: str) -> Select:
    """`query` over Hazard narrowed to a scope's sites. PostgreSQL reads an inspector's sites
    first as an array (one InitPlan), then their hazards by site: as `IN (SELECT ...)` it read
    every open hazard of the zone and hashed them against the sites."""
    if dialect == "postgresql" and is_inspector(scope_key):
        sites = scope_sites(select(Site.id), scope_key).scalar_subquery()
        return query.where(Hazard.site_id == any_(func.array(sites)))
    return scope(query, scope_key)


@dataclass(frozen=True)
class _Shape:
    """What decides a queue page's statement: its filters but for their ids and dates, which
    are its parameters (area, grid, site_type, exclude, today, the cursor's deadline and id)."""
    status: str
    level: str
    regime: str
    overdue: bool
    area: bool
    grid: bool
    site_type: bool
    exclude: bool
    after: tuple[int, int] | None  # the cursor's band
    page_size: int


def _queue_base(query: Select, shape: _Shape) -> Select:
    """The queue's rows but for their rank band (see _band; `overdue` too is a band's)."""
    if shape.exclude:
        query = query.where(Hazard.id.not_in(bindparam("exclude", expanding=True)))
    if shape.status == "open":
        query = query.where(open_clause())
    elif shape.status == "closed":
        query = query.where(Hazard.status.in_([State.CLOSED, State.REJECTED]))
    elif shape.status != "all":
        query = query.where(Hazard.status == shape.status)
    # The site's facts as a semi-join: no join to sites for a queue that filters on none.
    sites = []
    if shape.grid:
        sites.append(Site.grid_id == bindparam("grid"))
    if shape.area:
        sites.append(Site.grid_id.in_(select(Grid.id).where(Grid.area_id == bindparam("area"))))
    if shape.site_type:
        sites.append(Site.site_type == bindparam("site_type"))
    if sites:
        query = query.where(Hazard.site_id.in_(select(Site.id).where(*sites)))
    if shape.regime:
        query = query.where(regime_clause(shape.regime))
    return query


# The queue's rank bands, in order: (overdue, major) as the cursor spells them (0 comes first).
BANDS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _band(band: tuple[int, int], shape: _Shape) -> list | None:
    """One band of the queue's terms, on the open-hazard index (level, deadline, id) where it
    can. A query already limited to open hazards gets the deadline alone: the open term twice
    over makes PostgreSQL guess the band a tenth of its size and read it by another index."""
    overdue, general = band
    level = Level.GENERAL if general else Level.MAJOR
    wanted = shape.level or (Level.MAJOR if shape.regime else "")  # a regime is a major's
    if wanted and wanted != level:
        return None
    terms = [Hazard.level == level]
    only_open = shape.status == "open" or shape.status in OPEN_STATES
    today = bindparam("today")
    if overdue == 0:
        if shape.status == "closed":
            return None  # only an open hazard is overdue
        return terms + [Hazard.deadline < today if only_open else overdue_clause(today)]
    if shape.overdue:
        return None
    if only_open:
        return terms + [Hazard.deadline >= today]
    return terms + [not_(overdue_clause(today))]


def _page(query: Select, shape: _Shape, by_site: bool) -> Select | None:
    """A page of the queue's cards over `query` (its hazards' ids and deadlines), the first
    page_size + 1 rows by band (rank), deadline and id, with their cards. Zone staff's bands
    are each read in index order with its own LIMIT, joined by UNION ALL; a scope of a few
    sites (by_site) is read in one pass over its sites, ranked by CASE, and sorted."""
    base = _queue_base(query, shape)
    bands = []  # (rank, the band's terms)
    for rank, band in enumerate(BANDS):
        if shape.after and band < shape.after:
            continue  # bands before the cursor's were shown on earlier pages
        terms = _band(band, shape)
        if terms is None:
            continue
        if band == shape.after:
            terms.append(tuple_(Hazard.deadline, Hazard.id)
                         > tuple_(bindparam("after_deadline"), bindparam("after_id")))
        bands.append((rank, and_(*terms)))
    if not bands:
        return None
    if by_site:
        rank = case(*((terms, literal(r)) for r, terms in bands)).label("rank")
        first = (base.add_columns(rank).where(or_(*(terms for _r, terms in bands)))
                 .order_by(rank, Hazard.deadline, Hazard.id).limit(shape.page_size + 1)
                 .subquery())
    else:
        parts = [base.where(terms).add_columns(literal(r).label("rank"))
                 .order_by(Hazard.deadline, Hazard.id).limit(shape.page_size + 1).subquery()
                 for r, terms in bands]
        union = union_all(*(select(p.c.id, p.c.rank, p.c.deadline) for p in parts)).subquery()
        first = select(union).order_by(union.c.rank, union.c.deadline, union.c.id) \
            .limit(shape.page_size + 1).subquery()
    # The page's cards with their sites' names in the same statement, looked up by id.
    return (select(*CARD_COLUMNS).join(first, first.c.id == Hazard.id)
            .join(Site, Site.id == Hazard.site_id)
            .order_by(first.c.rank, first.c.deadline, first.c.id))


@lru_cache(maxsize=512)
def _zone_page(shape: _Shape) -> Select | None:
    """Zone staff's page statements, built once per shape: they see every site, so nothing in
    them is the user's (building one cost more than running it)."""
    return _page(select(Hazard.id, Hazard.deadline), shape, by_site=False)


@lru_cache(maxsize=1024)
def _scoped_page(scope_key: Scope, shape: _Shape, dialect: str) -> Select | None:
    """An inspector's or an enterprise's page statements, built once per scope (their grids
    or site: access.Scope) and shape (`_scoped`)."""
    return _page(_scoped(select(Hazard.id, Hazard.deadline), scope_key, dialect), shape,
                 by_site=True)


def queue(user: User, filters: Filters, cursor: str | None = None, page_size: int = 25,
          today: date | None = None, exclude: list[int] = ()) -> QueuePage:
    """Hazards `user` may see: overdue first, then major, then by deadline; paged by key.
    Zone staff's rank bands are each read in index order with its own LIMIT, joined by UNION
    ALL, so a page never sorts the whole queue. `exclude`: hazards shown above it (`just_found`).
    A scope of a few sites (an inspector's grids, an enterprise's site) is read in one pass by
    site (ix_hazards_site_status), ranked by CASE, and its few rows sorted: a LIMIT per band
    made it walk a band in deadline order across a city (~2,500 hazards of other sites to find
    six), and bands without one each read ~11,500 of the zone's open hazards (zone PG)."""
    today = today or local_today()
    after = decode_cursor(cursor)
    shape = _Shape(filters.status, filters.level, filters.regime, filters.overdue,
                   bool(filters.area), bool(filters.grid), bool(filters.site_type),
                   bool(exclude), after[:2] if after else None, page_size)
    statement = _zone_page(shape) if is_zone_staff(user) else _scoped_page(
        scope_of(user), shape, db.engine.dialect.name)
    if statement is None:
        return QueuePage([], None)
    params = {"today": today, "area": filters.area, "grid": filters.grid,
              "site_type": filters.site_type, "exclude": list(exclude)}
    if after:
        params.update(after_deadline=after[2], after_id=after[3])
    rows = db.session.execute(statement, params).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    return QueuePage(rows, encode_cursor(rows[-1], today) if more else None)


def rollback() -> None:
    """Drop whatever a refused change left in the session."""
    db.session.rollback()
