"""Field inspection app for the Xuefeng zone's workplace-safety action plan."""

import uuid
from importlib import import_module

from flask import Flask

from . import labels
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

    app.url_map.converters["int"] = IdConverter  # before any route is added
    for ext in (db, login_manager, htmx, csrf, compress, limiter):
        ext.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))

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
    app.jinja_env.globals.update(labels.GLOBALS, new_key=lambda: uuid.uuid4().hex)
    install.init_app(app)
    headers.init_app(app)
    display.init_app(app)
    throttle.init_app(app)
    idempotency.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    tasks.init_app(app)
    return app
