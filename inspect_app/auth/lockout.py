"""Wrong passwords and PINs: a lock that protects an account without becoming a weapon.

- Tries are counted per (account, client address): LOGIN_MAX_FAILURES wrong secrets from one
  address lock that address out of that account for LOGIN_LOCK_MINUTES. A stranger's failures
  do not lock the real user out of their own phone.
- Every address together may try ACCOUNT_MAX_FAILURES times; then the whole account locks for
  ACCOUNT_LOCK_MINUTES, the user and the admins are told, and an admin can unlock it.
- A try is taken *before* the secret is hashed, by an atomic `UPDATE … SET n = n + 1 … RETURNING`
  that only succeeds while unlocked: of 40 simultaneous wrong PINs exactly five are checked.
- A login that names no active account is counted under its name the same way, so it is locked
  and answered exactly like a real one.
- An address's count starts again once its lock has run out, or after LOGIN_FAILURE_WINDOW_MINUTES
  without a wrong try. Such a row means no more than a missing one, so `prune()` (`flask auth
  prune`, for cron) deletes it: a spray of made-up names leaves no lasting rows.
"""

import hashlib
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..notifications.messages import register
from ..roles import Role
from .models import LoginFailure, User


def client_address() -> str:
    """The client's address (behind proxies, see PROXY_COUNT); "-" outside a request."""
    return (request.remote_addr or "-") if has_request_context() else "-"


def account_key(user: User | None, login: str) -> str:
    if user is not None:
        return f"user:{user.id}"
    return "name:" + hashlib.sha256(login.strip().lower().encode()).hexdigest()[:40]


def _minutes(key: str) -> timedelta:
    return timedelta(minutes=current_app.config[key])


def account_locked_until(user: User | None, now: datetime) -> datetime | None:
    """The end of a whole-account lock still in force."""
    if user is not None and user.locked_until and user.locked_until > now:
        return user.locked_until
    return None


def _take(model, where, count, lock_col, limit: int, lock_end: datetime, now: datetime,
          stale=None, **extra) -> int | None:
    """One atomic try on a counter row: the new count, or None while it is locked. A lock that
    has run out, or a count that is `stale`, starts the count again."""
    expired = lock_col <= now
    before = case((expired if stale is None else or_(expired, stale), 0), else_=count)
    stmt = (update(model).where(*where, or_(lock_col.is_(None), expired))
            .values({count: before + 1, lock_col: case((before + 1 >= limit, lock_end), else_=None),
                     **extra})
            .returning(count).execution_options(synchronize_session=False))
    return db.session.execute(stmt).scalar()


def take_try(user: User | None, login: str, client: str, now: datetime) -> int | None:
    """Take one try for `client` at this account (before any hash is computed) and commit it.

    Returns the tries left after this one should it be wrong, or None when locked (nothing
    counted). Reaching ACCOUNT_MAX_FAILURES locks the whole account and tells people."""
    cfg = current_app.config
    if account_locked_until(user, now):
        return None
    account = account_key(user, login)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(LoginFailure.__table__).values(
        account=account, client=client[:64], failures=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["account", "client"]))
    n = _take(LoginFailure, [LoginFailure.account == account, LoginFailure.client == client[:64]],
              LoginFailure.failures, LoginFailure.locked_until, cfg["LOGIN_MAX_FAILURES"],
              now + _minutes("LOGIN_LOCK_MINUTES"), now, stale=_stale(now), updated_at=now)
    if n is None:
        db.session.commit()
        return None
    if user is not None:
        total = _take(User, [User.id == user.id], User.failed_logins, User.locked_until,
                      cfg["ACCOUNT_MAX_FAILURES"], now + _minutes("ACCOUNT_LOCK_MINUTES"), now)
        if total is None:  # locked a moment ago by another address: give this try back
            db.session.rollback()
            return None
        if total == cfg["ACCOUNT_MAX_FAILURES"]:
            _account_locked(user, now)
    db.session.commit()
    return cfg["LOGIN_MAX_FAILURES"] - n


def _stale(now: datetime):
    """An address's count without a lock and without a wrong try for the window."""
    return and_(LoginFailure.locked_until.is_(None),
                LoginFailure.updated_at < now - _minutes("LOGIN_FAILURE_WINDOW_MINUTES"))


def prune(now: datetime) -> int:
    """Delete the rows that no longer count (lock run out, or stale) and commit; how many.
    take_try treats them as absent anyway, so this changes no answer, only the table's size."""
    deleted = db.session.execute(delete(LoginFailure).where(
        or_(LoginFailure.locked_until <= now, _stale(now)))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return deleted


def succeeded(user: User, client: str) -> None:
    """The right secret: this address's count and the account's start again (commits)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.account == account_key(user, ""),
                                                  LoginFailure.client == client[:64]))
    db.session.execute(update(User).where(User.id == user.id)
                       .values(failed_logins=0, locked_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(user)


def clear(user: User) -> None:
    """Lift every lock of the account, from every address (no commit)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.account == account_key(user, "")))
    user.failed_logins, user.locked_until = 0, None


def locked_until(user: User | None, login: str, client: str, now: datetime) -> datetime | None:
    """When `client` may try this account (or unknown name) again; None: it may now."""
    if until := account_locked_until(user, now):
        return until
    until = db.session.scalar(select(LoginFailure.locked_until).where(
        LoginFailure.account == account_key(user, login), LoginFailure.client == client[:64]))
    return until if until and until > now else None


def locked_ids(users, now: datetime) -> set[int]:
    """Which of `users` are locked as a whole or for at least one address (for those who
    manage them: a new PIN or an admin's unlock lifts it)."""
    users = list(users)
    keys = {account_key(u, ""): u.id for u in users}
    held = db.session.scalars(select(LoginFailure.account).where(
        LoginFailure.account.in_(list(keys)), LoginFailure.locked_until > now)) if keys else []
    return {keys[k] for k in held} | {u.id for u in users if account_locked_until(u, now)}


def is_locked(user: User, now: datetime) -> bool:
    return user.id in locked_ids([user], now)


# The lock notices are read by the owner and the admins, in their own language (never in the
# language of the request that tripped the lock, likely the attacker's).
LOCKED_OWNER = register(
    "account_locked.owner", _l("Your account was locked after too many wrong passwords or PINs"),
    _l("If this was not you, tell an administrator. The lock ends by itself after %(m)s minutes."))
LOCKED_ADMIN = register(
    "account_locked.admin", _l("Account %(name)s locked after too many wrong passwords or PINs"))


def _account_locked(user: User, now: datetime) -> None:
    """History, and a notification to the user and to the admins (in this transaction)."""
    from ..notifications.service import notify
    from ..web import path_for
    from .history import record
    record(user, "locked", None, note=str(current_app.config["ACCOUNT_MAX_FAILURES"]), at=now)
    key = f"account-locked-{user.id}-{now.isoformat()}"
    notify([user], kind="account_locked", dedupe_key=key, message=LOCKED_OWNER,
           params={"m": current_app.config["ACCOUNT_LOCK_MINUTES"]})
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN,
                                                   User.active.is_(True))).all()
    notify(admins, kind="account_locked", dedupe_key=key, message=LOCKED_ADMIN,
           params={"name": user.name}, link=path_for("admin.user_edit", user_id=user.id))
