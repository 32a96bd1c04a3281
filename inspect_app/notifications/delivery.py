"""E-mail copies of notifications go out from the task queue, never inside a request.

A transaction that created notifications queues one `send_email` task once it commits (the
consumer then reads committed rows); a periodic run every five minutes catches up anything a
failed enqueue (queue down) left behind. One sender at a time across every consumer, so two
workers never mail the same notification twice. An SMS outbox hooks in the same way: its
sender becomes a @tasks.job here, queued after the commit that wrote its messages.
"""

import logging

from flask import current_app
from flask_sqlalchemy.session import Session
from huey import crontab
from sqlalchemy import event

from .. import tasks
from . import service

log = logging.getLogger(__name__)
MAIL_DUE = "mail_due"  # session.info flag set by service.notify


@tasks.job(retries=5, retry_delay=15)  # a held lock raises: try again shortly
def send_email() -> int:
    with tasks.lock("send-email"):
        return service.send_pending_email()


@tasks.periodic(crontab(minute="*/5"))
def send_email_catch_up() -> int:
    with tasks.lock("send-email"):
        return service.send_pending_email()


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session) -> None:
    if not session.info.pop(MAIL_DUE, False) or not current_app.config.get("SMTP_HOST"):
        return
    try:
        tasks.enqueue("send_email")
    except Exception:  # the queue is down: the periodic run (or `flask notifications email`) sends
        log.exception("could not queue e-mail delivery")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(MAIL_DUE, None)
