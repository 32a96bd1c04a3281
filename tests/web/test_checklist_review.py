"""Review in Excel: download a checklist version, edit it, upload it back as a new version
(per-row errors, all or nothing, a diff shown before loading)."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from inspect_app.checklists.models import ChecklistItem, ChecklistTemplate
from inspect_app.extensions import db
from inspect_app.inspections import service as inspections
from tests.factories import make_site, make_user, template


@pytest.fixture
def staff(client, login, ctx):
    login(make_user("supervisor"))
    return client


def _download(client, slug):
    resp = client.get(f"/checklists/{template(slug).id}/download.xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(resp.data))


def _header_row(sheet):
    return next(r for r in range(1, 6) if sheet.cell(r, 1).value == "编号")


def _edit(book, code, column, value):
    sheet = book.worksheets[0]
    top = _header_row(sheet)
    headers = [c.value for c in sheet[top]]
    for row in range(top + 1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == code:
            sheet.cell(row, headers.index(column) + 1).value = value
            return row
    raise KeyError(code)


def _bytes(book):
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _upload(client, slug, content):
    return client.post(f"/checklists/{template(slug).id}/upload",
                       data={"file": (io.BytesIO(content), "review.xlsx")},
                       content_type="multipart/form-data")


def _versions(slug):
    return db.session.scalar(select(func.count(ChecklistTemplate.id)).where(
        ChecklistTemplate.slug == slug))


def test_round_trip_makes_a_new_version_with_exactly_that_change(staff):
    old = template("grid-nine")
    started = inspections.start(make_user("supervisor"), make_site(site_type="NINE",
                                                                    subkind="shop"),
                                old.id, from_scan=False)
    book = _download(staff, "grid-nine")
    headers = [c.value for c in book.worksheets[0][_header_row(book.worksheets[0])]]
    assert headers[:8] == ["编号", "类别", "检查要求", "依据", "依据键", "版本", "条款", "重大标志"]
    assert {"隐患类别", "适用范围", "核实状态", "检查方法"} <= set(headers)
    new_text = "门口显眼处配有灭火器，每层至少两具4 kg干粉灭火器。"
    _edit(book, "NINE-03", "检查要求", new_text)
    resp = _upload(staff, "grid-nine", _bytes(book))
    assert resp.status_code == 200
    assert "NINE-03" in resp.text and new_text in resp.text
    assert len(re.findall(r'class="change-', resp.text)) == 1  # the diff shows only that item
    assert _versions("grid-nine") == 1  # nothing loaded before the confirmation
    content = re.search(r'name="content" value="([^"]+)"', resp.text).group(1)
    digest = re.search(r'name="digest" value="([^"]+)"', resp.text).group(1)
    resp = staff.post(f"/checklists/{old.id}/upload/confirm",
                      data={"content": content, "digest": digest})
    assert resp.status_code == 302
    db.session.expire_all()
    new = template("grid-nine")
    assert new.id != old.id and new.version == "2.1" and not db.session.get(
        ChecklistTemplate, old.id).is_current
    before = {i.code: (i.requirement, i.basis, i.major, i.std, i.clause, i.applies, i.verify,
                       i.verify_note, i.guidance, i.regime, i.edition) for i in old.items}
    after = {i.code: (i.requirement, i.basis, i.major, i.std, i.clause, i.applies, i.verify,
                      i.verify_note, i.guidance, i.regime, i.edition) for i in new.items}
    assert after.keys() == before.keys()
    changed = {c for c in after if after[c] != before[c]}
    assert changed == {"NINE-03"} and after["NINE-03"][0] == new_text
    assert db.session.get(type(started), started.id).template_id == old.id  # keeps its version
    # The same confirmation again (double tap) loads nothing more.
    db.session.remove()


def test_bad_row_is_refused_with_its_row_and_column_and_nothing_loaded(staff):
    book = _download(staff, "grid-nine")
    bad_row = _edit(book, "NINE-10", "依据", "GB 35181-2017《重大火灾隐患判定方法》6.10")
    major_row = _edit(book, "NINE-04", "重大标志", "X")
    _edit(book, "NINE-05", "检查要求", "改了一条好的")
    items = db.session.scalar(select(func.count(ChecklistItem.id)))
    resp = _upload(staff, "grid-nine", _bytes(book))
    assert resp.status_code == 422
    assert re.search(rf"<td>{bad_row}</td><td>依据</td><td>[^<]*GB 35181-2017", resp.text)
    assert re.search(rf"<td>{major_row}</td><td>重大标志</td>", resp.text)
    assert 'name="content"' not in resp.text
    assert _versions("grid-nine") == 1
    assert db.session.scalar(select(func.count(ChecklistItem.id))) == items


@pytest.mark.parametrize("content,message", [
    (b"", "文件为空"),
    (b"not a workbook", "不是可读取的"),
])
def test_unreadable_files_are_refused(staff, content, message):
    resp = _upload(staff, "grid-nine", content)
    assert resp.status_code == 422 and message in resp.text
    assert _versions("grid-nine") == 1


def test_tampered_confirmation_is_refused(staff):
    book = _download(staff, "grid-nine")
    _edit(book, "NINE-03", "检查要求", "改")
    resp = _upload(staff, "grid-nine", _bytes(book))
    content = re.search(r'name="content" value="([^"]+)"', resp.text).group(1)
    resp = staff.post(f"/checklists/{template('grid-nine').id}/upload/confirm",
                      data={"content": content, "digest": "0" * 64})
    assert resp.status_code == 422 and _versions("grid-nine") == 1


def test_only_supervisors_and_admins_review(client, login, ctx):
    login(make_user("inspector"))
    t = template("grid-nine")
    assert client.get(f"/checklists/{t.id}/download.xlsx").status_code == 403
    assert client.post(f"/checklists/{t.id}/upload", data={}).status_code == 403
