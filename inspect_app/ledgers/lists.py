"""The five lists (五张清单): inspections, hazards, rectification, responsibility, enforcement.

Every list reads what the user may see (hazards.service.scope, sites.service.scope_sites).
"""

from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from .. import labels
from ..auth.models import User
from ..checklists.models import ChecklistItem, ChecklistTemplate
from ..extensions import read
from ..hazards.models import Hazard, HazardEvent, Referral, Supervision, open_clause
from ..hazards.service import scope
from ..hazards.workflow import Action, State, is_overdue
from ..id_lists import among
from ..inspections.models import Answer, Inspection, Result
from ..roles import Position, Role
from ..sites.models import Area, Grid, Site, grid_inspectors
from ..sites.service import scope_by_site, scope_sites
from .columns import WHERE, Column, Ledger, built_once, each_row
from .filters import (
    Filters,
    found_in_period,
    hazard_status,
    in_period,
    in_regime,
    local_date,
    located,
    placed,
    placed_if_located,
)

# What the status filter offers, per list ("" = all).
HAZARD_FILTER = {"open": _l("Open"), "overdue": _l("Overdue"), "closed": _l("Closed"),
                 "rejected": _l("Rejected")}
RECTIFICATION_FILTER = {"open": _l("Being fixed"), "overdue": _l("Overdue"),
                        "submitted": _l("Waiting for verification"), "closed": _l("Closed")}


# 检查清单: submitted inspections.

def _inspections_core(user: User, f: Filters, today: date) -> Select:
    query = scope_by_site(placed_if_located(select().select_from(Inspection),
                                            Inspection.site_id, f).where(
        Inspection.submitted_at.is_not(None)), user, Inspection.site_id)
    return in_period(located(query, f), Inspection.submitted_at, f)


def _inspections_query(ids) -> Select:
    # The answers and hazards of these inspections only, counted.
    answers = (select(Answer.inspection_id.label("iid"), func.count().label("total"),
                      func.sum(case((Answer.result == Result.FAIL, 1), else_=0)).label("failed"))
               .where(among(Answer.inspection_id, ids)).group_by(Answer.inspection_id)
               .subquery())
    found = (select(Hazard.inspection_id.label("iid"), func.count().label("n"))
             .where(Hazard.inspection_id.is_not(None), among(Hazard.inspection_id, ids))
             .group_by(Hazard.inspection_id).subquery())
    query = placed(select().select_from(Inspection), Inspection.site_id).where(
        among(Inspection.id, ids))

    def template(column):  # every inspection has its inspector and checklist (not null)
        return select(column).where(ChecklistTemplate.id == Inspection.template_id) \
            .scalar_subquery()
    # The names asked per row, not joined: six tables planned, not eight (zone, 50 rows:
    # planning 1.5 -> 0.5 ms).
    inspector = select(User.name).where(User.id == Inspection.inspector_id).scalar_subquery()
    query = query.add_columns(
        Inspection.id, Inspection.submitted_at, Area.name, Grid.name, Site.name, Site.site_type,
        Inspection.kind, inspector, Inspection.led_by, template(ChecklistTemplate.title),
        template(ChecklistTemplate.version), func.coalesce(answers.c.total, 0),
        func.coalesce(answers.c.failed, 0), func.coalesce(found.c.n, 0), Inspection.from_scan)
    query = (query.outerjoin(answers, answers.c.iid == Inspection.id)
             .outerjoin(found, found.c.iid == Inspection.id))
    return query.order_by(Inspection.submitted_at.desc(), Inspection.id.desc())


INSPECTIONS = Ledger(
    slug="inspections", title=_l("Inspection list"), title_zh="检查清单",
    columns=(Column("id", _l("No."), "int", 8),
             Column("submitted_at", _l("Inspected at"), "datetime", 17),
             *WHERE, Column("kind", _l("Kind"), "kind", 12),
             Column("inspector", _l("Inspector"), width=10),
             Column("led_by", _l("Led by"), width=10),
             Column("checklist", _l("Checklist"), width=28),
             Column("version", _l("Version"), width=9),
             Column("items", _l("Items checked"), "int", 9),
             Column("failed", _l("Items failed"), "int", 9),
             Column("hazards", _l("Hazards found"), "int", 9),
             Column("from_scan", _l("QR scanned on site"), "bool", 9)),
    filters=frozenset({"area", "grid", "type", "period"}),
    period_label=_l("Inspected"), period_zh="检查时间",
    key=(Inspection.submitted_at, Inspection.id), core=_inspections_core,
    statement=built_once(_inspections_query), convert=each_row(lambda row, today: tuple(row)),
)


