"""Standardization (安全生产标准化): the self-assessment, its scores, and model posts."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from ..access import allow, manages_site
from ..web import page, redirect_to, wants_fragment
from . import bp, forms, scope, scoring, standard
from .pages import ENTERPRISE, READERS, labels, or_again


@bp.get("/standard", endpoint="standard")
@allow(ENTERPRISE)
def standard_page(http_status=200, **again):
    site = scope.own_site(current_user)
    history = standard.assessments(site)
    return page("enterprise/standard.html", http_status=http_status, site=site, history=history,
                trend=scoring.trend(a.score for a in history),
                templates=standard.standard_templates(site), draft=standard.draft_assessment(site),
                grades=standard.grades(site), **labels(), **again)


@bp.post("/standard/start")
@allow(ENTERPRISE)
def standard_start():
    def step():
        template = f.parse(request.form, forms.TEMPLATE).template
        assessment = standard.start_assessment(current_user, template or 0)
        return redirect_to(url_for(".assessment", assessment_id=assessment.id))
    return or_again(step, standard_page)


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
    return or_again(lambda: _save_assessment(assessment_id), lambda **again: _assessment_page(
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
    return or_again(step, posts)
