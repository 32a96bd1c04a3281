"""One text message to one phone number, with its delivery status."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

# queued → sending → sent → delivered | failed. A failed send is retried up to SMS_MAX_ATTEMPTS;
# a text the gateway reported undeliverable is not sent again.
STATUSES = ("queued", "sending", "sent", "delivered", "failed")


class SmsMessage(db.Model):
    __tablename__ = "sms_messages"
    # The same news to the same number is one row, however often a job or a retry queues it.
    __table_args__ = (UniqueConstraint("phone", "dedupe_key", name="uq_sms_messages_phone_dedupe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")  # who, as the site records them
    role: Mapped[str] = mapped_column(String(16), default="")  # principal | controller
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    provider_id: Mapped[str] = mapped_column(String(64), default="")  # the gateway's message id
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]  # when the status last changed

    site = relationship("Site")
