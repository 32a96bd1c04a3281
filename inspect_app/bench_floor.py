"""The benchmark's floors, served only when BENCH_FLOOR=1 (never in production).

`bench/run.py` measures every page beside a floor on the same gunicorn, alternated: a bare
route (the cost of Flask, gunicorn and the network, no database, no template) and a static
page carrying the vendored htmx (what any page of ours must at least fetch and paint).
"""

from flask import Blueprint, Flask, url_for

from .access import allow, public

bp = Blueprint("bench_floor", __name__, url_prefix="/bench")


@bp.get("/floor")
@public
def floor():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/floor-user")
@allow()
def floor_user():
    """The bare route for a logged-in user: what every page pays for its session and user."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/floor.html")
@public
def floor_page():
    htmx = url_for("static", filename="vendor/htmx-2.0.11.min.js")
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport"'
            f' content="width=device-width"><title>floor</title><script src="{htmx}" defer>'
            '</script></head><body><h1>检查清单</h1><p>floor</p></body></html>')


def init_app(app: Flask) -> None:
    if app.config.get("BENCH_FLOOR"):
        app.register_blueprint(bp)
