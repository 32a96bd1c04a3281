"""待我处理: what waits for the user, by role, first on their home page and counted in the bar.

Membership is asked, never restated: a hazard is in a section when the action the section is
about is the user's to take (hazards/workflow.open_to, over RULES), at a site the user may see
(sites.service.scope_by_site). The request, supervision or case a section lists must be in a
status the action's rule accepts (`Rule.subject`). Each section is read page-first (LIMIT, key paging by
id, oldest first), its rows with their site and checklist item in one statement; the counts of
every section in one more. `count` is the figure in the bar: memoised for a few seconds.
"""

import re
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from math import prod

from flask import g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from .. import memo
from ..access import is_enterprise_staff, is_zone_staff, scope_of
from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..extensions import db, read
from ..hazards import workflow
from ..hazards.lifecycle import actor_of
from ..hazards.models import Extension, Hazard, HazardEvent, Referral, Supervision, open_clause
from ..hazards.workflow import ALL_SOURCES, ALL_STATES, Action, Actor, Level, Source
from ..id_lists import not_among
from ..roles import SAFETY_LEADS, Role
from ..sites.models import Site
from ..sites.service import scope_by_site
from ..timeutil import local_today

# Reports from outside the inspection rounds (a worker's, the public's): triaged apart.
REPORT_SOURCES = (Source.WORKER, Source.PUBLIC)
PAGE = 5  # rows per section on the home page
# Counts stop at this many and read "999+": a section's count reads at most COUNT_CAP + 1 rows,
# so a city-wide supervisor's bar costs the same as a small zone's.
COUNT_CAP = 999
FULL_PAGE = 50  # rows per page of one section's own list


@dataclass
class Row:
    """One thing to do, as a queue row shows it."""

    key: int  # the section's paging key (the hazard's, request's, case's or stop's id)
    url: str  # straight to the action
    title: str  # the site, or the duty
    hazard: object | None = None  # the hazard's ROW_COLUMNS
    item_code: str = ""
    requirement: str = ""
    detail: str = ""  # what the request, case or stop says
    due: date | None = None
    late: bool = False


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row]
    count: int
    more_url: str | None = None  # the full list, when there is more than shown


@dataclass(frozen=True)
class Spec:
    """A section over hazards: `query(user)` selects (key, hazard id) of its members."""

    key: str
    title: str
    query: Callable[[User], Select]
    detail: Callable[[object], str] | None = None  # the subject row's words
    anchor: str = "status-panel"


# Membership, from the rules ---------------------------------------------------------------------

_COLUMNS = {"status": Hazard.status, "level": Hazard.level, "source": Hazard.source}
_DOMAINS = {"status": sorted(ALL_STATES), "level": [str(v) for v in Level],
            "source": [str(v) for v in ALL_SOURCES]}


def _among(column, values) -> ColumnElement[bool]:
    """`column IN (values)` for the rules' own codes (states, levels, sources, posts), written
    into the statement as hazards/models.open_clause writes its own: bound as lists, each run
    rewrote the statement's text once per list (a quarter of the Python time of running it)."""
    assert all(_CODE.fullmatch(v) for v in values), values
    return column.in_([literal_column(f"'{v}'") for v in values])


_CODE = re.compile(r"[a-z_]+")


def _as_sql(combos: set[tuple]) -> ColumnElement[bool]:
    """(status, level, source) combinations as SQL. When they are every mix of their values,
    one IN per fact, each fact named even when any value will do: the (status, level, source)
    index then seeks each combination instead of reading a status's every row."""
    if not combos:
        return false()
    values = [sorted({c[i] for c in combos}) for i in range(len(_COLUMNS))]
    if all(len(v) == len(_DOMAINS[n]) for v, n in zip(values, _COLUMNS, strict=True)):
        return true()
    if len(combos) == prod(len(v) for v in values):
        return and_(*(_among(column, v) for column, v in zip(_COLUMNS.values(), values,
                                                             strict=True)))
    return tuple_(*_COLUMNS.values()).in_(
        [tuple_(*(literal_column(f"'{v}'") for v in c)) for c in sorted(combos)])


def _supervised() -> ColumnElement[bool]:
    return exists().where(Supervision.hazard_id == Hazard.id,
                          Supervision.status == workflow.SUPERVISION_ACTIVE)


