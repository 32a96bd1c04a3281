"""Managing the zone's records: areas, grids, sites and users. Every write commits here."""

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import forms
from ..access import may_manage_role
from ..auth import service as accounts
from ..auth.models import User
from ..errors import Invalid, UserError
from ..extensions import db
from ..roles import Role
from ..sites import service as sites
from ..sites.models import Area, Grid, Site
from ..sites.types import RISK_COLORS, SITE_TYPES
from . import rules
from .forms import SITE, USER
from .forms import parse as parse_form

MODELS = {"areas": Area, "grids": Grid, "sites": Site, "users": User}


def known() -> rules.Known:
    """The facts the rules check against, in four small queries."""
    logins: dict[str, int] = {}
    for user_id, username, phone in db.session.execute(select(User.id, User.username, User.phone)):
        logins[username] = user_id
        if phone:
            logins[phone] = user_id
    codes = db.session.execute(select(Site.credit_code, Site.id, Site.name)
                               .where(Site.credit_code.is_not(None)))
    return rules.Known(
        grids=dict(db.session.execute(select(Grid.id, Grid.active)).all()),
        sites=dict(db.session.execute(select(Site.id, Site.active)).all()),
        credit_codes={code: (site_id, name) for code, site_id, name in codes},
        logins=logins,
    )


def counts() -> dict[str, tuple[int, int]]:
    """(active, inactive) records of each kind, for the admin home page."""
    result = {}
    for kind, model in MODELS.items():
        rows = dict(db.session.execute(select(model.active, func.count()).group_by(model.active))
                    .all())
        result[kind] = (rows.get(True, 0), rows.get(False, 0))
    return result


def get(kind: str, obj_id: int):
    return db.get_or_404(MODELS[kind], obj_id)


# Areas and grids -------------------------------------------------------------------------------

def areas_overview() -> tuple[list[Area], dict[int, int]]:
    """Every area with its grids and their inspectors, and the active sites per grid."""
    areas = db.session.scalars(select(Area).order_by(Area.active.desc(), Area.name).options(
        selectinload(Area.grids).selectinload(Grid.inspectors))).all()
    per_grid = db.session.execute(select(Site.grid_id, func.count()).where(Site.active.is_(True))
                                  .group_by(Site.grid_id)).all()
    return list(areas), dict(per_grid)


def active_areas() -> list[Area]:
    return list(db.session.scalars(select(Area).where(Area.active.is_(True)).order_by(Area.name)))


def active_grids() -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(Grid.active.is_(True)).order_by(Grid.name)))


def inspectors() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.INSPECTOR,
                                                      User.active.is_(True)).order_by(User.name)))


def _unique_name(model, name: str, obj_id: int | None) -> str | None:
    if not name:
        return _("Enter the name.")
    if len(name) > 64:
        return _("At most %(n)s characters.", n=64)
    clash = db.session.scalar(select(model.id).where(model.name == name, model.id != (obj_id or 0)))
    return _("This name is already used.") if clash else None


def save_area(name: str, area_id: int | None = None) -> Area:
    """Create or rename an area."""
    if problem := _unique_name(Area, name, area_id):
        raise Invalid({"name": problem})
    area = get("areas", area_id) if area_id else Area()
    area.name = name
    db.session.add(area)
    db.session.commit()
    return area


def grid_form(grid: Grid | None, area_id: str = "") -> dict:
    """A grid's fields as the form shows them (a new grid may start in a chosen area)."""
    if grid is None:
        return {"area_id": area_id, "inspector_ids": []}
    return {"name": grid.name, "area_id": grid.area_id,
            "inspector_ids": [str(u.id) for u in grid.inspectors]}


def save_grid(name: str, area_id: int | None, inspector_ids: list[int],
              grid_id: int | None = None) -> Grid:
    """Create a grid, or rename it, move it to another area and set its inspectors."""
    errors = {}
    if problem := _unique_name(Grid, name, grid_id):
        errors["name"] = problem
    area = db.session.get(Area, area_id or 0)
    if area is None or not area.active:
        errors["area_id"] = _("Choose an active area.")
    wanted = set(inspector_ids)
    chosen = [u for u in inspectors() if u.id in wanted]
    if len(chosen) != len(wanted):
        errors["inspector_ids"] = _("Choose active grid inspectors only.")
    if errors:
        raise Invalid(errors)
    grid = get("grids", grid_id) if grid_id else Grid()
    grid.name, grid.area, grid.inspectors = name, area, chosen
    db.session.add(grid)
    db.session.commit()
    return grid


