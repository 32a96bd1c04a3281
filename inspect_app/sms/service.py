"""The SMS outbox: queue in the caller's transaction, sent by the task queue after the commit
(sms/delivery.py; `flask sms send` from cron still works).

Queueing is idempotent by (phone, dedupe_key), so a re-run sweep or a retried request queues
nothing twice. Sending claims each row before calling the gateway and commits after, so two
overlapping cron runs never send one message twice; a crash mid-send leaves it "sending"
(shown on the outbox page) rather than risk a second text.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from .. import tasks
from ..extensions import db
from ..sites.models import Site
from ..timeutil import utcnow
from . import gateway
from .models import SmsMessage

BODY_MAX = 300  # characters: two or three concatenated texts at most


@dataclass(frozen=True)
class Recipient:
    phone: str
    name: str
    role: str  # principal | controller


def site_recipients(site: Site) -> list[Recipient]:
    """The principal and the actual controller as the site records them (plan item 13), by
    phone number: neither needs an account. The same number twice is one recipient."""
    people = [Recipient(site.principal_phone.strip(), site.principal_name, "principal"),
              Recipient(site.controller_phone.strip(), site.controller_name, "controller")]
    seen, out = set(), []
    for person in people:
        if person.phone and person.phone not in seen:
            seen.add(person.phone)
            out.append(person)
    return out


def in_zone_language(build: Callable[[], str]) -> str:
    """Texts go to people without an account, so in the zone's default language."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        return build()


def queue(recipients: list[Recipient], *, kind: str, body: str, dedupe_key: str,
          site_id: int | None = None, hazard_id: int | None = None) -> list[SmsMessage]:
    """Add one message per recipient unless that number already has `dedupe_key` (no commit)."""
    created = []
    for person in recipients:
        if db.session.scalar(select(SmsMessage.id).where(
                SmsMessage.phone == person.phone, SmsMessage.dedupe_key == dedupe_key)):
            continue
        message = SmsMessage(phone=person.phone[:20], name=person.name[:64], role=person.role,
                             kind=kind, body=body[:BODY_MAX], dedupe_key=dedupe_key[:120],
                             site_id=site_id, hazard_id=hazard_id)
        db.session.add(message)
        created.append(message)
    if created:
        tasks.after_commit("send_sms")  # sent by the task queue once this commits (delivery.py)
    return created


def tell_site(site: Site, *, kind: str, build: Callable[[], str], dedupe_key: str,
              hazard_id: int | None = None) -> list[SmsMessage]:
    """Queue a text to the site's principal and actual controller (no commit)."""
    return queue(site_recipients(site), kind=kind, body=in_zone_language(build),
                 dedupe_key=dedupe_key, site_id=site.id, hazard_id=hazard_id)


def send_pending(limit: int = 200) -> dict[str, int]:
    """Send queued (and retry failed) messages; then ask the gateway about sent ones."""
    cfg = current_app.config
    gw = gateway.from_config(cfg)
    max_attempts = cfg.get("SMS_MAX_ATTEMPTS", 3)
    counts = {"sent": 0, "failed": 0, "delivered": 0}
    # A failed send is retried; a text the gateway took and then reported undeliverable
    # (it has the gateway's id) is not sent again: the number is checked by a person.
    ids = list(db.session.scalars(select(SmsMessage.id).where(or_(
        SmsMessage.status == "queued",
        (SmsMessage.status == "failed") & (SmsMessage.attempts < max_attempts)
        & (SmsMessage.provider_id == "")))
        .order_by(SmsMessage.id).limit(limit)))
    for message_id in ids:
        claimed = db.session.execute(
            update(SmsMessage).where(SmsMessage.id == message_id,
                                     SmsMessage.status.in_(("queued", "failed")))
            .values(status="sending", attempts=SmsMessage.attempts + 1, status_at=utcnow()))
        db.session.commit()
        if claimed.rowcount != 1:
            continue  # another run took it
        message = db.session.get(SmsMessage, message_id)
        try:
            receipt = gw.send(message.phone, message.body, ref=f"sms-{message.id}")
        except gateway.GatewayError as e:
            message.status, message.error = "failed", str(e)[:200]
            counts["failed"] += 1
        else:
            message.status, message.provider_id, message.error = receipt.status, receipt.provider_id, ""
            message.sent_at = utcnow()
            counts["sent"] += 1
        message.status_at = utcnow()
        db.session.commit()
    counts["delivered"] = refresh_status(gw)
    return counts


def refresh_status(gw, limit: int = 200) -> int:
    """Record delivery reports for messages the gateway accepted; returns how many arrived."""
    changed = 0
    for message in db.session.scalars(select(SmsMessage).where(
            SmsMessage.status == "sent", SmsMessage.provider_id != "")
            .order_by(SmsMessage.id).limit(limit)):
        try:
            status = gw.status(message.provider_id)
        except gateway.GatewayError:
            continue  # asked again next run
        if status in ("delivered", "failed") and status != message.status:
            message.status, message.status_at = status, utcnow()
            if status == "failed":
                message.error = "delivery report: not delivered"
            changed += status == "delivered"
    db.session.commit()
    return changed


def outbox(limit: int = 200) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)))
