"""The enterprise's hazard statistics for a quarter or a year, which the principal signs
(16号令 第十四条)."""

from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import forms, labels, periods
from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..hazards import workflow
from ..hazards.models import Hazard
from ..hazards.workflow import SUPERVISION_LEVELS, Level, Source, State
from ..inspections.models import Inspection, InspectionKind
from ..roles import Position
from ..sites.models import Site
from ..timeutil import local_today
from . import schedule
from .models import StatisticsConfirmation
from .scope import own_site


def statistics(site: Site, year: int, quarter: int, today: date | None = None) -> dict:
    """The enterprise's hazard statistics for a quarter (1–4) or a year (0), from its data.

    Counted by the day each hazard was found (found_on), as of the period's end or today,
    whichever is earlier: mid-quarter, a hazard is overdue only once its deadline has passed.
    Actual cost and planned funds are kept apart. For the major hazards still open: how many
    have each of the 五落实, and how many are under 督办 at each level."""
    period = periods.quarter(year, quarter)
    end = period.end
    as_of = min(end, today or local_today())
    rows = db.session.scalars(select(Hazard).where(
        Hazard.site_id == site.id, Hazard.status != State.REJECTED, Hazard.found_on <= end))
    figures = {f"{what}_{level}": 0 for what in ("found", "self_found", "closed", "open", "overdue")
               for level in Level}
    five = dict.fromkeys(FIVE_IN_PLACE, 0)
    supervised = dict.fromkeys(SUPERVISION_LEVELS, 0)
    regimes = {r: {"found": 0, "open": 0} for r in ("accident", "fire")}
    cost = planned = 0.0
    majors = []
    for h in rows:
        found = h.found_on
        closed = local_today(h.closed_at) if h.closed_at else None
        level = Level.MAJOR if h.level == Level.MAJOR else Level.GENERAL
        major = level == Level.MAJOR
        if found in period:
            figures[f"found_{level}"] += 1
            if h.source == Source.SELF_CHECK:
                figures[f"self_found_{level}"] += 1
            if major:
                regimes[h.regime or "accident"]["found"] += 1
        if closed and closed in period:
            figures[f"closed_{level}"] += 1
            cost += float(h.rectification_cost or 0)
            planned += float(h.decision_funds if h.decision_funds is not None else h.funds or 0)
        still_open = not closed or closed > as_of
        if still_open and found <= as_of:
            figures[f"open_{level}"] += 1
            if h.deadline < as_of:
                figures[f"overdue_{level}"] += 1
            if major:
                regimes[h.regime or "accident"]["open"] += 1
                for key, present in _five_in_place(h).items():
                    five[key] += present
                for sup in h.supervisions:
                    if sup.status == "active" and sup.level in supervised:
                        supervised[sup.level] += 1
        if major and (found in period or still_open):
            majors.append({"id": h.id, "description": h.description[:200],
                           "found": found.isoformat(), "deadline": h.deadline.isoformat(),
                           "closed": closed.isoformat() if closed and closed <= end else "",
                           "regime": h.regime or "accident",
                           "report": not workflow.report_missing(h)})
    checks = db.session.execute(
        select(Inspection.submitted_at, Inspection.principal_present).where(
            Inspection.site_id == site.id, Inspection.kind == InspectionKind.SELF_CHECK,
            Inspection.submitted_at.is_not(None))).all()
    in_period = [p for at, p in checks if local_today(at) in period]
    found_all = figures["found_general"] + figures["found_major"]
    closed_all = figures["closed_general"] + figures["closed_major"]
    figures.update({
        "self_checks": len(in_period), "principal_checks": sum(1 for p in in_period if p),
        "rectification_rate": round(closed_all * 100 / found_all, 1) if found_all else None,
        # Actual cost of what was closed, and the funds planned for it: never one for the other.
        "rectification_money": round(cost, 2), "planned_funds": round(planned, 2),
        "five_in_place": five, "supervised": supervised, "regimes": regimes,
        "majors": majors, "as_of": as_of.isoformat(),
        "period": period.key, "start": period.start.isoformat(), "end": end.isoformat(),
        "deadline": schedule.statistics_deadline(period).isoformat(),
    })
    return figures


# The 五落实 of an open major hazard, as the supervisor decided them at confirmation
# (their words: labels.FIVE_IN_PLACE).
FIVE_IN_PLACE = ("responsibility", "measures", "funds", "deadline", "plan")


