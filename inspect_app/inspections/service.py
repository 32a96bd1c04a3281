"""Running an inspection: start or resume, answer items, attach photos, submit."""

from dataclasses import dataclass
from functools import lru_cache

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from ..access import FIELD_ROLES, can_see_site, is_zone_staff
from ..auth.models import User
from ..checklists import combination
from ..checklists.item_rows import rows_of
from ..checklists.models import ChecklistItem, ChecklistTemplate, items_applying
from ..checklists.service import templates_for
from ..errors import UserError
from ..extensions import db, read
from ..hazards import service as hazards
from ..photos import service as photos
from ..photos.models import Photo
from ..roles import Role
from ..sites.models import Site
from ..timeutil import utcnow
from .models import Answer, Inspection, InspectionKind, Result, asks_majors_only
from .sheet import Sheet, sheet_by_id

KIND_FOR_ROLE = {
    Role.INSPECTOR: InspectionKind.PATROL,
    Role.SUPERVISOR: InspectionKind.SUPERVISORY,
    Role.ADMIN: InspectionKind.SUPERVISORY,
    Role.ENTERPRISE: InspectionKind.SELF_CHECK,
}
def unfinished_for(user: User, site: Site) -> list[Inspection]:
    """This user's inspections of the site not yet submitted, newest first (_UNFINISHED is
    the same for the site page)."""
    return list(db.session.scalars(
        select(Inspection).where(Inspection.site_id == site.id, Inspection.inspector_id == user.id,
                                 Inspection.submitted_at.is_(None))
        .order_by(Inspection.started_at.desc())))


@dataclass(frozen=True)
class Unfinished:
    id: int
    title: str
    answered: int
    total: int  # the items it asks


def unfinished_counts(user: User, site: Site) -> list[Unfinished]:
    """unfinished_for as the site page lists them: checklist title, answers and items, in one
    statement (the items from checklists/item_rows.py)."""
    codes = site.checklist_codes
    return [Unfinished(r.id, r.title, r.answered, len(items_applying(
        rows_of(r.template_id, r.content_hash, r.loaded_at), codes,
        asks_majors_only(r.inspection_kind, r.kind))))
        for r in read(_UNFINISHED, {"site_id": site.id, "user_id": user.id})]


# Built once (building a statement costs more than running it, on a page of many such).
_UNFINISHED = (
    select(Inspection.id, Inspection.kind.label("inspection_kind"),
           ChecklistTemplate.id.label("template_id"), ChecklistTemplate.content_hash,
           ChecklistTemplate.loaded_at, ChecklistTemplate.kind, ChecklistTemplate.title,
           select(func.count()).where(Answer.inspection_id == Inspection.id)
           .correlate(Inspection).scalar_subquery().label("answered"))
    .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
    .where(Inspection.site_id == bindparam("site_id"), Inspection.inspector_id == bindparam("user_id"),
           Inspection.submitted_at.is_(None))
    .order_by(Inspection.started_at.desc()))
_RECENT = (
    select(Inspection.id, Inspection.submitted_at, User.name.label("inspector_name"),
           ChecklistTemplate.title.label("template_title"))
    .join(User, User.id == Inspection.inspector_id)
    .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
    .where(Inspection.site_id == bindparam("site_id"), Inspection.submitted_at.is_not(None))
    .order_by(Inspection.submitted_at.desc()).limit(bindparam("limit")))


def recent_for_site(site: Site, limit: int = 5) -> list:
    """The site's last submitted inspections, newest first, as rows of what its page lists
    (the first one's submitted_at is the site's last inspection)."""
    return list(read(_RECENT, {"site_id": site.id, "limit": limit}))


def start(user: User, site: Site, template_id: int, from_scan: bool) -> Inspection:
    """Resume this user's unfinished inspection of the site with this checklist, or begin one."""
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None or template not in templates_for(site, user):
        raise UserError(_("That checklist does not apply to this site."))
    for inspection in unfinished_for(user, site):
        if inspection.template.slug == template.slug:
            if from_scan and not inspection.from_scan:
                inspection.from_scan = True
                db.session.commit()
            return inspection
    inspection = Inspection(site_id=site.id, template_id=template.id, inspector_id=user.id,
                            kind=KIND_FOR_ROLE[Role(user.role)], from_scan=from_scan)
    db.session.add(inspection)
    db.session.commit()
    return inspection