# 问题清单: every hazard found, from any channel.

def _placed_hazards() -> Select:
    return placed(select().select_from(Hazard), Hazard.site_id)


def _hazards_core(user: User, f: Filters, today: date) -> Select:
    query = placed_if_located(select().select_from(Hazard), Hazard.site_id, f)
    query = hazard_status(found_in_period(located(in_regime(scope(query, user), f), f), f),
                          f.status, today)
    if f.level:
        query = query.where(Hazard.level == f.level)
    return query


def _hazards_query(ids) -> Select:
    finder = aliased(User)
    query = _placed_hazards().where(among(Hazard.id, ids)).add_columns(
        Hazard.id, Hazard.found_on, Area.name, Grid.name, Site.name, Site.site_type,
        ChecklistItem.code, Hazard.description, Hazard.location, Hazard.level, Hazard.source,
        finder.name, Hazard.deadline, Hazard.status, Hazard.closed_at)
    query = (query.outerjoin(ChecklistItem, Hazard.item_id == ChecklistItem.id)
             .outerjoin(finder, Hazard.found_by_id == finder.id))
    return query.order_by(Hazard.found_on.desc(), Hazard.id.desc())


def _hazard_row(row, today: date) -> tuple:
    *head, deadline, status, closed_at = row
    return (*head, deadline, status, is_overdue(status, deadline, today), closed_at)


HAZARDS = Ledger(
    slug="hazards", title=_l("Problem list"), title_zh="问题清单",
    columns=(Column("id", _l("No."), "hazard", 8),
             Column("found_on", _l("Found on"), "date", 12),
             *WHERE, Column("item", _l("Item"), width=12),
             Column("description", _l("Description"), width=40),
             Column("location", _l("Location"), width=14),
             Column("level", _l("Level"), "level", 8),
             Column("source", _l("Source"), "source", 12),
             Column("found_by", _l("Found by"), width=10),
             Column("deadline", _l("Deadline"), "date", 12),
             Column("status", _l("Status"), "status", 10),
             Column("overdue", _l("Overdue"), "bool", 8),
             Column("closed_at", _l("Closed at"), "datetime", 17)),
    filters=frozenset({"area", "grid", "type", "period", "level", "regime"}),
    statuses=HAZARD_FILTER, period_label=_l("Found"), period_zh="发现时间",
    key=(Hazard.found_on, Hazard.id), core=_hazards_core,
    statement=built_once(_hazards_query), convert=each_row(_hazard_row),
)


# 整改销号清单: rectification and close-out of every accepted hazard.

def _last_events(ids):
    """The latest submit and the latest verify (or fix on the spot) per hazard of these ids, as
    (hazard id, submit event id, verify event id), in one pass over their events (read from
    the index on hazard_events (hazard_id, action, id))."""
    verify = [Action.VERIFY, Action.FIX_ON_SPOT]
    query = (select(HazardEvent.hazard_id.label("hid"),
                    func.max(case((HazardEvent.action == Action.SUBMIT, HazardEvent.id)))
                    .label("submit"),
                    func.max(case((HazardEvent.action.in_(verify), HazardEvent.id)))
                    .label("verify"))
             .where(HazardEvent.action.in_([Action.SUBMIT, *verify]),
                    among(HazardEvent.hazard_id, ids))
             .group_by(HazardEvent.hazard_id))
    return query.subquery()


def _rectification_core(user: User, f: Filters, today: date) -> Select:
    # A hazard enters this list once accepted (or fixed on the spot), never if rejected.
    return _hazards_core(user, f, today).where(
        Hazard.status.not_in([State.REPORTED, State.REJECTED]))


