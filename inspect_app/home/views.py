from flask import abort, redirect, request, url_for
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, allow, is_enterprise_staff, is_worker
from ..hazards import service as hazards
from ..sites import overview as sites
from ..timeutil import local_today
from ..web import page
from . import bp, queue


@bp.get("/")
@allow()
def index():
    if is_enterprise_staff(current_user) and current_user.site_id:
        return redirect(url_for("enterprise.home"))
    if is_worker(current_user):
        from ..shifts import meetings
        from ..shifts import reports as shift_reports
        return page("home/worker.html", day=meetings.worker_day(current_user),
                    reports=shift_reports.my_reports(current_user, limit=5))
    return page("home/index.html", work=queue.for_page(current_user),
                due=sites.due_sites(current_user))


@bp.get("/queue-card")
@allow(*FIELD_ROLES)
def queue_card():
    """The home page's hazard-queue card, which it loads when scrolled to: the first cards of
    the user's queue (/hazards/, the same roles)."""
    return page("home/queue_card.html", "hazard_queue",
                queue=hazards.queue(current_user, hazards.Filters(), page_size=5))


@bp.get("/work/")
@allow()
def work():
    return page("home/work.html", "work_queue", work=queue.for_page(current_user))


@bp.get("/work/<section>")
@allow()
def work_section(section: str):
    if section not in queue.section_keys(current_user):
        abort(404)
    after = forms.filters(request.args, {"after": forms.Id()}).after or 0
    rows = queue.rows_of(current_user, section, local_today(), after=after,
                         limit=queue.FULL_PAGE + 1)
    more = len(rows) > queue.FULL_PAGE
    rows = rows[:queue.FULL_PAGE]
    return page("home/work_section.html", "rows" if after else None, key=section,
                title=queue.title_of(section), rows=rows,
                next_after=rows[-1].key if more and rows[-1].key else None)
