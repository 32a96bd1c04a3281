"""Sending notifications: one row per user (deduplicated by key), e-mail when configured."""

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from .. import tasks
from ..auth.models import User
from ..extensions import db
from ..memo import memo
from ..timeutil import utcnow
from .messages import render
from .models import Notification


def notify(users, *, kind: str, title: str = "", body: str = "", link: str = "",
           dedupe_key: str | None = None, message: str | None = None,
           params: dict | None = None) -> list[Notification]:
    """Queue a notification for each user (no commit). With a dedupe_key, a user who already
    has that notification gets nothing new, so a re-run (cron, retry) sends nothing twice.
    With a registered `message` (and its `params`) instead of title/body, each reader sees it
    in their own language."""
    if message is not None:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            title, body = render(message, params)
    created = []
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        if dedupe_key and db.session.scalar(select(Notification.id).where(
                Notification.user_id == user.id, Notification.dedupe_key == dedupe_key)):
            continue
        note = Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link,
                            dedupe_key=dedupe_key, message_key=message, params=params)
        db.session.add(note)
        created.append(note)
    if created and current_app.config.get("SMTP_HOST"):
        tasks.after_commit("send_email")  # e-mail copies go out from the queue (delivery.py)
    return created


# The badge in every page's bar: counted at most every few seconds per user and process
# (a new notification shows on a page a few seconds later; reading clears it at once here).
UNREAD_SECONDS = 5
_unread = memo(UNREAD_SECONDS, size=4096)


def unread_count(user: User) -> int:
    return _unread.get(user.id, lambda: db.session.scalar(select(func.count(Notification.id))
                       .where(Notification.user_id == user.id,
                              Notification.read_at.is_(None))) or 0)


def inbox(user: User, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one (or, with no id, every) notification of `user` as read."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()
    _unread.forget(user.id)


def send_pending_email(limit: int = 500) -> int:
    """E-mail notifications not yet e-mailed, to users with an address, when SMTP_HOST is set.
    Marks each as e-mailed after the server accepted it, so a crash resends at most one."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        return 0
    pending = db.session.execute(
        select(Notification, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email.is_not(None), User.email != "")
        .order_by(Notification.id).limit(limit)).all()
    if not pending:
        return 0
    sent = 0
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg.get("SMTP_PORT", 25), timeout=30) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD", ""))
        for note, address in pending:
            msg = EmailMessage()
            msg["From"] = cfg.get("MAIL_FROM", "noreply@localhost")
            msg["To"] = address
            title, body = note.text()  # in the default language: no reader's request here
            msg["Subject"] = title
            base = cfg.get("BASE_URL") or ""
            msg.set_content(body + (f"\n\n{base}{note.link}" if note.link else ""))
            smtp.send_message(msg)
            note.emailed_at = utcnow()
            db.session.commit()
            sent += 1
    return sent
