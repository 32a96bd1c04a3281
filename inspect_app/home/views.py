from flask import redirect, url_for
from flask_login import current_user

from ..access import allow
from ..hazards import service as hazards
from ..roles import Role
from ..sites import overview as sites
from ..web import page
from . import bp


@bp.get("/")
@allow()
def index():
    if current_user.role == Role.ENTERPRISE and current_user.site_id:
        return redirect(url_for("enterprise.home"))
    if current_user.role == Role.WORKER:
        from ..shifts import meetings
        from ..shifts import reports as shift_reports
        return page("home/worker.html", day=meetings.worker_day(current_user),
                    reports=shift_reports.my_reports(current_user, limit=5))
    due = sites.due_sites(current_user)
    queue = hazards.queue(current_user, hazards.Filters(), page_size=5)
    return page("home/index.html", due=due, queue=queue)