def _not_submitted_by(user: User) -> ColumnElement[bool]:
    """Nobody verifies their own work: the hazard's current rectification (its latest submit)
    is not the user's. An enterprise's staff, who submit their site's rectifications, ask each
    hazard of their one site. Anyone else submits none (site staff do; a former site account
    may have some): the hazards they last submitted are read first (`own_submits`) and passed
    as the list `own`, where asking each counted hazard's events cost four buffers a row, and
    a subquery over the events made the planner guess a whole statement 300,000 units dear."""
    if is_enterprise_staff(user):
        return func.coalesce(
            select(HazardEvent.actor_id).where(HazardEvent.hazard_id == Hazard.id,
                                               HazardEvent.action == Action.SUBMIT)
            .order_by(HazardEvent.id.desc()).limit(1).scalar_subquery(), 0) != user.id
    if not getattr(user, "submits", True):  # a Reader who submitted none: nothing to leave out
        return true()
    # One array parameter on PostgreSQL (id_lists): the statement's text stays the same
    # whatever the list.
    return not_among(Hazard.id, "own")


_later = aliased(HazardEvent)
_OWN_SUBMITS = select(HazardEvent.hazard_id).where(
    HazardEvent.actor_id == bindparam("user_id"), HazardEvent.action == Action.SUBMIT,
    HazardEvent.id == select(func.max(_later.id)).where(
        _later.hazard_id == HazardEvent.hazard_id, _later.action == Action.SUBMIT)
    .scalar_subquery())


def own_submits(user: User) -> list[int]:
    """The hazards whose current rectification a user who is not site staff submitted (see
    _not_submitted_by): read once per request (only site staff submit)."""
    if is_enterprise_staff(user):
        return []
    key = f"own_submits_{user.id}"
    if key not in g:
        g.setdefault(key, list(read(_OWN_SUBMITS, {"user_id": user.id}).scalars()))
    return g.get(key)


def params(user: User) -> dict:
    """The values the user's member statements take at each run (`may` names them)."""
    return {"own": own_submits(user)}


@dataclass(frozen=True)
class Reader(Actor):
    """The actor the queue's statements are built for, and whether they submitted any
    hazard's current rectification: almost no one outside site staff has, and for them the
    statements leave out the list `own` (with it, PostgreSQL's plan for any list looked
    dearer than one for the empty list, so it planned an inspector's rows at every run)."""

    submits: bool = True


def reader_of(user: User) -> Reader:
    actor = actor_of(user)
    return Reader(**{f: getattr(actor, f) for f in actor.__dataclass_fields__},
                  submits=is_enterprise_staff(user) or bool(own_submits(user)))


# The rules are fixed for the process: each (action, actor) is worked out once.
_open_to = lru_cache(maxsize=4096)(workflow.open_to)


def _may(user: User, actions: list[Action], not_by_submitter: bool,
         level: Level | None) -> ColumnElement[bool]:
    actor = actor_of(user)
    combos = set().union(*(_open_to(a, actor) for a in actions))
    if level is not None:
        combos = {c for c in combos if c[1] == level}
    plain = {c[:3] for c in combos if not c[3]}
    under = {c[:3] for c in combos if c[3]}
    clause = _as_sql(plain) if plain == under else or_(
        and_(_supervised(), _as_sql(under)), and_(~_supervised(), _as_sql(plain)))
    if not_by_submitter and combos:
        clause = and_(clause, _not_submitted_by(user))
    return clause


def may(user: User, *actions: Action, level: Level | None = None) -> ColumnElement[bool]:
    """SQL over Hazard: one of `actions` is the user's to take on it (by workflow.open_to),
    run with `params(user)`; `level`: on hazards of that level only. Actions under the same
    conditions share one clause."""
    groups: dict[bool, list[Action]] = {}
    for action in actions:
        groups.setdefault(workflow.RULES[action].not_by_submitter, []).append(action)
    return or_(*(_may(user, group, flag, level) for flag, group in groups.items()))


def _subject_statuses(action: Action) -> list[str]:
    return sorted(workflow.RULES[action].subject[1])


def _hazards(user: User) -> Select:
    return scope_by_site(select(Hazard.id.label("key"), Hazard.id.label("hazard_id")), user,
                         Hazard.site_id)


