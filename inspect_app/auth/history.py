"""An account's history: resets, role changes, deactivations, locks, unlocks and sign-outs,
with who did it and when. Entries are only added (auth.models refuses changes)."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..timeutil import utcnow
from .models import AccountEvent, User

KINDS = {
    "password_reset": _l("Password reset"),
    "pin_reset": _l("PIN reset"),
    "role_changed": _l("Role changed"),
    "deactivated": _l("Deactivated"),
    "reactivated": _l("Reactivated"),
    "locked": _l("Locked after too many wrong attempts"),
    "unlocked": _l("Unlocked"),
    "signed_out": _l("Signed out everywhere"),
}


def record(user: User, kind: str, actor: User | None, note: str = "",
           at: datetime | None = None) -> AccountEvent:
    """Add one entry (no commit); `actor` None means the system did it."""
    assert kind in KINDS, kind
    entry = AccountEvent(user_id=user.id, actor_id=actor.id if actor else None, kind=kind,
                         note=note[:200], at=at or utcnow())
    db.session.add(entry)
    return entry


def shown_note(entry: AccountEvent) -> str:
    """The note in the reader's language: notes hold codes and numbers, never words (the
    system's lock note is written during someone else's request, in their language)."""
    from ..admin.rules import ROLE_LABELS
    if entry.kind == "role_changed" and " → " in entry.note:
        old, new = entry.note.split(" → ", 1)
        return f"{ROLE_LABELS.get(old, old)} → {ROLE_LABELS.get(new, new)}"
    if entry.kind == "locked" and entry.note.isdigit():
        return _("%(n)s wrong attempts", n=entry.note)
    return entry.note


def of(user: User, limit: int = 200) -> list[AccountEvent]:
    """The newest entries first."""
    return list(db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)
                                   .options(selectinload(AccountEvent.actor))
                                   .order_by(AccountEvent.id.desc()).limit(limit)))
