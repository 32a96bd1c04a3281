"""Shift-meeting compliance figures per team of one enterprise, or per enterprise."""

from dataclasses import dataclass, field
from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import periods
from ..access import is_enterprise_staff, is_zone_staff
from ..auth.models import User
from ..extensions import db
from ..sites.models import Site
from ..timeutil import local_today, to_local
from . import rules
from .meetings import counted
from .models import Meeting, Team


@dataclass
class ComplianceRow:
    label: str
    figures: rules.Figures
    team: Team | None = None
    site: Site | None = None


@dataclass
class Compliance:
    period: periods.Period
    rows: list[ComplianceRow] = field(default_factory=list)
    site: Site | None = None  # the enterprise whose teams are listed (None: all enterprises)

    @property
    def total(self) -> rules.Figures:
        return sum((r.figures for r in self.rows), rules.Figures())


def compliance(user: User, period: periods.Period, site_id: int | None = None,
               today: date | None = None) -> Compliance:
    """Per-team figures of one enterprise, or per-enterprise figures of all (zone staff)."""
    today = today or local_today()
    if is_enterprise_staff(user):
        site_id = user.site_id
    elif not is_zone_staff(user):
        abort(403)
    site = db.get_or_404(Site, site_id) if site_id else None
    query = select(Team).where(Team.active.is_(True)).options(selectinload(Team.site))
    if site is not None:
        query = query.where(Team.site_id == site.id)
    teams = list(db.session.scalars(query.order_by(Team.name)))
    per_team = _team_figures(teams, period, today)
    result = Compliance(period, site=site)
    if site is not None:
        result.rows = [ComplianceRow(t.name, per_team[t.id], team=t) for t in teams]
        return result
    by_site: dict[int, ComplianceRow] = {}
    for t in teams:
        row = by_site.setdefault(t.site_id,
                                 ComplianceRow(t.site.name, rules.Figures(), site=t.site))
        row.figures = row.figures + per_team[t.id]
    result.rows = sorted(by_site.values(), key=lambda r: r.label)
    return result


def _team_figures(teams: list[Team], period: periods.Period, today: date) -> dict[int, rules.Figures]:
    if not teams:
        return {}
    facts: dict[int, list[rules.MeetingFacts]] = {t.id: [] for t in teams}
    rows = db.session.execute(counted(select(Meeting)).where(
        Meeting.team_id.in_(list(facts)), Meeting.day >= period.start, Meeting.day <= period.end))
    for meeting, checked_in, late, stops in rows:
        facts[meeting.team_id].append(rules.MeetingFacts(meeting.day, meeting.roster, checked_in,
                                                         late, stops))
    return {t.id: rules.team_figures(facts[t.id], period, t.workdays, len(t.shift_names),
                                     to_local(t.created_at).date(), today) for t in teams}