def _sent_back() -> ColumnElement[bool]:
    """The latest rectification step was a send-back (the hazard came back to be fixed)."""
    def last(action: Action):
        return (select(func.coalesce(func.max(HazardEvent.id), 0))
                .where(HazardEvent.hazard_id == Hazard.id, HazardEvent.action == action)
                .scalar_subquery())
    return last(Action.RETURN) > last(Action.SUBMIT)


def _report_missing() -> ColumnElement[bool]:
    """workflow.report_missing as SQL: a part of the written report is still empty."""
    return or_(*(func.trim(func.coalesce(getattr(Hazard, p), "")) == ""
                 for p in workflow.REPORT_PARTS))


def _enterprise_runs_it(user: User) -> ColumnElement[bool]:
    """Zone staff see the enterprise's own loop (workflow.own_loop) and may step in, but it is
    not their work: left out of their queue while the enterprise has someone to run it (an
    active principal or safety manager, access.leads_safety; else the zone is told of a
    worker's report, and it waits for the zone)."""
    if not is_zone_staff(user):
        return false()
    own = _as_sql({(status, str(level), str(source)) for status in ALL_STATES for level in Level
                   for source in ALL_SOURCES if workflow.own_loop(level, source)})
    lead = exists().where(User.site_id == Hazard.site_id, User.role == Role.ENTERPRISE,
                          User.active.is_(True), _among(User.position, sorted(SAFETY_LEADS)))
    return and_(own, lead)


def _to_confirm(user):
    return _hazards(user).where(may(user, Action.CONFIRM), ~_enterprise_runs_it(user),
                                ~_among(Hazard.source, REPORT_SOURCES))


def _reports(user):
    return _hazards(user).where(may(user, Action.CONFIRM), ~_enterprise_runs_it(user),
                                _among(Hazard.source, REPORT_SOURCES))


def _enterprise_confirm(user):
    return _hazards(user).where(may(user, Action.CONFIRM))


def _extensions(user):
    return _subjects(user, Extension, Action.APPROVE_EXTENSION)


def _majors(user):
    # The level among the rules' facts (level IN ('major')), not beside them: with both, the
    # planner read the majors' partial index and every major's row to count the few
    # submitted (zone PG, supervisor: 128 -> 98 buffers, 0.75 -> 0.23 ms).
    return _hazards(user).where(may(user, Action.VERIFY, Action.RETURN, level=Level.MAJOR))


def _verify(user):
    return _hazards(user).where(may(user, Action.VERIFY), ~_enterprise_runs_it(user))


def _subjects(user, model, action):
    """The open requests of one kind (extensions, 督办 proposals, enforcement cases) the action
    is the user's for, keyed by their own id. Read from the requests, each one's hazard asked
    by its key: a planner that finds no statistics for a small table (SQLite) would otherwise
    start from every hazard."""
    if is_zone_staff(user) and _whatever_the_hazard(user, action):
        # Any hazard will do, at any site: only that there is one (a case may have none).
        hazard = model.hazard_id.is_not(None)
    else:
        hazard = scope_by_site(select(Hazard.id), user, Hazard.site_id).where(
            Hazard.id == model.hazard_id, may(user, action)).exists()
    return select(model.id.label("key"), model.hazard_id.label("hazard_id")).where(
        _among(model.status, _subject_statuses(action)), hazard)


def _whatever_the_hazard(user: User, action: Action) -> bool:
    """The action is the user's on a hazard of any status, level, source and supervision."""
    return (not workflow.RULES[action].not_by_submitter and len(_open_to(action, actor_of(user)))
            == len(ALL_STATES) * len(Level) * len(ALL_SOURCES) * 2)


def _proposals(user):
    return _subjects(user, Supervision, Action.DECLINE_SUPERVISION)


def _cases(user):
    return _subjects(user, Referral, Action.CLOSE_REFERRAL)


def _rectify(user):
    return _hazards(user).where(may(user, Action.SUBMIT), ~_sent_back())


def _sent_back_rows(user):
    return _hazards(user).where(may(user, Action.SUBMIT), _sent_back())


def _written_reports(user):
    # The enterprise writes it (access.manages_site); it is due while the major hazard is open.
    if not is_enterprise_staff(user):
        return _hazards(user).where(false())
    return _hazards(user).where(Hazard.level == Level.MAJOR, open_clause(), _report_missing())


def _extension_detail(ext: Extension) -> str:
    return str(_l("To %(d)s: %(reason)s", d=ext.new_deadline.isoformat(), reason=ext.reason))


