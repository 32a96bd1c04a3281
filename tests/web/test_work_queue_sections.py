"""待我处理: each role's work queue on its home page, scoped to what the user may see, with
its count in the bar, read in a fixed number of statements."""

import re
from datetime import timedelta

import pytest

from inspect_app.extensions import db
from inspect_app.hazards.models import Extension, HazardEvent, Referral, Supervision
from inspect_app.shifts.models import CheckIn, Meeting, Team
from inspect_app.timeutil import local_today, utcnow
from tests.conftest import HX
from tests.factories import make_grid, make_hazard, make_site, make_user
from tests.web.test_statement_counts import statements


def _ids(html: str, section: str) -> list[int]:
    """The ids shown in one section of the queue (its rows' "#id")."""
    block = re.search(rf'<section class="work-section" id="work-{section}">(.*?)</section>',
                      html, re.S)
    return [int(i) for i in re.findall(r"#(\d+) ·", block.group(1))] if block else []


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="work-section" id="work-([a-z_]+)">', html)


def _bar_count(html: str) -> int | None:
    m = re.search(r'<span class="badge" id="work-count">(\d+)</span>', html)
    return int(m.group(1)) if m else None


def _extension(hazard, user, status="pending"):
    ext = Extension(hazard_id=hazard.id, requested_by_id=user.id, reason="等配件",
                    old_deadline=hazard.deadline, new_deadline=hazard.deadline + timedelta(days=7),
                    status=status)
    db.session.add(ext)
    db.session.commit()
    return ext


@pytest.fixture
def zone(ctx):
    """Two enterprises in two grids, an inspector of the first grid, their staff."""
    g1, g2 = make_grid(), make_grid()
    a, b = make_site(g1), make_site(g2)
    return {"g1": g1, "g2": g2, "a": a, "b": b,
            "supervisor": make_user("supervisor"), "admin": make_user("admin"),
            "inspector": make_user("inspector", grids=[g1]),
            "boss_a": make_user("enterprise", site=a, position="principal"),
            "staff_a": make_user("enterprise", site=a, position="safety_manager"),
            "boss_b": make_user("enterprise", site=b, position="principal")}


def test_supervisor_sees_each_section_with_its_rows_and_the_count(client, login, zone):
    z = zone
    confirm = make_hazard(z["a"], "通道堵塞")
    report = make_hazard(z["b"], "群众举报：电线裸露", source="public")
    fixing = make_hazard(z["a"], "灭火器过期", status="rectifying")
    ext = _extension(fixing, z["staff_a"])
    decided = make_hazard(z["a"], "已决定", status="rectifying")
    _extension(decided, z["staff_a"], status="approved")
    major = make_hazard(z["b"], "粉尘涉爆", level="major", status="submitted")
    general_submitted = make_hazard(z["a"], "一般待复查", status="submitted")
    proposed = make_hazard(z["b"], "逾期重大", level="major", status="rectifying")
    db.session.add(Supervision(hazard_id=proposed.id, status="proposed"))
    referred = make_hazard(z["a"], "拒不整改", status="rectifying")
    db.session.add(Referral(hazard_id=referred.id, site_id=z["a"].id, department="执法大队",
                            measure="fine", referred_by_id=z["supervisor"].id))
    closed = make_hazard(z["a"], "已销号", status="closed")
    db.session.commit()
    login(z["supervisor"])
    home = client.get("/").text
    assert _sections(home) == ["confirm", "extensions", "majors", "proposals", "cases", "reports"]
    assert _ids(home, "confirm") == [confirm.id]
    assert _ids(home, "reports") == [report.id]
    assert _ids(home, "extensions") == [fixing.id]
    assert _ids(home, "majors") == [major.id]  # a general one is the inspectors' to verify
    assert _ids(home, "proposals") == [proposed.id]
    assert _ids(home, "cases") == [referred.id]
    assert all(h.id not in re.findall(r"#(\d+) ·", home)
               for h in (decided, general_submitted, closed))
    assert f"/hazards/{fixing.id}#status-panel" in home and ext.reason in home
    assert _bar_count(home) == 6
    # Elsewhere the bar counts the same, and the queue's own page lists the same rows.
    assert _bar_count(client.get("/hazards/").text) == 6
    work = client.get("/work/").text
    assert _ids(work, "extensions") == [fixing.id] and _bar_count(work) == 6