def open_major_rows(figures: dict) -> list[tuple[str, tuple[int, ...]]]:
    """The open major hazards' part of the table in words, as the page and the .xlsx both show
    it: how many have each of the 五落实, how many are under 督办 at each level, and found /
    open by regime. Empty for a table signed before these were counted."""
    if not figures.get("five_in_place"):
        return []
    rows = [(labels.label("five", k), (figures["five_in_place"][k],)) for k in FIVE_IN_PLACE]
    rows += [(_("Under supervision (督办): %(level)s",
                level=labels.label("supervision_level", lv)), (n,))
             for lv, n in figures["supervised"].items()]
    found_open = _("found / open")
    rows += [(f"{labels.label('regime', r)}: {found_open}", (t["found"], t["open"]))
             for r, t in figures["regimes"].items()]
    return rows


def _five_in_place(h: Hazard) -> dict[str, bool]:
    confirmed = h.status != State.REPORTED
    return {"responsibility": bool(h.responsible_name.strip()),
            "measures": bool((h.decision_measures or "").strip()),
            "funds": h.decision_funds is not None,
            "deadline": confirmed and h.deadline is not None,
            "plan": bool((h.decision_plan or "").strip())}


def statistics_period(year: int | None, quarter: int | None,
                      today: date | None = None) -> tuple[int, int]:
    """The (year, quarter) asked for; by default the last quarter that has ended."""
    today = today or local_today()
    last = periods.last_ended("quarter", today)
    year = year or last.start.year
    if quarter is None:
        quarter = last.number if year == last.start.year else 0
    if not (2000 <= year <= today.year + 1 and 0 <= quarter <= 4):
        abort(404)
    return year, quarter


def confirmation(site: Site, year: int, quarter: int) -> StatisticsConfirmation | None:
    return db.session.scalar(select(StatisticsConfirmation).where(
        StatisticsConfirmation.site_id == site.id, StatisticsConfirmation.year == year,
        StatisticsConfirmation.quarter == quarter))


def may_sign(user: User) -> bool:
    """The principal signs the statistics table (16号令 第14条: the principal answers for it)."""
    return user.position == Position.PRINCIPAL


def to_sign(site: Site, today: date) -> tuple[periods.Period, int, int] | None:
    """The last ended quarter whose table is not signed yet: (period, year, quarter)."""
    last = periods.last_ended("quarter", today)
    year, number = last.start.year, last.number
    return None if confirmation(site, year, number) else (last, year, number)


def confirm_statistics(user: User, year: int, quarter: int, signed_name: str,
                       today: date | None = None, analysis: str = "") -> StatisticsConfirmation:
    """The principal signs the table: the figures are kept as they were signed."""
    site = own_site(user)
    today = today or local_today()
    if not may_sign(user):
        raise UserError(_("Only the principal can sign the statistics table."), 403)
    if periods.quarter(year, quarter).end >= today:
        raise UserError(_("The period has not ended yet."))
    if not signed_name.strip():
        raise UserError(_("Please fill in: %(field)s", field=_("Signature")))
    if not (analysis or "").strip():  # 16号令 asks for an analysis, not only figures
        raise forms.Invalid({"analysis": _("Please fill in: %(field)s", field=_("Analysis"))})
    if (done := confirmation(site, year, quarter)) is not None:
        raise UserError(_("Already signed by %(name)s.", name=done.signed_name), 409)
    record = StatisticsConfirmation(site_id=site.id, year=year, quarter=quarter,
                                    figures=statistics(site, year, quarter),
                                    signed_name=signed_name.strip()[:64], confirmed_by_id=user.id,
                                    analysis=analysis.strip())
    db.session.add(record)
    db.session.commit()
    return record


def record_submission(user: User, year: int, quarter: int, submitted_to: str, submitted_on: date,
                      today: date | None = None) -> StatisticsConfirmation:
    """Record that the signed table was sent (报送) to the authority: to whom, when, by whom."""
    site = own_site(user)
    record = confirmation(site, year, quarter)
    if record is None:
        raise UserError(_("Sign the table before recording its submission."), 409)
    if record.submitted_on is not None:
        raise UserError(_("Its submission was already recorded."), 409)
    if submitted_on > (today or local_today()):
        raise forms.Invalid({"submitted_on": _("%(field)s cannot be in the future.",
                                               field=_("Submitted on"))})
    record.submitted_to, record.submitted_on, record.submitted_by_id = \
        submitted_to.strip(), submitted_on, user.id
    db.session.commit()
    return record


STAT_ROWS = (
    ("self_checks", _l("Self-checks done")),
    ("principal_checks", _l("of which led with the principal")),
    ("found", _l("Hazards found")),
    ("self_found", _l("of which found by self-checks")),
    ("closed", _l("Hazards rectified and closed")),
    ("open", _l("Open at the end of the period")),
    ("overdue", _l("of which past their deadline")),
)