def _proposal_detail(s: Supervision) -> str:
    return str(_l("Proposed %(d)s", d=s.proposed_at.date().isoformat()))


def _case_detail(r: Referral) -> str:
    from ..labels import label
    return f"{r.department} · {label('measure', r.measure)} · {label('referral', r.status)}"


SPECS = {s.key: s for s in (
    Spec("confirm", _l("Hazards to confirm"), _to_confirm),
    Spec("extensions", _l("Extensions to decide"), _extensions, _extension_detail),
    Spec("majors", _l("Major hazards to review or write off"), _majors),
    Spec("proposals", _l("Proposed for supervision (督办)"), _proposals, _proposal_detail),
    Spec("cases", _l("Enforcement cases open"), _cases, _case_detail),
    Spec("reports", _l("Worker and public reports to triage"), _reports),
    Spec("rectify", _l("Hazards to rectify"), _rectify),
    Spec("sent_back", _l("Rectifications sent back"), _sent_back_rows),
    Spec("enterprise_confirm", _l("Reports to confirm"), _enterprise_confirm),
    Spec("written_reports", _l("Written reports missing"), _written_reports, anchor=""),
    Spec("verify", _l("Rectifications to verify"), _verify),
)}

_SUBJECTS = {"extensions": Extension, "proposals": Supervision, "cases": Referral}
# What a row shows of the request, supervision or case it lists (the details above): read in
# the rows' own statement, joined by the section's key.
_SUBJECT_COLUMNS = {"extensions": ("new_deadline", "reason"), "proposals": ("proposed_at",),
                    "cases": ("department", "measure", "status")}
_SubjectRow = {key: namedtuple(f"_{key}", names) for key, names in _SUBJECT_COLUMNS.items()}

# Which sections each role gets, in order ("duties", "statistics", "stops", "sites" are not
# over hazards: see below).
ROLE_SECTIONS = {
    Role.SUPERVISOR: ("confirm", "extensions", "majors", "proposals", "cases", "reports"),
    Role.ADMIN: ("confirm", "extensions", "majors", "proposals", "cases", "reports"),
    Role.ENTERPRISE: ("rectify", "sent_back", "enterprise_confirm", "verify", "written_reports",
                      "duties", "statistics", "stops"),
    Role.INSPECTOR: ("sites", "verify"),
}


def section_keys(user: User) -> tuple[str, ...]:
    if is_enterprise_staff(user) and not user.site_id:
        return ()
    return ROLE_SECTIONS.get(user.role, ())


# Sections beside the hazards ---------------------------------------------------------------------

def _own_site(user: User) -> Site | None:
    return db.session.get(Site, user.site_id) if is_enterprise_staff(user) and user.site_id \
        else None


def _stops_query(user: User) -> Select | None:
    from ..shifts.meetings import open_stops_query
    from ..shifts.models import CheckIn
    query = open_stops_query(user)
    return None if query is None else query.with_only_columns(CheckIn.id.label("key"))


def _sites_query(user: User, today: date) -> Select:
    from ..sites.overview import due_query
    return due_query(user, today).with_only_columns(Site.id.label("key"))


def _duty_rows(user: User, today: date) -> list[Row]:
    """The enterprise's duties that need doing now (enterprise/schedule.py: overdue, or due
    and within the reminder lead)."""
    from ..enterprise import checks, schedule
    site = _own_site(user)
    if site is None:
        return []
    rows = []
    for item in checks.due_for(site, today):
        if item.state == schedule.State.OVERDUE or (item.state == schedule.State.DUE
                                                     and item.remind):
            drill = item.duty not in schedule.CHECK_DUTIES
            url = url_for("enterprise.drills") if drill else \
                url_for("enterprise.home", _anchor=f"due-{item.duty}")
            rows.append(Row(key=0, url=url, title=str(checks.DUTY_LABELS[item.duty]),
                            detail=item.period.key, due=item.due_on,
                            late=item.state == schedule.State.OVERDUE))
    return rows


def _statistics_rows(user: User, today: date) -> list[Row]:
    from ..enterprise import schedule, statistics
    site = _own_site(user)
    if site is None or not statistics.may_sign(user):
        return []
    due = statistics.to_sign(site, today)
    if due is None:
        return []
    period, year, quarter = due
    deadline = schedule.statistics_deadline(period)
    return [Row(key=0, url=url_for("enterprise.statistics", year=year, quarter=quarter),
                title=str(_l("Hazard statistics %(period)s", period=period.key)),
                detail=str(_l("Not signed yet.")), due=deadline, late=deadline < today)]


