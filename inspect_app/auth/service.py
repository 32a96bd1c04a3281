"""Authentication: who is this, by username or phone number, with lockout after failures."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..timeutil import utcnow
from .models import User

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def find_user(login: str) -> User | None:
    login = login.strip()
    if not login:
        return None
    return db.session.scalar(select(User).where(or_(User.username == login, User.phone == login)))


def check_secret(user: User | None, ok: bool) -> LoginResult:
    """Count a password or PIN attempt: five wrong in a row lock the account for a while."""
    wrong = LoginResult(None, _("Wrong phone number/username or password."))
    if user is None or not user.active:
        return wrong
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return LoginResult(None, _("Too many wrong attempts. Try again in %(m)s minutes.", m=minutes))
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins = 0
            user.locked_until = now + LOCK_FOR
        db.session.commit()
        return wrong
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        db.session.commit()
    return LoginResult(user)


def authenticate(login: str, password: str) -> LoginResult:
    """The active user whose username or phone is `login` and whose password matches."""
    user = find_user(login)
    return check_secret(user, bool(user and password and user.check_password(password)))


# Workers' PINs --------------------------------------------------------------------------------

def set_pin(user: User, pin: str) -> None:
    """Store a new PIN (hashed like a password) and lift any lock (no commit)."""
    from werkzeug.security import generate_password_hash
    user.pin_hash = generate_password_hash(pin)
    user.failed_logins, user.locked_until = 0, None


def pin_matches(user: User | None, pin: str) -> bool:
    from werkzeug.security import check_password_hash
    return bool(user and user.pin_hash and pin and check_password_hash(user.pin_hash, pin))


def is_locked(user: User | None) -> bool:
    return bool(user and user.locked_until and user.locked_until > utcnow())


def authenticate_pin(phone: str, pin: str) -> LoginResult:
    """The active worker whose phone is `phone` and whose PIN matches. Only workers have PINs:
    a short PIN never opens a staff account. Failures count toward the same lock."""
    from ..roles import Role
    user = find_user(phone)
    if user is not None and user.role != Role.WORKER:
        user = None
    result = check_secret(user, pin_matches(user, pin))
    if result.user is None and not is_locked(user):
        result.error = _("Wrong phone number or PIN.")
    return result
