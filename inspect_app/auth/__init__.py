"""Login, logout and the current user."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    from ..extensions import login_manager
    from . import loader
    from .cookie import SessionInterface

    login_manager.login_view = "auth.login"
    app.session_interface = SessionInterface()

    @login_manager.user_loader
    def load_user(token: str):
        """Sessions and remember-me cookies carry "<id>:<generation>" (User.get_id); raising the
        generation (auth.service.end_sessions) makes every one issued before fail here."""
        user_id, _, generation = token.partition(":")
        if not (user_id.isdigit() and generation.isdigit()):
            return None
        user = loader.load(int(user_id))
        if user is None or not user.active or user.session_generation != int(generation):
            return None
        return user
