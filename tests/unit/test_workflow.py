"""The workflow table, cell by cell: every (state, actor, action), pure and fast (no database).

The expected table below is written out independently of `workflow.RULES`, as the rules read
in the plan: a change to who may do what must change both.
"""

import pytest

from inspect_app.hazards import workflow
from inspect_app.hazards.workflow import Action, Actor, Facts, Level, Source, State

GRID, OTHER_GRID, SITE, OTHER_SITE = 7, 8, 11, 12
ACTORS = {
    "supervisor": Actor(1, "supervisor"),
    "admin": Actor(2, "admin"),
    "inspector": Actor(3, "inspector", grid_ids=frozenset({GRID})),
    "far_inspector": Actor(4, "inspector", grid_ids=frozenset({OTHER_GRID})),
    "staff": Actor(5, "enterprise", site_id=SITE),
    "other_staff": Actor(6, "enterprise", site_id=OTHER_SITE),
    "worker": Actor(7, "worker", site_id=SITE),
    "safety": Actor(8, "enterprise", site_id=SITE, position="safety_manager"),
    "principal": Actor(9, "enterprise", site_id=SITE, position="principal"),
    "other_lead": Actor(10, "enterprise", site_id=OTHER_SITE, position="principal"),
}
SUPERVISORS = {"supervisor", "admin"}
CHECKERS = SUPERVISORS | {"inspector"}
STAFF = {"staff", "safety", "principal"}
# The enterprise's principal and safety manager: they run its own loop (plan §二(四)12).
LEADS = {"safety", "principal"}
OPEN = {State.REPORTED, State.CONFIRMED, State.RECTIFYING, State.SUBMITTED}
FIXING = {State.CONFIRMED, State.RECTIFYING, State.SUBMITTED}
ANY = set(State)

# action: (from which states, who) -- before the facts about extensions/supervisions/referrals.
EXPECTED = {
    Action.CONFIRM: ({State.REPORTED}, SUPERVISORS),
    Action.REJECT: ({State.REPORTED}, SUPERVISORS),
    Action.START: ({State.CONFIRMED}, STAFF),
    Action.SUBMIT: ({State.CONFIRMED, State.RECTIFYING}, STAFF),
    Action.VERIFY: ({State.SUBMITTED}, CHECKERS),
    Action.RETURN: ({State.SUBMITTED}, CHECKERS),
    Action.FIX_ON_SPOT: ({State.REPORTED}, CHECKERS),
    Action.REQUEST_EXTENSION: (FIXING, STAFF),
    Action.APPROVE_EXTENSION: (ANY, SUPERVISORS),
    Action.REFUSE_EXTENSION: (ANY, SUPERVISORS),
    Action.SUPERVISE: (OPEN, SUPERVISORS),
    Action.LIFT_SUPERVISION: (ANY, SUPERVISORS),
    Action.DECLINE_SUPERVISION: (ANY, SUPERVISORS),
    Action.REFER: (ANY, SUPERVISORS),
    Action.FILE_REFERRAL: (ANY, SUPERVISORS),
    Action.CLOSE_REFERRAL: (ANY, SUPERVISORS),
    Action.STOP_WORK: (FIXING, SUPERVISORS),
    Action.ASSESS: ({State.RECTIFYING, State.SUBMITTED}, STAFF),
    Action.APPLY_RESUME: ({State.RECTIFYING, State.SUBMITTED}, STAFF),
}
# 16号令 第23条: a major hazard is reviewed and written off by the authority, never a grid
# inspector; the close-out steps exist for major hazards only.
MAJOR_WHO = {Action.VERIFY: SUPERVISORS, Action.RETURN: SUPERVISORS}
# A general hazard the enterprise found itself (its self-check, a worker's report) is confirmed
# and verified inside it by its safety leads as well; the zone may still step in. Only the zone
# rejects a finding.
OWN_SOURCES = {Source.SELF_CHECK, Source.WORKER}
OWN_LOOP_WHO = {Action.CONFIRM: SUPERVISORS | LEADS, Action.VERIFY: CHECKERS | LEADS,
                Action.RETURN: CHECKERS | LEADS}
MAJOR_ONLY = {Action.STOP_WORK, Action.ASSESS, Action.APPLY_RESUME}
TARGETS = {Action.CONFIRM: State.CONFIRMED, Action.REJECT: State.REJECTED,
           Action.START: State.RECTIFYING, Action.SUBMIT: State.SUBMITTED,
           Action.VERIFY: State.CLOSED, Action.RETURN: State.RECTIFYING,
           Action.FIX_ON_SPOT: State.CLOSED}