# Sites ----------------------------------------------------------------------------------------

@dataclass
class SiteFilters:
    q: str = ""
    grid_id: int | None = None
    site_type: str = ""
    risk: str = ""
    active: str = ""  # "1", "0" or "" for both

    @classmethod
    def from_args(cls, args) -> "SiteFilters":
        """The site list's filters from a query string, through the forms layer."""
        v = forms.filters(args, {"q": forms.Text(100), "grid": forms.Id(),
                                 "type": forms.Choice(SITE_TYPES, default=""),
                                 "risk": forms.Choice(RISK_COLORS, default=""),
                                 "active": forms.Choice(("0", "1"), default="")})
        return cls(q=v.q, grid_id=v.grid, site_type=v.type, risk=v.risk, active=v.active)


def list_sites(f: SiteFilters, limit: int = 200) -> list[Site]:
    """Sites matching the filters (name or credit code search), active first, by name."""
    query = select(Site).options(selectinload(Site.grid))
    if f.q:
        like = f"%{f.q}%"
        query = query.where(Site.name.ilike(like) | Site.credit_code.ilike(like))
    if f.grid_id:
        query = query.where(Site.grid_id == f.grid_id)
    if f.site_type:
        query = query.where(Site.site_type == f.site_type)
    if f.risk:
        query = query.where(Site.risk_color == f.risk)
    if f.active in ("0", "1"):
        query = query.where(Site.active.is_(f.active == "1"))
    return list(db.session.scalars(query.order_by(Site.active.desc(), Site.name).limit(limit)))


def site_form(site: Site | None) -> dict:
    """A site's fields as the form shows them (a new site starts small and blue)."""
    if site is None:
        return {"size_class": "small", "risk_color": "blue", "features": [], "haz_modes": []}
    return {**{key: getattr(site, key) or "" for key in rules.SITE_FIELDS},
            "features": site.feature_codes, "haz_modes": site.haz_mode_codes}


def save_site(fields: dict, refused: dict[str, str], site_id: int | None = None) -> Site:
    """Create or change a site from typed fields (admin.forms.SITE; `refused`: the fields'
    own errors) after checking every rule; raises Invalid with all errors, the fields' first."""
    values, errors = rules.check_site(fields, known(), site_id)
    if errors := forms.combine(refused, errors, SITE):
        raise Invalid(errors)
    site = get("sites", site_id) if site_id else Site()
    for key, value in values.items():
        setattr(site, key, value)
    db.session.add(site)
    db.session.commit()
    return site


def reissue_qr(site_id: int) -> Site:
    """A new QR token for the site: posters printed before stop working."""
    site = get("sites", site_id)
    sites.reissue_qr(site)
    return site


# Users ----------------------------------------------------------------------------------------

def assignable_roles(actor: User) -> list[Role]:
    return [r for r in Role if may_manage_role(actor, r)]


def list_users(role: str = "", active: str = "", q: str = "", limit: int = 200) -> list[User]:
    query = select(User).options(selectinload(User.site), selectinload(User.grids))
    if role:
        query = query.where(User.role == role)
    if active in ("0", "1"):
        query = query.where(User.active.is_(active == "1"))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(User.name.ilike(like), User.username.ilike(like),
                                User.phone.ilike(like)))
    return list(db.session.scalars(query.order_by(User.active.desc(), User.name).limit(limit)))


def enterprises() -> list[Site]:
    """Active sites a user may belong to, by name."""
    return list(db.session.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.name)))


def editable_user(user_id: int, actor: User) -> User:
    """The user `actor` may manage; only admins manage admins (403 otherwise)."""
    user = get("users", user_id)
    if not may_manage_role(actor, user.role):
        abort(403)
    return user


