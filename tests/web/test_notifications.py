"""The inbox: unread count, read marks, deduplication, and e-mail through a real SMTP server."""

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Notification
from inspect_app.notifications import service
from tests.factories import make_user


def test_unread_count_in_nav_and_mark_read(client, login, ctx):
    user = make_user("supervisor")
    service.notify([user], kind="test", title="重大隐患已确认", link="/hazards/")
    service.notify([user], kind="test", title="第二条")
    db.session.commit()
    login(user)
    page = client.get("/").text
    assert 'id="unread-count">2<' in page
    first = db.session.scalar(select(Notification).where(Notification.title == "重大隐患已确认"))
    resp = client.post("/inbox/read", data={"id": first.id, "next": "/hazards/"})
    assert resp.status_code == 302 and resp.location == "/hazards/"
    assert 'id="unread-count">1<' in client.get("/").text
    client.post("/inbox/read")
    assert 'id="unread-count"' not in client.get("/").text


def test_dedupe_key_sends_once_per_user(ctx):
    a, b = make_user("supervisor"), make_user("supervisor")
    assert len(service.notify([a, b, a], kind="k", title="t", dedupe_key="hazard-1-due")) == 2
    db.session.commit()
    assert service.notify([a, b], kind="k", title="t", dedupe_key="hazard-1-due") == []
    assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_inbox_shows_only_my_notifications(client, login, ctx):
    me, other = make_user("supervisor"), make_user("supervisor")
    service.notify([other], kind="k", title="别人的通知")
    db.session.commit()
    login(me)
    assert "别人的通知" not in client.get("/inbox/").text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_email_is_sent_once_through_smtp(app, smtp_server):
    controller, handler = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM="aj@example.cn")
    try:
        with app.app_context():
            user = make_user("supervisor", email="boss@example.cn")
            no_mail = make_user("supervisor")
            service.notify([user, no_mail], kind="major", title="重大事故隐患通知",
                           body="请立即组织整改", link="/hazards/1")
            db.session.commit()
            assert service.send_pending_email() == 1
            assert service.send_pending_email() == 0  # nothing twice
    finally:
        app.config["SMTP_HOST"] = ""
    assert len(handler.messages) == 1
    msg = handler.messages[0]
    subject = str(make_header(decode_header(msg["Subject"])))
    assert msg["To"] == "boss@example.cn" and subject == "重大事故隐患通知"
    assert "请立即组织整改" in msg.get_payload(decode=True).decode()