def _stop_rows(user: User, after: int, limit: int) -> list[Row]:
    from sqlalchemy.orm import selectinload

    from ..shifts import meetings
    from ..shifts.models import CheckIn, Meeting
    query = meetings.open_stops_query(user)
    if query is None:
        return []
    stops = db.session.scalars(query.where(CheckIn.id > after).options(
        selectinload(CheckIn.user), selectinload(CheckIn.meeting).selectinload(Meeting.team))
        .order_by(CheckIn.id).limit(limit))
    return [Row(key=c.id, url=url_for("shifts.stops", _anchor=f"stop-{c.id}"),
                title=f"{c.meeting.team.name} · {c.user.name}",
                detail="; ".join(meetings.stop_reasons(c)), due=local_today(c.at))
            for c in stops]


@lru_cache(maxsize=1024)
def _sites_statement(scope, today: date, limit: int, first: bool) -> Select:
    """A page of the sites due (`first`: from the start, else after the key `after`, a
    parameter), built once per scope (access.Scope) and day: the columns a row shows,
    not Site objects. The limit is written in, and the first page has no key, as in
    _rows_statement: with them as parameters PostgreSQL kept a plan for any value, which
    walked the sites in id order past a city's others to find an inspector's (city: 3 ms,
    where 0.2 ms from the inspector's grids)."""
    from ..sites.overview import due_query
    query = due_query(scope, today).with_only_columns(Site.id, Site.name, Site.next_due_on)
    if not first:
        query = query.where(Site.id > bindparam("after"))
    return query.order_by(Site.id).limit(literal_column(str(int(limit))))


def _site_rows(user: User, today: date, after: int, limit: int) -> list[Row]:
    sites = read(_sites_statement(scope_of(user), today, limit, not after), {"after": after})
    return [Row(key=s.id, url=url_for("sites.detail", site_id=s.id), title=s.name,
                due=s.next_due_on, late=s.next_due_on is not None and s.next_due_on < today)
            for s in sites]


# Reading -----------------------------------------------------------------------------------------
# A section's statement depends only on the rules and on the reader's scope, both the actor's
# (id, role, site, grids, position): it is built once per actor and run again with new values.
# Building one cost more than running it (1-2 ms of Python each, six sections on a page).

# What a row shows of its hazard, and asks of it (its due day, late or not): plain columns, where
# loading each as a Hazard (50 columns, an object in the session) was a third of the reading.
ROW_COLUMNS = (Hazard.id, Hazard.level, Hazard.status, Hazard.source, Hazard.deadline,
               Hazard.found_on, Hazard.description)
_HazardRow = namedtuple("_HazardRow", [c.key for c in ROW_COLUMNS])


@lru_cache(maxsize=1024)
def _rows_statement(actor: Actor, keys: tuple[str, ...], limit: int, first: bool) -> Select:
    """Up to `limit` members of each section in `keys` (`first`: from the start, else after
    the key `after`, a parameter), with their hazard, site and item, in one statement:
    (section's index, key, site name, item code, requirement, latest submission of a submitted
    major in "majors", *ROW_COLUMNS).

    The limit is written into the statement and the first page has no key: with them as
    parameters, PostgreSQL's plan for any values looked dearer than one for the values given,
    so it planned the statement anew at every run (zone PG, a supervisor's home: 1.2 ms)."""
    parts = []
    for n, key in enumerate(keys):
        spec = SPECS[key]
        query = spec.query(actor)
        if not first:
            query = query.where(literal_key(spec) > bindparam("after"))
        page = query.order_by(literal_key(spec)).limit(literal_column(str(int(limit)))) \
            .subquery()
        parts.append(select(literal(n).label("section"), page.c.key, page.c.hazard_id))
    members = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    submitted = literal(None)
    if "majors" in keys:  # its review is due from the latest submission (_review)
        submitted = case((and_(members.c.section == keys.index("majors"),
                               Hazard.status == workflow.State.SUBMITTED),
                          select(func.max(HazardEvent.at))
                          .where(HazardEvent.hazard_id == Hazard.id,
                                 HazardEvent.action == Action.SUBMIT).scalar_subquery()))
    # The sections' requests, supervisions and cases, each joined where its section's key is
    # its id: their words come in the same rows, not in one more statement per kind.
    subjects = [(n, aliased(_SUBJECTS[key])) for n, key in _subject_sections(keys)]
    statement = (select(members.c.section, members.c.key, Site.name, ChecklistItem.code,
                        ChecklistItem.requirement, submitted.label("submitted_at"), *ROW_COLUMNS,
                        *(getattr(model, name) for n, model in subjects
                          for name in _SUBJECT_COLUMNS[keys[n]]))
                 .join(Hazard, Hazard.id == members.c.hazard_id)
                 .join(Site, Site.id == Hazard.site_id)
                 .outerjoin(ChecklistItem, ChecklistItem.id == Hazard.item_id))
    for n, model in subjects:
        statement = statement.outerjoin(model, and_(members.c.section == n,
                                                    model.id == members.c.key))
    return statement.order_by(members.c.section, members.c.key)


