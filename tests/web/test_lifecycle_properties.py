"""Random sequences of actions by random people, through the real service and database.

Whatever the sequence: the service does exactly what workflow.can() allows and refuses the rest
without changing anything, the hazard is always in a legal state, every closed hazard was
verified by someone other than whoever submitted its rectification, and the event log replays
to the current state.
"""

import io
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException

from inspect_app.errors import UserError
from inspect_app.extensions import db
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import lifecycle, service, workflow
from inspect_app.hazards.workflow import Action, State
from inspect_app.models import Hazard
from inspect_app.timeutil import local_today
from tests.factories import jpeg_bytes, make_grid, make_site, make_user

PEOPLE = ("sup", "insp", "far_insp", "staff", "staff2", "other_staff", "worker")
JPEG = jpeg_bytes((64, 48))


@pytest.fixture
def cast(ctx):
    grid = make_grid()
    site = make_site(grid)
    return site, {
        "sup": make_user("supervisor"), "insp": make_user("inspector", grids=[grid]),
        "far_insp": make_user("inspector", grids=[make_grid()]),
        # The safety manager and the principal: they run the enterprise's own loop.
        "staff": make_user("enterprise", site=site, position="safety_manager"),
        "staff2": make_user("enterprise", site=site, position="principal"),
        "other_staff": make_user("enterprise", site=make_site(grid)),
        "worker": make_user("worker", site=site),
    }


def _form(n: int) -> MultiDict:
    return MultiDict({"responsible_name": "李四", "measures": "整改", "funds": "100",
                      "interim_measures": "警戒", "deadline": (local_today() + timedelta(days=5)).isoformat(),
                      "rectified_note": "已整改", "note": "说明",
                      # Fresh per example: a key already on another hazard's photo is refused.
                      "upload_key": f"prop-{uuid.uuid4().hex[:12]}-{n}"})


# Mostly people who could plausibly act, so sequences get deep; sometimes anyone at all.
LIKELY = {Action.CONFIRM: ["sup", "staff"], Action.REJECT: ["sup"],
          Action.START: ["staff", "staff2"], Action.SUBMIT: ["staff", "staff2"],
          Action.VERIFY: ["insp", "sup", "staff", "staff2"],
          Action.RETURN: ["insp", "sup", "staff2"], Action.FIX_ON_SPOT: ["insp", "sup"]}
# Weighted so that terminal shortcuts (reject, fixed on the spot) do not end most runs early.
ACTIONS = ([Action.CONFIRM] * 3 + [Action.REJECT] + [Action.START] * 2 + [Action.SUBMIT] * 3
           + [Action.VERIFY] * 3 + [Action.RETURN] * 2 + [Action.FIX_ON_SPOT])
step = st.sampled_from(ACTIONS).flatmap(lambda a: st.tuples(
    st.just(a), st.one_of(st.sampled_from(LIKELY[a]), st.sampled_from(PEOPLE)),
    st.sampled_from([True, True, True, False])))
steps = st.lists(step, min_size=4, max_size=20)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(level=st.sampled_from(["general", "major"]),
       source=st.sampled_from(["patrol", "self_check", "worker"]), sequence=steps)
def test_random_sequences_respect_the_rules(cast, level, source, sequence):
    site, people = cast
    # A general self-check or worker finding runs the enterprise's own loop.
    hazard = service.report(site_id=site.id, description="随机", level=level, source=source,
                            reporter=people["worker" if source == "worker" else "insp"])
    db.session.commit()
    hazard_id = hazard.id
    for n, (action, who, with_photo) in enumerate(sequence):
        hazard = db.session.get(Hazard, hazard_id)
        user = people[who]
        visible = who not in ("far_insp", "other_staff")
        allowed = visible and workflow.can(action, lifecycle.actor_of(user), lifecycle.facts_of(hazard))
        before = (hazard.status, hazard.version, len(hazard.events))
        files = [FileStorage(io.BytesIO(JPEG), filename="a.jpg")] if with_photo else []
        try:
            lifecycle.perform(user, hazard_id, action, hazard_forms.transition(action, _form(n)), files)
            done = True
        except (UserError, HTTPException):
            db.session.rollback()
            done = False
        hazard = db.session.get(Hazard, hazard_id)
        needs_photo = workflow.RULES[action].needs_photo
        assert done == (allowed and (with_photo or not needs_photo)), (action, who, before)
        if not done:
            assert (hazard.status, hazard.version, len(hazard.events)) == before
        assert hazard.status in set(State)
        log = [(e.from_status, e.to_status) for e in hazard.events if e.from_status != e.to_status
               or e.action == "report"]
        assert workflow.replay(log) == hazard.status
        if hazard.status == State.CLOSED:
            closing = hazard.events[-1]
            assert closing.action in (Action.VERIFY, Action.FIX_ON_SPOT)
            submitters = {e.actor_id for e in hazard.events if e.action == Action.SUBMIT}
            assert closing.actor_id not in submitters
            if closing.action == Action.FIX_ON_SPOT:
                assert hazard.level == "general"
    event(f"ended {hazard.status}")
