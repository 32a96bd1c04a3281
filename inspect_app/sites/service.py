"""Which sites a user may see, finding them, and their QR tokens."""

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from .. import models  # noqa: F401 - every mapper known: _WITH_PLACE below is built at import
from ..access import can_see_site, is_inspector, is_zone_staff, site_filter
from ..auth.models import User
from ..extensions import db, read
from ..memo import memo
from .models import Area, Grid, Site, SitePlace, grid_inspectors, new_qr_token


def scope_sites(query: Select, user: User) -> Select:
    """Narrow a query over Site to what `user` may see (the rule: access.site_filter)."""
    return query.where(site_filter(user, Site.id, Site.grid_id))


def scope_by_site(query: Select, user: User, site_fk) -> Select:
    """Narrow a query to the rows (hazards, inspections, referrals) at sites `user` may see.
    Zone staff see every site: nothing is added, since `site_id IN (SELECT id FROM sites WHERE
    1 = 1)` makes SQLite's planner start from the sites and miss the list's ordering index.
    Only an inspector's sites need the sites table (by grid); anyone else's rule is on the id."""
    if is_zone_staff(user):
        return query
    if not is_inspector(user):
        return query.where(site_filter(user, site_fk, None))
    return query.where(site_fk.in_(scope_sites(select(Site.id), user)))


def get_site_for(user: User, site_id: int) -> Site:
    """The site, or 404 when it does not exist or `user` may not see it. Its grid and area come
    in the same statement (pages name them; an inspector's grids are read as ids only)."""
    site = db.session.get(Site, site_id, options=_WITH_PLACE)
    if site is None or not can_see_site(user, site):
        abort(404)
    return site


_WITH_PLACE = (joinedload(Site.grid).joinedload(Grid.area),)  # built once, as the statements below


def place_for(user: User, site_id: int) -> SitePlace:
    """get_site_for as one plain row (SitePlace) for a page that only shows the site: loading
    a Site, its Grid and its Area as objects cost more than the statement."""
    site = read(_PLACE, {"site_id": site_id}).first()
    if site is None or not can_see_site(user, site):
        abort(404)
    return SitePlace(*site)


_PLACE = (select(*(getattr(Site, f) for f in SitePlace.__dataclass_fields__
                   if f not in ("grid_name", "area_name")),
                 Grid.name.label("grid_name"), Area.name.label("area_name"))
          .join(Grid, Grid.id == Site.grid_id).join(Area, Area.id == Grid.area_id)
          .where(Site.id == bindparam("site_id")))


# Built once, over the table (no ORM rows): a scan is the field's most frequent request and
# needs only these two columns.
_sites = Site.__table__
_BY_TOKEN = select(_sites.c.id, _sites.c.grid_id).where(_sites.c.qr_token == bindparam("token"),
                                                        _sites.c.active.is_(True))


def site_by_token(token: str):
    """The active site whose current QR token this is (reissued tokens no longer match), as its
    id and grid_id (enough for access.can_see_site); None when there is none."""
    if not token or len(token) > 64:
        return None
    return read(_BY_TOKEN, {"token": token}).first()


def reissue_qr(site: Site) -> None:
    """A new token: every poster printed before stops working."""
    from ..timeutil import utcnow
    site.qr_token = new_qr_token()
    site.qr_issued_at = utcnow()
    db.session.commit()


def list_sites(user: User, q: str = "", grid_id: int | None = None, risk: str = "",
               site_type: str = "", limit: int = 200) -> list[Site]:
    query = scope_sites(select(Site).where(Site.active.is_(True)), user)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Site.name.ilike(like) | Site.address.ilike(like)
                            | Site.credit_code.ilike(like))
    if grid_id:
        query = query.where(Site.grid_id == grid_id)
    if risk:
        query = query.where(Site.risk_color == risk)
    if site_type:
        query = query.where(Site.site_type == site_type)
    return list(db.session.scalars(query.order_by(Site.name).limit(limit)))


# Beyond this many grids a grid <select> lists only the chosen area's: a city's 1,250 options
# made its list pages 100+ KB and were most of their render time, and no one scrolls them.
GRID_SELECT_MAX = 60


@dataclass(frozen=True)
class FilterChoices:
    grids: list[tuple[int, str]]  # (id, "area · grid"), by the grid's name
    areas: list[tuple[int, str]]  # (id, name) of those grids' areas, by name
    area_of: dict[int, int] = field(default_factory=dict)  # grid id -> its area's id

    @property
    def by_area(self) -> bool:
        """Whether the grids offered depend on the chosen area (too many to list whole)."""
        return len(self.grids) > GRID_SELECT_MAX

    def grid_options(self, area: int | None, grid: int | None) -> list[tuple[int, str]] | None:
        """The grids a filter form offers: all of them when few (GRID_SELECT_MAX), else the
        chosen area's, plus the grid already asked for (so it shows as selected). None when
        there is nothing to offer yet: the form asks for an area first."""
        if not self.by_area:
            return self.grids
        shown = [g for g in self.grids
                 if (area and self.area_of.get(g[0]) == area) or g[0] == grid]
        return shown or None

    def grid_in_area(self, area: int | None, grid: int | None) -> int | None:
        """The grid a list filters by: none when an area is chosen that it is not in. After an
        area change the form still sends the grid chosen before, which would show nothing."""
        if grid and area and self.area_of.get(grid) != area:
            return None
        return grid


# Areas and grids change rarely (an admin's edit): a list's choices may lag it a minute.
_choices = memo(60)


def filter_choices(user: User) -> FilterChoices:
    """The grids `user` may filter a list by (`visible_grids`'), each worded with its area
    (grid names repeat the area's), and their areas, memoised a minute per scope (every zone
    staff member sees the same): the hazard queue and every ledger show them on each page."""
    return _choices.get(choices_key(user), lambda: _read_choices(user))


def choices_key(user: User) -> tuple:
    """What decides the areas and grids `user` may filter by: the zone's staff share them."""
    return ("zone",) if is_zone_staff(user) else (user.role, user.id)


def _read_choices(user: User) -> FilterChoices:
    """Plain rows from one statement: a city's 1,250 grids loaded as objects and each worded
    by a template macro were most of the time of its queue page."""
    query = select(Grid.id, Grid.name, Area.id, Area.name).join(Area, Grid.area_id == Area.id)
    if is_zone_staff(user):
        query = query.where(Grid.active.is_(True))
    elif is_inspector(user):
        query = query.where(Grid.id.in_(select(grid_inspectors.c.grid_id)
                                        .where(grid_inspectors.c.user_id == user.id)))
    else:
        return FilterChoices([], [])
    rows = db.session.execute(query.order_by(Grid.name, Grid.id)).all()
    areas = sorted({(area_id, area) for _id, _name, area_id, area in rows}, key=lambda a: a[1])
    return FilterChoices([(grid_id, f"{area} · {name}") for grid_id, name, _a, area in rows],
                         areas, {grid_id: area_id for grid_id, _n, area_id, _a in rows})


def visible_grids(user: User) -> list[Grid]:
    """The grids `user` may filter by, each with its area loaded (one statement for all the
    areas, not one per area: the filters list them)."""
    query = select(Grid).options(selectinload(Grid.area))
    if is_zone_staff(user):
        return list(db.session.scalars(query.where(Grid.active.is_(True)).order_by(Grid.name)))
    if is_inspector(user):
        mine = select(grid_inspectors.c.grid_id).where(grid_inspectors.c.user_id == user.id)
        return sorted(db.session.scalars(query.where(Grid.id.in_(mine))), key=lambda g: g.name)
    return []
