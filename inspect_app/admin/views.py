"""Admin screens: areas and grids, sites, users and spreadsheet imports (staff only).

Each form has one view for "new" (/<kind>/new) and "edit" (/<kind>/<id>/edit): GET shows it,
POST saves it and redirects, or shows it again with the errors by field and status 422.
"""

import io

from flask import flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import forms
from ..access import ZONE_STAFF, allow
from ..auth import history
from ..auth.service import is_locked
from ..errors import Invalid
from ..sites.models import Area, Grid
from ..sites.types import FEATURES, HAZ_MODES, NINE_KINDS, RISK_COLORS, SITE_TYPES, SIZE_CLASSES
from ..web import page, redirect_to
from . import bp, imports, rules, service
from .forms import NEW_PASSWORD, SITE, USER, parse_row
from .forms import parse as parse_form

AREA = {"name": forms.Text(column=Area.name, multiline=False, label=_l("Name"))}
GRID = {"name": forms.Text(column=Grid.name, multiline=False, label=_l("Name")),
        "area_id": forms.Id(label=_l("Area")), "inspector_ids": forms.Ids(label=_l("Inspectors"))}

KINDS = "areas, grids, sites, users"


def _kept(form, fields) -> dict:
    """What was typed, shown again beside the errors (lists for checkboxes)."""
    return {key: form.getlist(key) if field.multi else form.get(key, "")
            for key, field in fields.items()}


def _pairs(records) -> list[tuple[int, str]]:
    """(id, name) choices for a select or a set of checkboxes."""
    return [(r.id, r.name) for r in records]


@bp.get("/")
@allow(*ZONE_STAFF)
def index():
    return page("admin/index.html", counts=service.counts())


@bp.get("/areas")
@allow(*ZONE_STAFF)
def areas():
    areas, site_counts = service.areas_overview()
    return page("admin/areas.html", areas=areas, site_counts=site_counts)


@bp.route("/areas/new", methods=["GET", "POST"], defaults={"area_id": None})
@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def area_edit(area_id: int | None):
    area = service.get("areas", area_id) if area_id else None
    form, errors = {"name": area.name if area else ""}, {}
    if request.method == "POST":
        form = {"name": request.form.get("name", "")}
        try:
            service.save_area(forms.parse(request.form, AREA).name, area_id)
            flash(_("Area saved."), "success")
            return redirect_to(url_for(".areas"))
        except Invalid as e:
            errors = e.errors
    return page("admin/area_form.html", "area_form", 422 if errors else 200,
                area=area, form=form, errors=errors)


