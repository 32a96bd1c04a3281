"""Hazards workers report from their team page, and the reward record (隐患报告奖励, E3).

A report is an ordinary hazard (source "worker") in the enterprise's list with the same
lifecycle; this module only adds who reported it from which team, and the reward.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import labels, xlsx
from ..auth.models import User
from ..auth.recipients import safety_leads, supervisors
from ..errors import Invalid, UserError
from ..extensions import db
from ..hazards import service as hazards
from ..hazards.workflow import Level, Source
from ..notifications.messages import register
from ..notifications.service import notify
from ..photos import service as photos
from ..timeutil import utcnow
from ..web import path_for
from . import rules
from .models import Team, WorkerReport
from .teams import member_team_id

# Rendered in each reader's language when read (notifications/messages.py).
TO_CONFIRM = register("worker_report.new", _l("Hazard reported by %(worker)s (%(team)s): please confirm"),
                      _l("%(what)s"))
REWARDED = register("worker_report.rewarded",
                    _l("You were rewarded %(amount)s yuan for your hazard report"), _l("%(what)s"))


def confirmers(site_id: int) -> tuple[list[User], bool]:
    """Who is asked to confirm a worker's report, and whether they are the enterprise's own:
    its principal and safety managers, or, where it has no such account, the zone's supervisors."""
    leads = safety_leads(site_id)
    return (leads, True) if leads else (supervisors(), False)


def new_key() -> str:
    """A fresh key for a form as it is shown: sending the same form twice makes one report."""
    return uuid.uuid4().hex


def _key(raw: str | None) -> str:
    if raw and 8 <= len(raw) <= 64 and all(c.isalnum() or c in "-_" for c in raw):
        return raw
    return new_key()


def by_key(key: str) -> WorkerReport | None:
    return db.session.scalar(select(WorkerReport).where(WorkerReport.submit_key == key))


def report_hazard(worker: User, team: Team, raw: dict, photo_file=None,
                  now: datetime | None = None) -> WorkerReport:
    """A hazard a worker saw, with an optional photo, waiting for the enterprise to confirm."""
    if not rules.can_report(worker, team, member_team_id(worker)):
        abort(404)
    key = _key(raw.get("submit_key"))
    if (done := by_key(key)) is not None:
        return done
    description = (raw.get("description") or "").strip()
    location = (raw.get("location") or "").strip()[:200]
    if not description:
        raise Invalid({"description": _("Say what you saw.")})
    if len(description) > 2000:
        raise Invalid({"description": _("At most %(n)s characters.", n=2000)})
    now = now or utcnow()
    found = []
    if photo_file is not None and photo_file.filename:
        # The form's key doubles as the upload key: a resent form reuses the stored photo.
        found.append(photos.store(photo_file, uploader=worker, site_id=team.site_id,
                                  upload_key=key))
    try:
        hazard = hazards.report(site_id=team.site_id, description=description, level=Level.GENERAL,
                                source=Source.WORKER, reporter=worker, now=now,
                                location=location or team.name, photos=found, note=team.name)
        report = WorkerReport(hazard_id=hazard.id, team_id=team.id, site_id=team.site_id,
                              reporter_id=worker.id, submit_key=key, created_at=now)
        db.session.add(report)
        notify(confirmers(team.site_id)[0], kind="worker_report",
               link=path_for("hazards.detail", hazard_id=hazard.id), message=TO_CONFIRM,
               params={"worker": worker.name, "team": team.name, "what": description[:120]},
               dedupe_key=f"worker-report-{hazard.id}")
        db.session.commit()
    except IntegrityError:  # the same form twice, racing: keep the first
        db.session.rollback()
        if (done := by_key(key)) is not None:
            return done
        raise
    return report


def my_reports(worker: User, limit: int = 50) -> list[WorkerReport]:
    return list(db.session.scalars(
        select(WorkerReport).where(WorkerReport.reporter_id == worker.id)
        .options(selectinload(WorkerReport.hazard)).order_by(WorkerReport.id.desc()).limit(limit)))


@dataclass
class RewardRow:
    """One worker's line in the reward record."""

    worker: User
    team: str
    reports: int = 0
    confirmed: int = 0
    rewarded: Decimal = Decimal(0)
    to_reward: int = 0  # confirmed reports with no reward recorded yet


def site_reports(user: User, site_id: int, limit: int = 500) -> list[WorkerReport]:
    if not rules.can_see_rewards(user, site_id):
        abort(404)
    return list(db.session.scalars(
        select(WorkerReport).where(WorkerReport.site_id == site_id)
        .options(selectinload(WorkerReport.hazard), selectinload(WorkerReport.reporter),
                 selectinload(WorkerReport.team))
        .order_by(WorkerReport.id.desc()).limit(limit)))


def reward_record(reports: list[WorkerReport]) -> list[RewardRow]:
    """Per worker: reports, confirmed ones, rewards given; most confirmed first."""
    rows: dict[int, RewardRow] = {}
    for r in reports:
        row = rows.setdefault(r.reporter_id, RewardRow(r.reporter, r.team.name))
        row.reports += 1
        if rules.counts_for_reward(r.hazard.status):
            row.confirmed += 1
            if r.reward_amount is None:
                row.to_reward += 1
        row.rewarded += r.reward_amount or 0
    return sorted(rows.values(), key=lambda row: (-row.confirmed, row.worker.name))


def record_reward(actor: User, report_id: int, amount: Decimal, note: str = "",
                  now: datetime | None = None) -> WorkerReport:
    """Set the reward given for a confirmed report (amount in yuan and a note)."""
    report = db.session.get(WorkerReport, report_id)
    if report is None or not rules.can_see_rewards(actor, report.site_id):
        abort(404)
    if not rules.can_manage_people(actor):
        abort(403)
    if not rules.counts_for_reward(report.hazard.status):
        raise UserError(_("Only a confirmed report earns a reward."), 409)
    first = report.reward_amount is None
    report.reward_amount, report.reward_note = amount, note
    report.rewarded_at, report.rewarded_by_id = now or utcnow(), actor.id
    if first:  # a corrected amount is not news
        notify([report.reporter], kind="report_rewarded", message=REWARDED,
               params={"amount": f"{amount:.2f}", "what": report.hazard.description[:80]},
               link=path_for("shifts.my_reports"), dedupe_key=f"report-{report.id}-rewarded")
    db.session.commit()
    return report


def reward_workbook(reports: list[WorkerReport]) -> xlsx.Book:
    """The reward record as .xlsx: a summary per worker and every report."""
    book = xlsx.Book()
    summary = book.sheet(_("Summary"), [
        _("Name"), _("Mobile number"), _("Team"), _("Reports"), _("Confirmed"),
        _("Rewards (yuan)"), _("Confirmed, no reward yet")],
        ["text", "text", "text", "int", "int", "money", "int"], widths=[18] * 7)
    for row in reward_record(reports):
        summary.append([row.worker.name, row.worker.phone or "", row.team, row.reports,
                        row.confirmed, row.rewarded, row.to_reward])
    detail = book.sheet(_("Reports"), [
        _("Reported"), _("Name"), _("Team"), _("Hazard"), _("Status"), _("Reward (yuan)"),
        _("Reward note")], ["datetime", "text", "text", "text", "text", "money", "text"],
        widths=[18, 18, 18, 40, 18, 18, 30])
    for r in reports:
        detail.append([r.created_at, r.reporter.name, r.team.name, r.hazard.description,
                       labels.label("status", r.hazard.status),
                       r.reward_amount, r.reward_note])
    return book