def test_rows_show_item_code_requirement_found_date_id_and_source(client, login, zone):
    from inspect_app.checklists.models import ChecklistItem
    item = db.session.scalar(db.select(ChecklistItem).limit(1))
    hazard = make_hazard(zone["a"], "现场发现问题，已当场告知负责人", item_id=item.id)
    login(zone["supervisor"])
    row = re.search(rf'<li class="work-row[^"]*" id="work-confirm-{hazard.id}">(.*?)</li>',
                    client.get("/").text, re.S).group(1)
    assert item.code in row and item.requirement[:20] in row
    assert "现场发现问题" in row  # what the inspector wrote, beside the item
    assert f"#{hazard.id}" in row and hazard.found_on.isoformat() in row
    assert "网格巡查" in row  # the source through labels.py, in Chinese


def test_under_supervision_only_the_supervising_office_decides_the_extension(
        client, login, zone):
    """Membership is the workflow's: an admin decides extensions, except under 督办."""
    z = zone
    plain = make_hazard(z["a"], "普通", status="rectifying")
    watched = make_hazard(z["a"], "督办中", level="major", status="rectifying")
    db.session.add(Supervision(hazard_id=watched.id, status="active"))
    db.session.commit()
    _extension(plain, z["staff_a"])
    _extension(watched, z["staff_a"])
    login(z["admin"])
    assert _ids(client.get("/").text, "extensions") == [plain.id]
    login(z["supervisor"])
    assert _ids(client.get("/").text, "extensions") == [plain.id, watched.id]


def test_enterprise_sections_and_another_enterprise_never_appears(client, login, zone):
    z = zone
    mine = make_hazard(z["a"], "护栏缺失", status="confirmed")
    back = make_hazard(z["a"], "整改不到位", status="rectifying")
    for action, to in (("submit", "submitted"), ("return", "rectifying")):
        db.session.add(HazardEvent(hazard_id=back.id, actor_id=z["staff_a"].id, action=action,
                                   from_status="rectifying", to_status=to))
    major = make_hazard(z["a"], "重大隐患", level="major", status="confirmed",
                        report_state_cause="已写")
    theirs = [make_hazard(z["b"], "别家的", status="confirmed"),
              make_hazard(z["b"], "别家重大", level="major", status="confirmed")]
    team = Team(site_id=z["a"].id, name="一班", shifts="早班", leader_id=z["staff_a"].id)
    db.session.add(team)
    db.session.flush()
    worker = make_user("worker", site=z["a"])
    meeting = Meeting(team_id=team.id, day=local_today(), shift="早班",
                      opened_by_id=z["staff_a"].id)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(CheckIn(meeting_id=meeting.id, user_id=worker.id, decision="stop",
                           stop_reason="设备异响", recorded_by_id=worker.id))
    db.session.commit()
    login(z["boss_a"])
    home = client.get("/enterprise/").text
    keys = _sections(home)
    assert keys[:3] == ["rectify", "sent_back", "written_reports"]
    assert "statistics" in keys and "stops" in keys
    assert _ids(home, "rectify") == [mine.id, major.id]
    assert _ids(home, "sent_back") == [back.id]
    assert _ids(home, "written_reports") == [major.id]
    assert f"/enterprise/hazards/{major.id}/report" in home
    assert "设备异响" in home and "一班" in home
    assert all(f"#{h.id} ·" not in home for h in theirs)
    assert _bar_count(home) == sum(int(n) for n in re.findall(
        r'<h3>[^<]*<span class="muted">\((\d+)\)</span>', home))
    # Only the principal signs the statistics; the safety manager is not asked to.
    login(z["staff_a"])
    assert "statistics" not in _sections(client.get("/enterprise/").text)
    # The other enterprise sees its own, none of these.
    login(z["boss_b"])
    other = client.get("/enterprise/").text
    assert _ids(other, "rectify") == [theirs[0].id, theirs[1].id]
    assert all(f"#{h.id} ·" not in other for h in (mine, back, major))
    assert "stops" not in _sections(other)


