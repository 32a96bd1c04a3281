"""Demo teams for `flask demo load`: two teams of the demo enterprise with posts, workers with
PINs, two weeks of pre-shift meetings (a late check-in, a resolved stop, an open one) and a
worker's hazard report. Today's meeting is left for the visitor to open."""

import random
from datetime import UTC, datetime, time, timedelta

from ..admin.service import create_user
from ..auth.models import User
from ..auth.service import set_pin
from ..extensions import db
from ..sites.models import Site
from ..timeutil import ZONE, local_today, utcnow
from . import reports, rules
from .models import CheckIn, Meeting, Post, Team, TeamMember

DEMO_PIN = "2580"
WORKERS = [("刘洋", "13800000011"), ("陈静", "13800000012"),
           ("吴磊", "13800000013"), ("郑芳", "13800000014")]
POSTS = [
    ("冲压工", "orange", "冲床压手、模具碎片飞溅、噪声", "双手按钮和光电保护有效；戴护目镜、耳塞",
     "按急停，报告班组长；手部受伤先止血再送医"),
    ("叉车司机", "yellow", "叉车撞人、货物倾倒", "持证上岗，限速5公里，倒车鸣笛",
     "熄火拉手刹，设警戒，报告班组长"),
    ("装配工", "blue", "夹手、扳手打滑", "戴防割手套，工具点检", "停机，报告班组长"),
]


def load_teams(site: Site, leader: User, safety: User, days: int = 14) -> None:
    """Create the demo teams in `site` (`leader`: a worker; `safety`: its safety manager)."""
    rng = random.Random(11)
    workers = [create_user(username=phone, role="worker", name=name, phone=phone,
                           password=f"demo-{phone}", site_id=site.id, commit=False)
               for name, phone in WORKERS]
    for worker in (leader, *workers):
        set_pin(worker, DEMO_PIN)
    press = Team(site_id=site.id, name="冲压一班", shifts="白班", workdays="123456",
                 leader_id=leader.id, created_at=utcnow() - timedelta(days=days + 7))
    assembly = Team(site_id=site.id, name="装配二班", shifts="白班\n夜班", workdays="12345",
                    leader_id=safety.id, created_at=press.created_at)
    db.session.add_all([press, assembly])
    db.session.flush()
    posts = [Post(team_id=(assembly if name == "装配工" else press).id, name=name, risk_color=c,
                  risks=r, measures=m, emergency=e) for name, c, r, m, e in POSTS]
    db.session.add_all(posts)
    db.session.flush()
    crews = {press: [(leader, posts[0]), (workers[0], posts[0]), (workers[1], posts[1]),
                     (workers[2], posts[0])],
             assembly: [(workers[3], posts[2])]}
    for team, crew in crews.items():
        for user, post in crew:
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post.id))
    db.session.flush()
    today = local_today()
    held = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for team, crew in crews.items():
            for shift, hour in zip(team.shift_names, (7, 19), strict=False):
                if str(day.isoweekday()) not in team.workdays or rng.random() < 0.1:
                    continue  # a missed meeting now and then shows in the compliance figures
                opener = leader if team is press else safety
                held.append(_meeting(team, crew, day, shift, hour, rng, opener))
    press_held = [m for m in held if m.team_id == press.id]
    _stop(press_held[-3], workers[2], resolved_by=safety)
    _stop(press_held[-1], workers[2])  # still open: it shows on the leader's and staff's pages
    db.session.commit()
    reports.report_hazard(workers[1], press, {"description": "二号叉车倒车蜂鸣器不响",
                                              "location": "成品仓库", "submit_key": "demo-report-1"})


def _meeting(team, crew, day, shift, hour, rng, opener) -> Meeting:
    """One past meeting (opened at 07:50 or 19:50) with its check-ins."""
    opened = datetime.combine(day, time(hour, 50), ZONE).astimezone(UTC).replace(tzinfo=None)
    meeting = Meeting(team_id=team.id, day=day, shift=shift, opened_by_id=opener.id,
                      opened_at=opened, roster=len(crew), closed_at=opened + timedelta(minutes=15),
                      closed_by_id=opener.id, note="强调双手操作，检查劳保用品")
    db.session.add(meeting)
    db.session.flush()
    for user, post in crew:
        if rng.random() < 0.08:
            continue  # absent
        minutes = 14 if rng.random() < 0.1 else rng.randrange(1, 8)
        db.session.add(CheckIn(meeting_id=meeting.id, user_id=user.id, post_id=post.id,
                               at=opened + timedelta(minutes=minutes),
                               late=minutes > meeting.late_minutes,
                               confirmed=",".join(rules.FIVE_THINKS), decision="work",
                               via="shared", recorded_by_id=opener.id))
    db.session.flush()
    return meeting


def _stop(meeting: Meeting, worker: User, resolved_by: User | None = None) -> None:
    """The worker stopped at this meeting: goggles broken (tools missing)."""
    checkin = next((c for c in meeting.checkins if c.user_id == worker.id), None)
    if checkin is None:
        checkin = CheckIn(meeting_id=meeting.id, user_id=worker.id, at=meeting.opened_at,
                          recorded_by_id=meeting.opened_by_id, via="shared")
        db.session.add(checkin)
    checkin.decision, checkin.stop_reason = "stop", "护目镜镜片裂了"
    checkin.confirmed = ",".join(c for c in rules.FIVE_THINKS if c != "tools")
    if resolved_by is not None:
        checkin.resolved_at = meeting.opened_at + timedelta(minutes=30)
        checkin.resolved_by_id, checkin.resolution = resolved_by.id, "已从仓库领新护目镜"
