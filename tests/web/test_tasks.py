"""The task queue: e-mail copies of notifications are sent by a consumer, not the request."""

import time

from inspect_app import tasks
from inspect_app.extensions import db
from inspect_app.notifications import service
from tests.factories import make_user
from tests.web.test_notifications import smtp_server  # noqa: F401 - the real SMTP server fixture


def test_email_goes_out_from_the_queue_after_commit(app, smtp_server):  # noqa: F811
    controller, handler = smtp_server
    huey = app.extensions["tasks"].huey
    huey.flush()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM="aj@example.cn")
    try:
        with app.app_context():
            user = make_user("supervisor", email="boss@example.cn")
            service.notify([user], kind="major", title="重大事故隐患通知", body="请处理")
            assert huey.pending_count() == 0  # nothing before the commit
            db.session.commit()
            assert huey.pending_count() == 1 and handler.messages == []  # queued, not sent
            service.notify([user], kind="x", title="回滚的通知")
            db.session.rollback()
            db.session.commit()
            assert huey.pending_count() == 1  # a rolled-back notification queues nothing
            with tasks.running_consumer(app):
                deadline = time.monotonic() + 60  # a bound, not a timing
                while not handler.messages and time.monotonic() < deadline:
                    time.sleep(0.05)
            assert [m["To"] for m in handler.messages] == ["boss@example.cn"]
            assert huey.pending_count() == 0
    finally:
        app.config["SMTP_HOST"] = ""
        huey.flush()


def test_no_smtp_no_email_task(app, ctx):
    huey = app.extensions["tasks"].huey
    huey.flush()
    service.notify([make_user("supervisor", email="a@example.cn")], kind="k", title="t")
    db.session.commit()
    assert huey.pending_count() == 0
