"""Authentication: who is this, by username or phone number."""

from sqlalchemy import or_, select

from ..extensions import db
from .models import User


def authenticate(login: str, password: str) -> User | None:
    """The active user whose username or phone is `login` and whose password matches."""
    login = login.strip()
    if not login or not password:
        return None
    user = db.session.scalar(select(User).where(or_(User.username == login, User.phone == login)))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