def _rectification_query(ids) -> Select:
    last = _last_events(ids)
    sub_ev, ver_ev = aliased(HazardEvent), aliased(HazardEvent)
    sub_by, ver_by = aliased(User), aliased(User)
    query = _placed_hazards().where(among(Hazard.id, ids)).add_columns(
        Hazard.id, Area.name, Grid.name, Site.name, Site.site_type, Hazard.description,
        Hazard.level, Hazard.responsible_name, Hazard.responsible_phone, Hazard.measures,
        Hazard.funds, Hazard.deadline, sub_ev.at, sub_by.name, Hazard.rectified_note,
        Hazard.rectification_cost, ver_ev.at, ver_by.name, Hazard.found_on, Hazard.closed_at,
        Hazard.status)
    query = (query.outerjoin(last, last.c.hid == Hazard.id)
             .outerjoin(sub_ev, sub_ev.id == last.c.submit)
             .outerjoin(sub_by, sub_by.id == sub_ev.actor_id)
             .outerjoin(ver_ev, ver_ev.id == last.c.verify)
             .outerjoin(ver_by, ver_by.id == ver_ev.actor_id))
    return query.order_by(Hazard.found_on.desc(), Hazard.id.desc())


def days_taken(found: date | None, closed: datetime | None) -> int | None:
    """Calendar days in the zone from finding to close-out (0 when fixed the same day)."""
    if not found or not closed:
        return None
    return (local_date(closed) - found).days


def _rectification_row(row, today: date) -> tuple:
    *head, deadline, sub_at, sub_by, note, cost, ver_at, ver_by, found, closed, status = row
    closed_at = (ver_at or closed) if status == State.CLOSED else None
    return (*head, deadline, sub_at, sub_by, note, cost, closed_at,
            ver_by if status == State.CLOSED else None, days_taken(found, closed_at), status,
            is_overdue(status, deadline, today))


RECTIFICATION = Ledger(
    slug="rectification", title=_l("Rectification and close-out list"), title_zh="整改销号清单",
    columns=(Column("id", _l("No."), "hazard", 8), *WHERE,
             Column("description", _l("Hazard"), width=36),
             Column("level", _l("Level"), "level", 8),
             Column("responsible", _l("Responsible person"), width=10),
             Column("responsible_phone", _l("Phone"), width=13),
             Column("measures", _l("Measures"), width=30),
             Column("funds", _l("Funds (yuan)"), "money", 12),
             Column("deadline", _l("Deadline"), "date", 12),
             Column("submitted_at", _l("Submitted at"), "datetime", 17),
             Column("submitted_by", _l("Submitted by"), width=10),
             Column("rectified_note", _l("What was done"), width=30),
             Column("cost", _l("Cost (yuan)"), "money", 12),
             Column("verified_at", _l("Verified and closed at"), "datetime", 17),
             Column("verified_by", _l("Verified by"), width=10),
             Column("days", _l("Days taken"), "int", 8),
             Column("status", _l("Status"), "status", 10),
             Column("overdue", _l("Overdue"), "bool", 8)),
    filters=frozenset({"area", "grid", "type", "period", "level"}), statuses=RECTIFICATION_FILTER,
    period_label=_l("Found"), period_zh="发现时间",
    key=(Hazard.found_on, Hazard.id), core=_rectification_core,
    statement=built_once(_rectification_query), convert=each_row(_rectification_row),
)


# 责任清单: who answers for what, site by site.

_BATCH = 500


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _grouped(rows, key: int = 0) -> dict[Any, list]:
    groups: dict[Any, list] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def _placed_sites() -> Select:
    return (select().select_from(Site).join(Grid, Site.grid_id == Grid.id)
            .join(Area, Grid.area_id == Area.id))


def _responsibility_core(user: User, f: Filters, today: date) -> Select:
    """The sites of the list (it is paged and counted by site: each has several rows)."""
    return located(scope_sites(_placed_sites().where(Site.active.is_(True)), user), f)


SITE_ORDER = (Area.name, Grid.name, Site.name, Site.id)

# The grids in the list's order, a subquery of its own: PostgreSQL then walks them in turn, each
# grid's active sites by name on their index, and stops at the page's end. Ordered by the
# joined area's and grid's names instead, it read and sorted every site for each page (zone PG,
# first page's keys: ~1.9 -> ~0.1 ms server CPU).
_GRIDS_IN_ORDER = (select(Grid.id, Area.name.label("area"), Grid.name.label("grid"))
                   .join(Area, Grid.area_id == Area.id).order_by(Area.name, Grid.name)
                   .subquery("grids_in_order"))
PAGE_SITE_ORDER = (_GRIDS_IN_ORDER.c.area, _GRIDS_IN_ORDER.c.grid, Site.name, Site.id)


