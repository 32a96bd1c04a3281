"""Managing the zone's records: users, areas, grids, sites."""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..auth.models import User
from ..roles import Position, Role
from ..extensions import db
from ..web import UserError


def create_user(*, username: str, role: str, name: str, password: str, phone: str | None = None,
                site_id: int | None = None, position: str | None = None,
                commit: bool = True) -> User:
    """A new account; refuses duplicates and enterprise roles without an enterprise."""
    username, phone = username.strip(), (phone or "").strip() or None
    if role not in set(Role):
        raise UserError(_("Unknown role."))
    if not username or not name.strip():
        raise UserError(_("Username and name are required."))
    if len(password) < 6:
        raise UserError(_("The password must have at least 6 characters."))
    if role in (Role.ENTERPRISE, Role.WORKER) and not site_id:
        raise UserError(_("Enterprise staff and workers must belong to an enterprise."))
    if position and position not in set(Position):
        raise UserError(_("Unknown position."))
    clash = db.session.scalar(select(User).where(or_(User.username == username,
                                                     User.phone == (phone or username))))
    if clash:
        raise UserError(_("A user with this username or phone number already exists."))
    user = User(username=username, phone=phone, name=name.strip(), role=role, site_id=site_id,
                position=position)
    user.set_password(password)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user
