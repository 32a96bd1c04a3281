"""Notifications are stored as a message key and its parameters and read in the reader's
language, whoever caused them and in whatever language; rows stored before (title and body
only) still show as they were written."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from inspect_app.enterprise import reminders, standard
from inspect_app.extensions import db
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import lifecycle, messages
from inspect_app.models import Notification
from inspect_app.notifications import service
from inspect_app.notifications.messages import MESSAGES, render
from inspect_app.timeutil import local_today, utcnow
from tests.factories import log_in, make_grid, make_hazard, make_site, make_user

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
APP = Path(__file__).resolve().parents[2] / "inspect_app"
# Parameters stored as codes, put in words when rendered.
CODES = {"grade": "level3", "duty": "staff_check",
         "reasons": {"missing": ["tools"], "fit": False, "own": ""}}


def _params(key: str) -> dict:
    message = MESSAGES[key]
    names = PLACEHOLDER.findall(str(message.title)) + PLACEHOLDER.findall(str(message.body or ""))
    return {name: CODES.get(name, "P") for name in names}


def _strip(text: str, params: dict) -> str:
    """The text without the parameters' values: what the catalog itself gave."""
    for value in params.values():
        if isinstance(value, str):
            text = text.replace(value, "")
    return text


def test_every_registered_message_renders_in_chinese_and_in_english(app):
    with app.test_request_context():
        assert len(MESSAGES) >= 30
        for key in sorted(MESSAGES):
            params = _params(key)
            with force_locale("zh"):
                zh_title, zh_body = render(key, params)
            with force_locale("en"):
                en_title, en_body = render(key, params)
            assert CJK.search(_strip(zh_title, params)), (key, zh_title)
            assert zh_title != en_title, key
            assert re.search(r"[A-Za-z]{3}", _strip(en_title, params)), (key, en_title)
            if MESSAGES[key].body is not None and not str(MESSAGES[key].body).startswith("%("):
                assert zh_body != en_body, key
        # A code parameter is put in words in the reader's language.
        with force_locale("en"):
            assert render(reminders.OVERDUE, {"duty": "staff_check", "date": "x"})[0] == \
                "Overdue: Monthly staff check"
            assert render(standard.GRADE_RECORDED, {"grade": "level3"})[0].endswith("Grade 3")
        with force_locale("zh"):
            title = render(reminders.OVERDUE, {"duty": "staff_check", "date": "x"})[0]
            assert "staff_check" not in title and CJK.search(title)


def test_no_notification_is_stored_already_rendered():
    """Every notify() call in the app passes a registered message, never a title."""
    calls = []
    for path in APP.rglob("*.py"):
        if path.parent.name == "notifications":
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\bnotify\(", text):
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
            calls.append((path.name, text[match.start():end + 1]))
    assert len(calls) >= 25
    rendered = [(name, call[:80]) for name, call in calls
                if "message=" not in call or re.search(r"\b(title|body)=", call)]
    assert rendered == []


@pytest.fixture
def people(ctx, client):  # client: the suite's test client class for the readers
    grid = make_grid()
    site = make_site(grid, name="南安鑫盛机械有限公司")
    return {"site": site, "sup": make_user("supervisor", name="黄建华"),
            "insp": make_user("inspector", grids=[grid]),
            "staff": make_user("enterprise", site=site, position="safety_manager", name="李美玲")}


def _inbox(app, user, lang: str) -> str:
    reader = app.test_client()
    reader.post(f"/lang/{lang}", data={"next": "/"})
    log_in(reader, user)
    return reader.get("/inbox/").text


def test_a_reader_sees_a_notification_in_their_own_language(app, people):
    hazard = make_hazard(people["site"], reporter=people["insp"])
    form = MultiDict({"responsible_name": "王德明",
                      "deadline": (local_today() + timedelta(days=10)).isoformat()})
    with force_locale("en"):  # the supervisor works in English
        lifecycle.perform(people["sup"], hazard.id, "confirm",
                          hazard_forms.transition("confirm", form))
    note = db.session.scalar(select(Notification).where(Notification.kind == "confirmed"))
    assert note.message_key == messages.CONFIRMED and note.params["site"] == "南安鑫盛机械有限公司"
    zh, en = _inbox(app, people["staff"], "zh"), _inbox(app, people["staff"], "en")
    assert "南安鑫盛机械有限公司的隐患已确认" in zh and "Hazard confirmed at" not in zh
    assert "Hazard confirmed at 南安鑫盛机械有限公司" in en and "的隐患已确认" not in en
    assert "王德明" in zh and "王德明" in en


def test_enterprise_and_shift_notifications_in_both_languages(app, people):
    service.notify([people["staff"]], kind="standard_grade", message=standard.GRADE_RECORDED,
                   params={"grade": "level2"})
    with app.test_request_context():
        reminders._send_reminders(local_today())  # the new enterprise: its duties are due
    from inspect_app.shifts import meetings
    service.notify([people["staff"]], kind="shift_stop", message=meetings.STOP_RAISED,
                   params={"name": "林小明", "team": "冲压一班",
                           "reasons": {"missing": ["tools"], "fit": True, "own": "护目镜坏了"}})
    db.session.commit()
    zh, en = _inbox(app, people["staff"], "zh"), _inbox(app, people["staff"], "en")
    assert "Grade 2" in en and "Grade 2" not in zh
    assert "Stop raised: 林小明, 冲压一班" in en and "tools missing; 护目镜坏了" in en
    assert "林小明" in zh and "Stop raised" not in zh and "tools missing" not in zh
    assert "护目镜坏了" in zh
    assert "staff_check" not in zh and "staff_check" not in en


def test_rows_stored_before_keys_still_show_as_written(app, people):
    db.session.add_all([
        Notification(user_id=people["staff"].id, kind="confirmed", title="旧通知：隐患已确认",
                     body="请于期限内整改", link="/hazards/", created_at=utcnow()),
        Notification(user_id=people["staff"].id, kind="gone", title="Old row with a key no one registers",
                     body="", message_key="removed.long.ago", params={"x": 1},
                     created_at=utcnow()),
    ])
    db.session.commit()
    for lang in ("zh", "en"):
        page = _inbox(app, people["staff"], lang)
        assert "旧通知：隐患已确认" in page and "请于期限内整改" in page
        assert "Old row with a key no one registers" in page


def test_email_copies_render_in_the_default_language(app, people):
    service.notify([people["staff"]], kind="model_post", message=standard.POST_RECOGNISED,
                   params={"post": "数控冲压岗"})
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.kind == "model_post"))
    assert CJK.search(note.title.replace("数控冲压岗", ""))  # stored in zh for e-mail and search
