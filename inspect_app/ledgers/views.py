"""The five lists, the major-hazard database, their print views and xlsx downloads."""

from flask import current_app, redirect, request, url_for
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, ZONE_STAFF, allow, is_enterprise_staff, may_open
from ..connections import snapshot
from ..roles import Role
from ..sites.types import SITE_TYPES
from ..timeutil import local_today
from ..web import filter_form, page
from . import bp, dashboard, export, job_views, service, summary

MAJOR_ROLES = (*ZONE_STAFF, Role.ENTERPRISE)
FIVE = "<any(inspections,hazards,rectification,responsibility,enforcement):slug>"


def _choices() -> dict:
    places = service.choices(current_user)
    return {"choices": places, "site_types": SITE_TYPES,
            "levels": service.LEVELS, "table_rows": service.table_rows, "heads": service.heads}


def _print(ledger, filters, **context):
    limit = current_app.config["LEDGER_PRINT_MAX_ROWS"]
    with snapshot():  # one moment, as the export's (connections.snapshot)
        rows = list(service.rows(ledger, current_user, filters, limit=limit + 1))
    return page("ledgers/print.html", ledger=ledger, filters=filters, rows=rows[:limit],
                truncated=len(rows) > limit, limit=limit, cells=service.cells,
                describe=service.describe(ledger, filters), site_types=SITE_TYPES,
                today=local_today(), **context)


def _list(template: str, ledger, total_endpoint: str, **context):
    filters = service.Filters.from_args(request.args, ledger)
    if request.args.get("print"):
        return _print(ledger, filters, **context)
    after = forms.filters(request.args, {"after": forms.Id()}).after
    listing = service.listing(ledger, current_user, filters, after=after,
                              limit=current_app.config["LEDGER_PAGE_SIZE"])
    total_url = url_for(total_endpoint, **request.view_args, **filters.as_args())
    # "More" appends rows; a filter change replaces the results.
    choices = _choices()
    return page(template, "rows" if after else "results", ledger=ledger, filters=filters,
                listing=listing, total_url=total_url, **choices, **context,
                # Full pages only; kept a minute per scope, list and filters (web.filter_form).
                filter_form=lambda: filter_form(
                    "ledgers/_filters.html", (service.choices_key(current_user), request.endpoint,
                                              tuple(sorted(request.view_args.items())),
                                              ledger.slug, filters),
                    ledger=ledger, filters=filters, **choices))


def _total(ledger, list_endpoint: str, download_endpoint: str):
    """The list's total (and its in-request .xlsx link): a fragment the page loads apart."""
    filters = service.Filters.from_args(request.args, ledger)
    args = {**request.view_args, **filters.as_args()}
    return page("ledgers/total.html", "total", ledger=ledger,
                counted=service.counted(ledger, current_user, filters),
                list_url=url_for(list_endpoint, **args),
                download_url=url_for(download_endpoint, **args))


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    return page("ledgers/index.html", ledgers=service.FIVE,
                major=service.MAJOR if may_open(current_user, "ledgers.major") else None)


@bp.get(f"/{FIVE}")
@allow(*FIELD_ROLES)
def show(slug: str):
    return _list("ledgers/list.html", service.LEDGERS[slug], "ledgers.total")


@bp.get(f"/{FIVE}/total")
@allow(*FIELD_ROLES)
def total(slug: str):
    return _total(service.LEDGERS[slug], "ledgers.show", "ledgers.download")


@bp.get(f"/{FIVE}.xlsx")
@allow(*FIELD_ROLES)
def download(slug: str):
    ledger = service.LEDGERS[slug]
    return _send(ledger, service.Filters.from_args(request.args, ledger))


@bp.get("/major")
@allow(*MAJOR_ROLES)
def major():
    filters = service.Filters.from_args(request.args, service.MAJOR)
    board, figures = dashboard.figures(current_user, filters, regime=filters.regime)
    return _list("ledgers/major.html", service.MAJOR, "ledgers.major_total", board=board,
                 figures=figures, zone_lists=not is_enterprise_staff(current_user))


@bp.post("/major/count")
@allow(*ZONE_STAFF)
def major_count():
    """A supervisor's "count again": the summary counted now, then the page with the same filters."""
    summary.recount()
    filters = service.Filters.from_args(request.form, service.MAJOR)
    return redirect(url_for("ledgers.major", **filters.as_args()), 303)


@bp.get("/major/total")
@allow(*MAJOR_ROLES)
def major_total():
    return _total(service.MAJOR, "ledgers.major", "ledgers.major_download")


@bp.get("/major.xlsx")
@allow(*MAJOR_ROLES)
def major_download():
    return _send(service.MAJOR, service.Filters.from_args(request.args, service.MAJOR))


def _send(ledger, filters):
    """A small ledger in the response; a large one is queued instead (job_views.py)."""
    if job_views.too_big_for_request(ledger, filters):
        return redirect(url_for("ledgers.export_page", slug=ledger.slug, **filters.as_args()), 303)
    return export.send(ledger, current_user, filters)
