"""The enterprise's quarterly hazard statistics table: the page, its signature and
submission, and its .xlsx."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from .. import periods
from ..access import allow, is_enterprise_staff, manages_site
from ..timeutil import local_today
from ..web import page, redirect_to
from . import bp, export, forms, scope, statistics
from .pages import ENTERPRISE, READERS, or_again


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
    return or_again(step, lambda **again: statistics_page(data=request.form, **again))


@bp.post("/statistics/submitted")
@allow(ENTERPRISE)
def statistics_submitted():
    year, quarter = _period(request.form)

    def step():
        v = f.parse(request.form, forms.SUBMISSION)
        statistics.record_submission(current_user, year, quarter, v.submitted_to, v.submitted_on)
        flash(_("Submission recorded."), "success")
        return redirect_to(url_for(".statistics", year=year, quarter=quarter))
    return or_again(step, lambda **again: statistics_page(data=request.form, **again))


@bp.get("/statistics.xlsx")
@allow(*READERS)
def statistics_export():
    site = _statistics_site()
    year, quarter = _period(request.args)
    name = f"hazard-statistics-{site.id}-{year}{f'-Q{quarter}' if quarter else ''}.xlsx"
    return export.statistics_xlsx(site, year, quarter).response(name)
