from functools import lru_cache

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms, idempotency, scan
from ..access import FIELD_ROLES, allow
from ..errors import UserError
from ..photos import service as photos
from ..sites.service import get_site_for
from ..timeutil import utcnow
from ..web import form_token, page, redirect_to, wants_fragment
from . import bp, service
from . import forms as inspection_forms
from .card import Card
from .sheet import sheet_of
from .static_part import item_words, outbox_words

# On the page the outbox runs on: static/outbox.js keeps its offline copy (written once loaded and
# after each saved write), so the service worker streams it to the tab without copying it.
OWN_COPY = "X-Own-Offline-Copy"


def _editable(inspection) -> bool:
    return inspection.submitted_at is None and inspection.inspector_id == current_user.id


# The blocks a write to one item answers with: its card (card.py, from what is passed here) and
# the progress bar. They read nothing the context processors give (the inbox count, the menu,
# the work count): without them a tick never counts the unread notifications.
_ITEM_BLOCKS = frozenset({"item", "progress_oob"})


def _checklist_page(inspection, fragment=None, http_status=200, sheet=None, **extra):
    sheet = sheet or sheet_of(inspection)
    editable = _editable(inspection)
    blocks = {fragment} if isinstance(fragment, str) else set(fragment or ())
    return page("inspections/run.html", fragment, http_status=http_status,
                fragment_context_processors=not (blocks and blocks <= _ITEM_BLOCKS), inspection=inspection,
                sheet=sheet, answers=sheet.answers, progress=sheet.progress, editable=editable,
                card=Card(editable, _item_urls(inspection.id), item_words(), form_token()),
                outbox_words=outbox_words(), **extra)


_HOLE = 2**31 - 1  # an id no row has, replaced by "{}" in the format strings below
_INSPECTION_HOLE = 2**31 - 2  # another, replaced by the inspection's id


def _item_urls(inspection_id: int) -> dict[str, str]:
    """Each item's and photo's addresses as format strings: url_for once a process and mount
    point, not ~60 times a page (it was a tenth of the checklist's rendering), nor 5 (3 % of a
    tick's CPU)."""
    hole, inspection = str(_INSPECTION_HOLE), str(inspection_id)
    return {k: v.replace(hole, inspection)
            for k, v in _url_formats(current_app._get_current_object(), request.script_root)}


@lru_cache(maxsize=8)
def _url_formats(app, script_root: str) -> tuple[tuple[str, str], ...]:
    def fmt(endpoint, **values):
        return url_for(endpoint, **values).replace(str(_HOLE), "{}")
    i = _INSPECTION_HOLE
    return (("answer", fmt(".answer", inspection_id=i, item_id=_HOLE)),
            ("upload", fmt(".upload", inspection_id=i, item_id=_HOLE)),
            ("remove_photo", fmt(".remove_photo", inspection_id=i, photo_id=_HOLE)),
            ("photo", fmt("photos.show", photo_id=_HOLE)),
            ("thumb", fmt("photos.thumb", photo_id=_HOLE)))


@bp.post("/start/<int:site_id>")
@allow(*FIELD_ROLES)
def start(site_id: int):
    site = get_site_for(current_user, site_id)
    from_scan = scan.recent(site.id, utcnow())
    template_id = forms.parse(request.form, inspection_forms.START).template or 0
    inspection = service.start(current_user, site, template_id, from_scan)
    return redirect(url_for(".run", inspection_id=inspection.id))


@bp.get("/<int:inspection_id>")
@allow(*FIELD_ROLES)
def run(inspection_id: int):
    sheet = service.sheet_for(current_user, inspection_id)
    inspection = sheet.inspection
    resp = _checklist_page(inspection, sheet=sheet)
    if _editable(inspection):
        resp.headers[OWN_COPY] = "1"
    return resp


