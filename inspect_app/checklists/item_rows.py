"""A checklist version's items as plain frozen rows, read once per process.

A version is never edited (a changed file is a new version with new items), so its items are
the same on every request: the checklist page, a tick and the site page read them here, not
~40 ORM objects loaded afresh each time. Kept per version id, content hash and load time: a
version deleted and another loaded under the same id (SQLite reuses ids) is read afresh.
"""

import threading
from dataclasses import dataclass, fields

from sqlalchemy import select

from ..extensions import db
from .models import ChecklistItem, ItemRules, items_applying

KEEP = 256  # versions kept per process (the bundled checklists are ~30)


@dataclass(frozen=True, slots=True)
class ItemRow(ItemRules):
    """One item, with every column of ChecklistItem and the same rules (ItemRules)."""

    id: int
    template_id: int
    position: int
    code: str
    section: str
    requirement: str
    basis: str
    major: str
    guidance: str
    weight: int | None
    std: str
    edition: str
    clause: str
    regime: str
    judgement: str
    applies: str
    element: str
    verify: str
    verify_note: str
    reference: bool


_COLUMNS = [getattr(ChecklistItem, f.name) for f in fields(ItemRow)]
_kept: dict[tuple, tuple[ItemRow, ...]] = {}
_lock = threading.Lock()


def items_of(template) -> tuple[ItemRow, ...]:
    """The version's items in checklist order."""
    if template.id is None:  # not saved yet: only what the session holds
        return tuple(template.items)
    return rows_of(template.id, template.content_hash, template.loaded_at)


def rows_of(template_id: int, content_hash: str, loaded_at) -> tuple[ItemRow, ...]:
    """items_of, from the version's columns (pages that read it as a row)."""
    key = (template_id, content_hash, loaded_at)
    rows = _kept.get(key)
    if rows is None:
        rows = tuple(ItemRow(*r) for r in db.session.execute(
            select(*_COLUMNS).where(ChecklistItem.template_id == template_id)
            .order_by(ChecklistItem.position)))
        with _lock:
            if len(_kept) >= KEEP:
                _kept.clear()  # a long-running process that saw many uploads: start afresh
            _kept[key] = rows
    return rows


def items_for(template, site_codes: set[str], majors_only: bool = False) -> list[ItemRow]:
    """The version's items that apply to a site with these codes (all of a major flag Y only
    when `majors_only`: a grid patrol's share of an enterprise list)."""
    return items_applying(items_of(template), site_codes, majors_only)
