from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import FIELD_ROLES, allow
from ..sites.service import get_site_for
from ..timeutil import utcnow
from ..web import UserError, page, redirect_to, wants_fragment
from . import bp, service


def _checklist_page(inspection, fragment=None, http_status=200, **extra):
    return page("inspections/run.html", fragment, http_status=http_status, inspection=inspection,
                answers=service.answers_by_item(inspection), progress=service.progress(inspection),
                editable=inspection.submitted_at is None
                and inspection.inspector_id == current_user.id, **extra)


@bp.post("/start/<int:site_id>")
@allow(*FIELD_ROLES)
def start(site_id: int):
    site = get_site_for(current_user, site_id)
    from_scan = service.scanned_recently(session.get("scan"), site.id, utcnow())
    inspection = service.start(current_user, site, request.form.get("template", type=int) or 0,
                               from_scan)
    return redirect(url_for(".run", inspection_id=inspection.id))


@bp.get("/<int:inspection_id>")
@allow(*FIELD_ROLES)
def run(inspection_id: int):
    return _checklist_page(service.get_for(current_user, inspection_id))


@bp.post("/<int:inspection_id>/items/<int:item_id>")
@allow(*FIELD_ROLES)
def answer(inspection_id: int, item_id: int):
    inspection = service.get_for(current_user, inspection_id)
    service.record_answer(current_user, inspection, item_id, request.form.get("result"),
                          request.form.get("note"))
    if not wants_fragment():
        return redirect(url_for(".run", inspection_id=inspection.id, _anchor=f"item-{item_id}"))
    return _checklist_page(inspection, ["item", "progress_oob"], item=_item_of(inspection, item_id))


@bp.post("/<int:inspection_id>/items/<int:item_id>/photos")
@allow(*FIELD_ROLES)
def upload(inspection_id: int, item_id: int):
    inspection = service.get_for(current_user, inspection_id)
    service.add_photo(current_user, inspection, item_id, request.files.get("photo"),
                      request.form.get("upload_key"), request.form.get("taken_at"))
    if not wants_fragment():
        return redirect(url_for(".run", inspection_id=inspection.id, _anchor=f"item-{item_id}"))
    return _checklist_page(inspection, "item", item=_item_of(inspection, item_id))


@bp.post("/<int:inspection_id>/photos/<int:photo_id>/remove")
@allow(*FIELD_ROLES)
def remove_photo(inspection_id: int, photo_id: int):
    inspection = service.get_for(current_user, inspection_id)
    item_id = request.form.get("item", type=int)
    service.remove_photo(current_user, inspection, photo_id)
    if not wants_fragment() or not item_id:
        return redirect(url_for(".run", inspection_id=inspection.id, _anchor=f"item-{item_id}"))
    return _checklist_page(inspection, "item", item=_item_of(inspection, item_id))


@bp.post("/<int:inspection_id>/submit")
@allow(*FIELD_ROLES)
def submit(inspection_id: int):
    try:
        inspection = service.submit(current_user, inspection_id)
    except service.UnansweredError as e:
        inspection = service.get_for(current_user, inspection_id)
        return _checklist_page(inspection, "submit_panel", http_status=422, submit_error=e.message,
                               missing={i.id for i in e.items})
    flash(_("Inspection submitted."), "success")
    return redirect_to(url_for(".run", inspection_id=inspection.id))


def _item_of(inspection, item_id):
    for item in inspection.template.items:
        if item.id == item_id:
            return item
    raise UserError(_("Not found, or you do not have access to it."), 404)