@bp.post("/<int:inspection_id>/items/<int:item_id>")
@allow(*FIELD_ROLES)
def answer(inspection_id: int, item_id: int):
    # Its answers: the one this tick changes, and the reply's.
    sheet = service.sheet_for(current_user, inspection_id)
    inspection = sheet.inspection
    v = forms.parse(request.form, inspection_forms.ANSWER)
    done = idempotency.once(current_user, idempotency.key_from_request(), "answer",
                            f"{inspection.id}/{item_id}", lambda: service.record_answer(
                                current_user, inspection, item_id, v.result, v.note,
                                sheet.items, sheet.answers))
    if done.replayed:
        sheet.read_answers()  # as the first request saved them
    return _item_reply(inspection, item_id, ["item", "progress_oob"], sheet)


@bp.post("/<int:inspection_id>/items/<int:item_id>/photos")
@allow(*FIELD_ROLES)
def upload(inspection_id: int, item_id: int):
    inspection = service.get_for(current_user, inspection_id)
    # The photo's upload key doubles as its idempotency key (the outbox sends the same one).
    key = (idempotency.key_from_request()
           or forms.parse(request.form, inspection_forms.PHOTO).upload_key or None)
    taken_at = inspection_forms.taken_at(request.form)
    idempotency.once(current_user, key if key and idempotency.KEY_PATTERN.fullmatch(key) else None,
                     "photo", f"{inspection.id}/{item_id}", lambda: service.add_photo(
                         current_user, inspection, item_id, request.files.getlist("photo"), key,
                         taken_at))
    return _item_reply(inspection, item_id, "item")


@bp.get("/<int:inspection_id>/photos/key/<key>")
@allow(*FIELD_ROLES)
def photo_by_key(inspection_id: int, key: str):
    """Does the server already hold this upload? Asked after a lost reply, before re-sending."""
    inspection = service.get_for(current_user, inspection_id)
    photo = photos.find_by_key(current_user, key)
    if photo is None or photo.answer is None or photo.answer.inspection_id != inspection.id:
        return jsonify(found=False), 404
    if wants_fragment():  # the outbox: the item as it is now, with the photo, in place of a resend
        sheet = sheet_of(inspection)
        return _checklist_page(inspection, "item", sheet=sheet,
                               item=_item_of(sheet, photo.answer.item_id))
    return jsonify(found=True, id=photo.id, item=photo.answer.item_id)


@bp.post("/<int:inspection_id>/photos/<int:photo_id>/remove")
@allow(*FIELD_ROLES)
def remove_photo(inspection_id: int, photo_id: int):
    inspection = service.get_for(current_user, inspection_id)
    item_id = forms.filters(request.form, inspection_forms.REMOVE_PHOTO, notify=False).item
    service.remove_photo(current_user, inspection, photo_id)
    if not wants_fragment() or not item_id:
        return redirect(url_for(".run", inspection_id=inspection.id, _anchor=f"item-{item_id}"))
    sheet = sheet_of(inspection)
    return _checklist_page(inspection, "item", sheet=sheet, item=_item_of(sheet, item_id))


@bp.post("/<int:inspection_id>/submit")
@allow(*FIELD_ROLES)
def submit(inspection_id: int):
    try:
        inspection = idempotency.once(
            current_user, idempotency.key_from_request(), "submit", str(inspection_id),
            lambda: service.submit(current_user, inspection_id),
            replay=lambda: service.get_for(current_user, inspection_id)).value
    except service.UnansweredError as e:
        inspection = service.get_for(current_user, inspection_id)
        return _checklist_page(inspection, "submit_panel", http_status=422, submit_error=e.message,
                               missing={i.id for i in e.items})
    flash(_("Inspection submitted."), "success")
    return redirect_to(url_for(".run", inspection_id=inspection.id))


def _item_reply(inspection, item_id: int, fragment, sheet=None):
    """After a write to one item: that item (htmx, outbox) or back to it on the page (plain form)."""
    if not wants_fragment():
        return redirect(url_for(".run", inspection_id=inspection.id, _anchor=f"item-{item_id}"))
    sheet = sheet or sheet_of(inspection)
    return _checklist_page(inspection, fragment, sheet=sheet, item=_item_of(sheet, item_id))


def _item_of(sheet, item_id):
    item = sheet.item(item_id)
    if item is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    return item