def _subject_sections(keys: tuple[str, ...]) -> list[tuple[int, str]]:
    """The sections among `keys` that list requests, supervisions or cases: (index, key)."""
    return [(n, key) for n, key in enumerate(keys) if key in _SUBJECT_COLUMNS]


def _hazard_rows(user: User, keys: tuple[str, ...], today: date, after: int,
                 limit: int) -> dict[str, list[Row]]:
    """A page of rows of each section in `keys`, with the requests, supervisions or cases
    they list: all of them in one statement."""
    found = read(_rows_statement(reader_of(user), keys, limit, not after),
                 {"after": after, **params(user)}).all()
    # Where each listing section's words are in a row: after the hazard's columns, in order.
    at, places = 6 + len(ROW_COLUMNS), {}
    for n, key in _subject_sections(keys):
        places[n] = (_SubjectRow[key], at, at + len(_SUBJECT_COLUMNS[key]))
        at = places[n][2]
    rows: dict[str, list[Row]] = {key: [] for key in keys}
    for row in found:
        n, key, site_name, code, requirement, submitted_at = row[:6]
        hazard = _HazardRow(*row[6:6 + len(ROW_COLUMNS)])
        spec = SPECS[keys[n]]
        subject = None
        if n in places:
            kind, start, stop = places[n]
            subject = kind(*row[start:stop])
        if spec.key == "written_reports":
            url = url_for("enterprise.major_report", hazard_id=hazard.id)
        else:
            url = url_for("hazards.detail", hazard_id=hazard.id, _anchor=spec.anchor or None)
        detail = spec.detail(subject) if spec.detail and subject is not None else ""
        due, late = hazard.deadline, workflow.is_overdue(hazard.status, hazard.deadline, today)
        if submitted_at is not None:
            due, late = _review(hazard, submitted_at, today)
            detail = str(_l("On-site review due %(d)s", d=due.isoformat()))
        rows[spec.key].append(Row(key=key, url=url, title=site_name, hazard=hazard,
                                  item_code=code or "", requirement=requirement or "",
                                  detail=detail, due=due, late=late))
    return rows


def _review(hazard, submitted_at, today: date) -> tuple[date, bool]:
    """(review due, overdue) of a submitted major hazard (16号令 第23条, workflow.review_due),
    from its latest submission."""
    from flask import current_app
    days = current_app.config["MAJOR_REVIEW_DAYS"]
    on = local_today(submitted_at)
    return workflow.review_due(on, days), workflow.review_overdue(
        workflow.State.SUBMITTED, hazard.level, on, today, days)


def literal_key(spec: Spec):
    """The paging key of a section's rows: the id of what it lists."""
    return _SUBJECTS[spec.key].id if spec.key in _SUBJECTS else Hazard.id


def rows_of(user: User, key: str, today: date, after: int = 0, limit: int = PAGE) -> list[Row]:
    """Up to `limit` rows of one section after the key `after`."""
    if key in SPECS:
        return _hazard_rows(user, (key,), today, after, limit)[key]
    if key == "sites":
        return _site_rows(user, today, after, limit)
    if key == "stops":
        return _stop_rows(user, after, limit)
    if key == "duties":
        return _duty_rows(user, today)
    if key == "statistics":
        return _statistics_rows(user, today)
    return []


