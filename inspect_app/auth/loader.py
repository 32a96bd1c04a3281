"""The logged-in user, read on every request as one plain row and made a User of the session.

Every request that asks who is logged in reads the user's row afresh (nothing about the user
is kept between requests: a disabled account or a new role counts from the next request). An
ORM select of one User ran SQLAlchemy's loading machinery for that one row (compile state,
loading context, a populator per column): most of the user's cost on a bare page. Here the
row is read as plain columns, written into a new User's attributes and attached to the
session as loaded from it (make_transient_to_detached, then add): the same persistent object
a select returns, whose changes flush and whose relationships load lazily, as before.
"""

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import undefer

from ..extensions import db, loaded
from .models import User


def _build():
    mapper = inspect(User)
    # Every column attribute, the grid ids too (deferred elsewhere): an inspector's every page
    # checks access by them.
    attrs = list(mapper.column_attrs)
    row = select(*[a.expression.label(a.key) for a in attrs]).where(
        User.__table__.c.id == bindparam("id"))
    return mapper, tuple(a.key for a in attrs), row


_mapper, _keys, _row = _build()
_WITH_GRIDS = (undefer(User.grid_id_list),)


def load(user_id: int) -> User | None:
    session = db.session()
    if _mapper.identity_key_from_primary_key((user_id,)) in session.identity_map:
        # Already in this session (a test's or a shell's, whose requests share it): the
        # session's own, as Session.get gives it (read again only where expired).
        return session.get(User, user_id, options=_WITH_GRIDS)
    row = session.connection().execute(_row, {"id": user_id}).first()
    if row is None:
        return None
    return loaded(_mapper, _keys, row)
