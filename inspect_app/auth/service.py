"""Authentication: who is this, by username or phone number, without giving away which accounts
exist (auth.lockout counts the tries), and ending sessions."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app, g, session
from flask_babel import gettext as _
from flask_login import logout_user
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import has_pin
from ..extensions import db
from ..timeutil import utcnow
from . import history, lockout
from .models import User, hash_secret


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    tries_left: int | None = None  # wrong secret: tries this client has left on this account
    locked: bool = False


def find_user(login: str) -> User | None:
    login = login.strip()
    # No account has such a name (PostgreSQL refuses NUL in text outright): the caller still
    # counts the try and hashes a dummy, so it answers like any unknown name.
    if not login or len(login) > 64 or "\x00" in login:
        return None
    return db.session.scalar(select(User).where(or_(User.username == login, User.phone == login)))


def _dummy_hash() -> str:
    """A hash no secret matches, made by the configured method: an unknown name costs what a
    real account's check does."""
    return _dummy_hash_by(current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash_by(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def attempt(user: User | None, login: str, matches: Callable[[User], bool],
            wrong_message: str, client: str | None = None) -> LoginResult:
    """Check a secret for `user` (None: no such active account) from this client.

    Locks are checked (and a try taken, atomically) before any hash; an unknown account hashes a
    dummy and is counted and locked like a real one, so both get the same answers in about the
    same time.
    """
    if user is not None and not user.active:
        user = None
    client = client or lockout.client_address()
    now = utcnow()
    left = lockout.take_try(user, login, client, now)
    if left is None:
        return _locked(user, login, client, now)
    if user is None:
        check_password_hash(_dummy_hash(), login or "-")
        return LoginResult(None, wrong_message, tries_left=left)
    if not matches(user):
        return LoginResult(None, wrong_message, tries_left=left)
    lockout.succeeded(user, client)
    return LoginResult(user)


def _locked(user: User | None, login: str, client: str, now) -> LoginResult:
    until = lockout.locked_until(user, login, client, now)
    minutes = int((until - now).total_seconds() // 60) + 1 if until else 1
    return LoginResult(None, _("Too many wrong attempts. Try again in %(m)s minutes.", m=minutes),
                       tries_left=0, locked=True)


def authenticate(login: str, password: str) -> LoginResult:
    """The active user whose username or phone is `login` and whose password matches."""
    # Always one hash, an empty password too: the answer's timing tells nothing.
    return attempt(find_user(login), login,
                   lambda u: u.check_password(password or "-") and bool(password),
                   _("Wrong phone number/username or password."))


# Workers' PINs --------------------------------------------------------------------------------

def set_pin(user: User, pin: str) -> None:
    """Store a new PIN (hashed like a password) and lift any lock (no commit)."""
    user.pin_hash = hash_secret(pin)
    unlock(user)


def pin_matches(user: User, pin: str) -> bool:
    """Always one hash (a dummy for a worker without a PIN, or no PIN typed), so such an account
    answers in the same time as any other."""
    ok = check_password_hash(user.pin_hash or _dummy_hash(), pin or "-")
    return ok and bool(user.pin_hash and pin)


def authenticate_pin(phone: str, pin: str) -> LoginResult:
    """The active worker whose phone is `phone` and whose PIN matches. Only workers have PINs:
    a short PIN never opens a staff account, and a staff phone is answered like an unknown one."""
    user = find_user(phone)
    if user is not None and not has_pin(user):
        user = None
    return attempt(user, phone, lambda u: pin_matches(u, pin), _("Wrong phone number or PIN."))


# Locks and sessions ---------------------------------------------------------------------------

def is_locked(user: User) -> bool:
    """Locked as a whole or for some address (the people page shows it; a new PIN lifts it)."""
    return lockout.is_locked(user, utcnow())


def locked_ids(users) -> set[int]:
    return lockout.locked_ids(users, utcnow())


def unlock(user: User) -> None:
    """Lift the account's lock and every client's count on it (no commit)."""
    lockout.clear(user)


def start_session() -> None:
    """A fresh session (and CSRF secret) at login, so nothing planted before it survives;
    only the visitor's display choices (language, large type) are kept."""
    from ..display import CHOSEN_BEFORE_LOGIN, SESSION_KEY
    kept = {k: session[k] for k in ("lang", SESSION_KEY, CHOSEN_BEFORE_LOGIN) if k in session}
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's cached token of the old session
    session.update(kept)


def log_out(user: User) -> None:
    """Logging out ends this user's every session and remember-me cookie, not only this one."""
    end_sessions(user)
    db.session.commit()
    logout_user()
    start_session()


def end_sessions(user: User) -> None:
    """Raise the session generation: every id issued before no longer loads (no commit)."""
    user.session_generation = User.session_generation + 1


# What staff do to an account: each ends the user's sessions and is kept in the history -------

def reset_password(user: User, password: str, actor: User | None) -> None:
    """A new password told in person; lifts any lock (no commit)."""
    user.set_password(password)
    unlock(user)
    end_sessions(user)
    history.record(user, "password_reset", actor)


def reset_pin(user: User, pin: str, actor: User | None) -> None:
    """A new PIN told in person; lifts any lock (no commit)."""
    set_pin(user, pin)
    end_sessions(user)
    history.record(user, "pin_reset", actor)


def changed_role(user: User, old_role: str, old_site_id: int | None, actor: User | None) -> None:
    """After a change of role or enterprise: what the old sessions could do has changed."""
    if user.role != old_role:
        history.record(user, "role_changed", actor, note=f"{old_role} → {user.role}")
    if user.role != old_role or user.site_id != old_site_id:
        end_sessions(user)


def set_active(user: User, active: bool, actor: User | None) -> None:
    """Deactivate or reactivate; either way the old sessions stay ended (no commit)."""
    if user.active == active:
        return
    user.active = active
    end_sessions(user)
    history.record(user, "reactivated" if active else "deactivated", actor)


def sign_out_everywhere(user: User, actor: User) -> None:
    end_sessions(user)
    history.record(user, "signed_out", actor)


def admin_unlock(user: User, actor: User) -> None:
    unlock(user)
    history.record(user, "unlocked", actor)
