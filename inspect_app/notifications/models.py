"""One notification to one user."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    # `dedupe_key` makes sending idempotent: the same reminder twice is one row (see service.notify).
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    # A registered message (notifications/messages.py) is rendered in the reader's language
    # when read; title/body then hold it in the default language (e-mail, older readers).
    message_key: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user = relationship("User")

    def text(self) -> tuple[str, str]:
        """(title, body) in the current language where the message is registered."""
        from .messages import render
        return render(self.message_key, self.params) or (self.title, self.body)
