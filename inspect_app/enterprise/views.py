"""The enterprise's home, its self-checks and hazard reports, the supervisors' pages of the
enterprises, and the reminder command. Standardization, drills and training, and the statistics
table have their own view modules, imported here so that their routes attach to bp."""

import click
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from .. import scan
from ..access import ZONE_STAFF, allow, manages_site
from ..hazards.service import stopped_work
from ..sites.types import RISK_COLORS
from ..timeutil import local_today, utcnow
from ..web import page, redirect_to, safe_next
from . import (
    bp,
    checks,
    drill_views,
    drills,
    forms,
    overview,
    reminders,
    reports,
    schedule,
    scope,
    standard,
    standard_views,
    statistics,
    statistics_views,
    training,
)
from .pages import ENTERPRISE, READERS, labels, or_again

# The other view modules: their routes attach to bp as they load.
SECTIONS = (drill_views, standard_views, statistics_views)


# The enterprise's own pages --------------------------------------------------------------------

@bp.get("/")
@allow(ENTERPRISE)
def home(http_status=200, **again):
    """The enterprise's own page; after a refused start of a check, that check's form again
    (`failed` names its duty) with each field's message."""
    site = scope.own_site(current_user)
    today = local_today()
    due = checks.due_for(site, today)
    from ..home import queue
    return page("enterprise/home.html", http_status=http_status, site=site, due=due, today=today,
                work=queue.for_page(current_user),
                templates={d: checks.templates_for_duty(site, current_user, d)
                           for d in schedule.CHECK_DUTIES},
                unfinished=checks.unfinished(current_user),
                open_hazards=reports.site_hazards(site, open_only=True),
                stopped=stopped_work(site),
                is_principal=statistics.may_sign(current_user), **labels(), **again)


@bp.post("/checks/start")
@allow(ENTERPRISE)
def start_check():
    return or_again(_start_check, lambda **again: home(failed=request.form.get("duty"), **again))


def _start_check():
    v = f.parse(request.form, forms.START_CHECK)
    from_scan = scan.recent(current_user.site_id, utcnow())
    inspection = checks.start_check(current_user, v.duty, v.template or 0, v.led_by,
                                     v.principal_present, from_scan)
    return redirect_to(url_for("inspections.run", inspection_id=inspection.id))


@bp.get("/checks", endpoint="checks")
@allow(ENTERPRISE)
def checks_page():
    site = scope.own_site(current_user)
    return page("enterprise/checks.html", site=site, rows=checks.self_checks(site), **labels())


@bp.get("/hazards")
@allow(ENTERPRISE)
def hazard_lists():
    site = scope.own_site(current_user)
    which = "rectification" if request.args.get("list") == "rectification" else "hazards"
    return page("enterprise/hazards.html", "lists", site=site, which=which, today=local_today(),
                hazards=reports.site_hazards(site), missing=reports.report_missing)


@bp.route("/hazards/<int:hazard_id>/report", methods=["GET", "POST"])
@allow(*READERS)
def major_report(hazard_id: int):
    if request.method == "POST":
        return or_again(lambda: _save_report(hazard_id),
                         lambda **again: _report_page(hazard_id, **again))
    return _report_page(hazard_id)


def _save_report(hazard_id: int):
    hazard = reports.save_report(current_user, hazard_id,
                                 f.parse(request.form, forms.REPORT, only_present=True))
    flash(_("Written report saved.") if not reports.report_missing(hazard) else
          _("Saved. The report is not complete yet."), "success")
    return redirect_to(url_for(".major_report", hazard_id=hazard.id))


def _report_page(hazard_id: int, http_status=200, **again):
    hazard = reports.major_hazard(current_user, hazard_id)
    return page("enterprise/report.html", http_status=http_status, hazard=hazard,
                fields=reports.REPORT_FIELDS, missing=reports.report_missing(hazard),
                editable=manages_site(current_user, hazard.site_id), **again)



# The supervisors' pages ------------------------------------------------------------------------

@bp.get("/overview", endpoint="overview")
@allow(*ZONE_STAFF)
def overview_page():
    return page("enterprise/overview.html", data=overview.overview(current_user),
                risk_colors=RISK_COLORS, **labels())


@bp.get("/sites/<int:site_id>")
@allow(*ZONE_STAFF)
def site_summary(site_id: int, http_status=200, **again):
    site = scope.enterprise_site(current_user, site_id)
    today = local_today()
    return page("enterprise/site.html", http_status=http_status, **again, site=site,
                due=checks.due_for(site, today), today=today,
                history=standard.assessments(site), grades=standard.grades(site),
                posts=standard.model_posts(site), drills=drills.drills(site),
                statuses=training.training_statuses(site, today.year),
                checks=checks.self_checks(site, limit=10), stopped=stopped_work(site),
                **labels())


@bp.post("/sites/<int:site_id>/grades")
@allow(*ZONE_STAFF)
def grade_new(site_id: int):
    def step():
        v = f.parse(request.form, forms.GRADE)
        standard.record_grade(current_user, site_id, v.grade, v.granted_on, v.expires_on,
                              v.document_no)
        flash(_("Grade recorded."), "success")
        return redirect_to(url_for(".site_summary", site_id=site_id))
    return or_again(step, lambda **again: site_summary(site_id, **again))


@bp.post("/posts/<int:post_id>/recognise")
@allow(*ZONE_STAFF)
def post_recognise(post_id: int):
    standard.recognise_post(current_user, post_id)
    flash(_("Model post recognised."), "success")
    back = safe_next(request.form.get("next"))
    return redirect_to(back if back and back.startswith("/enterprise/") else url_for(".overview"))


# Command line ----------------------------------------------------------------------------------

@bp.cli.command("remind")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend it is this day (default: today in the zone).")
def remind(today):
    """Inbox reminders of due and overdue self-checks and drills, and of unsigned statistics."""
    counts = reminders.send_reminders(today.date() if today else None)
    click.echo(f"{counts['duties']} duty reminders, {counts['statistics']} statistics reminders")
