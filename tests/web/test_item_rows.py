"""A checklist version's items are read once per process as frozen rows, and read afresh for
another version, even one saved under a reused id."""

from sqlalchemy import delete

from inspect_app.checklists import item_rows
from inspect_app.checklists.models import ChecklistItem, ChecklistTemplate
from inspect_app.extensions import db
from tests.factories import template
from tests.web.test_statement_counts import statements


def test_rows_match_the_loaded_items_and_are_read_once(ctx):
    tpl = template("grid-nine")
    rows = item_rows.items_of(tpl)
    assert [(r.id, r.code, r.requirement, r.is_major, r.citation) for r in rows] == [
        (i.id, i.code, i.requirement, i.is_major, i.citation) for i in tpl.items]
    with statements() as seen:
        again = item_rows.items_of(tpl)
    assert again is rows and seen == []


def _version(id_, requirement, loaded_at):
    tpl = ChecklistTemplate(id=id_, slug="reused-id", kind="grid_guideline", version="1.0",
                            title="重用", applies_to="ALL", content_hash="same",
                            is_current=False, loaded_at=loaded_at)
    tpl.items = [ChecklistItem(position=1, code="A1", section="基础管理", requirement=requirement,
                               basis="依据", major="N")]
    db.session.add(tpl)
    db.session.commit()
    return tpl


def test_a_version_saved_under_a_reused_id_is_read_afresh(ctx):
    from datetime import datetime
    id_ = db.session.scalar(db.select(db.func.max(ChecklistTemplate.id))) + 1000
    first = _version(id_, "旧要求", datetime(2026, 1, 1, 8, 0, 0, 1))
    assert [r.requirement for r in item_rows.items_of(first)] == ["旧要求"]
    db.session.execute(delete(ChecklistItem).where(ChecklistItem.template_id == id_))
    db.session.execute(delete(ChecklistTemplate).where(ChecklistTemplate.id == id_))
    db.session.commit()
    db.session.expunge_all()
    second = _version(id_, "新要求", datetime(2026, 1, 1, 8, 0, 0, 2))
    assert [r.requirement for r in item_rows.items_of(second)] == ["新要求"]
