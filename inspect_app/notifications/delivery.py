"""E-mail copies of notifications go out from the task queue, never inside a request.

A transaction that created notifications queues one `send_email` task once it commits
(service.notify → tasks.after_commit), when SMTP is configured; a periodic run every five
minutes catches up anything a failed enqueue (queue down) left behind. One sender at a time
across every consumer, so two workers never mail the same notification twice.
"""

from huey import crontab

from .. import tasks
from . import service


@tasks.job(retries=5, retry_delay=15)  # a held lock raises: try again shortly
def send_email() -> int:
    with tasks.lock("send-email"):
        return service.send_pending_email()


@tasks.periodic(crontab(minute="*/5"))
def send_email_catch_up() -> int:
    with tasks.lock("send-email"):
        return service.send_pending_email()