def test_inspector_sees_sites_due_and_rectifications_to_verify_in_their_grids(
        client, login, zone):
    z = zone
    verify = make_hazard(z["a"], "待复查", status="submitted")
    make_hazard(z["b"], "别的网格", status="submitted")
    make_hazard(z["a"], "重大的由监管复查", level="major", status="submitted")
    login(z["inspector"])
    home = client.get("/").text
    assert _sections(home) == ["sites", "verify"]
    assert _ids(home, "verify") == [verify.id]
    sites = re.search(r'id="work-sites">(.*?)</section>', home, re.S).group(1)
    assert z["a"].name in sites and z["b"].name not in sites
    assert _bar_count(home) == 2


def test_no_one_verifies_a_rectification_they_submitted_last(client, login, zone):
    """An inspector (or zone staff) who submitted a hazard's current rectification is not
    offered its verification; a later submission by someone else brings it back."""
    z = zone
    theirs = make_hazard(z["a"], "自己提交的整改", status="submitted")
    other = make_hazard(z["a"], "企业提交的整改", status="submitted")

    def submit(hazard, user):
        db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, action="submit",
                                   from_status="rectifying", to_status="submitted"))
        db.session.commit()

    submit(theirs, z["inspector"])
    submit(other, z["staff_a"])
    submit(other, z["inspector"])
    submit(other, z["staff_a"])  # submitted again, by the enterprise: the latest counts
    login(z["inspector"])
    assert _ids(client.get("/").text, "verify") == [other.id]
    assert re.findall(r"#(\d+) ·", client.get("/work/verify").text) == [str(other.id)]
    submit(theirs, z["staff_a"])
    assert _ids(client.get("/").text, "verify") == [theirs.id, other.id]


def test_deciding_an_extension_takes_it_off_the_queue(client, login, zone):
    fixing = make_hazard(zone["a"], "灭火器过期", status="rectifying")
    ext = _extension(fixing, zone["staff_a"])
    login(zone["supervisor"])
    assert _ids(client.get("/").text, "extensions") == [fixing.id]
    resp = client.post(f"/hazards/{fixing.id}/extension/{ext.id}/approve", data={"note": "同意"})
    assert resp.status_code == 302
    home = client.get("/").text
    assert "extensions" not in _sections(home) and _bar_count(home) is None


def _oob_count(html: str) -> int | None:
    """The bar's count an htmx reply swaps out of band (0: the link without a badge)."""
    m = re.search(r'<a [^>]*id="work-link"[^>]*hx-swap-oob="true"[^>]*>(.*?)</a>', html, re.S)
    if m is None:
        return None
    badge = re.search(r'<span class="badge" id="work-count">(\d+)</span>', m.group(1))
    return int(badge.group(1)) if badge else 0


def test_an_htmx_decision_carries_the_bars_new_count_out_of_band(client, login, zone):
    first, second = (make_hazard(zone["a"], f"灭火器过期{n}", status="rectifying")
                     for n in range(2))
    ext1, ext2 = _extension(first, zone["staff_a"]), _extension(second, zone["staff_a"])
    login(zone["supervisor"])
    assert _bar_count(client.get(f"/hazards/{first.id}").text) == 2
    assert _oob_count(client.get(f"/hazards/{first.id}", headers=HX).text) is None  # a GET
    resp = client.post(f"/hazards/{first.id}/extension/{ext1.id}/approve", data={"note": "同意"},
                       headers=HX)
    assert resp.status_code == 200 and 'id="status-panel"' in resp.text
    assert _oob_count(resp.text) == 1 and resp.text.count('id="work-link"') == 1
    resp = client.post(f"/hazards/{second.id}/extension/{ext2.id}/refuse",
                       data={"note": "不同意"}, headers=HX)
    assert resp.status_code == 200 and _oob_count(resp.text) == 0  # the badge goes
    # A plain form POST redirects; the next full page has the bar, never a second copy.
    page = client.get(f"/hazards/{second.id}").text
    assert page.count('id="work-link"') == 1 and _oob_count(page) is None
    assert _bar_count(page) is None


