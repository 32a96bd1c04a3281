"""What the user already gave stays: a sent-back rectification's form starts from what was sent;
an enforcement case's number, outcome and penalty stand on the hazard page and in its history."""

import re

from werkzeug.datastructures import MultiDict

from inspect_app import forms
from inspect_app.extensions import db
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import side_actions
from inspect_app.models import HazardEvent
from tests.factories import make_grid, make_hazard, make_site, make_user
from tests.web.test_lifecycle import confirm_form, perform, photo


def _people():
    grid = make_grid()
    site = make_site(grid)
    return site, {"sup": make_user("supervisor"), "insp": make_user("inspector", grids=[grid]),
                  "staff": make_user("enterprise", site=site)}


def _submit_form(page: str, hazard_id: int) -> str:
    start = page.index(f'action="/hazards/{hazard_id}/submit"')
    return page[start:page.index("</form>", start)]


def test_resubmit_after_send_back_starts_from_the_cost_and_note_sent(ctx, client, login):
    site, people = _people()
    hazard = make_hazard(site, reporter=people["insp"])
    perform(people["sup"], hazard.id, "confirm", confirm_form())
    url = f"/hazards/{hazard.id}"
    login(people["staff"])
    fresh = _submit_form(client.get(url).text, hazard.id)
    assert "1200" not in fresh and "更换了防护罩" not in fresh
    perform(people["staff"], hazard.id, "submit",
            MultiDict({"rectified_note": "更换了防护罩", "rectification_cost": "1,200"}), [photo()])
    perform(people["insp"], hazard.id, "return", MultiDict({"note": "照片看不清"}))
    form = _submit_form(client.get(url).text, hazard.id)
    assert re.search(r'<textarea name="rectified_note"[^>]*>更换了防护罩</textarea>', form), form
    assert re.search(r'<input name="rectification_cost" type="text" value="1200.00"', form), form


def test_enforcement_case_outcome_and_penalty_on_the_page_and_in_history(ctx, client, login):
    site, people = _people()
    hazard = make_hazard(site, level="major", reporter=people["insp"])
    ref = side_actions.refer(people["sup"], hazard.id, forms.parse(MultiDict(
        {"department": "南安市应急管理局", "measure": "fine", "reason": "逾期未整改"}),
        hazard_forms.REFERRAL))
    login(people["sup"])
    page = client.get(f"/hazards/{hazard.id}").text
    # Both forms have labelled inputs, not placeholders only.
    for name in ("case_no", "outcome", "penalty_amount"):
        assert re.search(rf'<label[^>]*>[^<]+\s*<input name="{name}"', page), name
    side_actions.update_referral(people["sup"], ref.id, forms.parse(MultiDict(
        {"status": "filed", "case_no": "南应急罚〔2026〕12号"}), hazard_forms.REFERRAL_UPDATE))
    side_actions.update_referral(people["sup"], ref.id, forms.parse(MultiDict(
        {"status": "closed", "outcome": "罚款并责令限期整改", "penalty_amount": "20000"}),
        hazard_forms.REFERRAL_UPDATE))
    actions = [e.action for e in db.session.get(type(hazard), hazard.id).events]
    assert actions[-3:] == ["refer", "case_filed", "case_closed"]
    closed = db.session.scalars(db.select(HazardEvent).where(
        HazardEvent.action == "case_closed")).one()
    assert "¥20,000" in closed.note and "罚款并责令限期整改" in closed.note
    page = client.get(f"/hazards/{hazard.id}").text
    panel = page[page.index('class="subcard referral"'):]
    assert "南应急罚〔2026〕12号" in panel and "罚款并责令限期整改" in panel
    assert '<dd class="penalty">¥20,000</dd>' in panel
    history = page[page.index('class="history"'):]
    assert "执法立案" in history and "执法结案" in history and "¥20,000" in history
    # The measure reads in words in the history, never as its code.
    assert "南安市应急管理局: 罚款" in history and ": fine" not in history


def test_penalty_with_cents_and_no_penalty(ctx, client, login):
    site, people = _people()
    hazard = make_hazard(site, reporter=people["insp"])
    ref = side_actions.refer(people["sup"], hazard.id, forms.parse(MultiDict(
        {"department": "执法大队", "measure": "order_rectify"}), hazard_forms.REFERRAL))
    side_actions.update_referral(people["sup"], ref.id, forms.parse(MultiDict(
        {"status": "closed", "outcome": "已整改", "penalty_amount": "1500.5"}),
        hazard_forms.REFERRAL_UPDATE))
    login(people["sup"])
    page = client.get(f"/hazards/{hazard.id}").text
    assert '<dd class="penalty">¥1,500.50</dd>' in page
