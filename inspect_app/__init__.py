"""Field inspection app for the Xuefeng zone's workplace-safety action plan."""

import uuid
from importlib import import_module

from flask import Flask, g
from flask_login import current_user

from . import connections, labels
from .config import Defaults, from_environment
from .extensions import compress, csrf, db, htmx, limiter, login_manager, migrate
from .forms import IdConverter


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Explicit `config` (tests) wins over the environment and defaults."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.config.from_object(Defaults)
    config = config or {}
    env = from_environment(app.instance_path)
    if "SECRET_KEY" in config:  # tests: don't create files under instance/
        env.pop("SECRET_KEY")
    app.config.update(env)
    app.config.update(config)
    connections.configure(app)

    app.url_map.converters["int"] = IdConverter  # before any route is added
    for ext in (db, login_manager, htmx, csrf, compress, limiter):
        ext.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    connections.init_app(app)

    from . import (
        admin,
        auth,
        checklists,
        cli,
        display,
        enterprise,
        hazards,
        headers,
        home,
        idempotency,
        inspections,
        install,
        ledgers,
        majors,
        models,  # noqa: F401 - every model registered before mappers configure
        notifications,
        people,
        photos,
        shifts,
        sites,
        sms,
        tasks,
        throttle,
        web,
    )
    for feature in (auth, home, sites, inspections, photos, hazards, admin, checklists,
                    notifications, shifts, people, enterprise, ledgers, sms, majors):
        import_module(f"{feature.__name__}.views")  # the views attach routes to feature.bp
        app.register_blueprint(feature.bp)
    web.init_app(app)
    configure_templates(app)
    install.init_app(app)
    headers.init_app(app)
    display.init_app(app)
    throttle.init_app(app)
    idempotency.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    tasks.init_app(app)
    from . import bench_floor
    bench_floor.init_app(app)
    return app


def configure_templates(app: Flask) -> None:
    """What every template may ask of the features: code labels, the menu, the inbox count.
    Registered here, so that web.py, which every feature imports, imports none of them."""
    from .access import may_open
    from .home import queue as work_queue
    from .icons import icon
    from .inspections.static_part import item_static, item_words
    from .nav import links_for
    from .notifications.service import unread_count
    from .sites.types import site_type_label

    # new_key: a fresh key per rendered form (a retried upload reuses it, a new form gets one).
    app.jinja_env.globals.update(labels.GLOBALS, site_type_label=site_type_label,
                                 new_key=lambda: uuid.uuid4().hex,
                                 may_open=lambda endpoint: may_open(current_user, endpoint),
                                 item_static=item_static, item_words=item_words, icon=icon)

    @app.context_processor
    def inbox_count():
        if g.get("database_down") or not current_user.is_authenticated:
            return {}
        # The work count is asked only where the bar is drawn (full pages, not fragments).
        return {"unread_count": unread_count(current_user), "nav_links": links_for(current_user),
                "has_work_queue": bool(work_queue.section_keys(current_user)),
                "work_count": lambda: work_queue.count(current_user),
                "shown_count": work_queue.shown}