def user_form(user: User | None) -> dict:
    if user is None:
        return {"role": Role.INSPECTOR, "grid_ids": []}
    return {**{key: getattr(user, key) or "" for key in rules.USER_FIELDS if key != "password"},
            "grid_ids": [str(g.id) for g in user.grids]}


def build_user(values: dict, user: User | None = None, actor: User | None = None) -> User:
    """Apply checked values to a user (a new one when `user` is None); the caller commits.
    A changed role or enterprise ends the user's sessions (and a role change is in the history)."""
    values = dict(values)
    grid_ids, password = values.pop("grid_ids"), values.pop("password")
    old = None if user is None else (user.role, user.site_id)
    if user is None:
        user = User()
        user.set_password(password)
    for key, value in values.items():
        setattr(user, key, value)
    if old is not None:
        accounts.changed_role(user, *old, actor)
    chosen = select(Grid).where(Grid.id.in_(grid_ids))
    user.grids = list(db.session.scalars(chosen)) if grid_ids else []
    db.session.add(user)
    return user


def save_user(fields: dict, refused: dict[str, str], actor: User | None,
              user_id: int | None = None, commit: bool = True) -> User:
    """Create or change an account from typed fields (admin.forms.USER; `refused`: the fields'
    own errors) after checking every rule; raises Invalid with all errors, the fields' first."""
    user = editable_user(user_id, actor) if user_id else None
    values, errors = rules.check_user(fields, known(), actor, user)
    if errors := forms.combine(refused, errors, USER):
        raise Invalid(errors)
    user = build_user(values, user, actor)
    if commit:
        db.session.commit()
    return user


def create_user(*, username: str, role: str, name: str, password: str, phone: str | None = None,
                site_id: int | None = None, position: str | None = None,
                grid_ids: tuple[int, ...] = (), actor: User | None = None,
                commit: bool = True) -> User:
    """A new account (command line, demo data); raises Invalid on duplicates or bad input."""
    raw = {"username": username, "role": role, "name": name, "password": password,
           "phone": phone, "site_id": site_id, "position": position, "grid_ids": list(grid_ids)}
    return save_user(parse_form(raw, USER), {}, actor, commit=commit)


def reset_password(user_id: int, password: str, actor: User) -> User:
    """Set a new password that the user is told in person."""
    user = editable_user(user_id, actor)
    if len(password) < rules.MIN_PASSWORD:
        raise Invalid({"password": _("The password must have at least %(n)s characters.",
                                     n=rules.MIN_PASSWORD)})
    accounts.reset_password(user, password, actor)
    db.session.commit()
    return user


# Deactivate and reactivate --------------------------------------------------------------------

def set_active(kind: str, obj_id: int, active: bool, actor: User):
    """Deactivate or reactivate a record; refuses what would strand records under it."""
    obj = editable_user(obj_id, actor) if kind == "users" else get(kind, obj_id)
    if kind == "users" and obj.id == actor.id and not active:
        raise UserError(_("You cannot deactivate your own account."))
    if kind == "areas" and not active and any(g.active for g in obj.grids):
        raise UserError(_("This area still has active grids: move or deactivate them first."))
    if kind == "grids" and not active and any(s.active for s in obj.sites):
        raise UserError(_("This grid still has active sites: move or deactivate them first."))
    if kind == "grids" and active and not obj.area.active:
        raise UserError(_("This grid's area is inactive: reactivate the area first."))
    if kind == "sites" and active and not obj.grid.active:
        raise UserError(_("This site's grid is inactive: move the site to an active grid first."))
    if kind == "users":
        accounts.set_active(obj, active, actor)
    obj.active = active
    db.session.commit()
    return obj


# Sessions and locks -----------------------------------------------------------------------------

def sign_out_everywhere(user_id: int, actor: User) -> User:
    """End every session and remember-me cookie of the user (a lost or handed-on phone)."""
    user = editable_user(user_id, actor)
    accounts.sign_out_everywhere(user, actor)
    db.session.commit()
    return user


def unlock_user(user_id: int, actor: User) -> User:
    """Lift the whole-account lock and every address's count of wrong tries."""
    user = editable_user(user_id, actor)
    accounts.admin_unlock(user, actor)
    db.session.commit()
    return user
