"""Texts in the SMS outbox go out from the task queue, never inside a request.

A transaction that queued messages queues one `send_sms` task once it commits (service.queue
→ tasks.after_commit). Every five minutes a periodic run retries failed messages and records
delivery reports (what `flask sms send` does from cron). One sender at a time across every
consumer; service.send_pending also claims each row, so no message is sent twice.
"""

from huey import crontab

from .. import tasks
from . import service


@tasks.job(retries=5, retry_delay=15)  # a held lock raises: try again shortly
def send_sms() -> dict[str, int]:
    with tasks.lock("send-sms"):
        return service.send_pending()


@tasks.periodic(crontab(minute="*/5"))
def send_sms_catch_up() -> dict[str, int]:
    with tasks.lock("send-sms"):
        return service.send_pending()
