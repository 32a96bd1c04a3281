"""The enterprise's people: list, add, edit, PIN, deactivate, import (enterprise staff only)."""

import io

from flask import flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import allow, has_pin
from ..admin.forms import parse as parse_form
from ..admin.rules import POSITION_LABELS
from ..auth.service import locked_ids
from ..errors import Invalid
from ..roles import Role
from ..shifts import rules
from ..web import page, redirect_to
from . import bp, imports, service
from .forms import PERSON, PIN_FORM


def _person_page(user, form: dict, errors: dict):
    return page("people/form.html", "person_form", 422 if errors else 200, user=user, form=form,
                errors=errors, teams=service.site_teams(current_user.site_id),
                positions=POSITION_LABELS, can_staff=rules.can_manage_staff(current_user),
                can_set_active=bool(user and service.may_set_active(current_user, user)),
                has_pin=bool(user and has_pin(user)),
                locked=bool(user and locked_ids([user])))


@bp.get("/")
@allow(Role.ENTERPRISE)
def index():
    people = service.list_people(current_user)
    return page("people/index.html", people=people, locked=locked_ids(people),
                pin_ids={u.id for u in people if has_pin(u)},
                members=service.memberships(current_user.site_id),
                can_staff=rules.can_manage_staff(current_user))


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ENTERPRISE)
def new():
    form, errors = service.person_form(None, request.args.get("role", Role.WORKER)), {}
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in PERSON}
        try:
            user = service.add_person(current_user, parse_form(request.form, PERSON))
            flash(_("%(name)s added.", name=user.name), "success")
            return redirect_to(url_for(".edit", user_id=user.id))
        except Invalid as e:
            errors = e.errors
    return _person_page(None, form, errors)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Role.ENTERPRISE)
def edit(user_id: int):
    user = service.get_person(current_user, user_id)
    form, errors = service.person_form(user), {}
    if request.method == "POST":
        form = {**{key: request.form.get(key, "") for key in PERSON}, "role": user.role}
        try:
            service.update_person(current_user, user_id, parse_form(request.form, PERSON))
            flash(_("Saved."), "success")
            return redirect_to(url_for(".edit", user_id=user_id))
        except Invalid as e:
            errors = e.errors
    return _person_page(user, form, errors)


@bp.post("/<int:user_id>/pin")
@allow(Role.ENTERPRISE)
def pin(user_id: int):
    user = service.get_person(current_user, user_id)
    try:
        service.set_pin(current_user, user_id, parse_form(request.form, PIN_FORM).pin)
    except Invalid as e:
        return _person_page(user, service.person_form(user), e.errors)
    flash(_("PIN set. Tell it to %(name)s in person.", name=user.name), "success")
    return redirect_to(url_for(".edit", user_id=user_id))


@bp.post("/<int:user_id>/<any(deactivate, reactivate):action>")
@allow(Role.ENTERPRISE)
def set_active(user_id: int, action: str):
    service.set_active(current_user, user_id, action == "reactivate")
    flash(_("Reactivated.") if action == "reactivate" else _("Deactivated."), "success")
    return redirect_to(url_for(".edit", user_id=user_id))


@bp.route("/import", methods=["GET", "POST"])
@allow(Role.ENTERPRISE)
def import_rows():
    service.list_people(current_user)  # 403 for staff of no enterprise
    report = imports.run(request.files.get("file"), current_user) \
        if request.method == "POST" else None
    return page("people/import.html", "import_result", 422 if report and not report.ok else 200,
                report=report, columns=imports.COLUMNS)


@bp.get("/import/template.xlsx")
@allow(Role.ENTERPRISE)
def import_template():
    return send_file(io.BytesIO(imports.template_workbook()), as_attachment=True,
                     download_name="workers-import-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
