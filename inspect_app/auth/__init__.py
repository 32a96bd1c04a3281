"""Login, logout and the current user."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import undefer

    from ..extensions import db, login_manager
    from .cookie import SessionInterface
    from .models import User

    login_manager.login_view = "auth.login"
    app.session_interface = SessionInterface()
    # The grid ids in the same statement: an inspector's every page checks access by them.
    # One statement object, built once: SQLAlchemy keeps its cache key, so a request neither
    # builds a select nor works out its key (Session.get does both on every call). The row is
    # read afresh on every request: nothing about the user is kept between requests, so a
    # disabled account or a new role takes effect at the next one.
    by_id = (select(User).options(undefer(User.grid_id_list))
             .where(User.id == bindparam("id")))

    @login_manager.user_loader
    def load_user(token: str):
        """Sessions and remember-me cookies carry "<id>:<generation>" (User.get_id); raising the
        generation (auth.service.end_sessions) makes every one issued before fail here."""
        user_id, _, generation = token.partition(":")
        if not (user_id.isdigit() and generation.isdigit()):
            return None
        user = db.session.execute(by_id, {"id": int(user_id)}).scalar()
        if user is None or not user.active or user.session_generation != int(generation):
            return None
        return user
