"""Text messages (SMS) to people who have a phone number but no account: a site's principal
and its actual controller (实际控制人). Queued in an outbox, sent by cron, deduplicated."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")
