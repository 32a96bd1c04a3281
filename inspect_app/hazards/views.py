import io
from dataclasses import astuple, replace

from flask import redirect, request, send_file, url_for
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, ZONE_STAFF, allow, is_zone_staff
from ..errors import UserError
from ..sites.service import choices_key, filter_choices
from ..sites.types import SITE_TYPES
from ..timeutil import local_today
from ..web import filter_form, page, wants_fragment
from . import bp, closeout, documents, lifecycle, service, side_actions, workflow
from . import forms as hazard_forms


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    filters = service.Filters.from_args(request.args)
    choices = filter_choices(current_user)
    grid = choices.grid_in_area(filters.area, filters.grid)
    dropped = grid != filters.grid  # the grid select is sent again, with no grid chosen
    filters = replace(filters, grid=grid)
    # The inspector's just-submitted findings head the unfiltered queue (and are not repeated).
    just_found = service.just_found(current_user) if filters == service.Filters() else []
    result = service.queue(current_user, filters, cursor=request.args.get("after"),
                           exclude=[h.id for h in just_found])
    # "More" appends rows; a filter change replaces the whole list.
    fragment = "rows" if request.args.get("after") else "results"
    return page("hazards/index.html", fragment, result=result, filters=filters,
                choices=choices, today=local_today(), workflow=workflow, args=request.args,
                just_found=just_found, grid_dropped=dropped,
                # Full pages only; kept a minute per scope and filters (web.filter_form).
                filter_form=lambda: filter_form(
                    "hazards/_filters.html", (choices_key(current_user), astuple(filters)),
                    filters=filters, choices=choices, site_types=SITE_TYPES))


def _detail(hazard, error=None, http_status=200, errors=None, failed=None,
            fragment="status_panel"):
    """The hazard page; after a refused form, that form again with what was typed and each
    field's own message beside it (`failed` names the offer: see lifecycle.Offer.key)."""
    review_due, review_late = lifecycle.review_state(hazard)
    return page("hazards/detail.html", fragment, http_status=http_status, hazard=hazard,
                today=local_today(), workflow=workflow, error=error,
                offers=lifecycle.offers(hazard, current_user),
                is_staff=is_zone_staff(current_user),
                errors=errors or {}, failed=failed, kept=request.form if failed else {},
                review_due=review_due, review_late=review_late,
                stop_work_active=lifecycle.stop_work_active(hazard))


@bp.get("/<int:hazard_id>")
@allow(*FIELD_ROLES)
def detail(hazard_id: int):
    return _detail(service.get_for(current_user, hazard_id))


def _run(hazard_id: int, failed: str, fn):
    """Do one change; on a refusal show the hazard's current state with the message."""
    try:
        fn()
    except forms.Invalid as e:
        service.rollback()
        return _detail(service.get_for(current_user, hazard_id), error=e.message,
                       http_status=e.status, errors=e.errors, failed=failed)
    except UserError as e:
        service.rollback()
        return _detail(service.get_for(current_user, hazard_id), error=e.message,
                       http_status=e.status)
    if not wants_fragment():
        return redirect(url_for(".detail", hazard_id=hazard_id))
    resp = _detail(service.get_for(current_user, hazard_id), fragment="hazard")
    resp.headers["HX-Retarget"], resp.headers["HX-Reswap"] = "#hazard", "outerHTML"
    return resp


# Every transition in workflow.RULES has this route (a new one needs only its rule, its fields
# in hazards/forms.TRANSITIONS and its macro in hazards/_actions.html).
@bp.post(f"/<int:hazard_id>/<any({','.join(sorted(workflow.TRANSITIONS))}):action>")
@allow(*FIELD_ROLES)
def act(hazard_id: int, action: str):
    return _run(hazard_id, action, lambda: lifecycle.perform(
        current_user, hazard_id, action, hazard_forms.transition(action, request.form),
        request.files.getlist("photos")))


@bp.post("/<int:hazard_id>/extension")
@allow(*FIELD_ROLES)
def request_extension(hazard_id: int):
    return _run(hazard_id, "request_extension", lambda: side_actions.request_extension(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.EXTENSION)))


@bp.post("/<int:hazard_id>/extension/<int:extension_id>/<any(approve,refuse):decision>")
@allow(*ZONE_STAFF)
def decide_extension(hazard_id: int, extension_id: int, decision: str):
    return _run(hazard_id, f"{decision}_extension-{extension_id}", lambda: side_actions.decide_extension(
        current_user, extension_id, decision == "approve",
        forms.parse(request.form, hazard_forms.DECISION).note))


@bp.post("/<int:hazard_id>/supervise")
@allow(*ZONE_STAFF)
def supervise(hazard_id: int):
    return _run(hazard_id, "supervise", lambda: side_actions.open_supervision(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.SUPERVISION)))


@bp.post("/<int:hazard_id>/supervise/<int:supervision_id>/<any(lifted,declined):status>")
@allow(*ZONE_STAFF)
def close_supervision(hazard_id: int, supervision_id: int, status: str):
    return _run(hazard_id, "", lambda: side_actions.close_supervision(current_user, supervision_id,
                                                                  status))


@bp.post("/<int:hazard_id>/refer")
@allow(*ZONE_STAFF)
def refer(hazard_id: int):
    return _run(hazard_id, "refer", lambda: side_actions.refer(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.REFERRAL)))


@bp.post("/<int:hazard_id>/referrals/<int:referral_id>")
@allow(*ZONE_STAFF)
def update_referral(hazard_id: int, referral_id: int):
    action = "file_referral" if request.form.get("status") == "filed" else "close_referral"
    return _run(hazard_id, f"{action}-{referral_id}", lambda: side_actions.update_referral(
        current_user, referral_id, forms.parse(request.form, hazard_forms.REFERRAL_UPDATE)))


# A major hazard's close-out steps (16号令 第16、18条).

@bp.post("/<int:hazard_id>/stop-work")
@allow(*ZONE_STAFF)
def stop_work(hazard_id: int):
    return _run(hazard_id, "stop_work", lambda: closeout.stop_work(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.STOP)))


@bp.post("/<int:hazard_id>/assessment")
@allow(*FIELD_ROLES)
def assess(hazard_id: int):
    return _run(hazard_id, "assess", lambda: closeout.assess(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.ASSESSMENT),
        request.files.getlist("document")))


@bp.post("/<int:hazard_id>/resume")
@allow(*FIELD_ROLES)
def apply_resume(hazard_id: int):
    return _run(hazard_id, "apply_resume", lambda: closeout.apply_resume(
        current_user, hazard_id, forms.parse(request.form, hazard_forms.RESUME),
        request.files.getlist("document")))


@bp.get("/<int:hazard_id>/documents/<int:document_id>")
@allow(*FIELD_ROLES)
def document(hazard_id: int, document_id: int):
    """A close-out document as filed, downloaded (never shown inline: it is the unit's file)."""
    doc = documents.get(current_user, hazard_id, document_id)
    resp = send_file(io.BytesIO(doc.data), mimetype=doc.media_type, as_attachment=True,
                     download_name=doc.file_name, etag=doc.sha256, max_age=0)
    resp.headers["Cache-Control"] = "private, no-cache"  # never in a shared cache
    return resp