def _counted(user: User, keys: tuple[str, ...], today: date, cap: int) -> Select | None:
    """A count per section that SQL can count, as the columns of one statement (each reads
    no more than `cap` rows). The cap is written into the statement: as a parameter, the plan
    PostgreSQL keeps for any value expected a count to stop early, and read every submitted
    hazard of the zone to count an inspector's 180 (zone PG: 5 ms, where 1 ms from their
    sites)."""
    queries: dict[str, Select | None] = {k: SPECS[k].query(user) for k in keys if k in SPECS}
    if "sites" in keys:
        queries["sites"] = _sites_query(user, today)
    if "stops" in keys:
        queries["stops"] = _stops_query(user)
    if not queries:
        return None
    # Zone staff's sections over hazards are the hazards' facts alone: counted in the order of
    # the (status, level, source, site_id) index, a count stops at the cap, where unordered
    # PostgreSQL first gathered every match into a bitmap (a city's 60,000 reported hazards:
    # 34 -> 6 ms).
    by_facts = (Hazard.status, Hazard.level, Hazard.source, Hazard.site_id)

    def capped(key: str, query: Select) -> Select:
        ordered = is_zone_staff(user) and key in SPECS and key not in _SUBJECTS
        return query.order_by(*(by_facts if ordered else [None])) \
            .limit(literal_column(str(int(cap))))

    return select(*((select(func.count()).select_from(capped(k, q).subquery()).scalar_subquery()
                     if q is not None else literal(0)).label(k) for k, q in queries.items()))


# Built once per actor and day (the sites due are counted up to today); a queue with stops is
# not: which teams the user leads is read from the database.
_count_statement = lru_cache(maxsize=1024)(_counted)


def counts(user: User, today: date | None = None) -> dict[str, int]:
    """The number of things in each of the user's sections: one statement for those over the
    database, plus the duties and the statistics table (enterprise/schedule.py decides)."""
    today = today or local_today()
    keys = section_keys(user)
    cap = COUNT_CAP + 1
    statement = _counted(user, keys, today, cap) if "stops" in keys else \
        _count_statement(reader_of(user), keys, today, cap)
    result = {}
    if statement is not None:
        found = read(statement, params(user)).one()
        result = {n: int(v or 0) for n, v in found._mapping.items()}
    if "duties" in keys:
        result["duties"] = len(_duty_rows(user, today))
    if "statistics" in keys:
        result["statistics"] = len(_statistics_rows(user, today))
    return result


@dataclass
class Queue:
    sections: list[Section] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)


TITLES = {"duties": _l("Duties due"), "statistics": _l("Statistics to sign"),
          "stops": _l("Open stops (不干)"), "sites": _l("Sites due for inspection")}


def title_of(key: str) -> str:
    return str(SPECS[key].title if key in SPECS else TITLES[key])


def work_queue(user: User, today: date | None = None, limit: int = PAGE) -> Queue:
    """Every section of the user's queue with its first rows and its count (empty sections
    left out)."""
    today = today or local_today()
    numbers = counts(user, today)
    listed = [key for key in section_keys(user) if numbers.get(key)]
    # The sections over hazards, read together.
    over_hazards = tuple(key for key in listed if key in SPECS)
    first = _hazard_rows(user, over_hazards, today, 0, limit) if over_hazards else {}
    sections = []
    for key in listed:
        rows = first[key] if key in first else rows_of(user, key, today, limit=limit)
        more = url_for("home.work_section", section=key) if numbers[key] > len(rows) else None
        sections.append(Section(key, title_of(key), rows, numbers[key], more))
    return Queue(sections)


def for_page(user: User) -> Queue:
    """The queue for a home page, fresh; the bar on that page shows its total."""
    work = work_queue(user)
    g.work_count = work.total
    return work


_memo = memo.memo(seconds=10)


def count(user: User) -> int:
    """The number in the navigation bar: everything waiting for the user (a few seconds old
    at most; the home page's own, fresh)."""
    if "work_count" in g:
        return g.work_count
    if not section_keys(user):
        return 0
    return _memo.get(user.id, lambda: sum(counts(user).values()))


def shown(n: int) -> str:
    """A count as the page shows it: past the cap, "999+" (the exact figure was never read)."""
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


def forget(user_id: int) -> None:
    """After the user changed something, their next page counts afresh (in this process)."""
    _memo.forget(user_id)