# The subject each side-action needs (kind, id, status), and what blocks it.
SUBJECT = {Action.APPROVE_EXTENSION: ("extensions", 21, "pending"),
           Action.REFUSE_EXTENSION: ("extensions", 21, "pending"),
           Action.LIFT_SUPERVISION: ("supervisions", 31, "active"),
           Action.DECLINE_SUPERVISION: ("supervisions", 31, "proposed"),
           Action.FILE_REFERRAL: ("referrals", 41, "referred"),
           Action.CLOSE_REFERRAL: ("referrals", 41, "filed")}
BLOCKED_BY = {Action.REQUEST_EXTENSION: ("extensions", 22, "pending"),
              Action.SUPERVISE: ("supervisions", 32, "active")}


@pytest.fixture(autouse=True)
def _clean():
    """Nothing here touches the database: skip the per-test wipe (it would cost a minute)."""
    yield


def facts(state, level=Level.GENERAL, submitted_by=None, source=Source.PATROL,
          **subjects) -> Facts:
    """A hazard whose close-out papers are in order (report, assessment), so only the table
    decides; stop-work is on for the step that needs it."""
    subjects.setdefault("report_complete", True)
    subjects.setdefault("assessed", True)
    return Facts(status=state, level=level, site_id=SITE, grid_id=GRID,
                 submitted_by=submitted_by, source=source, **subjects)


def with_subject(state, action, level=Level.GENERAL, status=None,
                 source=Source.PATROL) -> tuple[Facts, int | None]:
    """Facts in which the action's subject (if it has one) is in the status it needs."""
    if action not in SUBJECT:
        return facts(state, level, source=source, stop_work=action == Action.APPLY_RESUME), None
    kind, subject_id, needed = SUBJECT[action]
    return facts(state, level, source=source,
                 **{kind: ((subject_id, status or needed),)}), subject_id


def who_may(action, level, source) -> set[str]:
    """The expected actors for the action, by the hazard's level and who found it."""
    states, who = EXPECTED[action]
    if level == Level.MAJOR:
        return MAJOR_WHO.get(action, who)
    return OWN_LOOP_WHO.get(action, who) if source in OWN_SOURCES else who


def test_the_table_covers_every_action_and_only_transitions_change_state():
    assert set(workflow.RULES) == set(Action) == set(EXPECTED)
    assert set(TARGETS) == workflow.TRANSITIONS


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("state", list(State))
def test_grid(state, actor, action):
    states = EXPECTED[action][0]
    for level in Level:
        for source in Source:
            who = who_may(action, level, source)
            f, subject = with_subject(state, action, level, source=source)
            expected = (state in states and actor in who
                        and not (action == Action.FIX_ON_SPOT and level != Level.GENERAL)
                        and not (action in MAJOR_ONLY and level != Level.MAJOR))
            assert workflow.can(action, ACTORS[actor], f, subject) == expected, (level, source)
            assert ((action, subject) in workflow.allowed_actions(ACTORS[actor], f)) == expected
            if expected:
                target = workflow.apply(action, ACTORS[actor], f, subject, note="why", photos=1)
                assert target == TARGETS.get(action, state)
            else:
                with pytest.raises(workflow.TransitionError) as err:
                    workflow.apply(action, ACTORS[actor], f, subject, note="why", photos=1)
                # The first condition that fails names the refusal: state, then who, then level.
                code = "state" if state not in states else "who" if actor not in who else "level"
                assert err.value.code == code and err.value.action == action


@pytest.mark.parametrize("source", sorted(OWN_SOURCES))
@pytest.mark.parametrize("action", [Action.VERIFY, Action.RETURN])
def test_in_the_own_loop_the_rectifier_never_verifies(action, source):
    """The safety manager who rectified cannot close it; the principal (or the zone) can."""
    safety, principal = ACTORS["safety"], ACTORS["principal"]
    f = facts(State.SUBMITTED, submitted_by=safety.id, source=source)
    assert not workflow.can(action, safety, f)
    with pytest.raises(workflow.TransitionError) as err:
        workflow.apply(action, safety, f, note="why")
    assert (err.value.code, err.value.detail) == ("who", "own_work")
    assert workflow.can(action, principal, f) and workflow.can(action, ACTORS["supervisor"], f)
    # The same hazard found by the zone is the zone's to verify.
    patrol = facts(State.SUBMITTED, submitted_by=safety.id, source=Source.PATROL)
    assert not workflow.can(action, principal, patrol)


@pytest.mark.parametrize("actor,levels", [
    ("supervisor", {Level.GENERAL, Level.MAJOR}), ("admin", {Level.GENERAL, Level.MAJOR}),
    ("safety", {Level.GENERAL}), ("principal", {Level.GENERAL}),
])
def test_only_the_zone_grades_a_confirmation_major(actor, levels):
    f = facts(State.REPORTED, source=Source.WORKER)
    assert set(workflow.confirm_levels(ACTORS[actor], f)) == levels
    for level in Level:
        if level in levels:
            assert workflow.apply(Action.CONFIRM, ACTORS[actor], f, level=level) == State.CONFIRMED
        else:
            with pytest.raises(workflow.TransitionError) as err:
                workflow.apply(Action.CONFIRM, ACTORS[actor], f, level=level)
            assert (err.value.code, err.value.detail) == ("who", "grade")


