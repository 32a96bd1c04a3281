"""Login, logout and the current user."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    from sqlalchemy.orm import undefer

    from ..extensions import db, login_manager
    from .cookie import SessionInterface
    from .models import User

    login_manager.login_view = "auth.login"
    app.session_interface = SessionInterface()
    # The grid ids in the same statement: an inspector's every page checks access by them.
    # Built once, not on each request (every request that asks who is logged in loads it).
    with_grids = (undefer(User.grid_id_list),)

    @login_manager.user_loader
    def load_user(token: str):
        """Sessions and remember-me cookies carry "<id>:<generation>" (User.get_id); raising the
        generation (auth.service.end_sessions) makes every one issued before fail here."""
        user_id, _, generation = token.partition(":")
        if not (user_id.isdigit() and generation.isdigit()):
            return None
        user = db.session.get(User, int(user_id), options=with_grids)
        if user is None or not user.active or user.session_generation != int(generation):
            return None
        return user