@bp.route("/grids/new", methods=["GET", "POST"], defaults={"grid_id": None})
@bp.route("/grids/<int:grid_id>/edit", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def grid_edit(grid_id: int | None):
    grid = service.get("grids", grid_id) if grid_id else None
    form, errors = service.grid_form(grid, area_id=request.args.get("area", "")), {}
    if request.method == "POST":
        form = {**request.form.to_dict(), "inspector_ids": request.form.getlist("inspector_ids")}
        try:
            v = forms.parse(request.form, GRID)
            service.save_grid(v.name, v.area_id, v.inspector_ids, grid_id)
            flash(_("Grid saved."), "success")
            return redirect_to(url_for(".areas"))
        except Invalid as e:
            errors = e.errors
    return page("admin/grid_form.html", "grid_form", 422 if errors else 200, grid=grid,
                form=form, errors=errors, areas=_pairs(service.active_areas()),
                inspectors=_pairs(service.inspectors()))


@bp.get("/sites")
@allow(*ZONE_STAFF)
def sites():
    filters = service.SiteFilters.from_args(request.args)
    return page("admin/sites.html", "results", sites=service.list_sites(filters), args=request.args,
                grids=service.active_grids(), site_types=SITE_TYPES, risk_colors=RISK_COLORS)


@bp.route("/sites/new", methods=["GET", "POST"], defaults={"site_id": None})
@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def site_edit(site_id: int | None):
    site = service.get("sites", site_id) if site_id else None
    form, errors = service.site_form(site), {}
    if request.method == "POST":
        form = _kept(request.form, SITE)
        try:
            site = service.save_site(*parse_row(request.form, SITE), site_id)
            flash(_("Site saved."), "success")
            return redirect_to(url_for(".site_edit", site_id=site.id))
        except Invalid as e:
            errors = e.errors
    return page("admin/site_form.html", "site_form", 422 if errors else 200, site=site,
                form=form, errors=errors, grids=_pairs(service.active_grids()),
                site_types=SITE_TYPES, nine_kinds=NINE_KINDS, features=FEATURES,
                haz_modes=HAZ_MODES,
                risk_colors=RISK_COLORS, size_classes=SIZE_CLASSES)


@bp.post("/sites/<int:site_id>/qr")
@allow(*ZONE_STAFF)
def site_reissue_qr(site_id: int):
    service.reissue_qr(site_id)
    flash(_("New QR code issued. Print new posters: the old ones no longer work."), "success")
    return redirect_to(url_for(".site_edit", site_id=site_id))


@bp.get("/users")
@allow(*ZONE_STAFF)
def users():
    args = forms.filters(request.args, {"role": forms.Choice(rules.ROLE_LABELS, default=""),
                                        "active": forms.Choice(("0", "1"), default=""),
                                        "q": forms.Text(100)})
    found = service.list_users(args.role, args.active, args.q)
    return page("admin/users.html", "results", users=found, args=args,
                role_labels=rules.ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def user_edit(user_id: int | None):
    user = service.editable_user(user_id, current_user) if user_id else None
    form, errors = service.user_form(user), {}
    if request.method == "POST":
        form = _kept(request.form, USER)
        try:
            user = service.save_user(*parse_row(request.form, USER), current_user, user_id)
            flash(_("User saved."), "success")
            return redirect_to(url_for(".user_edit", user_id=user.id))
        except Invalid as e:
            errors = e.errors
    return _user_page(user, form, errors)


@bp.post("/users/<int:user_id>/password")
@allow(*ZONE_STAFF)
def user_password(user_id: int):
    user = service.editable_user(user_id, current_user)
    try:
        service.reset_password(user_id, parse_form(request.form, NEW_PASSWORD).password,
                               current_user)
    except Invalid as e:
        return _user_page(user, service.user_form(user), e.errors)
    flash(_("Password changed. Tell the user the new password in person."), "success")
    return redirect_to(url_for(".user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/sign-out")
@allow(*ZONE_STAFF)
def user_sign_out(user_id: int):
    service.sign_out_everywhere(user_id, current_user)
    flash(_("Signed out everywhere: every device must log in again."), "success")
    return redirect_to(url_for(".user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/unlock")
@allow(*ZONE_STAFF)
def user_unlock(user_id: int):
    service.unlock_user(user_id, current_user)
    flash(_("Unlocked."), "success")
    return redirect_to(url_for(".user_edit", user_id=user_id))


def _user_page(user, form: dict, errors: dict):
    roles = [(r, rules.ROLE_LABELS[r]) for r in service.assignable_roles(current_user)]
    enterprises = [(s.id, f"{s.name} ({s.credit_code})" if s.credit_code else s.name)
                   for s in service.enterprises()]
    return page("admin/user_form.html", "user_form", 422 if errors else 200, user=user,
                form=form, errors=errors, roles=roles, enterprises=enterprises,
                history=history.of(user) if user else [], history_kinds=history.KINDS,
                history_note=history.shown_note,
                locked=bool(user and is_locked(user)),
                positions=rules.POSITION_LABELS, grids=_pairs(service.active_grids()))


@bp.post(f"/<any({KINDS}):kind>/<int:obj_id>/<any(deactivate, reactivate):action>")
@allow(*ZONE_STAFF)
def set_active(kind: str, obj_id: int, action: str):
    service.set_active(kind, obj_id, action == "reactivate", current_user)
    flash(_("Reactivated.") if action == "reactivate" else _("Deactivated."), "success")
    target = {"areas": ".areas", "grids": ".grid_edit", "sites": ".site_edit",
              "users": ".user_edit"}[kind]
    ids = {"grids": "grid_id", "sites": "site_id", "users": "user_id"}
    return redirect_to(url_for(target, **({ids[kind]: obj_id} if kind in ids else {})))


@bp.route("/import/<any(sites, users):kind>", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def import_rows(kind: str):
    report = None
    if request.method == "POST":
        report = imports.run(kind, request.files.get("file"), current_user)
    return page("admin/import.html", "import_result", 422 if report and not report.ok else 200,
                kind=kind, report=report, columns=imports.COLUMNS[kind])


@bp.get("/import/<any(sites, users):kind>/template.xlsx")
@allow(*ZONE_STAFF)
def import_template(kind: str):
    return send_file(io.BytesIO(imports.template_workbook(kind)), as_attachment=True,
                     download_name=f"{kind}-import-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