def can_see(user: User, inspection: Inspection) -> bool:
    """Its inspector, and supervisors, may see it; other field users a submitted one of a
    site they can see. Workers never see inspections."""
    if user.role not in FIELD_ROLES:
        return False
    if inspection.inspector_id == user.id or is_zone_staff(user):
        return True
    return inspection.submitted_at is not None and can_see_site(user, inspection.site)


def get_for(user: User, inspection_id: int) -> Inspection:
    """The inspection, or 404 (see can_see)."""
    # Alone (the photo and submit routes): the page and a tick read it with its checklist
    # (sheet_for).
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not can_see(user, inspection):
        abort(404)
    return inspection


def sheet_for(user: User, inspection_id: int) -> Sheet:
    """get_for's inspection with its checklist and answers (sheet.py), or 404: the page and a
    tick read the inspection in the same statement as its checklist."""
    sheet = sheet_by_id(inspection_id, answers=False)
    if sheet is None or not can_see(user, sheet.inspection):
        abort(404)
    sheet.read_answers()
    return sheet


def _editable(user: User, inspection: Inspection) -> None:
    if inspection.inspector_id != user.id:
        abort(403)
    if inspection.submitted_at is not None:
        raise UserError(_("This inspection was already submitted and can no longer be changed."), 409)


def _item(inspection: Inspection, item_id: int, items=None) -> ChecklistItem:
    item = next((i for i in (inspection.items if items is None else items) if i.id == item_id),
                None)
    if item is None:
        abort(404)
    return item


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: the tick's reply shows the inspection
    it holds, without reading it back."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def record_answer(user: User, inspection: Inspection, item_id: int, result: str | None,
                  note: str | None, items=None, answers: dict | None = None):
    """Save one tick (and note); returns the answer as saved (sheet.AnswerRow). Re-sending the
    same answer writes nothing. `items`, `answers`: the inspection's items and its answers by
    item id when the caller holds them already (sheet.py: a tick reads them for its reply, so
    it needs no statement of its own to find the answer); `answers` is updated in place.

    Written with one INSERT or UPDATE, not through an Answer object: loading the answer to
    change it cost a statement and more CPU than the rest of a tick."""
    from .sheet import AnswerRow, answer_rows

    _editable(user, inspection)
    item = _item(inspection, item_id, items)
    if answers is None:
        answers = answer_rows(inspection.id, item.id)
    answer = answers.get(item.id)
    if result is None and answer is not None:
        result = answer.result  # a note saved on its own keeps the tick
    if result not in set(Result):
        raise UserError(_("Choose pass, fail or not applicable."))
    note = (note or "").strip()[:2000]
    session = db.session()
    if answer is None:
        try:
            answer_id = session.execute(insert(Answer.__table__).values(
                inspection_id=inspection.id, item_id=item.id, result=result, note=note)
            ).inserted_primary_key[0]
            _commit_keeping_loaded()
        except IntegrityError:
            # The same tick sent twice at once (double tap on a slow network): the other one won.
            session.rollback()
            answers.update(answer_rows(inspection.id))
            return answers.get(item.id)
        answer = answers[item.id] = AnswerRow(answer_id, item.id, result, note)
    else:
        # Only what changes: a tick sent again (a retry, a double tap) writes nothing.
        note = note if result == Result.FAIL else ""
        changed = {}
        if answer.result != result:
            changed["result"] = result
        if answer.note != note and (note or result != Result.FAIL):
            changed["note"] = note
        if not changed:
            return answer
        if any(key[0] is Answer for key in session.identity_map):
            # Through the session: an Answer object it holds (a script's) is updated too.
            session.execute(update(Answer).where(Answer.id == answer.id).values(**changed))
        else:  # a request's session holds none: the table's statement, built once
            session.connection().execute(_answer_update(tuple(changed)), {
                "answer_id": answer.id, **{f"new_{k}": v for k, v in changed.items()}})
        _commit_keeping_loaded()
        answer = answers[item.id] = answer._replace(**changed)
    if "answers" not in sa_inspect(inspection).unloaded:  # a caller holds them: read afresh
        session.expire(inspection, ["answers"])
    return answer


