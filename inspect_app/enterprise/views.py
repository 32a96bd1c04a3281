import uuid

import click
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from .. import periods, scan
from ..access import ZONE_STAFF, allow, is_enterprise_staff, manages_site
from ..extensions import db
from ..hazards.service import stopped_work
from ..roles import Role
from ..sites.types import RISK_COLORS
from ..timeutil import local_today, utcnow
from ..web import page, redirect_to, safe_next, wants_fragment
from . import (
    bp,
    checks,
    drills,
    export,
    forms,
    overview,
    reminders,
    reports,
    schedule,
    scope,
    scoring,
    standard,
    statistics,
    training,
)

ENTERPRISE = Role.ENTERPRISE
READERS = (ENTERPRISE, *ZONE_STAFF)  # zone staff look at an enterprise's records too


def _or_again(step, again):
    """Do a form's step; when a field is refused, its page again with each field's message
    beside it and what was typed kept (422). Nothing was saved. An htmx change (not a whole
    form) is told why in a toast instead (422 with X-Message, nothing swapped)."""
    try:
        return step()
    except f.Invalid as e:
        db.session.rollback()
        if wants_fragment():
            raise  # web.user_error: the toast
        return again(errors=e.errors, form=request.form, http_status=422)


def _labels() -> dict:
    """Labels every enterprise page may show."""
    return {"duty_labels": checks.DUTY_LABELS, "drill_labels": drills.DRILL_LABELS,
            "grade_labels": standard.GRADE_LABELS, "training_kinds": training.TRAINING_KINDS}


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
                pending_reports=reports.reports_pending(site),
                open_hazards=reports.site_hazards(site, open_only=True),
                stopped=stopped_work(site),
                stats_due=statistics.to_sign(site, today),
                is_principal=statistics.may_sign(current_user), **_labels(), **again)


