"""Queued exports: ask for a ledger's file, watch it being written, download it when ready."""

from urllib.parse import parse_qsl

from flask import abort, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import forms
from ..access import FIELD_ROLES, allow, may_open
from ..web import page
from . import bp, export, jobs, service

SIX = "<any(inspections,hazards,rectification,responsibility,enforcement,major):slug>"
STATUS_LABELS = {jobs.QUEUED: _l("Waiting to start"), jobs.RUNNING: _l("Being written"),
                 jobs.DONE: _l("Ready"), jobs.FAILED: _l("Failed")}
FORMAT_LABELS = {"xlsx": _l("Excel workbook (.xlsx)"), "csv": _l("CSV table (.csv)")}


def _ledger(slug: str) -> service.Ledger:
    if slug == "major" and not may_open(current_user, "ledgers.major"):
        abort(403)  # who may export a ledger: whoever may open its page
    return service.LEDGERS[slug]


def too_big_for_request(ledger: service.Ledger, filters: service.Filters) -> bool:
    """More rows than a request should write (service.fits_in_request)."""
    return not service.fits_in_request(ledger, current_user, filters)


@bp.get(f"/{SIX}/export")
@allow(*FIELD_ROLES)
def export_page(slug: str):
    """Today's files of this ledger and filter, each with its state and a button to make it."""
    ledger = _ledger(slug)
    filters = service.Filters.from_args(request.args, ledger)
    found = {fmt: jobs.find(current_user, ledger, fmt, filters) for fmt in jobs.FORMATS}
    back = (url_for("ledgers.major", **filters.as_args()) if slug == "major"
            else url_for("ledgers.show", slug=slug, **filters.as_args()))
    return page("ledgers/export.html", ledger=ledger, filters=filters, found=found, back=back,
                describe=service.describe(ledger, filters), status_labels=STATUS_LABELS,
                format_labels=FORMAT_LABELS, can_ask_again=jobs.can_ask_again)


@bp.post(f"/{SIX}/export")
@allow(*FIELD_ROLES)
def export_request(slug: str):
    ledger = _ledger(slug)
    fmt = forms.check(request.form.get("fmt"), forms.Choice(jobs.FORMATS, default="xlsx"), "fmt")
    job = jobs.request(current_user, ledger, fmt, service.Filters.from_args(request.form, ledger))
    return redirect(url_for("ledgers.export_job", job_id=job.id), 303)


def _job(job_id: int):
    job = jobs.readable(current_user, job_id)
    if job is None:  # unknown, or another scope's: the same answer
        abort(404)
    _ledger(job.ledger)
    return job


@bp.get("/exports/<int:job_id>")
@allow(*FIELD_ROLES)
def export_job(job_id: int):
    """The job's state; htmx polls the `status` block until the file is ready."""
    job = _job(job_id)
    ledger = service.LEDGERS[job.ledger]
    back = url_for("ledgers.export_page", slug=job.ledger, **dict(parse_qsl(job.args)))
    return page("ledgers/export_job.html", "status", job=job, ledger=ledger, jobs=jobs, back=back,
                done=jobs.progress(job)[0], ready=jobs.path_of(job) is not None,
                xlsx_max_rows=export.XLSX_MAX_ROWS)


@bp.get("/exports/<int:job_id>/file")
@allow(*FIELD_ROLES)
def export_file(job_id: int):
    job = _job(job_id)
    path = jobs.path_of(job)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=jobs.mimetype(job), as_attachment=True,
                     download_name=jobs.download_name(job), max_age=0)
    resp.cache_control.no_store = True  # names and phone numbers: not for shared caches
    return resp
