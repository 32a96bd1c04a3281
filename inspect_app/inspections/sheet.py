"""An inspection's checklist as its page and a tick's reply show it, read as plain rows.

The page, a tick and a photo's reply read the inspection's checklist version and site, its
answers with their photos, and its items (checklists/item_rows.py). Loaded as ORM objects
(the inspection, its checklist, site and ~20 answers) they cost more CPU than the rest of a
tick; read here with two prepared statements they cost a tenth of it. The page and a tick
read the inspection itself in the first of them too (sheet_by_id), as auth/loader.py reads
the user: its row made into the session's Inspection, with no statement of its own.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, inspect, select

from ..checklists import item_rows
from ..checklists.models import ChecklistTemplate, group_sections, items_applying
from ..extensions import db, loaded, read
from ..photos.models import Photo
from ..sites.models import Site, checklist_codes
from .models import Answer, Inspection, Result, asks_majors_only


class AnswerRow(NamedTuple):
    id: int
    item_id: int
    result: str
    note: str
    photos: tuple[int, ...] = ()  # photo ids, in the order they were added


@dataclass
class Progress:
    answered: int
    total: int
    failed: int

    @property
    def done(self) -> bool:
        return self.answered == self.total


@dataclass
class Sheet:
    inspection: Inspection
    site_name: str
    template_title: str
    template_version: str
    items: list = field(default_factory=list)  # the ItemRows that apply, in checklist order
    answers: dict[int, AnswerRow] = field(default_factory=dict)  # by item id

    @property
    def sections(self):
        return group_sections(self.items)

    def item(self, item_id: int):
        """The item of this inspection with that id, or None."""
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def progress(self) -> Progress:
        ids = {i.id for i in self.items}
        answers = [a for a in self.answers.values() if a.item_id in ids]
        return Progress(len(answers), len(ids), sum(a.result == Result.FAIL for a in answers))

    def read_answers(self) -> None:
        """(Re)read the answers and their photos (after a write, for the reply)."""
        self.answers = answer_rows(self.inspection.id)


_HEAD_COLUMNS = (Site.name, Site.site_type, Site.features, Site.haz_modes, ChecklistTemplate.id,
                 ChecklistTemplate.content_hash, ChecklistTemplate.loaded_at,
                 ChecklistTemplate.kind, ChecklistTemplate.title, ChecklistTemplate.version)
_INSPECTION = inspect(Inspection)
_INSPECTION_KEYS = tuple(a.key for a in _INSPECTION.column_attrs)


def _header(*inspection_columns):
    return (select(*_HEAD_COLUMNS, *inspection_columns)
            .select_from(Inspection)
            .join(Site, Site.id == Inspection.site_id)
            .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
            .where(Inspection.id == bindparam("inspection_id")))


_HEADER = _header()
# The same with every column of the inspection, after the header's (sheet_by_id).
_HEADER_AND_INSPECTION = _header(*(a.expression for a in _INSPECTION.column_attrs))
_ANSWERS = (
    select(Answer.id, Answer.item_id, Answer.result, Answer.note, Photo.id)
    .outerjoin(Photo, Photo.answer_id == Answer.id)
    .where(Answer.inspection_id == bindparam("inspection_id"))
    .order_by(Answer.id, Photo.id))
_ONE_ANSWER = _ANSWERS.where(Answer.item_id == bindparam("item_id"))


def answer_rows(inspection_id: int, item_id: int | None = None) -> dict[int, AnswerRow]:
    """The inspection's answers (or its one answer to `item_id`) with their photos, by item id."""
    answers: dict[int, AnswerRow] = {}
    # Every write before a reply commits first (idempotency.once, the services), so the
    # read needs no flush of the session.
    rows = read(_ANSWERS, {"inspection_id": inspection_id}) if item_id is None else \
        read(_ONE_ANSWER, {"inspection_id": inspection_id, "item_id": item_id})
    for answer_id, item, result, note, photo_id in rows:
        row = answers.get(item) or AnswerRow(answer_id, item, result, note)
        if photo_id is not None:
            row = AnswerRow(answer_id, item, result, note, (*row.photos, photo_id))
        answers[item] = row
    return answers


def sheet_of(inspection: Inspection, answers: bool = True) -> Sheet:
    """The inspection's checklist, and its answers unless `answers` is False."""
    return _sheet(inspection, read(_HEADER, {"inspection_id": inspection.id}).one(), answers)


def sheet_by_id(inspection_id: int, answers: bool = True) -> Sheet | None:
    """sheet_of the inspection with that id (None: there is none), the inspection read in the
    same statement as its checklist and site, unless this session holds it already."""
    session = db.session()
    if _INSPECTION.identity_key_from_primary_key((inspection_id,)) in session.identity_map:
        # A test's or a shell's session, which its requests share: the object it holds.
        inspection = session.get(Inspection, inspection_id)
        return None if inspection is None else sheet_of(inspection, answers)
    row = read(_HEADER_AND_INSPECTION, {"inspection_id": inspection_id}).first()
    if row is None:
        return None
    return _sheet(loaded(_INSPECTION, _INSPECTION_KEYS, row[len(_HEAD_COLUMNS):]), row, answers)


def _sheet(inspection: Inspection, row, answers: bool = True) -> Sheet:
    items = items_applying(item_rows.items_of(row),
                           checklist_codes(row.site_type, row.features, row.haz_modes),
                           asks_majors_only(inspection.kind, row.kind))
    sheet = Sheet(inspection, row.name, row.title, row.version, items)
    if answers:
        sheet.read_answers()
    return sheet
