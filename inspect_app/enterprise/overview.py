"""The supervisors' overview: which enterprises meet the bar, the plan against its targets."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..hazards import service as hazards
from ..hazards.models import Hazard
from ..hazards.workflow import Level, Source
from ..sites.models import Site
from ..timeutil import local_today
from . import schedule
from .checks import events_by_site, profile_of, rules
from .models import ModelPost, StandardAssessment, StandardGrade
from .schedule import Duty
from .standard import model_posts


@dataclass
class SiteRow:
    site: Site
    latest: StandardAssessment | None
    grade: StandardGrade | None
    posts: int
    principal_check: schedule.DueItem | None


@dataclass
class Overview:
    rows: list[SiteRow]
    meeting_bar: int
    assessed: int
    new_graded: int
    recognised_posts: int
    targets: dict
    plan_start: date
    pending_posts: list[ModelPost]
    major_self_reports: list[Hazard]
    overdue_principal: int


def overview(user: User, today: date | None = None) -> Overview:
    """Which enterprises meet the bar, the plan's counts against its targets, what waits."""
    today = today or local_today()
    cfg = current_app.config
    plan_start = date.fromisoformat(cfg["PLAN_START"])
    sites = list(db.session.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.name)))
    site_ids = [s.id for s in sites]
    latest: dict[int, StandardAssessment] = {}
    for a in db.session.scalars(select(StandardAssessment).where(
            StandardAssessment.submitted_at.is_not(None)).order_by(StandardAssessment.submitted_at)):
        latest[a.site_id] = a
    grade: dict[int, StandardGrade] = {}
    for g in db.session.scalars(select(StandardGrade).order_by(StandardGrade.granted_on)):
        grade[g.site_id] = g
    posts = dict(db.session.execute(select(ModelPost.site_id, func.count()).where(
        ModelPost.recognised_at.is_not(None)).group_by(ModelPost.site_id)).all())
    events = events_by_site(site_ids, today)
    the_rules = rules()
    rows = []
    for site in sites:
        items = schedule.due_items(profile_of(site), events.get(site.id, []), today, the_rules,
                                   since=local_today(site.created_at))
        principal = next((i for i in items if i.duty == Duty.PRINCIPAL_CHECK), None)
        rows.append(SiteRow(site, latest.get(site.id), grade.get(site.id), posts.get(site.id, 0),
                            principal))
    new_graded = db.session.scalar(select(func.count(func.distinct(StandardGrade.site_id))).where(
        StandardGrade.granted_on >= plan_start)) or 0
    recognised = db.session.scalar(select(func.count(ModelPost.id)).where(
        ModelPost.recognised_at >= datetime.combine(plan_start, datetime.min.time()))) or 0
    majors = hazards.queue(user, hazards.Filters(level=Level.MAJOR), page_size=200).hazards
    return Overview(
        rows=rows, meeting_bar=sum(1 for r in rows if r.latest and r.latest.passed),
        assessed=sum(1 for r in rows if r.latest), new_graded=new_graded,
        recognised_posts=recognised, targets=dict(cfg["PLAN_TARGETS"]), plan_start=plan_start,
        pending_posts=model_posts(pending_only=True),
        major_self_reports=[h for h in majors if h.source == Source.SELF_CHECK],
        overdue_principal=sum(1 for r in rows if r.principal_check
                              and r.principal_check.state == schedule.State.OVERDUE))
