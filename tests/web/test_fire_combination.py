"""GB 35181's combination rule: comprehensive elements failed together in one inspection are
proposed to a supervisor as one 重大火灾隐患 at the threshold, never below it."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from inspect_app.checklists import combination
from inspect_app.checklists.models import FireProposal
from inspect_app.extensions import db
from inspect_app.hazards.models import Hazard
from inspect_app.inspections import service as inspections
from inspect_app.inspections.models import Result
from tests.factories import make_grid, make_site, make_user, template


def _inspect(site, user, fail_elements: int, slug="ent-fire-general", repeat_element=False):
    """Submit an inspection failing the first `fail_elements` distinct C elements (and, with
    repeat_element, a second item of an element already failed)."""
    inspection = inspections.start(user, site, template(slug).id, from_scan=False)
    failed, elements = [], set()
    for item in inspection.items:
        fail = False
        if item.major == "C":
            if item.element not in elements and len(elements) < fail_elements:
                elements.add(item.element)
                fail = True
            elif repeat_element and item.element in elements:
                fail = True
        inspections.record_answer(user, inspection, item.id,
                                  Result.FAIL if fail else Result.PASS, "不合格" if fail else "")
        failed += [item.code] if fail else []
    inspections.submit(user, inspection.id)
    return inspection, failed


def _proposals():
    return db.session.scalar(select(func.count(FireProposal.id)))


@pytest.fixture
def crowded(ctx):
    site = make_site(site_type="PDP")
    return site, make_user("supervisor")


def test_threshold_proposes_and_one_below_does_not(crowded):
    site, supervisor = crowded
    place = combination.place_for(site.checklist_codes, combination.places())
    assert place.kind == "crowded" and place.threshold == 3
    _inspect(site, supervisor, place.threshold - 1)
    assert _proposals() == 0
    inspection, failed = _inspect(site, supervisor, place.threshold)
    proposal = db.session.scalar(select(FireProposal))
    assert proposal.inspection_id == inspection.id and proposal.threshold == 3
    assert [line.split()[0] for line in proposal.element_lines] == failed
    # The C findings stay general hazards until the supervisor decides.
    assert {h.level for h in inspection.hazards} == {"general"}


def test_two_items_of_one_element_count_once():
    def item(code, element, major="C"):
        return SimpleNamespace(code=code, element=element, major=major, requirement="要求")
    rules = combination.places()
    crowded = {"ALL", "PDP"}
    twice = [item("A-1", "exits"), item("A-2", "exits"), item("A-3", "hydrant"),
             item("A-4", "", "Y"), item("A-5", "", "N")]
    finding = combination.count(twice, crowded, rules)
    assert finding.elements == ("A-1 要求", "A-3 要求") and not finding.met
    finding = combination.count([*twice, item("A-6", "fire-lane")], crowded, rules)
    assert len(finding.elements) == 3 and finding.met


def test_supervisor_accepts_one_major_fire_hazard(crowded, client, login):
    site, supervisor = crowded
    _inspect(site, supervisor, 4)
    proposal = db.session.scalar(select(FireProposal))
    login(supervisor)
    page = client.get("/checklists/proposals").text
    assert site.name in page and proposal.element_lines[0] in page
    before = db.session.scalar(select(func.count(Hazard.id)))
    # No reason: refused, nothing changes.
    resp = client.post(f"/checklists/proposals/{proposal.id}", data={"decision": "accept"})
    assert resp.status_code == 422
    # A decision that is neither button, or a note its column cannot hold: refused too.
    for data in ({"decision": "maybe", "note": "x"}, {"decision": "accept", "note": "x" * 4001}):
        assert client.post(f"/checklists/proposals/{proposal.id}", data=data).status_code == 422
    db.session.expire_all()
    assert db.session.get(FireProposal, proposal.id).status == "proposed"
    assert db.session.scalar(select(func.count(Hazard.id))) == before
    resp = client.post(f"/checklists/proposals/{proposal.id}",
                       data={"decision": "accept", "note": "三人集体讨论，认定构成"})
    assert resp.status_code in (302, 303)
    db.session.expire_all()
    proposal = db.session.get(FireProposal, proposal.id)
    hazard = db.session.get(Hazard, proposal.hazard_id)
    assert (proposal.status, hazard.level, hazard.regime) == ("accepted", "major", "fire")
    assert hazard.judgement.startswith("GB 35181-2025") and "第6章" in hazard.judgement
    assert db.session.scalar(select(func.count(Hazard.id))) == before + 1
    # Deciding again (double tap, second supervisor) changes nothing.
    client.post(f"/checklists/proposals/{proposal.id}", data={"decision": "decline", "note": "x"})
    db.session.expire_all()
    assert db.session.get(FireProposal, proposal.id).status == "accepted"
    assert db.session.scalar(select(func.count(Hazard.id))) == before + 1


def test_decline_makes_no_hazard_and_inspectors_cannot_decide(crowded, client, login):
    site, supervisor = crowded
    _inspect(site, supervisor, 3)
    proposal = db.session.scalar(select(FireProposal))
    login(make_user("inspector"))
    assert client.get("/checklists/proposals").status_code == 403
    assert client.post(f"/checklists/proposals/{proposal.id}",
                       data={"decision": "accept", "note": "x"}).status_code == 403
    client.post("/auth/logout")
    login(supervisor)
    client.post(f"/checklists/proposals/{proposal.id}",
                data={"decision": "decline", "note": "可当场改正，不判定"})
    db.session.expire_all()
    proposal = db.session.get(FireProposal, proposal.id)
    assert proposal.status == "declined" and proposal.hazard_id is None


def test_thresholds_are_data_and_a_zone_can_override_them(app, ctx):
    site = make_site(site_type="MECH", features="LABOR")
    rules = combination.places()
    assert combination.place_for(site.checklist_codes, rules).kind == "labour"
    assert combination.place_for(make_site(site_type="MECH").checklist_codes, rules).threshold == 6
    app.config["FIRE_COMBINATION_THRESHOLDS"] = {"other": 2}
    try:
        _inspect(make_site(grid=make_grid(), site_type="MECH"), make_user("supervisor"), 2,
                 slug="ent-gm-general")
        assert _proposals() == 1
    finally:
        app.config.pop("FIRE_COMBINATION_THRESHOLDS")


def test_elder_care_elements_of_the_2025_list_count_under_the_crowded_rule(ctx):
    site = make_site(site_type="PDP", features="ELDER")
    supervisor = make_user("supervisor")
    place = combination.place_for(site.checklist_codes, combination.places())
    assert place.kind == "crowded" and place.threshold == 3
    _inspect(site, supervisor, 2, slug="ent-fire-places")
    assert _proposals() == 0
    _inspect(site, supervisor, 3, slug="ent-fire-places")
    proposal = db.session.scalar(select(FireProposal))
    assert [line.split()[0] for line in proposal.element_lines] == ["FP-02", "FP-03", "FP-04"]


def test_a_filling_station_is_a_flammable_place(ctx):
    site = make_site(site_type="HAZ", haz_modes="TRADE", features="FUEL")
    assert combination.place_for(site.checklist_codes, combination.places()).kind == "flammable"