def test_a_refused_htmx_action_carries_no_count(client, login, zone):
    fixing = make_hazard(zone["a"], "灭火器过期", status="rectifying")
    ext = _extension(fixing, zone["staff_a"])
    login(zone["supervisor"])
    resp = client.post(f"/hazards/{fixing.id}/extension/{ext.id}/refuse", data={"note": ""},
                       headers=HX)
    assert resp.status_code >= 400 and _oob_count(resp.text) is None
    db.session.expire_all()
    assert db.session.get(Extension, ext.id).status == "pending"
    assert _bar_count(client.get("/").text) == 1


def test_a_long_section_shows_a_page_and_links_to_its_full_list(client, login, zone):
    from inspect_app.home import queue
    hazards = [make_hazard(zone["a"], f"隐患{n}") for n in range(queue.PAGE + 2)]
    login(zone["supervisor"])
    home = client.get("/").text
    assert _ids(home, "confirm") == [h.id for h in hazards[:queue.PAGE]]
    assert "/work/confirm" in home and f"({len(hazards)})" in home
    full = client.get("/work/confirm").text
    assert [int(i) for i in re.findall(r"#(\d+) ·", full)] == [h.id for h in hazards]


def test_the_full_list_pages_by_key_and_more_is_a_fragment(client, login, zone, monkeypatch):
    from inspect_app.home import queue
    monkeypatch.setattr(queue, "FULL_PAGE", 2)
    hazards = [make_hazard(zone["a"], f"隐患{n}") for n in range(3)]
    login(zone["supervisor"])
    first = client.get("/work/confirm")
    assert [int(i) for i in re.findall(r"#(\d+) ·", first.text)] == [hazards[0].id, hazards[1].id]
    more = f"/work/confirm?after={hazards[1].id}"
    assert more.replace("?", "?") in first.text.replace("&amp;", "&")
    frag = client.get(more, headers=HX)
    assert frag.text.lstrip().startswith('<li class="work-row')  # only the rows, no page
    assert [int(i) for i in re.findall(r"#(\d+) ·", frag.text)] == [hazards[2].id]
    assert "HX-Request" in frag.headers["Vary"]
    # A boosted request gets the whole page.
    assert "<html" in client.get(more, headers={**HX, "HX-Boosted": "true"}).text


def test_work_page_fragment_is_the_queue_block(client, login, zone):
    make_hazard(zone["a"], "通道堵塞")
    login(zone["supervisor"])
    frag = client.get("/work/", headers=HX).text
    assert frag.lstrip().startswith('<section class="card work-queue" id="work-queue">')
    assert "<html" not in frag


@pytest.mark.parametrize("role", ["worker"])
def test_roles_without_a_queue_get_no_count_and_no_sections(client, login, zone, role):
    login(make_user(role, site=zone["a"]))
    page = client.get("/").text
    assert 'id="work-count"' not in page and "work-queue" not in page
    assert client.get("/work/confirm").status_code == 404


def test_a_section_of_another_role_is_not_found(client, login, zone):
    login(zone["boss_a"])
    assert client.get("/work/extensions").status_code == 404
    assert client.get("/work/rectify?after=abc").status_code == 200  # a bad key is ignored


def _home_statements(client, url) -> int:
    client.get(url)
    db.session.expunge_all()
    with statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def _fill_supervisor_queue(ids, n):
    from inspect_app.models import Site, User
    # Fresh copies: a statement count empties the session between the fills.
    z = {"a": db.session.get(Site, ids["a"]), "b": db.session.get(Site, ids["b"]),
         "staff_a": db.session.get(User, ids["staff_a"]),
         "supervisor": db.session.get(User, ids["supervisor"])}
    for _ in range(n):
        make_hazard(z["a"], "待确认")
        make_hazard(z["a"], "群众举报", source="public")
        fixing = make_hazard(z["a"], "待延期", status="rectifying")
        _extension(fixing, z["staff_a"])
        make_hazard(z["b"], "重大待核销", level="major", status="submitted")
        proposed = make_hazard(z["b"], "督办建议", level="major", status="rectifying")
        db.session.add(Supervision(hazard_id=proposed.id, status="proposed"))
        db.session.add(Referral(hazard_id=fixing.id, site_id=z["a"].id, department="执法",
                                measure="fine", referred_by_id=z["supervisor"].id))
        db.session.commit()


