"""重大事故隐患数据库: every major hazard, its written report and plan, and its supervision."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..hazards.models import (
    Hazard,
    HazardDocument,
    HazardEvent,
    Referral,
    Supervision,
    major_listed_clause,
)
from ..hazards.service import scope
from ..hazards.workflow import Action, State, is_overdue, report_missing
from ..id_lists import among
from ..sites.models import Area, Grid, Site
from .columns import WHERE, Column, Ledger, built_once
from .filters import (
    Filters,
    found_in_period,
    hazard_status,
    in_regime,
    located,
    placed,
    placed_if_located,
)
from .stats import is_stock, stock_cutoff

# What the status filter offers ("" = all).
MAJOR_FILTER = {"open": _l("Open"), "overdue": _l("Overdue"),
                "supervised": _l("Under supervision"), "closed": _l("Closed")}

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


def _placed_majors() -> Select:
    return placed(select().select_from(Hazard), Hazard.site_id)


def _major_core(user: User, f: Filters, today: date) -> Select:
    # The keys of a page and the total: the site, grid and area are joined only to filter by
    # them (filters.placed_if_located). Unfiltered, the keys come from the index alone
    # (EXPLAIN ANALYZE, zone staff's first page: zone 273 -> 3 buffers, city 395 -> 6).
    # A major the supervisor judged general stays listed, as 认定为一般 with who and why.
    query = placed_if_located(select().select_from(Hazard), Hazard.site_id, f).where(
        major_listed_clause())  # on ix_hazards_major_found_on_id
    return hazard_status(found_in_period(located(in_regime(scope(query, user), f), f), f), f.status,
                         today)


def _latest(model, ids) -> Select:
    """The ids of each hazard's latest supervision or referral (a later one supersedes it),
    of these hazards. Grouped once for the page: a max(id) asked per row scanned the table
    for each (zone PG, 50 rows: 1.5 -> 0.5 ms server CPU)."""
    return select(func.max(model.id)).where(among(model.hazard_id, ids)).group_by(model.hazard_id)


def _major_query(ids) -> Select:
    # Built once (built_once: with its joins and subqueries it cost 8.6 ms to build).
    # Each hazard's latest supervision and referral (`_latest`), its names and documents asked
    # per row: the page's statement joins six tables, not thirteen (four grouped subqueries,
    # their rows and three names), which PostgreSQL took 1.2-1.9 ms to plan for 50 rows.
    sup, ref = aliased(Supervision), aliased(Referral)
    decider = select(User.name).where(User.id == Hazard.level_decided_by_id).scalar_subquery()

    def filed(kind: str):  # a close-out document filed (16号令 第18条)
        return exists().where(HazardDocument.hazard_id == Hazard.id, HazardDocument.kind == kind)
    # Who wrote it off (核销): the actor of the latest close, asked only of a hazard written
    # off (as _major_row shows it), not of every row.
    closer = (select(HazardEvent.actor_id).where(HazardEvent.hazard_id == Hazard.id,
                                                 HazardEvent.action == Action.VERIFY)
              .order_by(HazardEvent.id.desc()).limit(1).correlate(Hazard).scalar_subquery())
    reviewer = case((and_(Hazard.status == State.CLOSED, Hazard.closing_doc_no != ""),
                     select(User.name).where(User.id == closer).scalar_subquery()))
    # A page's rows are read by its ids alone: its ids were read with the filters and the scope.
    query = _placed_majors().where(among(Hazard.id, ids)).add_columns(
        Hazard.id, Area.name, Grid.name, Site.name, Site.site_type, Hazard.regime,
        Hazard.authority, Hazard.description, Hazard.source, Hazard.found_on, Hazard.deadline,
        Hazard.status,
        *(getattr(Hazard, p) for p in (*REPORT_PARTS, *PLAN_PARTS)),
        sup.status, sup.level, sup.office, sup.doc_no, sup.due_date, Hazard.closed_at,
        Hazard.funds, Hazard.interim_measures, ref.measure, ref.status, ref.case_no,
        ref.penalty_amount, Hazard.level, decider, Hazard.level_reason,
        Hazard.stop_work, Hazard.stop_work_doc, Hazard.stop_work_lifted_at, Hazard.assessment_by,
        Hazard.assessment_qualified, filed("assessment"), Hazard.resume_applied_at,
        filed("resume"), Hazard.closing_doc_no, reviewer, Hazard.reviewed_at)
    query = (query.outerjoin(sup, and_(sup.hazard_id == Hazard.id,
                                       sup.id.in_(_latest(Supervision, ids))))
             .outerjoin(ref, and_(ref.hazard_id == Hazard.id, ref.id.in_(_latest(Referral, ids)))))
    return query.order_by(Hazard.found_on.desc(), Hazard.id.desc())


def _major_rows(rows: list, today: date) -> list[tuple]:
    cutoff = stock_cutoff()  # once a read (a setting): read once a row, ~0.35 ms CPU a page
    return [_major_row(row, today, cutoff) for row in rows]


def _major_row(row, today: date, cutoff: date) -> tuple:
    hid, area, grid, site, site_type, regime, authority, desc, source, found, deadline, \
        status = row[:12]
    texts = dict(zip((*REPORT_PARTS, *PLAN_PARTS), row[12:20], strict=True))
    sup_status, sup_level, office, doc_no, sup_due, closed = row[20:26]
    stop, stop_doc, lifted_at, assessed_by, qualified, assessment_doc, resume_at, resume_doc, \
        write_off_doc, reviewer, reviewed_at = row[35:46]
    written_off = status == State.CLOSED and bool(write_off_doc)
    return (hid, area, grid, site, site_type, regime, authority, desc, source, found,
            is_stock(found, cutoff), deadline, status,
            is_overdue(status, deadline, today), *texts.values(),
            report_missing({**texts, "interim_measures": row[27]}),  # the parts not yet written
            sup_status or "none", sup_level or "", office, doc_no, sup_due, closed, *row[26:35],
            # Stop-work (lifted or not only where work was stopped), the assessment (whether its
            # report is filed only once it was made), the application to resume, the 核销.
            stop, stop_doc, (lifted_at is not None) if stop else None, assessed_by,
            qualified if assessed_by else None, bool(assessment_doc) if assessed_by else None,
            resume_at, bool(resume_doc) if resume_at else None, write_off_doc,
            reviewer if written_off else None, reviewed_at if written_off else None)


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
             Column("level_reason", _l("Reason for the level"), width=30),
             Column("stop_work", _l("Stop-work"), "stop_work", 14),
             Column("stop_work_doc", _l("Stop-work document no."), width=16),
             Column("stop_work_lifted", _l("Stop-work lifted"), "bool", 8),
             Column("assessment_by", _l("Assessed by"), width=16),
             Column("assessment_qualified", _l("Qualified assessor"), "bool", 8),
             Column("assessment_doc", _l("Assessment report filed"), "bool", 8),
             Column("resume_applied_at", _l("Application to resume submitted"), "datetime", 17),
             Column("resume_doc", _l("Application to resume filed"), "bool", 8),
             Column("write_off_doc", _l("Write-off document no."), width=16),
             Column("written_off_by", _l("Written off by"), width=10),
             Column("written_off_at", _l("Written off at"), "datetime", 17)),
    filters=frozenset({"area", "grid", "type", "period", "regime"}), statuses=MAJOR_FILTER,
    period_label=_l("Found"), period_zh="发现时间",
    key=(Hazard.found_on, Hazard.id), core=_major_core,
    statement=built_once(_major_query), convert=_major_rows,
)
