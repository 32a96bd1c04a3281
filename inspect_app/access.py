"""Who may see or do what: the policy every package and template asks, in one place.

- Routes: every view declares a rule (`public` or `allow(*roles)`); a test checks none is missing.
- Zone staff (supervisors and admins) see every site; a grid inspector the sites of their grids;
  enterprise staff and workers their own enterprise only. `can_see_site` answers it for one
  site, `site_filter` for a query (the same rule in SQL), and what may not be seen answers 404.
- An enterprise's staff manage their own site's records (teams, people, its reports, drills,
  assessments): `manages_site`; its principal and safety manager also lead its own hazard loop
  (`leads_safety`). Zone staff check anywhere, a grid inspector in their grids (`checks_grid`).
- `user` is a User, or anything with the same attributes: hazards/workflow.Actor carries its
  grids' ids as `grid_ids`, so the pure hazard rules ask these same predicates.
- `scope_of(user)`: every fact of a user the site rule reads, and nothing else. A statement
  built from the rule for one `Scope` holds for every user of it, so it is what such caches
  are keyed by (and built from: a rule that read any other fact would fail there, not leak).

At the ground floor: it reads attributes of the user and the site and imports no feature.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, false, true

from .roles import SAFETY_LEADS, ZONE_STAFF, Role

PUBLIC = "public"
ANY_USER = "any user"
# Endpoints Flask itself registers.
BUILTIN_PUBLIC = {"static"}


def public(view: Callable) -> Callable:
    """Anyone, logged in or not (login page, health check, public reports)."""
    view.access_rule = PUBLIC
    return view


def allow(*roles: Role) -> Callable[[Callable], Callable]:
    """Logged-in users with one of `roles` (any logged-in user when none are named).

    Object-level rules (which site, which hazard) are applied by the services' scoped
    queries, which answer 404 for what the user may not see.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapped)
        guarded.access_rule = tuple(roles) or ANY_USER
        return guarded

    return decorate


FIELD_ROLES = (Role.INSPECTOR, *ZONE_STAFF, Role.ENTERPRISE)


def is_zone_staff(user) -> bool:
    return user.role in ZONE_STAFF


def grid_ids(user) -> frozenset[int]:
    """The grids an inspector covers (nobody else covers one)."""
    if not is_inspector(user):
        return frozenset()
    known = getattr(user, "grid_ids", None)  # an actor already holds them
    return frozenset(known) if known is not None else frozenset(g.id for g in user.grids)


def checks_grid(user, grid_id: int) -> bool:
    """Who checks the sites of a grid (patrols, verifies): zone staff anywhere, a grid
    inspector in their own grids."""
    return is_zone_staff(user) or grid_id in grid_ids(user)


def can_see_site(user, site) -> bool:
    if is_zone_staff(user):
        return True
    if is_inspector(user):
        return site.grid_id in grid_ids(user)
    return user.site_id is not None and user.site_id == site.id


def site_filter(user, site_id: ColumnElement, grid_id: ColumnElement | None) -> ColumnElement:
    """`can_see_site` as SQL, over a query's site id and grid id columns (the grid is read for
    an inspector only)."""
    if is_zone_staff(user):
        return true()
    if is_inspector(user):
        return grid_id.in_(sorted(grid_ids(user)))
    return site_id == user.site_id if user.site_id is not None else false()


@dataclass(frozen=True)
class Scope:
    """What `site_filter` (and `can_see_site`) read of a user: their role (zone staff, grid
    inspector, anyone else), an inspector's grids and anyone else's own site. It stands in for
    the user where a statement is built for a scope: it has no other attribute to read."""

    role: str
    site_id: int | None
    grid_ids: frozenset[int]

    @property
    def rows_key(self) -> str:
        """Equal for every scope that sees the same sites, whatever the role that gives it
        (a supervisor's and an admin's alike): what a kept export file is shared by."""
        if self.role in ZONE_STAFF:
            return "zone"
        if self.role == Role.INSPECTOR:
            return "grids:" + ",".join(str(g) for g in sorted(self.grid_ids))
        return f"site:{self.site_id or 0}"


def scope_of(user) -> Scope:
    """The user's `Scope`: two users with equal scopes see the same sites."""
    return Scope(user.role, user.site_id, grid_ids(user))


def is_enterprise_staff(user) -> bool:
    """Acts for one enterprise (its principal, safety manager, staff), not for the zone."""
    return user.role == Role.ENTERPRISE


def is_inspector(user) -> bool:
    """A grid inspector (网格员): checks the sites of their own grids."""
    return user.role == Role.INSPECTOR


def is_worker(user) -> bool:
    """A front-line worker (一线员工): their team's shift meetings and their own reports only."""
    return user.role == Role.WORKER


def has_pin(user) -> bool:
    """Only workers log in with a PIN (staff have passwords): a short PIN never opens a staff
    account, and only a worker's PIN is set or reset."""
    return is_worker(user)


def may_manage_role(user, role: str) -> bool:
    """Only an admin gives the admin role, or manages an admin's account."""
    return role != Role.ADMIN or user.role == Role.ADMIN


def may_open(user, endpoint: str) -> bool:
    """Whether `user` passes the rule the route itself declares: links and buttons ask this,
    so no template restates who may go where."""
    rule = getattr(current_app.view_functions.get(endpoint), "access_rule", None)
    if rule is None or rule == PUBLIC:
        return rule == PUBLIC
    return user.is_authenticated and (rule == ANY_USER or user.role in rule)


def manages_site(user, site_id: int | None) -> bool:
    """The enterprise's own staff keep its records (zone staff look, and decide, but do not)."""
    return is_enterprise_staff(user) and site_id is not None and user.site_id == site_id


def leads_safety(user, site_id: int | None) -> bool:
    """The enterprise's principal or safety manager (安全管理人员): they run its own three lists
    (检查、隐患、整改, plan §二(四)12), confirming and verifying what it found itself."""
    return manages_site(user, site_id) and getattr(user, "position", None) in SAFETY_LEADS
