from flask import request, url_for
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, STAFF_ROLES, allow
from ..sites.service import visible_grids
from ..sites.types import SITE_TYPES
from ..timeutil import local_today
from ..web import UserError, page, redirect_to
from . import bp, lifecycle, service, workflow


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    filters = service.Filters.from_args(request.args)
    # The inspector's just-submitted findings head the unfiltered queue (and are not repeated).
    just_found = service.just_found(current_user) if filters == service.Filters() else []
    result = service.queue(current_user, filters, cursor=request.args.get("after"),
                           exclude=[h.id for h in just_found])
    # "More" appends rows; a filter change replaces the whole list.
    fragment = "rows" if request.args.get("after") else "results"
    return page("hazards/index.html", fragment, result=result, filters=filters,
                grids=(grids := visible_grids(current_user)),
                areas=sorted({g.area for g in grids}, key=lambda a: a.name), site_types=SITE_TYPES,
                today=local_today(), workflow=workflow, args=request.args,
                just_found=just_found)


def _detail(hazard, error=None, http_status=200):
    return page("hazards/detail.html", "status_panel", http_status=http_status, hazard=hazard,
                today=local_today(), workflow=workflow, error=error,
                offers=lifecycle.offers(hazard, current_user),
                is_staff=current_user.is_supervisor)


@bp.get("/<int:hazard_id>")
@allow(*FIELD_ROLES)
def detail(hazard_id: int):
    return _detail(service.get_for(current_user, hazard_id))


def _run(hazard_id: int, fn):
    """Do one change; on a refusal show the hazard's current state with the message."""
    try:
        fn()
    except UserError as e:
        service.rollback()
        return _detail(service.get_for(current_user, hazard_id), error=e.message,
                       http_status=e.status)
    return redirect_to(url_for(".detail", hazard_id=hazard_id))


@bp.post("/<int:hazard_id>/<any(confirm,reject,start,submit,verify,return,fix_on_spot):action>")
@allow(*FIELD_ROLES)
def act(hazard_id: int, action: str):
    return _run(hazard_id, lambda: lifecycle.perform(current_user, hazard_id, action, request.form,
                                                     request.files.getlist("photos")))


@bp.post("/<int:hazard_id>/extension")
@allow(*FIELD_ROLES)
def request_extension(hazard_id: int):
    return _run(hazard_id, lambda: lifecycle.request_extension(current_user, hazard_id, request.form))


@bp.post("/<int:hazard_id>/extension/<int:extension_id>/<any(approve,refuse):decision>")
@allow(*STAFF_ROLES)
def decide_extension(hazard_id: int, extension_id: int, decision: str):
    return _run(hazard_id, lambda: lifecycle.decide_extension(
        current_user, extension_id, decision == "approve",
        forms.check(request.form.get("note"), forms.Text(), "note")))


@bp.post("/<int:hazard_id>/supervise")
@allow(*STAFF_ROLES)
def supervise(hazard_id: int):
    return _run(hazard_id, lambda: lifecycle.open_supervision(current_user, hazard_id, request.form))


@bp.post("/<int:hazard_id>/supervise/<int:supervision_id>/<any(lifted,declined):status>")
@allow(*STAFF_ROLES)
def close_supervision(hazard_id: int, supervision_id: int, status: str):
    return _run(hazard_id, lambda: lifecycle.close_supervision(current_user, supervision_id, status))


@bp.post("/<int:hazard_id>/refer")
@allow(*STAFF_ROLES)
def refer(hazard_id: int):
    return _run(hazard_id, lambda: lifecycle.refer(current_user, hazard_id, request.form))


@bp.post("/<int:hazard_id>/referrals/<int:referral_id>")
@allow(*STAFF_ROLES)
def update_referral(hazard_id: int, referral_id: int):
    return _run(hazard_id, lambda: lifecycle.update_referral(current_user, referral_id, request.form))