@bp.post("/checks/start")
@allow(ENTERPRISE)
def start_check():
    return _or_again(_start_check, lambda **again: home(failed=request.form.get("duty"), **again))


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
    return page("enterprise/checks.html", site=site, rows=checks.self_checks(site), **_labels())


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
        return _or_again(lambda: _save_report(hazard_id),
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


# Standardization -------------------------------------------------------------------------------

@bp.get("/standard", endpoint="standard")
@allow(ENTERPRISE)
def standard_page(http_status=200, **again):
    site = scope.own_site(current_user)
    history = standard.assessments(site)
    return page("enterprise/standard.html", http_status=http_status, site=site, history=history,
                trend=scoring.trend(a.score for a in history),
                templates=standard.standard_templates(site), draft=standard.draft_assessment(site),
                grades=standard.grades(site), **_labels(), **again)


@bp.post("/standard/start")
@allow(ENTERPRISE)
def standard_start():
    def step():
        template = f.parse(request.form, forms.TEMPLATE).template
        assessment = standard.start_assessment(current_user, template or 0)
        return redirect_to(url_for(".assessment", assessment_id=assessment.id))
    return _or_again(step, standard_page)


def _assessment_page(assessment, fragment=None, http_status=200, **extra):
    mine = manages_site(current_user, assessment.site_id)
    return page("enterprise/assessment.html", fragment, http_status=http_status,
                assessment=assessment, result=standard.score_of(assessment),
                given={s.item_id: s for s in assessment.scores},
                mine=mine, editable=mine and assessment.submitted_at is None, **extra)


@bp.get("/standard/<int:assessment_id>")
@allow(*READERS)
def assessment(assessment_id: int):
    return _assessment_page(standard.get_assessment(current_user, assessment_id))


def _scores(form) -> tuple[dict, dict]:
    """Fields `item-<id>` (points, "na" or blank) and `note-<id>`, by item id."""
    scores, notes, errors = {}, {}, {}
    for key in form:
        kind, _sep, raw_id = key.partition("-")
        if kind not in ("item", "note") or not raw_id.isascii() or not raw_id.isdigit():
            continue
        try:
            item_id = f.Id().clean(raw_id, key)
            raw = form.get(key, "").strip()
            if kind == "note":
                notes[item_id] = forms.NOTE.clean(raw, key)
            else:
                scores[item_id] = "na" if raw == "na" else forms.SCORE.clean(raw, key)
        except ValueError as e:
            errors[key] = str(e)
    if errors:
        raise f.Invalid(errors)
    return scores, notes


@bp.post("/standard/<int:assessment_id>")
@allow(ENTERPRISE)
def assessment_save(assessment_id: int):
    # A score changed on the page (htmx) comes back as the running total, or a toast.
    return _or_again(lambda: _save_assessment(assessment_id), lambda **again: _assessment_page(
        standard.get_assessment(current_user, assessment_id), **again))


def _save_assessment(assessment_id: int):
    scores, notes = _scores(request.form)
    note = f.check(request.form["note"], f.Text(), "note") if "note" in request.form else None
    assessment = standard.save_scores(current_user, assessment_id, scores, notes, note)
    if request.form.get("action") == "submit":
        done = standard.submit_assessment(current_user, assessment_id)
        flash(_("Assessment submitted: %(score)s points.", score=done.score), "success")
        return redirect_to(url_for(".standard"))
    if wants_fragment():  # a score changed: only the running total comes back
        return _assessment_page(assessment, "score_total")
    return redirect(url_for(".assessment", assessment_id=assessment.id))


@bp.get("/posts")
@allow(ENTERPRISE)
def posts(http_status=200, **again):
    site = scope.own_site(current_user)
    return page("enterprise/posts.html", http_status=http_status, site=site,
                posts=standard.model_posts(site), **again)


@bp.post("/posts")
@allow(ENTERPRISE)
def post_new():
    def step():
        v = f.parse(request.form, forms.POST)
        standard.propose_post(current_user, v.name, v.holder, v.description)
        flash(_("Model post proposed; the zone will review it."), "success")
        return redirect_to(url_for(".posts"))
    return _or_again(step, posts)


# Drills and training -----------------------------------------------------------------------------

@bp.get("/drills", endpoint="drills")
@allow(ENTERPRISE)
def drills_page(http_status=200, **again):
    site = scope.own_site(current_user)
    return page("enterprise/drills.html", http_status=http_status, site=site,
                drills=drills.drills(site),
                due=[d for d in checks.due_for(site) if d.duty in
                     (schedule.Duty.EMERGENCY_DRILL, schedule.Duty.FIRE_DRILL)],
                today=local_today(), **_labels(), **again)


def _save_drill(drill_id: int | None = None):
    drill = drills.save_drill(current_user, f.parse(request.form, forms.DRILL), drill_id)
    flash(_("Drill saved."), "success")
    return redirect_to(url_for(".drill", drill_id=drill.id))


@bp.post("/drills")
@allow(ENTERPRISE)
def drill_new():
    return _or_again(_save_drill, drills_page)


def _drill_page(drill, fragment=None, http_status=200, **again):
    return page("enterprise/drill.html", fragment, http_status=http_status, drill=drill,
                today=local_today(), new_key=lambda: uuid.uuid4().hex,
                editable=manages_site(current_user, drill.site_id), **_labels(), **again)


@bp.get("/drills/<int:drill_id>")
@allow(*READERS)
def drill(drill_id: int):
    return _drill_page(drills.get_drill(current_user, drill_id))


@bp.post("/drills/<int:drill_id>")
@allow(ENTERPRISE)
def drill_save(drill_id: int):
    return _or_again(lambda: _save_drill(drill_id), lambda **again: _drill_page(
        drills.get_drill(current_user, drill_id), **again))


@bp.post("/drills/<int:drill_id>/photos")
@allow(ENTERPRISE)
def drill_photo(drill_id: int):
    drill = drills.add_drill_photo(current_user, drill_id, request.files.get("photo"),
                                    f.parse(request.form, forms.PHOTO).upload_key or None)
    if wants_fragment():
        return _drill_page(drill, "drill_photos")
    return redirect(url_for(".drill", drill_id=drill.id))


@bp.get("/training", endpoint="training")
@allow(ENTERPRISE)
def training_page(http_status=200, **again):
    site = scope.own_site(current_user)
    year = f.filters(request.args, forms.YEAR).year or local_today().year
    return page("enterprise/training.html", http_status=http_status, site=site, year=year,
                sessions=training.trainings(site, year), people=training.people(site),
                statuses=training.training_statuses(site, year), today=local_today(),
                **_labels(), **again)


@bp.post("/training")
@allow(ENTERPRISE)
def training_new():
    def step():
        held = training.record_training(current_user, f.parse(request.form, forms.TRAINING))
        flash(_("Training recorded."), "success")
        return redirect_to(url_for(".training", year=held.held_on.year))
    return _or_again(step, training_page)


# Hazard statistics -------------------------------------------------------------------------------

def _statistics_site():
    if is_enterprise_staff(current_user):  # its own table
        return scope.own_site(current_user)
    return scope.enterprise_site(current_user, f.filters(request.args, forms.SITE).site or 0)


def _period(data) -> tuple[int, int]:
    v = f.filters(data, forms.PERIOD, notify=False)  # out of range: 404 below, as before
    if (data.get("year") and v.year is None) or (data.get("quarter") and v.quarter is None):
        abort(404)
    return statistics.statistics_period(v.year, v.quarter)


@bp.get("/statistics", endpoint="statistics")
@allow(*READERS)
def statistics_page(http_status=200, data=None, **again):
    site = _statistics_site()
    year, quarter = _period(data or request.args)
    signed = statistics.confirmation(site, year, quarter)
    period = periods.quarter(year, quarter)
    figures = signed.figures if signed else statistics.statistics(site, year, quarter)
    return page("enterprise/statistics.html", "table", http_status=http_status, site=site,
                year=year, quarter=quarter, signed=signed, period=period, figures=figures,
                rows=statistics.STAT_ROWS, ended=period.end < local_today(),
                major_rows=statistics.open_major_rows(figures), mine=manages_site(current_user, site.id),
                can_sign=statistics.may_sign(current_user) and not signed,
                years=range(local_today().year, local_today().year - 4, -1), **again)


@bp.post("/statistics/confirm")
@allow(ENTERPRISE)
def statistics_confirm():
    year, quarter = _period(request.form)

    def step():
        signed = f.parse(request.form, forms.SIGN)
        statistics.confirm_statistics(current_user, year, quarter, signed.signed_name,
                                      analysis=signed.analysis)
        flash(_("Statistics table signed."), "success")
        return redirect_to(url_for(".statistics", year=year, quarter=quarter))
    return _or_again(step, lambda **again: statistics_page(data=request.form, **again))


@bp.post("/statistics/submitted")
@allow(ENTERPRISE)
def statistics_submitted():
    year, quarter = _period(request.form)

    def step():
        v = f.parse(request.form, forms.SUBMISSION)
        statistics.record_submission(current_user, year, quarter, v.submitted_to, v.submitted_on)
        flash(_("Submission recorded."), "success")
        return redirect_to(url_for(".statistics", year=year, quarter=quarter))
    return _or_again(step, lambda **again: statistics_page(data=request.form, **again))


@bp.get("/statistics.xlsx")
@allow(*READERS)
def statistics_export():
    site = _statistics_site()
    year, quarter = _period(request.args)
    name = f"hazard-statistics-{site.id}-{year}{f'-Q{quarter}' if quarter else ''}.xlsx"
    return export.statistics_xlsx(site, year, quarter).response(name)


# The supervisors' pages ------------------------------------------------------------------------

@bp.get("/overview", endpoint="overview")
@allow(*ZONE_STAFF)
def overview_page():
    return page("enterprise/overview.html", data=overview.overview(current_user),
                risk_colors=RISK_COLORS, **_labels())


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
                **_labels())


@bp.post("/sites/<int:site_id>/grades")
@allow(*ZONE_STAFF)
def grade_new(site_id: int):
    def step():
        v = f.parse(request.form, forms.GRADE)
        standard.record_grade(current_user, site_id, v.grade, v.granted_on, v.expires_on,
                              v.document_no)
        flash(_("Grade recorded."), "success")
        return redirect_to(url_for(".site_summary", site_id=site_id))
    return _or_again(step, lambda **again: site_summary(site_id, **again))


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

