from flask import redirect, url_for
from flask_login import current_user

from ..access import allow
from ..roles import Role
from ..hazards import service as hazards
from ..sites import service as sites
from ..web import page
from . import bp


@bp.get("/")
@allow()
def index():
    if current_user.role == Role.ENTERPRISE and current_user.site_id:
        return redirect(url_for("sites.detail", site_id=current_user.site_id))
    if current_user.role == Role.WORKER:
        return page("home/worker.html")
    due = sites.due_sites(current_user)
    queue = hazards.queue(current_user, hazards.Filters(), page_size=5)
    return page("home/index.html", due=due, queue=queue)

