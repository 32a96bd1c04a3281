"""The task queue: e-mail copies of notifications and SMS texts are sent by a consumer after the
commit, not by the request."""

import time

from inspect_app import tasks
from inspect_app.extensions import db
from inspect_app.models import SmsMessage
from inspect_app.notifications import service
from tests.factories import make_site, make_user
from tests.web import test_sms as sms_test
from tests.web.test_notifications import smtp_server  # noqa: F401 - the real SMTP server fixture
from tests.web.test_sms import gateway  # noqa: F401 - the stand-in HTTP SMS gateway


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


def test_sms_goes_out_from_the_queue_after_commit(app, ctx, gateway):  # noqa: F811
    huey = app.extensions["tasks"].huey
    huey.flush()
    site = make_site(principal_name="王主任", principal_phone="13900000001")
    try:
        created = sms_test.queue_for(site)  # queued in the outbox and committed
        assert len(created) == 1 and huey.pending_count() == 1
        assert gateway.received == []  # the request sent nothing itself
        with tasks.running_consumer(app):
            deadline = time.monotonic() + 60  # a bound, not a timing
            while db.session.get(SmsMessage, created[0].id).status != "delivered" and \
                    time.monotonic() < deadline:
                db.session.rollback()
                time.sleep(0.05)
        db.session.expire_all()
        assert [m["to"] for m in gateway.received] == ["13900000001"]  # once
        assert db.session.get(SmsMessage, created[0].id).status == "delivered"
    finally:
        huey.flush()
