"""Users and roles, wrong-secret counters and the append-only account history."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, event, false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import utcnow


def hash_secret(secret: str) -> str:
    """A password or PIN hash by the configured method (PASSWORD_HASH_METHOD, scrypt)."""
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
    return generate_password_hash(secret, method=method)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), index=True)
    position: Mapped[str | None] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Workers log in with phone + short PIN. Wrong secrets lock one client address first
    # (LoginFailure); these two count every address and lock the whole account (auth.lockout).
    pin_hash: Mapped[str | None] = mapped_column(String(256))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Part of the Flask-Login id: raising it ends every session and remember-me cookie.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Large-type mode (长辈版, see display.py); the server default keeps existing rows valid.
    large_type: Mapped[bool] = mapped_column(default=False, server_default=false())

    site = relationship("Site", foreign_keys=[site_id])
    grids = relationship("Grid", secondary="grid_inspectors", back_populates="inspectors")

    @property
    def grid_ids(self) -> frozenset[int]:
        """The ids of the grids the user covers (access.grid_ids asks it on an inspector's every
        page). The user loader reads them with the user's row (`grid_id_list`, sites/models.py),
        so no Grid rows are loaded; when `grids` is loaded it is the answer (it may hold a
        change not flushed yet). Both are expired with the user (commit, rollback)."""
        if "grids" in self.__dict__:
            return frozenset(g.id for g in self.grids)
        return frozenset(int(i) for i in (self.grid_id_list or "").split(",") if i)

    def get_id(self) -> str:
        """The id sessions and remember-me cookies carry (see auth.init_app's user loader)."""
        return f"{self.id}:{self.session_generation}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_secret(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginFailure(db.Model):
    """Tries at one account's secret from one client address, and the lock they lead to.

    `account` is "user:<id>", or "name:<hash>" for a login that names no active account, so a
    name that does not exist is counted and locked exactly like one that does.
    """

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("account", "client", name="uq_login_failures_account_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(64))  # an IPv6 address has at most 45 characters
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountEvent(db.Model):
    """One entry of an account's history: who reset, locked, unlocked, … it and when.
    Rows are only ever added (the guards below refuse updates and deletes)."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove account history."""


@event.listens_for(AccountEvent, "before_update")
@event.listens_for(AccountEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnlyError("account history is never updated or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    """update(AccountEvent) / delete(...) through the session are refused as well."""
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == "account_events":
        raise AppendOnlyError("account history is never updated or deleted")