def test_supervisor_home_reads_its_queue_in_a_fixed_number_of_statements(client, login, zone):
    ids = {k: v.id for k, v in zone.items()}
    login(zone["supervisor"])
    _fill_supervisor_queue(ids, 1)
    few = _home_statements(client, "/")
    _fill_supervisor_queue(ids, 4)
    more = _home_statements(client, "/")
    assert more == few, f"{few} statements with one row per section, {more} with five"
    # The user, the rectifications they submitted last (none: left out of what they verify),
    # the counts, the six sections' rows with the majors' reviews and the requests, cases and
    # 督办 they list (one statement), the sites due (two parts), the bar's unread
    # notifications (the hazard queue's cards load apart).
    assert more <= 7


def test_enterprise_home_reads_its_queue_in_a_fixed_number_of_statements(client, login, zone):
    z = zone
    login(z["boss_a"])

    site_id = z["a"].id

    def fill(n):
        from inspect_app.models import Site
        site = db.session.get(Site, site_id)
        for _ in range(n):
            make_hazard(site, "待整改", status="confirmed")
            make_hazard(site, "重大", level="major", status="confirmed")
    fill(1)
    few = _home_statements(client, "/enterprise/")
    fill(4)
    assert _home_statements(client, "/enterprise/") == few


def test_the_bar_count_is_one_statement_on_other_pages(client, login, zone):
    """The bar's count is asked once, in one statement, on a page that does not show the
    queue; a fragment does not ask it at all."""
    _fill_supervisor_queue({k: v.id for k, v in zone.items()}, 2)
    login(zone["supervisor"])
    client.get("/hazards/")
    db.session.expunge_all()
    with statements() as seen:
        client.get("/hazards/")
    assert sum("count(" in s.lower() and "supervisions" in s for s in seen) == 1
    with statements() as seen:
        client.get("/hazards/?level=major", headers=HX)
    assert not any("extensions" in s for s in seen)


def test_the_enterprises_own_loop_is_its_work_not_the_zones(client, login, zone):
    """A worker's report is the enterprise's to confirm (workflow: its own loop), and its
    rectification the other safety lead's to verify, never the submitter's."""
    z = zone
    report = make_hazard(z["a"], "工人报告：护栏松动", source="worker")
    fixed = make_hazard(z["a"], "自查：灭火器缺压", source="self_check", status="submitted")
    db.session.add(HazardEvent(hazard_id=fixed.id, actor_id=z["staff_a"].id, action="submit",
                               from_status="rectifying", to_status="submitted"))
    db.session.commit()
    login(z["boss_a"])
    home = client.get("/enterprise/").text
    assert _ids(home, "enterprise_confirm") == [report.id]
    assert _ids(home, "verify") == [fixed.id]
    login(z["staff_a"])  # submitted it: may not verify it
    assert _ids(client.get("/enterprise/").text, "verify") == []
    login(z["supervisor"])
    assert "reports" not in _sections(client.get("/").text)


def test_a_worker_report_waits_for_the_zone_where_no_one_runs_the_enterprises_loop(
        client, login, zone):
    z = zone
    make_user("enterprise", site=z["b"], position="staff")  # no principal, no safety manager
    z["boss_b"].active = False
    db.session.commit()
    report = make_hazard(z["b"], "工人报告：电线裸露", source="worker")
    login(z["supervisor"])
    assert _ids(client.get("/").text, "reports") == [report.id]


