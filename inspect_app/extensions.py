"""Flask extensions, created here and bound to the app in create_app()."""

from contextvars import ContextVar

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached


class Base(DeclarativeBase):
    # Named constraints keep ALTERs (and SQLite batch migrations) deterministic.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()
compress = Compress()  # phones on weak 4G: every text response goes out compressed
# Per client address; Redis when REDIS_URL is set (shared by every worker), memory otherwise.
limiter = Limiter(key_func=get_remote_address)


# The connection of an open snapshot (connections.snapshot), which `read` reads from instead.
snapshot_connection: ContextVar = ContextVar("snapshot_connection", default=None)


def read(statement, params: dict | None = None):
    """Rows of plain columns (no ORM objects to load) from the session's connection, in its
    transaction, or from the open snapshot's (connections.snapshot). The session's own execute,
    made for loading objects, costs more CPU a statement (zone PG, the site page's statements
    alternated: 0.05-0.26 ms each); it also flushes pending changes first, so use this only
    where none can be pending (page reads)."""
    return (snapshot_connection.get() or db.session.connection()).execute(statement, params)


def loaded(mapper, keys: tuple[str, ...], values):
    """An object of `mapper`'s class with these column values, in the session as if a select
    had loaded it (no history; its relationships load when asked), without the ORM's loading
    machinery for one row (compile state, loading context, a populator per column). `keys`:
    every column attribute's, in the order of `values`."""
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj
