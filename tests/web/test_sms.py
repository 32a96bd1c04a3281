"""The SMS outbox against a stand-in gateway speaking the HTTP JSON protocol on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import SmsMessage
from inspect_app.sms import service as sms
from tests.factories import make_site, make_user

TOKEN = "test-token-123"


class Gateway:
    """A small SMS gateway: accepts POSTs with the bearer token, reports delivery on GET."""

    def __init__(self):
        self.received: list[dict] = []
        self.posts: list[dict] = []  # every send asked for, answered or not
        self.fail_next = 0  # answer this many sends with a 500
        self.lose_answer_next = 0  # take this many sends, then answer 502 (the answer was lost)
        self.report_fail_next = 0  # answer this many delivery-report GETs with a 503
        self.report = "delivered"  # what a delivery report says
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - the http.server API
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"error": "bad token"})
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.posts.append(data)
                if gateway.fail_next:
                    gateway.fail_next -= 1
                    return self._answer(500, {"error": "busy"})
                # A real gateway keeps one message per `ref`: a retry is not a second text.
                known = [n for n, m in enumerate(gateway.received) if m["ref"] == data["ref"]]
                if not known:
                    gateway.received.append(data)
                if gateway.lose_answer_next:
                    gateway.lose_answer_next -= 1
                    return self._answer(502, {"error": "upstream timeout"})
                number = (known[0] if known else len(gateway.received) - 1) + 1
                return self._answer(200, {"id": f"gw-{number}", "status": "accepted"})

            def do_GET(self):  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"error": "bad token"})
                if gateway.report_fail_next:
                    gateway.report_fail_next -= 1
                    return self._answer(503, {"error": "reports unavailable"})
                return self._answer(200, {"id": self.path.rsplit("/", 1)[-1],
                                          "status": gateway.report})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app, monkeypatch):
    with Gateway() as gw:
        monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
        monkeypatch.setitem(app.config, "SMS_URL", gw.url)
        monkeypatch.setitem(app.config, "SMS_TOKEN", TOKEN)
        yield gw


def queue_for(site, key="hazard-1-confirmed"):
    created = sms.tell_site(site, kind="confirmed", build=lambda: "测试短信：重大事故隐患已认定",
                            dedupe_key=key)
    db.session.commit()
    return created


def test_outbox_sends_each_message_once_and_records_delivery(ctx, gateway):
    site = make_site(principal_name="王五", principal_phone="13900000001",
                     controller_name="钱七", controller_phone="13900000002")
    assert len(queue_for(site)) == 2
    assert queue_for(site) == []  # the same news queued again is not a second message

    counts = sms.send_pending()
    assert counts == {"sent": 2, "failed": 0, "delivered": 2}
    assert sorted(m["to"] for m in gateway.received) == ["13900000001", "13900000002"]
    assert all(m["text"] == "测试短信：重大事故隐患已认定" for m in gateway.received)
    rows = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)).all()
    assert [(m.role, m.status, m.attempts) for m in rows] == [("principal", "delivered", 1),
                                                            ("controller", "delivered", 1)]
    assert {m.provider_id for m in rows} == {"gw-1", "gw-2"}

    # A second cron run sends nothing.
    assert sms.send_pending() == {"sent": 0, "failed": 0, "delivered": 0}
    assert len(gateway.received) == 2


def test_failed_send_is_kept_with_its_error_and_retried(ctx, gateway):
    site = make_site(principal_phone="13900000011", controller_phone="")
    queue_for(site, "k-1")
    gateway.fail_next = 1
    assert sms.send_pending()["failed"] == 1
    message = db.session.scalar(select(SmsMessage))
    assert message.status == "failed" and "500" in message.error and message.attempts == 1
    assert gateway.received == []
    assert sms.send_pending()["sent"] == 1
    db.session.refresh(message)
    assert message.status == "delivered" and message.attempts == 2 and message.error == ""
    assert len(gateway.received) == 1


def test_retries_stop_after_the_configured_attempts(ctx, gateway, app):
    queue_for(make_site(principal_phone="13900000012", controller_phone=""), "k-2")
    gateway.fail_next = 99  # the gateway is down for good
    for _run in range(app.config["SMS_MAX_ATTEMPTS"]):
        assert sms.send_pending()["failed"] == 1
    # The next cron runs leave it alone: failed, with its error, after the last attempt.
    assert sms.send_pending() == {"sent": 0, "failed": 0, "delivered": 0}
    message = db.session.scalar(select(SmsMessage))
    assert (message.status, message.attempts) == ("failed", app.config["SMS_MAX_ATTEMPTS"])
    assert "500" in message.error and gateway.received == []
    assert len(gateway.posts) == app.config["SMS_MAX_ATTEMPTS"]


def test_a_retry_after_a_lost_answer_carries_the_same_ref_so_the_phone_gets_one_text(
        ctx, gateway):
    queue_for(make_site(principal_phone="13900000013", controller_phone=""), "k-3")
    gateway.lose_answer_next = 1  # taken by the gateway, but its answer never came back
    assert sms.send_pending()["failed"] == 1
    assert sms.send_pending()["sent"] == 1
    assert len(gateway.posts) == 2 and len({p["ref"] for p in gateway.posts}) == 1
    assert len(gateway.received) == 1  # one text reached the phone
    message = db.session.scalar(select(SmsMessage))
    assert message.status == "delivered" and message.provider_id == "gw-1"


def test_delivery_reports_failed_and_unreachable(ctx, gateway):
    site = make_site(principal_phone="13900000014", controller_phone="")
    queue_for(site, "k-4")
    gateway.report_fail_next = 1  # the report service is down on the first run
    assert sms.send_pending() == {"sent": 1, "failed": 0, "delivered": 0}
    message = db.session.scalar(select(SmsMessage))
    assert message.status == "sent"  # accepted; its report is asked for again next run
    gateway.report = "undeliverable"
    assert sms.send_pending()["delivered"] == 0
    db.session.refresh(message)
    assert message.status == "failed" and message.error  # could not be delivered: kept so
    # Not sent again by later runs (the number is for a person to check).
    assert sms.send_pending() == {"sent": 0, "failed": 0, "delivered": 0}
    assert len(gateway.posts) == 1
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 1)


def test_same_phone_for_principal_and_controller_gets_one_text(ctx, gateway):
    site = make_site(principal_phone="13900000021", controller_phone="13900000021")
    assert len(queue_for(site)) == 1


def test_wrong_token_is_a_failure_not_a_send(ctx, gateway, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_TOKEN", "wrong")
    queue_for(make_site(principal_phone="13900000031"))
    assert sms.send_pending()["failed"] == 1
    assert db.session.scalar(select(func.count(SmsMessage.id)).where(
        SmsMessage.status == "failed")) == 1
    assert gateway.received == []


def test_log_backend_is_the_default_and_sends_nothing_over_the_network(ctx, app):
    assert app.config["SMS_BACKEND"] == "log"
    queue_for(make_site(principal_phone="13900000041"))
    assert sms.send_pending()["sent"] == 1
    assert db.session.scalar(select(SmsMessage.status)) == "sent"


def test_outbox_page_is_for_zone_staff(client, login, ctx):
    site = make_site(principal_name="王五", principal_phone="13900000051")
    queue_for(site)
    login(make_user("inspector"))
    assert client.get("/sms/").status_code == 403
    client.post("/auth/logout")
    login(make_user("supervisor"))
    page = client.get("/sms/")
    assert page.status_code == 200 and "13900000051" in page.text and "测试短信" in page.text