@pytest.mark.parametrize("action", [Action.VERIFY, Action.RETURN])
def test_nobody_verifies_their_own_rectification(action):
    inspector = ACTORS["inspector"]
    f = facts(State.SUBMITTED, submitted_by=inspector.id)
    assert not workflow.can(action, inspector, f)
    with pytest.raises(workflow.TransitionError) as err:
        workflow.apply(action, inspector, f, note="why")
    assert (err.value.code, err.value.detail) == ("who", "own_work")
    assert workflow.can(action, ACTORS["supervisor"], f)


@pytest.mark.parametrize("action", list(SUBJECT))
def test_side_actions_need_their_subject_in_the_right_status(action):
    sup = ACTORS["supervisor"]
    kind, subject_id, needed = SUBJECT[action]
    for status in {"pending", "approved", "refused", "active", "proposed", "lifted", "declined",
                   "referred", "filed", "closed"} - {needed}:
        f, _ = with_subject(State.RECTIFYING, action, status=status)
        allowed = action == Action.CLOSE_REFERRAL and status == "referred"  # closed without filing
        assert workflow.can(action, sup, f, subject_id) == allowed, status
        if not allowed:
            with pytest.raises(workflow.TransitionError) as err:
                workflow.apply(action, sup, f, subject_id)
            assert (err.value.code, err.value.detail) == ("state", "subject")
    f, _ = with_subject(State.RECTIFYING, action)
    assert not workflow.can(action, sup, f, subject_id + 1)  # another hazard's, or none
    assert not workflow.can(action, sup, f, None)


@pytest.mark.parametrize("action", list(BLOCKED_BY))
def test_one_pending_extension_and_one_active_supervision_at_a_time(action):
    who = ACTORS["staff" if action == Action.REQUEST_EXTENSION else "supervisor"]
    kind, subject_id, status = BLOCKED_BY[action]
    assert workflow.can(action, who, facts(State.RECTIFYING))
    blocked = facts(State.RECTIFYING, **{kind: ((subject_id, status),)})
    assert not workflow.can(action, who, blocked)
    assert action not in [a for a, _ in workflow.allowed_actions(who, blocked)]
    with pytest.raises(workflow.TransitionError) as err:
        workflow.apply(action, who, blocked)
    assert (err.value.code, err.value.detail) == ("state", "exists")
    # A decided request or a lifted supervision does not block a new one.
    done = facts(State.RECTIFYING, **{kind: ((subject_id, "refused" if kind == "extensions"
                                                 else "lifted"),)})
    assert workflow.can(action, who, done)


@pytest.mark.parametrize("action,note,photos,code", [
    (Action.REJECT, " ", 0, "note"), (Action.RETURN, "", 0, "note"),
    (Action.SUBMIT, "done", 0, "photo"), (Action.FIX_ON_SPOT, "", 0, "photo"),
])
def test_input_the_step_needs(action, note, photos, code):
    actor = {Action.REJECT: "supervisor", Action.RETURN: "inspector", Action.SUBMIT: "staff",
             Action.FIX_ON_SPOT: "inspector"}[action]
    state = next(iter(EXPECTED[action][0]))
    f = facts(state)
    assert workflow.can(action, ACTORS[actor], f)  # open to them; only the input is missing
    with pytest.raises(workflow.TransitionError) as err:
        workflow.apply(action, ACTORS[actor], f, note=note, photos=photos)
    assert err.value.code == code


def test_offers_list_one_entry_per_subject():
    sup = ACTORS["supervisor"]
    f = facts(State.RECTIFYING, referrals=((41, "referred"), (42, "filed"), (43, "closed")))
    offers = workflow.allowed_actions(sup, f)
    assert [o for o in offers if o[1] is not None] == [
        (Action.FILE_REFERRAL, 41), (Action.CLOSE_REFERRAL, 41), (Action.CLOSE_REFERRAL, 42)]
    assert {a for a, s in offers if s is None} == {Action.SUPERVISE, Action.REFER}


def test_every_refusal_has_a_message_and_status(app):
    """The lifecycle maps each (action, code) the workflow can raise to words and a status."""
    from inspect_app.hazards import lifecycle
    codes = {"state": 409, "level": 409, "who": 403, "note": 422, "photo": 422, "closeout": 409}
    with app.test_request_context():
        for action in Action:
            for code, status in codes.items():
                for detail in ("", "own_work", "grade", "subject", "exists", "late", "no_stop",
                               "report", "assessment", "resume"):
                    error = lifecycle.refusal(workflow.TransitionError(code, action, detail),
                                              facts(State.CLOSED))
                    assert error.message and error.status in (status, 404)
