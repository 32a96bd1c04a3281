"""Login, logout and the current user."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    from ..extensions import db, login_manager
    from .models import User

    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user and user.active else None
