"""Idempotent writes: a key made on the phone, sent again after a lost reply, gets the first result.

The phone's outbox gives every write of a running inspection (tick, note, photo, submit) a key
(`Idempotency-Key` header, or the `idempotency_key` field of a plain form). The first request with
a key writes a receipt in the same transaction as the write itself, so the two commit together or
not at all; a repeat finds the receipt and is answered with the first result without writing
again. A key belongs to its user: another user's key is a new write. A refused write (409/422)
changes nothing and spends no receipt, so its retry is judged afresh on the state of that moment.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask import Flask, g, request
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, SmallInteger, String, UniqueConstraint, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .errors import UserError
from .extensions import db
from .timeutil import utcnow

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
# What the phone makes (crypto.randomUUID or 32 hex digits) fits easily; anything else is refused.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")

T = TypeVar("T")


class Receipt(db.Model):
    """One write already done under a key: what it was and what to answer a repeat with."""

    __tablename__ = "write_receipts"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_write_receipts_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # tick | note | photo | submit
    # What the write was about ("inspection/item"), so a repeat is answered from the same place.
    target: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger, default=200)  # of the first answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class Outcome:
    """What `once` did: `replayed` is True when the key had been used and nothing was written."""

    value: object
    replayed: bool


def key_from_request() -> str | None:
    """The request's key (header first, then form field); None when it has none. Bad keys: 400."""
    key = request.headers.get(HEADER) or request.form.get(FIELD)
    if key is None or key == "":
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise UserError(_("The request's idempotency key is malformed (8 to 64 letters, digits, "
                          "'-' or '_'). Reload the page and try again."), 400)
    return key


# A repeat is left as it is (ON CONFLICT DO NOTHING): no error for the server to log and no
# rollback of the request's session, where a plain INSERT would raise on every lost reply.
_WRITE_RECEIPT = {
    name: dialect.insert(Receipt.__table__).values(
        {c: bindparam(c) for c in ("user_id", "key", "kind", "target", "status")}
    ).on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(Receipt.__table__.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def find(user_id: int, key: str) -> Receipt | None:
    return db.session.scalar(select(Receipt).where(Receipt.user_id == user_id, Receipt.key == key))


def once(user, key: str | None, kind: str, target: str, write: Callable[[], T],
         replay: Callable[[], T] | None = None, status: int = 200) -> Outcome:
    """Run `write()` once per (user, key); a repeat returns `replay()` (or None) unwritten.

    `write` must commit (the services do): the receipt, written first, commits with it. Its
    INSERT also serialises two copies of the same key sent at once: the second waits on the
    unique index and then finds the first one's receipt.
    """
    if key is None:
        return Outcome(write(), False)
    receipt = None
    # Written, not looked for first: a key is new but after a lost reply, so the unique index
    # finds a repeat (one statement a write, not a select and an ORM flush).
    conn = db.session.connection()
    written = conn.execute(_WRITE_RECEIPT[conn.dialect.name], {
        "user_id": user.id, "key": key, "kind": kind, "target": target, "status": status})
    if written.scalar() is None:  # no row returned: the key's receipt was there
        receipt = find(user.id, key)
        if receipt is None:  # the first copy's receipt was pruned in between: as a new key
            raise UserError(_("This change could not be confirmed. Try again."), 409)
    if receipt is not None:
        if receipt.kind != kind or receipt.target != target:
            raise UserError(_("This idempotency key was already used for another change. "
                              "Reload the page and try again."), 422)
        db.session.rollback()  # nothing to write; end the read transaction
        g.idempotent_replay = True
        return Outcome(replay() if replay else None, True)
    try:
        value = write()
    except Exception:
        db.session.rollback()  # a refused write spends no key
        raise
    # A write that found its own earlier result (upload key), or had nothing to change, made no
    # commit: the receipt commits now. One that committed is not committed again (that would
    # expire what it left loaded for the reply: two statements to read it back).
    if db.session().in_transaction():
        db.session.commit()
    return Outcome(value, False)


def _mark_replay(response):
    """Tell the phone its retry found the first write (the reply to that one was lost)."""
    if g.get("idempotent_replay"):
        response.headers["Idempotency-Replayed"] = "true"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_mark_replay)
