"""Drills (应急演练) with their photos, and training hours (安全培训)."""

import uuid

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from ..access import allow, manages_site
from ..timeutil import local_today
from ..web import page, redirect_to, wants_fragment
from . import bp, checks, drills, forms, schedule, scope, training
from .pages import ENTERPRISE, READERS, labels, or_again


@bp.get("/drills", endpoint="drills")
@allow(ENTERPRISE)
def drills_page(http_status=200, **again):
    site = scope.own_site(current_user)
    return page("enterprise/drills.html", http_status=http_status, site=site,
                drills=drills.drills(site),
                due=[d for d in checks.due_for(site) if d.duty in
                     (schedule.Duty.EMERGENCY_DRILL, schedule.Duty.FIRE_DRILL)],
                today=local_today(), **labels(), **again)


def _save_drill(drill_id: int | None = None):
    drill = drills.save_drill(current_user, f.parse(request.form, forms.DRILL), drill_id)
    flash(_("Drill saved."), "success")
    return redirect_to(url_for(".drill", drill_id=drill.id))


@bp.post("/drills")
@allow(ENTERPRISE)
def drill_new():
    return or_again(_save_drill, drills_page)


def _drill_page(drill, fragment=None, http_status=200, **again):
    return page("enterprise/drill.html", fragment, http_status=http_status, drill=drill,
                today=local_today(), new_key=lambda: uuid.uuid4().hex,
                editable=manages_site(current_user, drill.site_id), **labels(), **again)


@bp.get("/drills/<int:drill_id>")
@allow(*READERS)
def drill(drill_id: int):
    return _drill_page(drills.get_drill(current_user, drill_id))


@bp.post("/drills/<int:drill_id>")
@allow(ENTERPRISE)
def drill_save(drill_id: int):
    return or_again(lambda: _save_drill(drill_id), lambda **again: _drill_page(
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
                **labels(), **again)


@bp.post("/training")
@allow(ENTERPRISE)
def training_new():
    def step():
        held = training.record_training(current_user, f.parse(request.form, forms.TRAINING))
        flash(_("Training recorded."), "success")
        return redirect_to(url_for(".training", year=held.held_on.year))
    return or_again(step, training_page)
