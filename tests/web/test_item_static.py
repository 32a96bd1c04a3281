"""A checklist item's fixed part (code, requirement, major tag, basis, guidance) and its
buttons' words are rendered once per language and process, not on every request; the page
and a tick's reply show them in the reader's language."""

import re

from inspect_app.checklists.models import ChecklistItem
from inspect_app.extensions import db
from inspect_app.inspections import static_part
from inspect_app.inspections.models import Inspection
from tests.conftest import HX
from tests.factories import make_grid, make_site, make_user, template

# What differs between two renders of one page: each form's fresh key, and the CSRF token's
# timestamp once a second has turned.
KEY = re.compile(r'name="(upload|idempotency)_key" value="[0-9a-f]+"'
                 r'|(?<=name="csrf_token" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')


def _inspection(client, login):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    return db.session.get(Inspection, int(resp.location.rsplit("/", 1)[1]))


def test_fixed_parts_are_rendered_once_per_language(client, login, ctx):
    inspection = _inspection(client, login)
    url = f"/inspections/{inspection.id}"
    items = inspection.items
    static_part._render.cache_clear()
    static_part._words.cache_clear()
    static_part._outbox_words.cache_clear()
    page = client.get(url).text
    distinct = len({(i.code, i.requirement, i.is_major, i.basis, i.guidance) for i in items})
    assert static_part._render.cache_info().misses == distinct
    assert static_part._words.cache_info().misses == 1
    # The same page again (but what KEY masks), nothing rendered afresh.
    assert KEY.sub("", client.get(url).text) == KEY.sub("", page)
    assert static_part._render.cache_info().misses == distinct
    assert static_part._words.cache_info().misses == 1
    assert static_part._outbox_words.cache_info().misses == 1
    client.post("/lang/en", data={"next": url})
    english = client.get(url).text
    assert static_part._words.cache_info().misses == 2
    assert "Basis and how to check" in english and "Basis and how to check" not in page
    assert ">Pass<" in english and ">Pass<" not in page
    assert static_part._outbox_words.cache_info().misses == 2
    assert '"allSaved": "All saved"' in english and '"allSaved": "All saved"' not in page


def test_page_and_tick_reply_show_the_items_text_escaped(client, login, ctx):
    inspection = _inspection(client, login)
    item = inspection.items[0]
    page = client.get(f"/inspections/{inspection.id}").text
    for text in (item.code, item.requirement, item.basis, item.guidance):
        assert str(static_part.escape(text)) in page
    major = next((i for i in inspection.items if i.is_major), None)
    if major is not None:
        assert page.count('class="major-tag"') == sum(i.is_major for i in inspection.items)
    reply = client.post(f"/inspections/{inspection.id}/items/{item.id}",
                        data={"result": "pass"}, headers=HX)
    assert reply.status_code == 200
    assert f'<span class="code">{static_part.escape(item.code)}</span>' in reply.text
    assert 'class="tick tick-pass on"' in reply.text


def test_a_changed_text_is_rendered_afresh(app, ctx):
    item = db.session.scalars(db.select(ChecklistItem).limit(1)).one()
    with app.test_request_context():
        before = static_part.item_static(item)
        item.requirement = "<b>新的要求</b>"
        after = static_part.item_static(item)
        db.session.rollback()
    assert after != before and "&lt;b&gt;新的要求&lt;/b&gt;" in after