def in_site_order(query: Select) -> Select:
    """A query over the list's sites, joined to what pages them in SITE_ORDER (the same
    values: their grid's area and name) by PAGE_SITE_ORDER."""
    return query.join(_GRIDS_IN_ORDER, _GRIDS_IN_ORDER.c.id == Site.grid_id)


_SITE_COLUMNS = (Site.id, Site.grid_id, Area.name, Grid.name, Site.name, Site.site_type,
                 Site.principal_name, Site.principal_phone, Site.controller_name,
                 Site.controller_phone)


@cache
def _by_site() -> tuple[Select, ...]:
    """The list's statements for a batch of sites, built once (their ids and grids are
    parameters): building them cost more than running them, on every page. Who answers (the
    enterprise's staff, the grids' inspectors) is one statement, what is open (hazards, 督办)
    one more: each part keeps its own order within its kind (0 or 1)."""
    ids, grid_ids = bindparam("ids", expanding=True), bindparam("grid_ids", expanding=True)
    sites = (_placed_sites().add_columns(*_SITE_COLUMNS).where(among(Site.id, ids))
             .order_by(*SITE_ORDER))
    # (kind, site or grid, post, name, phone), by post and name.
    staff = (select(literal(0).label("kind"), User.site_id.label("owner"),
                    User.position.label("post"), User.name, User.phone)
             .where(among(User.site_id, ids), User.role == Role.ENTERPRISE, User.active.is_(True),
                    User.position.in_([Position.PRINCIPAL, Position.SAFETY_MANAGER])))
    inspectors = (select(literal(1), grid_inspectors.c.grid_id, literal(None, String),
                         User.name, User.phone)
                  .join(User, User.id == grid_inspectors.c.user_id)
                  .where(among(grid_inspectors.c.grid_id, grid_ids), User.active.is_(True)))
    people = union_all(staff, inspectors).subquery()
    people = select(people).order_by(people.c.kind, people.c.post, people.c.name)
    # (kind, site, hazard, description, level, day, text, text, order): hazards by deadline
    # and id, 督办 by supervision.
    hazards = (select(literal(0).label("kind"), Hazard.site_id, Hazard.id, Hazard.description,
                      Hazard.level, Hazard.deadline.label("day"), Hazard.responsible_name,
                      Hazard.responsible_phone, Hazard.id.label("n"))
               .where(among(Hazard.site_id, ids), open_clause()))
    offices = (select(literal(1), Hazard.site_id, Hazard.id, Hazard.description, Hazard.level,
                      Supervision.due_date, Supervision.office, Supervision.doc_no,
                      Supervision.id)
               .select_from(Supervision).join(Hazard, Supervision.hazard_id == Hazard.id)
               .where(among(Hazard.site_id, ids), Supervision.status == "active"))
    open_ = union_all(hazards, offices).subquery()
    open_ = select(*(c for c in open_.c if c.key != "n")).order_by(
        open_.c.kind, case((open_.c.kind == 0, open_.c.day)), open_.c.n)
    return sites, people, open_


def _responsibility_rows(user: User, f: Filters, today: date, ids=None) -> Iterator[tuple]:
    by_ids, by_people, by_open = _by_site()
    # Plain columns (extensions.read): a page runs four statements.
    if ids is None:  # every row (export, print): the list's own sites
        sites = read(_responsibility_core(user, f, today).add_columns(*_SITE_COLUMNS)
                     .order_by(*SITE_ORDER)).all()
    else:  # a page's sites, read with the filters and the scope already
        sites = read(by_ids, {"ids": list(ids)}).all()
    for chunk in _chunks(sites, _BATCH):  # a few queries per batch of sites, not per site
        site_ids = {"ids": [s[0] for s in chunk]}
        people = read(by_people, {**site_ids, "grid_ids": list({s[1] for s in chunk})}).all()
        staff = _grouped(r[1:] for r in people if r[0] == 0)
        inspectors = _grouped((r[1], r[3], r[4]) for r in people if r[0] == 1)
        found = read(by_open, site_ids).all()
        hazards = _grouped(r[1:] for r in found if r[0] == 0)
        offices = _grouped(r[1:] for r in found if r[0] == 1)
        for (sid, grid_id, area, grid, name, site_type, principal, principal_phone, controller,
             controller_phone) in chunk:
            where = (area, grid, name, site_type)
            blank = (None, "", "", None, "")
            if principal:
                yield (*where, "principal", principal, principal_phone, *blank)
            if controller:
                yield (*where, "controller", controller, controller_phone, *blank)
            for _sid, position, person, phone in staff.get(sid, []):
                if position == Position.PRINCIPAL and person == principal:
                    continue  # the registered principal, already listed
                yield (*where, str(position), person, phone or "", *blank)
            for _gid, person, phone in inspectors.get(grid_id, []):
                yield (*where, "inspector", person, phone or "", *blank)
            for _sid, hid, desc, level, deadline, person, phone in hazards.get(sid, []):
                yield (*where, "hazard", person, phone, hid, desc, level, deadline, "")
            for _sid, hid, desc, level, due, office, doc_no in offices.get(sid, []):
                yield (*where, "office", office, "", hid, desc, level, due, doc_no)