def test_membership_in_sql_agrees_with_the_workflow_for_every_hazard(zone):
    """The queue's SQL (home/queue.may) picks exactly the hazards on which the workflow
    offers the action, over every state, level, source and site, for every kind of user."""
    from sqlalchemy import select

    from inspect_app.access import can_see_site
    from inspect_app.hazards import workflow
    from inspect_app.hazards.lifecycle import actor_of, facts_of
    from inspect_app.hazards.models import Hazard
    from inspect_app.home import queue
    from inspect_app.sites.service import scope_by_site
    z = zone
    made = []
    for site in (z["a"], z["b"]):
        for status in sorted(workflow.ALL_STATES):
            for level in workflow.Level:
                for source in ("patrol", "self_check", "worker", "public"):
                    h = make_hazard(site, f"{status}-{level}-{source}", level=level,
                                    source=source, status=status)
                    if status == "submitted":
                        db.session.add(HazardEvent(hazard_id=h.id, actor_id=z["staff_a"].id,
                                                   action="submit", from_status="rectifying",
                                                   to_status="submitted"))
                    made.append(h)
    db.session.commit()
    users = [z["supervisor"], z["admin"], z["inspector"], z["boss_a"], z["staff_a"],
             make_user("enterprise", site=z["a"], position="staff")]
    checked = 0
    for user in users:
        actor = actor_of(user)
        for action in (workflow.Action.CONFIRM, workflow.Action.SUBMIT, workflow.Action.RETURN,
                       workflow.Action.START):
            in_sql = set(db.session.scalars(
                scope_by_site(select(Hazard.id), user, Hazard.site_id)
                .where(queue.may(user, action)), queue.params(user)))
            in_python = {h.id for h in made if can_see_site(user, h.site)
                         and workflow.can(action, actor, facts_of(h))}
            assert in_sql == in_python, (user.role, user.position, action)
            checked += len(in_python)
    assert checked > 0


def test_with_memos_on_the_bar_counts_afresh_after_the_users_own_change(
        app, client, login, zone, monkeypatch):
    from inspect_app import memo
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()
    fixing = make_hazard(zone["a"], "灭火器过期", status="rectifying")
    ext = _extension(fixing, zone["staff_a"])
    login(zone["supervisor"])
    assert _bar_count(client.get("/hazards/").text) == 1
    client.post(f"/hazards/{fixing.id}/extension/{ext.id}/refuse", data={"note": "理由不足"})
    assert _bar_count(client.get("/hazards/").text) is None
    memo.clear_all()


def test_overdue_duties_are_in_the_enterprises_queue(client, login, zone):
    """enterprise/schedule.py decides: registered a year ago and never checked, the
    principal-led check is overdue (last period missed) and shows, marked late."""
    from inspect_app.enterprise.checks import DUTY_LABELS
    from inspect_app.enterprise.schedule import Duty
    z = zone
    z["a"].created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    login(z["boss_a"])
    home = client.get("/enterprise/").text
    duties = re.search(r'id="work-duties">(.*?)</section>', home, re.S).group(1)
    row = re.search(r'<li class="work-row overdue" id="work-duties-\d+">(.*?)</li>', duties,
                    re.S)
    assert row and "#due-principal_check" in duties
    with client.application.test_request_context(headers={"Accept-Language": "zh"}):
        assert str(DUTY_LABELS[Duty.PRINCIPAL_CHECK]) in duties


def test_a_major_waiting_for_review_shows_its_review_date_and_is_late_after_it(
        client, login, zone):
    """16号令 第23条 via workflow.review_due: the review is due days after the submission."""
    from inspect_app.hazards.workflow import review_due
    major = make_hazard(zone["a"], "粉尘涉爆", level="major", status="submitted")
    submitted_at = utcnow() - timedelta(days=12)
    db.session.add(HazardEvent(hazard_id=major.id, actor_id=zone["staff_a"].id, action="submit",
                               from_status="rectifying", to_status="submitted", at=submitted_at))
    db.session.commit()
    login(zone["supervisor"])
    home = client.get("/").text
    due = review_due(local_today(submitted_at), client.application.config["MAJOR_REVIEW_DAYS"])
    row = re.search(rf'<li class="work-row overdue" id="work-majors-{major.id}">(.*?)</li>',
                    home, re.S)
    assert row and due.isoformat() in row.group(1)


def test_counts_stop_at_the_cap_and_read_as_cap_plus(client, login, zone, monkeypatch):
    """Past COUNT_CAP a section reads "N+" and the bar too: no count reads every row."""
    from inspect_app.home import queue
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    for n in range(4):
        make_hazard(zone["a"], f"通道堵塞{n}")
    login(zone["supervisor"])
    home = client.get("/").text
    assert '<span class="badge" id="work-count">2+</span>' in home
    section = re.search(r'id="work-confirm">(.*?)</section>', home, re.S).group(1)
    assert "(2+)" in section
    assert queue.counts(zone["supervisor"])["confirm"] == 3  # read no further than cap + 1
    monkeypatch.setattr(queue, "COUNT_CAP", 999)
    queue.forget(zone["supervisor"].id)
    assert _bar_count(client.get("/").text) == 4