@lru_cache(maxsize=4)
def _answer_update(columns: tuple[str, ...]):
    """UPDATE of these columns of one answer (updated_at too, as the ORM's): the ORM's update
    of an entity built and ran its statement anew, ~0.3 ms of a changed tick's ~3 ms CPU."""
    table = Answer.__table__
    return (update(table).where(table.c.id == bindparam("answer_id"))
            .values({c: bindparam(f"new_{c}") for c in columns}))


def _answer(inspection: Inspection, item_id: int) -> Answer | None:
    return db.session.scalar(select(Answer).where(Answer.inspection_id == inspection.id,
                                                  Answer.item_id == item_id))


def add_photo(user: User, inspection: Inspection, item_id: int, files: list, upload_key: str | None,
              taken_at: list[str] | tuple[str, ...] = ()) -> list[Photo]:
    """Attach one photo, or several picked together, to a failed item's answer.

    Each file keeps its own capture time (its EXIF, else the phone's `taken_at` in the files'
    order) and its own upload key: the form's key for the first, numbered after it for the rest."""
    _editable(user, inspection)
    item = _item(inspection, item_id)
    answer = _answer(inspection, item.id)
    if answer is None or answer.result != Result.FAIL:
        raise UserError(_("Mark the item as failed before adding a photo."))
    files = [f for f in files if f is not None and f.filename]
    # One file goes straight to store(), which skips decoding a file the answer already holds.
    uploads = photos.prepare(files) if len(files) > 1 else files[:1] or [None]
    stored: list[Photo] = []
    for n, upload in enumerate(uploads):
        key = upload_key if n == 0 or not upload_key else f"{upload_key}-{n}"
        photo = photos.store(upload, uploader=user, site_id=inspection.site_id, upload_key=key,
                             answer_id=answer.id, taken_at=taken_at[n] if n < len(taken_at) else None,
                             among=stored)
        if photo not in stored:
            stored.append(photo)
    wanted = [(p.upload_key, p.content_hash) for p in stored]
    try:
        db.session.commit()
    except IntegrityError:
        # The same upload (a retry racing the first try, or the same file twice): the other won.
        db.session.rollback()
        stored = [photos.find_by_key(user, key) or db.session.scalar(select(Photo).where(
            Photo.uploader_id == user.id, Photo.answer_id == answer.id,
            Photo.content_hash == digest)) for key, digest in wanted]
        if None in stored:
            raise
    return stored


def remove_photo(user: User, inspection: Inspection, photo_id: int) -> None:
    _editable(user, inspection)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.answer is None or photo.answer.inspection_id != inspection.id:
        abort(404)
    photo.answer_id = None  # the file stays for audit; it just leaves the answer
    db.session.commit()


def unanswered(inspection: Inspection) -> list[ChecklistItem]:
    done = {a.item_id for a in inspection.answers}
    return [i for i in inspection.items if i.id not in done]


def submit(user: User, inspection_id: int) -> Inspection:
    """Close the inspection and turn each failed item into one hazard. Idempotent: a second
    submit (double tap, retry, five at once) returns the already-submitted inspection unchanged."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404)
    if inspection.inspector_id != user.id:
        abort(403)
    if inspection.submitted_at is not None:
        return inspection
    missing = unanswered(inspection)
    if missing:
        raise UnansweredError(missing)
    now = utcnow()
    # Claim the inspection with one conditional UPDATE: of submits racing, exactly one changes the
    # row; the others wait on its row lock (PostgreSQL) or the write lock (SQLite), then change
    # nothing and answer with the submitted inspection. (Checking first and writing hazards after
    # let two submits both create hazards, and the loser's flush died on the unique constraint.)
    claimed = db.session.execute(
        update(Inspection).where(Inspection.id == inspection.id, Inspection.submitted_at.is_(None))
        .values(submitted_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()  # expires `inspection`: it reloads as the winner committed it
        return inspection
    inspection.submitted_at = now
    for answer in inspection.answers:
        if answer.result == Result.FAIL:
            hazards.report_from_answer(inspection, answer, user, now)
    combination.propose_for(inspection, now)  # GB 35181's comprehensive elements, together
    db.session.commit()
    return inspection


class UnansweredError(UserError):
    def __init__(self, items: list[ChecklistItem]):
        codes = "、".join(i.code for i in items[:10]) + ("…" if len(items) > 10 else "")
        super().__init__(_("%(n)s items are not answered yet: %(codes)s", n=len(items), codes=codes))
        self.items = items