RESPONSIBILITY = Ledger(
    slug="responsibility", title=_l("Responsibility list"), title_zh="责任清单",
    columns=(*WHERE, Column("duty", _l("Responsibility"), "duty", 14),
             Column("who", _l("Person or office"), width=16),
             Column("phone", _l("Phone"), width=13),
             Column("hazard_id", _l("Hazard no."), "hazard", 9),
             Column("hazard", _l("Hazard"), width=36),
             Column("level", _l("Level"), "level", 8),
             Column("deadline", _l("Deadline"), "date", 12),
             Column("note", _l("Document no."), width=16)),
    filters=frozenset({"area", "grid", "type"}), core=_responsibility_core,
    generate=_responsibility_rows,
)


# 执法清单: referrals to departments with penalty power, and their cases.

def _placed_referrals() -> Select:
    return (placed(select().select_from(Referral), Referral.site_id)
            .outerjoin(Hazard, Referral.hazard_id == Hazard.id))


def _enforcement_core(user: User, f: Filters, today: date) -> Select:
    query = scope_by_site(_placed_referrals(), user, Referral.site_id)
    query = in_period(located(query, f), Referral.referred_at, f)
    if f.level:
        query = query.where(Hazard.level == f.level)
    if f.status:
        query = query.where(Referral.status == f.status)
    return query


def _enforcement_query(ids) -> Select:
    referrer = aliased(User)
    query = _placed_referrals().where(among(Referral.id, ids)).add_columns(
        Referral.id, Referral.referred_at, Area.name, Grid.name, Site.name, Site.site_type,
        Referral.hazard_id, Hazard.description, Hazard.level, Referral.department, Referral.measure,
        Referral.reason, Referral.status, Referral.case_no, Referral.outcome,
        Referral.penalty_amount, Referral.closed_at, referrer.name)
    query = query.outerjoin(referrer, Referral.referred_by_id == referrer.id)
    return query.order_by(Referral.referred_at.desc(), Referral.id.desc())


ENFORCEMENT = Ledger(
    slug="enforcement", title=_l("Enforcement list"), title_zh="执法清单",
    columns=(Column("id", _l("No."), "int", 8),
             Column("referred_at", _l("Referred at"), "datetime", 17),
             *WHERE, Column("hazard_id", _l("Hazard no."), "hazard", 9),
             Column("hazard", _l("Hazard"), width=32),
             Column("level", _l("Level"), "level", 8),
             Column("department", _l("Department"), width=16),
             Column("measure", _l("Measure"), "measure", 16),
             Column("reason", _l("Reason"), width=24),
             Column("status", _l("Case status"), "referral", 10),
             Column("case_no", _l("Case no."), width=16),
             Column("outcome", _l("Outcome"), width=24),
             Column("penalty", _l("Penalty (yuan)"), "money", 12),
             Column("closed_at", _l("Case closed at"), "datetime", 17),
             Column("referred_by", _l("Referred by"), width=10)),
    filters=frozenset({"area", "grid", "type", "period", "level"}),
    statuses=dict(labels.REFERRAL_STATUS),
    period_label=_l("Referred"), period_zh="移送时间",
    key=(Referral.referred_at, Referral.id), core=_enforcement_core,
    statement=built_once(_enforcement_query), convert=each_row(lambda row, today: tuple(row)),
)

FIVE = (INSPECTIONS, HAZARDS, RECTIFICATION, RESPONSIBILITY, ENFORCEMENT)
