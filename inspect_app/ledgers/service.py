"""The five lists (五张清单) and the major-hazard database: filters, columns and row queries.

Each list is a `Ledger`: its columns (page label, value kind, xlsx width), a query whose rows
come out in column order, and the filters that apply to it. The page, the print view and the
xlsx export all read the same rows, narrowed to what the user may see (hazards.service.scope,
sites.service.scope_sites). Rows hold raw values (codes, naive-UTC datetimes, Decimals): the
page shows them with the UI's labels, the xlsx with the ledger's Chinese ones (export.py).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import aliased

from .. import labels
from ..auth.models import User
from ..checklists.models import ChecklistItem, ChecklistTemplate
from ..extensions import db
from ..hazards.models import Hazard, HazardEvent, Referral, Supervision, open_clause
from ..hazards.service import scope
from ..hazards.workflow import Action, Level, State, is_overdue, report_missing
from ..inspections.models import Answer, Inspection, Result
from ..memo import memo
from ..roles import Position, Role
from ..sites.models import Area, Grid, Site, grid_inspectors
from ..sites.service import scope_sites
from ..timeutil import local_today, to_local
from .filters import (
    Filters,
    found_in_period,
    hazard_status,
    in_period,
    in_regime,
    local_date,
    located,
    placed,
)
from .stats import is_stock, stock_cutoff

# Labels of the status filters --------------------------------------------------------------

LEVELS = labels.LEVELS
# What the status filter offers, per list ("" = all).
HAZARD_FILTER = {"open": _l("Open"), "overdue": _l("Overdue"), "closed": _l("Closed"),
                 "rejected": _l("Rejected")}
RECTIFICATION_FILTER = {"open": _l("Being fixed"), "overdue": _l("Overdue"),
                        "submitted": _l("Waiting for verification"), "closed": _l("Closed")}
MAJOR_FILTER = {"open": _l("Open"), "overdue": _l("Overdue"),
                "supervised": _l("Under supervision"), "closed": _l("Closed")}



# Lists ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy English msgid, shown on the page
    kind: str = "text"  # text int date datetime money bool, or a code kind (see LABELS)
    width: int = 12  # xlsx column width in characters
    on_page: bool = True  # long texts go only to the xlsx file

    @property
    def css(self) -> str:
        """Cell classes: the kind (alignment) and, for text, how much room it needs."""
        size = ("k-long" if self.width >= 24 else "k-mid" if self.width >= 14
                else "k-short" if self.width >= 10 else "")
        return f"k-{self.kind} {size}".strip()


@dataclass(frozen=True)
class Ledger:
    slug: str
    title: Any
    title_zh: str  # the official name: the xlsx title and file name
    columns: tuple[Column, ...]
    filters: frozenset[str]  # of area grid type period level
    statuses: dict[str, Any] = field(default_factory=dict)
    period_label: Any = None
    period_zh: str = ""
    # The rows' order, newest first: (sort column, id column), both descending, indexed.
    key: tuple = ()
    # The list's rows (the filters applied, no columns yet): a page's keys are read from it.
    core: Callable[[User, Filters, date], Select] | None = None
    # Every column, for all rows or only for a page's ids (per-row figures for those only).
    statement: Callable[..., Select] | None = None
    convert: Callable[[Any, date], tuple] | None = None
    generate: Callable[..., Iterator[tuple]] | None = None  # not one query (by sites)

    @property
    def page_columns(self) -> list[tuple[int, Column]]:
        return [(i, c) for i, c in enumerate(self.columns) if c.on_page]


WHERE = (Column("area", _l("Area"), width=10), Column("grid", _l("Grid"), width=10),
         Column("site", _l("Enterprise or place"), width=24),
         Column("site_type", _l("Industry"), "site_type", width=12))


def _page(query: Select, id_column, ids) -> Select:
    """Narrow a list's query to one page's ids (None: every row, for export and print)."""
    return query if ids is None else query.where(id_column.in_(ids))


# 检查清单: submitted inspections.

def _inspections_core(user: User, f: Filters, today: date) -> Select:
    query = placed(select().select_from(Inspection), Inspection.site_id).where(
        Inspection.submitted_at.is_not(None),
        Inspection.site_id.in_(scope_sites(select(Site.id), user)))
    return in_period(located(query, f), Inspection.submitted_at, f)


def _inspections_query(user: User, f: Filters, today: date, ids=None) -> Select:
    answers = (select(Answer.inspection_id.label("iid"), func.count().label("total"),
                      func.sum(case((Answer.result == Result.FAIL, 1), else_=0)).label("failed"))
               .group_by(Answer.inspection_id))
    found = (select(Hazard.inspection_id.label("iid"), func.count().label("n"))
             .where(Hazard.inspection_id.is_not(None)).group_by(Hazard.inspection_id))
    query = _inspections_core(user, f, today)
    if ids is not None:  # one page: count the answers and hazards of its inspections only
        answers = answers.where(Answer.inspection_id.in_(ids))
        found = found.where(Hazard.inspection_id.in_(ids))
        query = query.where(Inspection.id.in_(ids))
    answers, found = answers.subquery(), found.subquery()
    query = query.add_columns(
        Inspection.id, Inspection.submitted_at, Area.name, Grid.name, Site.name, Site.site_type,
        Inspection.kind, User.name, Inspection.led_by, ChecklistTemplate.title,
        ChecklistTemplate.version, func.coalesce(answers.c.total, 0),
        func.coalesce(answers.c.failed, 0), func.coalesce(found.c.n, 0), Inspection.from_scan)
    query = (query.join(User, Inspection.inspector_id == User.id)
             .join(ChecklistTemplate, Inspection.template_id == ChecklistTemplate.id)
             .outerjoin(answers, answers.c.iid == Inspection.id)
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
    statement=_inspections_query, convert=lambda row, today: tuple(row),
)


# 问题清单: every hazard found, from any channel.

def _hazards_core(user: User, f: Filters, today: date) -> Select:
    query = placed(select().select_from(Hazard), Hazard.site_id)
    query = hazard_status(found_in_period(located(in_regime(scope(query, user), f), f), f),
                          f.status, today)
    if f.level:
        query = query.where(Hazard.level == f.level)
    return query


def _hazards_query(user: User, f: Filters, today: date, ids=None) -> Select:
    finder = aliased(User)
    query = _page(_hazards_core(user, f, today), Hazard.id, ids).add_columns(
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
    statement=_hazards_query, convert=_hazard_row,
)


# 整改销号清单: rectification and close-out of every accepted hazard.

def _last_event(actions: list[str], ids=None):
    """The latest event of these kinds per hazard, as (hazard id, event id); for a page, of its
    hazards only (read from the index on hazard_events (hazard_id, action, id))."""
    query = (select(HazardEvent.hazard_id.label("hid"), func.max(HazardEvent.id).label("eid"))
             .where(HazardEvent.action.in_(actions)).group_by(HazardEvent.hazard_id))
    if ids is not None:
        query = query.where(HazardEvent.hazard_id.in_(ids))
    return query.subquery()


def _rectification_core(user: User, f: Filters, today: date) -> Select:
    # A hazard enters this list once accepted (or fixed on the spot), never if rejected.
    return _hazards_core(user, f, today).where(
        Hazard.status.not_in([State.REPORTED, State.REJECTED]))


def _rectification_query(user: User, f: Filters, today: date, ids=None) -> Select:
    submit = _last_event([Action.SUBMIT], ids)
    verify = _last_event([Action.VERIFY, Action.FIX_ON_SPOT], ids)
    sub_ev, ver_ev = aliased(HazardEvent), aliased(HazardEvent)
    sub_by, ver_by = aliased(User), aliased(User)
    query = _page(_rectification_core(user, f, today), Hazard.id, ids).add_columns(
        Hazard.id, Area.name, Grid.name, Site.name, Site.site_type, Hazard.description,
        Hazard.level, Hazard.responsible_name, Hazard.responsible_phone, Hazard.measures,
        Hazard.funds, Hazard.deadline, sub_ev.at, sub_by.name, Hazard.rectified_note,
        Hazard.rectification_cost, ver_ev.at, ver_by.name, Hazard.found_on, Hazard.closed_at,
        Hazard.status)
    query = (query.outerjoin(submit, submit.c.hid == Hazard.id)
             .outerjoin(sub_ev, sub_ev.id == submit.c.eid)
             .outerjoin(sub_by, sub_by.id == sub_ev.actor_id)
             .outerjoin(verify, verify.c.hid == Hazard.id)
             .outerjoin(ver_ev, ver_ev.id == verify.c.eid)
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
    statement=_rectification_query, convert=_rectification_row,
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


def _responsibility_core(user: User, f: Filters, today: date) -> Select:
    """The sites of the list (it is paged and counted by site: each has several rows)."""
    query = (select().select_from(Site).join(Grid, Site.grid_id == Grid.id)
             .join(Area, Grid.area_id == Area.id))
    return located(scope_sites(query.where(Site.active.is_(True)), user), f)


SITE_ORDER = (Area.name, Grid.name, Site.name, Site.id)


def _responsibility_rows(user: User, f: Filters, today: date, ids=None) -> Iterator[tuple]:
    query = _page(_responsibility_core(user, f, today), Site.id, ids).add_columns(
        Site.id, Site.grid_id, Area.name, Grid.name, Site.name, Site.site_type,
        Site.principal_name, Site.principal_phone, Site.controller_name, Site.controller_phone)
    sites = db.session.execute(query.order_by(*SITE_ORDER)).all()
    for chunk in _chunks(sites, _BATCH):  # a few queries per batch of sites, not per site
        ids, grid_ids = [s[0] for s in chunk], {s[1] for s in chunk}
        staff = _grouped(db.session.execute(
            select(User.site_id, User.position, User.name, User.phone)
            .where(User.site_id.in_(ids), User.role == Role.ENTERPRISE, User.active.is_(True),
                   User.position.in_([Position.PRINCIPAL, Position.SAFETY_MANAGER]))
            .order_by(User.position, User.name)))
        inspectors = _grouped(db.session.execute(
            select(grid_inspectors.c.grid_id, User.name, User.phone)
            .join(User, User.id == grid_inspectors.c.user_id)
            .where(grid_inspectors.c.grid_id.in_(grid_ids), User.active.is_(True))
            .order_by(User.name)))
        hazards = _grouped(db.session.execute(
            select(Hazard.site_id, Hazard.id, Hazard.description, Hazard.level, Hazard.deadline,
                   Hazard.responsible_name, Hazard.responsible_phone)
            .where(Hazard.site_id.in_(ids), open_clause())
            .order_by(Hazard.deadline, Hazard.id)))
        offices = _grouped(db.session.execute(
            select(Hazard.site_id, Hazard.id, Hazard.description, Hazard.level,
                   Supervision.due_date, Supervision.office, Supervision.doc_no)
            .select_from(Supervision).join(Hazard, Supervision.hazard_id == Hazard.id)
            .where(Hazard.site_id.in_(ids), Supervision.status == "active")
            .order_by(Supervision.id)))
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

def _enforcement_core(user: User, f: Filters, today: date) -> Select:
    query = (placed(select().select_from(Referral), Referral.site_id)
             .outerjoin(Hazard, Referral.hazard_id == Hazard.id)
             .where(Referral.site_id.in_(scope_sites(select(Site.id), user))))
    query = in_period(located(query, f), Referral.referred_at, f)
    if f.level:
        query = query.where(Hazard.level == f.level)
    if f.status:
        query = query.where(Referral.status == f.status)
    return query


def _enforcement_query(user: User, f: Filters, today: date, ids=None) -> Select:
    referrer = aliased(User)
    query = _page(_enforcement_core(user, f, today), Referral.id, ids).add_columns(
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
    statement=_enforcement_query, convert=lambda row, today: tuple(row),
)


# 重大事故隐患数据库: every major hazard, its written report and plan, and its supervision.

# The written report (16号令 第十四条): state and cause, harm and difficulty, and the plan,
# whose six parts (第十五条) are the goal, measures, funds, organisation, time limits, safety.
REPORT_PARTS = ("report_state_cause", "report_harm_difficulty")
PLAN_PARTS = ("plan_goal", "measures", "plan_resources", "plan_organisation", "plan_timeline",
              "plan_emergency")
PARTS = {"report_state_cause": _l("State and cause"),
         "report_harm_difficulty": _l("Harm and difficulty"),
         "plan_goal": _l("Goal and tasks"), "measures": _l("Measures"),
         "plan_resources": _l("Funds and materials"),
         "plan_organisation": _l("Organisation and people"),
         "plan_timeline": _l("Time limits"), "plan_emergency": _l("Safety and emergency measures"),
         "interim_measures": _l("Interim safety measures")}


def missing_parts(texts: dict[str, str | None]) -> tuple[str, ...]:
    """The report and plan parts not yet written (empty tuple: the report is complete), by the
    one definition in hazards/workflow.py."""
    return report_missing(texts)


def _major_core(user: User, f: Filters, today: date) -> Select:
    # A major the supervisor judged general stays listed, as 认定为一般 with who and why.
    query = placed(select().select_from(Hazard), Hazard.site_id).where(
        (Hazard.level == Level.MAJOR) | (Hazard.reported_level == Level.MAJOR),
        Hazard.status != State.REJECTED)
    return hazard_status(found_in_period(located(in_regime(scope(query, user), f), f), f), f.status,
                         today)


def _major_query(user: User, f: Filters, today: date, ids=None) -> Select:
    latest = (select(Supervision.hazard_id.label("hid"), func.max(Supervision.id).label("sid"))
              .group_by(Supervision.hazard_id))
    if ids is not None:
        latest = latest.where(Supervision.hazard_id.in_(ids))
    latest = latest.subquery()
    sup = aliased(Supervision)
    # The latest referral stands for the hazard's enforcement (a later one supersedes it).
    last_referral = (select(Referral.hazard_id.label("hid"), func.max(Referral.id).label("rid"))
                     .where(Referral.hazard_id.is_not(None)).group_by(Referral.hazard_id))
    if ids is not None:
        last_referral = last_referral.where(Referral.hazard_id.in_(ids))
    last_referral = last_referral.subquery()
    ref = aliased(Referral)
    decider = aliased(User)
    query = _page(_major_core(user, f, today), Hazard.id, ids).add_columns(
        Hazard.id, Area.name, Grid.name, Site.name, Site.site_type, Hazard.regime,
        Hazard.authority, Hazard.description, Hazard.source, Hazard.found_on, Hazard.deadline,
        Hazard.status,
        *(getattr(Hazard, p) for p in (*REPORT_PARTS, *PLAN_PARTS)),
        sup.status, sup.level, sup.office, sup.doc_no, sup.due_date, Hazard.closed_at,
        Hazard.funds, Hazard.interim_measures, ref.measure, ref.status, ref.case_no,
        ref.penalty_amount, Hazard.level, decider.name, Hazard.level_reason)
    query = (query.outerjoin(latest, latest.c.hid == Hazard.id)
             .outerjoin(sup, sup.id == latest.c.sid)
             .outerjoin(last_referral, last_referral.c.hid == Hazard.id)
             .outerjoin(ref, ref.id == last_referral.c.rid)
             .outerjoin(decider, decider.id == Hazard.level_decided_by_id))
    return query.order_by(Hazard.found_on.desc(), Hazard.id.desc())


def _major_row(row, today: date, cutoff: date | None = None) -> tuple:
    cutoff = cutoff or stock_cutoff()
    hid, area, grid, site, site_type, regime, authority, desc, source, found, deadline, \
        status = row[:12]
    texts = dict(zip((*REPORT_PARTS, *PLAN_PARTS), row[12:20], strict=True))
    sup_status, sup_level, office, doc_no, sup_due, closed = row[20:26]
    return (hid, area, grid, site, site_type, regime, authority, desc, source, found,
            is_stock(found, cutoff), deadline, status,
            is_overdue(status, deadline, today), *texts.values(),
            missing_parts({**texts, "interim_measures": row[27]}),
            sup_status or "none", sup_level or "", office, doc_no, sup_due, closed, *row[26:])


MAJOR = Ledger(
    slug="major", title=_l("Major hazard database"), title_zh="重大事故隐患数据库",
    columns=(Column("id", _l("No."), "hazard", 8), *WHERE,
             Column("regime", _l("Regime"), "regime", 12),
             Column("authority", _l("Deciding authority"), "authority", 12),
             Column("description", _l("Hazard"), width=36),
             Column("source", _l("Source"), "source", 12),
             Column("found_on", _l("Found on"), "date", 12),
             Column("stock", _l("Stock or increment"), "stock", 9),
             Column("deadline", _l("Deadline"), "date", 12),
             Column("status", _l("Status"), "status", 10),
             Column("overdue", _l("Overdue"), "bool", 8),
             *(Column(p, PARTS[p], width=30, on_page=False) for p in (*REPORT_PARTS, *PLAN_PARTS)),
             Column("report", _l("Written report"), "parts", 30),
             Column("supervision", _l("Supervision"), "supervision", 10),
             Column("supervision_level", _l("Supervision level"), "supervision_level", 9),
             Column("office", _l("Supervising office"), width=16),
             Column("doc_no", _l("Document no."), width=16, on_page=False),
             Column("supervision_due", _l("Supervision due"), "date", 12),
             Column("closed_at", _l("Closed at"), "datetime", 17),
             Column("funds", _l("Funds (yuan)"), "money", 12),
             Column("interim_measures", _l("Interim safety measures"), width=30, on_page=False),
             Column("enforcement", _l("Enforcement measure"), "measure", 16),
             Column("case_status", _l("Case status"), "referral", 10),
             Column("case_no", _l("Case no."), width=16, on_page=False),
             Column("penalty", _l("Penalty (yuan)"), "money", 12),
             Column("level", _l("Level as confirmed"), "level", 8),
             Column("level_decided_by", _l("Level decided by"), width=10),
             Column("level_reason", _l("Reason for the level"), width=30)),
    filters=frozenset({"area", "grid", "type", "period", "regime"}), statuses=MAJOR_FILTER,
    period_label=_l("Found"), period_zh="发现时间",
    key=(Hazard.found_on, Hazard.id), core=_major_core,
    statement=_major_query, convert=_major_row,
)

FIVE = (INSPECTIONS, HAZARDS, RECTIFICATION, RESPONSIBILITY, ENFORCEMENT)
LEDGERS = {ledger.slug: ledger for ledger in (*FIVE, MAJOR)}


# Reading rows ---------------------------------------------------------------------------------


def rows(ledger: Ledger, user: User, filters: Filters, today: date | None = None,
         limit: int | None = None) -> Iterator[tuple]:
    """Every row of the list in column order (export, print), streamed 1,000 at a time."""
    today = today or local_today()
    if ledger.generate:
        yield from islice(ledger.generate(user, filters, today), limit)
        return
    stmt = ledger.statement(user, filters, today)
    if limit is not None:
        stmt = stmt.limit(limit)
    # yield_per streams (a server-side cursor on PostgreSQL): memory stays flat at any size.
    result = db.session.execute(stmt.execution_options(yield_per=1000))
    try:
        for row in result:
            yield ledger.convert(row, today)
    finally:
        result.close()


def count(ledger: Ledger, user: User, filters: Filters, today: date | None = None) -> int:
    """How many rows the list has (an export's progress counts them)."""
    today = today or local_today()
    if ledger.generate:
        return sum(1 for _row in ledger.generate(user, filters, today))
    return count_listed(ledger, user, filters, today)


def count_listed(ledger: Ledger, user: User, filters: Filters, today: date) -> int:
    """What the screen's total counts: rows, or sites for the responsibility list. A whole-
    list count, so the screen asks for it through `total`, memoised."""
    stmt = ledger.core(user, filters, today).add_columns(
        Site.id if ledger.generate else ledger.key[1])
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


_totals = memo(60)


def total(ledger: Ledger, user: User, filters: Filters, today: date) -> int:
    """The list's count, at most a minute old: paging never recounts the whole list."""
    key = (ledger.slug, user.id, user.role, filters, today)
    return _totals.get(key, lambda: count_listed(ledger, user, filters, today))


@dataclass
class Listing:
    rows: list[tuple]
    total: int
    next: int | None  # the id to continue after ("More"), None on the last page
    unit: str = "rows"  # what `total` counts: rows, or sites for the responsibility list


def _key_page(ledger: Ledger, user: User, filters: Filters, today: date, after: int | None,
              limit: int) -> tuple[list[int], bool]:
    """The ids of one page, on the list's indexed order, from the keys alone (LIMIT n + 1:
    one more tells whether there is a next page). `after`: the last id of the page before."""
    if ledger.generate:  # by site, in name order
        order, descending = SITE_ORDER, False
    else:
        order, descending = ledger.key, True
    query = ledger.core(user, filters, today).add_columns(order[-1])
    if after is not None:
        # The row-value comparison the order's index answers: (sort…, id) past the last one.
        last = db.session.execute(
            _page(ledger.core(user, filters, today).add_columns(*order), order[-1], [after])
        ).first()
        if last is not None:
            past = tuple_(*order) < tuple_(*last) if descending else tuple_(*order) > tuple_(*last)
            query = query.where(past)
    query = query.order_by(*(c.desc() for c in order) if descending else order)
    ids = list(db.session.scalars(query.limit(limit + 1)))
    return ids[:limit], len(ids) > limit


def listing(ledger: Ledger, user: User, filters: Filters, after: int | None = None,
            limit: int = 50, today: date | None = None) -> Listing:
    """One page of the list for the screen: its ids first, then every column for those ids
    only; the total memoised beside it."""
    today = today or local_today()
    ids, more = _key_page(ledger, user, filters, today, after, limit)
    if ledger.generate:
        page_rows = list(ledger.generate(user, filters, today, ids=ids)) if ids else []
    else:
        page_rows = [ledger.convert(row, today) for row in
                     db.session.execute(ledger.statement(user, filters, today, ids=ids))] \
            if ids else []
    return Listing(page_rows, total(ledger, user, filters, today), ids[-1] if more else None,
                   "sites" if ledger.generate else "rows")


# Showing values on the page -------------------------------------------------------------------

LABELS = labels.FAMILIES


def display(column: Column, value) -> str:
    """A cell as the page shows it, in the UI language."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "datetime":
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return value.isoformat()
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "bool":
        return _("Yes") if value else _("No")
    if kind == "parts":
        return (_("Missing: %(parts)s", parts=", ".join(str(PARTS[p]) for p in value)) if value
                else _("Complete"))
    if kind in LABELS:
        return str(LABELS[kind].get(value, value))
    return str(value)


def describe(ledger: Ledger, filters: Filters) -> str:
    """The filters in the UI language, for the print view's heading."""
    parts = []
    for key, value in filters.parts():
        if key == "area":
            parts.append(_("Area: %(v)s", v=value))
        elif key == "grid":
            parts.append(_("Grid: %(v)s", v=value))
        elif key == "type":
            parts.append(_("Industry: %(v)s", v=labels.SITE_TYPES.get(value, value)))
        elif key == "period":
            low, high = value
            parts.append(_("%(what)s from %(low)s to %(high)s", what=ledger.period_label,
                           low=low or "…", high=high or "…"))
        elif key == "level":
            parts.append(_("Level: %(v)s", v=LEVELS[value]))
        elif key == "status":
            parts.append(_("Status: %(v)s", v=ledger.statuses[value]))
    return "; ".join(parts) or _("All rows")
