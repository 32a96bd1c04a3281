from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from .. import forms
from ..access import (
    FIELD_ROLES,
    ZONE_STAFF,
    allow,
    can_see_site,
    is_enterprise_staff,
    is_zone_staff,
    public,
)
from ..checklists.item_rows import items_of
from ..checklists.service import offered
from ..extensions import db
from ..hazards import service as hazards
from ..inspections import service as inspections
from ..qr import qr_svg
from ..roles import Role
from ..scan import record as record_scan
from ..timeutil import utcnow
from ..web import page, poster_url, qr_png_response
from . import bp, overview, service
from .models import Grid
from .types import RISK_COLORS, SITE_TYPES


def site_url(site) -> str:
    """What a site's QR code encodes: BASE_URL when set (the address phones can reach)."""
    return poster_url(f"/s/{site.qr_token}")


def site_origins() -> list[str]:
    """The origins a poster's code may name: this page's, and BASE_URL's when it differs."""
    origins = [request.host_url.rstrip("/")]
    base = urlsplit(current_app.config.get("BASE_URL") or "")
    if base.scheme and base.netloc:
        origins.append(f"{base.scheme}://{base.netloc}")
    return list(dict.fromkeys(origins))


@bp.get("/scan")
@allow(*FIELD_ROLES)
def scanner():
    # The phone's camera app and WeChat's 扫一扫 open /s/<token> directly; this is the in-app way.
    return page("sites/scanner.html", origins=site_origins())


@bp.get("/s/<token>")
@public  # an unknown code is explained to anyone; a valid one needs a login (below)
def scan(token: str):
    site = service.site_by_token(token)
    if site is None:
        return page("sites/bad_code.html", http_status=404)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not can_see_site(current_user, site):  # outside the user's grids or enterprise
        abort(404)
    record_scan(site.id, utcnow())  # an inspection started soon counts as done on site
    return redirect(url_for("sites.detail", site_id=site.id))


@bp.get("/sites/")
@allow(*FIELD_ROLES)
def index():
    if is_enterprise_staff(current_user):
        return redirect(url_for("sites.detail", site_id=current_user.site_id))
    args = forms.filters(request.args, {"q": forms.Text(100), "grid": forms.Id(),
                                        "risk": forms.Choice(RISK_COLORS, default=""),
                                        "type": forms.Choice(SITE_TYPES, default="")})
    sites = service.list_sites(current_user, q=args.q, grid_id=args.grid, risk=args.risk,
                               site_type=args.type)
    status = overview.status_of([s.id for s in sites])
    return page("sites/index.html", "results", sites=sites, site_status=status,
                grids=service.visible_grids(current_user), risk_colors=RISK_COLORS,
                site_types=SITE_TYPES, args=args)


@bp.get("/sites/<int:site_id>")
@allow(*FIELD_ROLES)
def detail(site_id: int):
    site = service.place_for(current_user, site_id)
    recent = inspections.recent_for_site(site, limit=5)
    open_hazards = hazards.open_for_site(site)
    templates = offered(site, current_user)
    return page("sites/detail.html", site=site,
                status=overview.status_from(site, recent, open_hazards),
                templates=templates,
                item_counts={t.id: len(items_of(t)) for t in templates},
                unfinished=inspections.unfinished_counts(current_user, site),
                recent=recent, open_hazards=open_hazards, stopped=hazards.stopped_work(site),
                can_manage=is_zone_staff(current_user))


@bp.get("/sites/<int:site_id>/qr.png")
@allow(Role.INSPECTOR, *ZONE_STAFF)
def qr_image(site_id: int):
    site = service.get_site_for(current_user, site_id)
    return qr_png_response(site_url(site))


@bp.get("/sites/<int:site_id>/poster")
@allow(Role.INSPECTOR, *ZONE_STAFF)
def poster(site_id: int):
    site = service.get_site_for(current_user, site_id)
    return page("sites/posters.html", posters=[(site, qr_svg(site_url(site)))], title=site.name)


@bp.get("/grids/<int:grid_id>/posters")
@allow(Role.INSPECTOR, *ZONE_STAFF)
def grid_posters(grid_id: int):
    grid = db.get_or_404(Grid, grid_id)
    if not any(g.id == grid.id for g in service.visible_grids(current_user)):
        abort(404)
    sites = [s for s in grid.sites if s.active]
    return page("sites/posters.html", posters=[(s, qr_svg(site_url(s))) for s in sites],
                title=grid.name)
