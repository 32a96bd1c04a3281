"""The five lists, the major-hazard database, their print views and xlsx downloads."""

from flask import current_app, redirect, request, url_for
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, ZONE_STAFF, allow, is_enterprise_staff, may_open
from ..roles import Role
from ..sites.service import visible_grids
from ..sites.types import SITE_TYPES
from ..timeutil import local_today
from ..web import page
from . import bp, export, job_views, service, stats, summary

MAJOR_ROLES = (*ZONE_STAFF, Role.ENTERPRISE)
FIVE = "<any(inspections,hazards,rectification,responsibility,enforcement):slug>"


def _choices() -> dict:
    grids = visible_grids(current_user)
    return {"grids": grids, "areas": sorted({g.area for g in grids}, key=lambda a: a.name),
            "site_types": SITE_TYPES, "levels": service.LEVELS, "fmt": service.display}


def _print(ledger, filters, **context):
    limit = current_app.config["LEDGER_PRINT_MAX_ROWS"]
    rows = list(service.rows(ledger, current_user, filters, limit=limit + 1))
    return page("ledgers/print.html", ledger=ledger, filters=filters, rows=rows[:limit],
                truncated=len(rows) > limit, limit=limit, fmt=service.display,
                describe=service.describe(ledger, filters), site_types=SITE_TYPES,
                today=local_today(), **context)


def _list(template: str, ledger, download_endpoint: str, **context):
    filters = service.Filters.from_args(request.args, ledger)
    if request.args.get("print"):
        return _print(ledger, filters, **context)
    after = forms.filters(request.args, {"after": forms.Id()}).after
    listing = service.listing(ledger, current_user, filters, after=after,
                              limit=current_app.config["LEDGER_PAGE_SIZE"])
    # "More" appends rows; a filter change replaces the results.
    return page(template, "rows" if after else "results", ledger=ledger, filters=filters,
                listing=listing, download_endpoint=download_endpoint, **_choices(), **context)


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    return page("ledgers/index.html", ledgers=service.FIVE,
                major=service.MAJOR if may_open(current_user, "ledgers.major") else None)


@bp.get(f"/{FIVE}")
@allow(*FIELD_ROLES)
def show(slug: str):
    return _list("ledgers/list.html", service.LEDGERS[slug], "ledgers.download")


@bp.get(f"/{FIVE}.xlsx")
@allow(*FIELD_ROLES)
def download(slug: str):
    ledger = service.LEDGERS[slug]
    return _send(ledger, service.Filters.from_args(request.args, ledger))


@bp.get("/major")
@allow(*MAJOR_ROLES)
def major():
    filters = service.Filters.from_args(request.args, service.MAJOR)
    return _list("ledgers/major.html", service.MAJOR, "ledgers.major_download",
                 board=stats.dashboard(current_user, filters, regime=filters.regime),
                 titles=stats.TARGET_TITLES,
                 measures=stats.TARGET_MEASURES,
                 zone_lists=not is_enterprise_staff(current_user))


@bp.post("/major/count")
@allow(*ZONE_STAFF)
def major_count():
    """A supervisor's "count again": the summary counted now, then the page with the same filters."""
    summary.recount()
    filters = service.Filters.from_args(request.form, service.MAJOR)
    return redirect(url_for("ledgers.major", **filters.as_args()), 303)


@bp.get("/major.xlsx")
@allow(*MAJOR_ROLES)
def major_download():
    return _send(service.MAJOR, service.Filters.from_args(request.args, service.MAJOR))


def _send(ledger, filters):
    """A small ledger in the response; a large one is queued instead (job_views.py)."""
    if job_views.too_big_for_request(ledger, filters):
        return redirect(url_for("ledgers.export_page", slug=ledger.slug, **filters.as_args()), 303)
    return export.send(ledger, current_user, filters)
