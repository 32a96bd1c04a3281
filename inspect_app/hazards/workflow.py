"""The hazard's rules in one place: levels, states, who may do what, deadlines, overdue.

Pure decisions (no request, no db): the routes, the CLI and the tests all ask this module. Who
someone is (zone staff, a grid's inspector, an enterprise's staff or safety lead) the access
policy answers (access.py), from the actor's attributes alone.

Two loops share one table. A hazard the zone finds (patrol, supervisory check, a public report)
is confirmed and verified by the zone. A general hazard the enterprise finds itself (its
self-check, a worker's report) runs the enterprise's own loop (plan §二(四)12, 隐患清单 and
整改清单): its principal or safety manager confirms and verifies it, never the one who
rectified; the zone sees all of it and may step in. A major hazard always goes to the zone.
Overdue is derived (deadline passed and still open), never stored, so it cannot go stale;
only what a person decided (states, extensions, supervision) is stored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import product

from .. import access


class Level(StrEnum):
    GENERAL = "general"  # 一般事故隐患
    MAJOR = "major"  # 重大事故隐患


class State(StrEnum):
    REPORTED = "reported"  # found, waiting to be confirmed (by the zone, or the enterprise's own)
    CONFIRMED = "confirmed"  # graded, responsible person and deadline set
    RECTIFYING = "rectifying"  # the enterprise is fixing it
    SUBMITTED = "submitted"  # rectification submitted, waiting for verification (复查)
    CLOSED = "closed"  # verified and closed (销号)
    REJECTED = "rejected"  # not a hazard, or a duplicate


class Source(StrEnum):
    PATROL = "patrol"  # 网格员巡查
    SUPERVISORY = "supervisory"  # 监管检查
    SELF_CHECK = "self_check"  # 企业自查
    WORKER = "worker"  # 员工报告
    PUBLIC = "public"  # 举报核实


# What the enterprise found itself: a general one runs the enterprise's own loop.
OWN_SOURCES = frozenset({Source.SELF_CHECK, Source.WORKER})


def own_loop(level: str, source: str) -> bool:
    """A general hazard the enterprise found itself: confirmed and verified inside it."""
    return level == Level.GENERAL and source in OWN_SOURCES


# Every source a stored hazard may carry: the channels, and a register's imported rows
# (majors/stock.IMPORTED).
ALL_SOURCES = (*Source, "imported")


class Action(StrEnum):
    # Transitions: the hazard moves to another state.
    CONFIRM = "confirm"
    REJECT = "reject"
    START = "start"
    SUBMIT = "submit"
    VERIFY = "verify"
    RETURN = "return"
    FIX_ON_SPOT = "fix_on_spot"  # 立查立改: a general hazard fixed while the inspector watches
    # Side-actions: the hazard keeps its state; an extension, supervision or referral changes.
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    SUPERVISE = "supervise"  # 督办 (also accepts a proposal the sweep made)
    LIFT_SUPERVISION = "lift_supervision"
    DECLINE_SUPERVISION = "decline_supervision"
    REFER = "refer"  # 移交执法
    FILE_REFERRAL = "file_referral"  # the case number is known (立案)
    CLOSE_REFERRAL = "close_referral"  # the outcome is known (结案)
    # A major hazard's close-out by 16号令 (第16、18、23条).
    STOP_WORK = "stop_work"  # 停产停业 / 局部停产 / 停止使用 / 撤出人员, with the document
    ASSESS = "assess"  # the unit's assessment of the remediation (评估报告)
    APPLY_RESUME = "apply_resume"  # the written application to resume (复产申请)


OPEN_STATES = frozenset({State.REPORTED, State.CONFIRMED, State.RECTIFYING, State.SUBMITTED})
DONE_STATES = frozenset({State.CLOSED, State.REJECTED})
ALL_STATES = OPEN_STATES | DONE_STATES
FIXING_STATES = frozenset({State.CONFIRMED, State.RECTIFYING, State.SUBMITTED})

STOP_WORK = ("suspend_all", "suspend_part", "stop_use", "evacuate")
# 16号令: the unit's written report (第14条) and remediation plan (第15条), with the interim
# measures. The one definition of "the report is complete": enterprise pages, ledgers,
# the hazard page, the statistics and 核销 all ask `report_missing`.
REPORT_PARTS = ("report_state_cause", "report_harm_difficulty", "plan_goal", "measures",
                "plan_resources", "plan_organisation", "plan_timeline", "plan_emergency",
                "interim_measures")


def report_missing(values) -> tuple[str, ...]:
    """The parts of the written report still empty; `values` is a mapping or a hazard."""
    get = values.get if hasattr(values, "get") else lambda k: getattr(values, k, "")
    return tuple([p for p in REPORT_PARTS if not (get(p) or "").strip()])


ENFORCEMENT_MEASURES = ("order_rectify", "suspend", "fine", "seal", "cut_power", "other")
# Measures that stop work by their nature (责令停产停业整顿): the referral says how (STOP_WORK)
# and records the hazard's stop-work, by the same rule as Action.STOP_WORK. Any other measure
# may record one too (a seal that stops the use of equipment).
STOPPING_MEASURES = frozenset({"suspend"})
SUPERVISION_LEVELS = ("zone", "county", "city", "province")
SUPERVISION_ACTIVE = "active"  # a supervision in force: the hazard is under 督办


@dataclass(frozen=True)
class Actor:
    id: int
    role: str
    site_id: int | None = None
    grid_ids: frozenset[int] = frozenset()
    position: str | None = None  # an enterprise account's post (roles.Position)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a hazard."""

    status: str
    level: str
    site_id: int
    grid_id: int
    submitted_by: int | None = None  # who submitted the current rectification
    source: str = Source.PATROL  # who found it (Source)
    # (id, status) of the hazard's extension requests, supervisions and referrals.
    extensions: tuple[tuple[int, str], ...] = ()
    supervisions: tuple[tuple[int, str], ...] = ()
    referrals: tuple[tuple[int, str], ...] = ()
    # For a major hazard's close-out and its extensions.
    stop_work: bool = False  # work stopped and not yet lifted
    assessed: bool = False
    resume_applied: bool = False
    report_complete: bool = False
    deadline_passed: bool = False  # as of today, in the zone

    @property
    def own_loop(self) -> bool:
        return own_loop(self.level, self.source)

    @property
    def supervised(self) -> bool:
        return any(s == SUPERVISION_ACTIVE for _, s in self.supervisions)

    def subjects(self, kind: str) -> tuple[tuple[int, str], ...]:
        return getattr(self, kind)


def is_supervisor(actor: Actor, facts: Facts) -> bool:
    return access.is_zone_staff(actor)


def is_site_staff(actor: Actor, facts: Facts) -> bool:
    """The enterprise's own staff (any post) at the hazard's site."""
    return access.manages_site(actor, facts.site_id)


def is_checker(actor: Actor, facts: Facts) -> bool:
    """Supervisors anywhere, grid inspectors in their own grids."""
    return access.checks_grid(actor, facts.grid_id)


def is_own_lead(actor: Actor, facts: Facts) -> bool:
    """The site's principal or safety manager, for a hazard of the enterprise's own loop."""
    return facts.own_loop and access.leads_safety(actor, facts.site_id)


def is_confirmer(actor: Actor, facts: Facts) -> bool:
    """The zone confirms every hazard; the enterprise's safety leads those of its own loop."""
    return is_supervisor(actor, facts) or is_own_lead(actor, facts)


def is_closer(actor: Actor, facts: Facts) -> bool:
    """A general hazard is verified by any checker, and one of the enterprise's own loop also
    by its safety leads; a major one is reviewed on site and 核销'd by the authority
    (16号令 第23条): a supervisor, never a grid inspector nor the enterprise."""
    if facts.level == Level.MAJOR:
        return is_supervisor(actor, facts)
    return is_checker(actor, facts) or is_own_lead(actor, facts)


def confirm_levels(actor: Actor, facts: Facts) -> tuple[Level, ...]:
    """The levels a confirmer may give: the zone grades; the enterprise confirms its own finding
    as general (judging one major is the zone's, so a major goes to the zone)."""
    return tuple(Level) if is_supervisor(actor, facts) else (Level.GENERAL,)


def is_extension_decider(actor: Actor, facts: Facts) -> bool:
    """Under 督办 the supervising office decides (the supervisor role, not an admin)."""
    return actor.role == "supervisor" if facts.supervised else is_supervisor(actor, facts)


def closeout_missing(facts: Facts) -> str:
    """What a major hazard still lacks before 核销 ("" when nothing): the complete written
    report, the assessment, and where work was stopped, the application to resume."""
    if facts.level != Level.MAJOR:
        return ""
    if not facts.report_complete:
        return "report"
    if not facts.assessed:
        return "assessment"
    if facts.stop_work and not facts.resume_applied:
        return "resume"
    return ""


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]  # the hazard states the action applies in
    who: Callable[[Actor, Facts], bool]
    target: State | None = None  # None: a side-action, the hazard keeps its state
    needs_note: bool = False  # a reason must be given
    needs_photo: bool = False  # an after-photo must be attached
    general_only: bool = False
    major_only: bool = False
    not_by_submitter: bool = False  # nobody verifies their own rectification
    # A side-action on one of the hazard's extensions/supervisions/referrals in these statuses.
    subject: tuple[str, frozenset[str]] | None = None
    # Refused while the hazard has an extension/supervision/referral in this status.
    unless: tuple[str, str] | None = None


def _subject(kind: str, *statuses: str) -> tuple[str, frozenset[str]]:
    return kind, frozenset(statuses)


# Every hazard action, transitions and side-actions alike: who, from which state, under which facts.
RULES: dict[Action, Rule] = {
    # The enterprise confirms its own loop's findings; only the zone rejects one (a worker's
    # report is not dropped by the enterprise it is about).
    Action.CONFIRM: Rule(frozenset({State.REPORTED}), is_confirmer, State.CONFIRMED),
    Action.REJECT: Rule(frozenset({State.REPORTED}), is_supervisor, State.REJECTED, needs_note=True),
    Action.START: Rule(frozenset({State.CONFIRMED}), is_site_staff, State.RECTIFYING),
    Action.SUBMIT: Rule(frozenset({State.CONFIRMED, State.RECTIFYING}), is_site_staff,
                        State.SUBMITTED, needs_photo=True),
    Action.VERIFY: Rule(frozenset({State.SUBMITTED}), is_closer, State.CLOSED,
                        not_by_submitter=True),
    Action.RETURN: Rule(frozenset({State.SUBMITTED}), is_closer, State.RECTIFYING, needs_note=True,
                        not_by_submitter=True),
    Action.FIX_ON_SPOT: Rule(frozenset({State.REPORTED}), is_checker, State.CLOSED, needs_photo=True,
                             general_only=True),
    # More time is asked for while the hazard is being fixed, one request at a time.
    Action.REQUEST_EXTENSION: Rule(FIXING_STATES, is_site_staff,
                                   unless=("extensions", "pending")),
    # A pending request is decided even if the hazard was closed meanwhile.
    Action.APPROVE_EXTENSION: Rule(ALL_STATES, is_extension_decider,
                                   subject=_subject("extensions", "pending")),
    Action.REFUSE_EXTENSION: Rule(ALL_STATES, is_extension_decider,
                                  subject=_subject("extensions", "pending")),
    Action.SUPERVISE: Rule(OPEN_STATES, is_supervisor, unless=("supervisions", "active")),
    Action.LIFT_SUPERVISION: Rule(ALL_STATES, is_supervisor,
                                  subject=_subject("supervisions", "active")),
    Action.DECLINE_SUPERVISION: Rule(ALL_STATES, is_supervisor,
                                     subject=_subject("supervisions", "proposed")),
    Action.REFER: Rule(ALL_STATES, is_supervisor),
    Action.FILE_REFERRAL: Rule(ALL_STATES, is_supervisor, subject=_subject("referrals", "referred")),
    Action.CLOSE_REFERRAL: Rule(ALL_STATES, is_supervisor,
                                subject=_subject("referrals", "referred", "filed")),
    Action.STOP_WORK: Rule(FIXING_STATES, is_supervisor, major_only=True),
    Action.ASSESS: Rule(frozenset({State.RECTIFYING, State.SUBMITTED}), is_site_staff,
                        major_only=True),
    Action.APPLY_RESUME: Rule(frozenset({State.RECTIFYING, State.SUBMITTED}), is_site_staff,
                              major_only=True),
}
TRANSITIONS = frozenset(a for a, rule in RULES.items() if rule.target)


class TransitionError(Exception):
    """The action is not allowed for this actor with this hazard; nothing changes.

    `code` says which condition failed: state (the hazard's state, or the facts about its
    extensions/supervisions/referrals), level, who, note or photo. `detail` narrows it for the
    message: "own_work" (who), "subject" (that request/supervision/case already moved on),
    "exists" (one is already pending/active). The lifecycle maps these to a message and status."""

    def __init__(self, code: str, action: Action, detail: str = ""):
        super().__init__(f"{action}: {code}{' ' + detail if detail else ''}")
        self.code, self.action, self.detail = code, action, detail


def _standing_refusal(action: Action, actor: Actor, facts: Facts,
                      own_work: bool = True) -> TransitionError | None:
    """The first checks of `refusal`: the hazard's state, who, and its level."""
    rule = RULES[action]
    if facts.status not in rule.sources:
        return TransitionError("state", action)
    if not rule.who(actor, facts):
        return TransitionError("who", action)
    if own_work and rule.not_by_submitter and actor.id == facts.submitted_by:
        return TransitionError("who", action, "own_work")
    if rule.general_only and facts.level != Level.GENERAL:
        return TransitionError("level", action)
    if rule.major_only and facts.level != Level.MAJOR:
        return TransitionError("level", action)
    return None


def refusal(action: Action, actor: Actor, facts: Facts, subject: int | None = None,
            *, note: str | None = None, photos: int | None = None,
            level: str | None = None) -> TransitionError | None:
    """Why `action` cannot be done, or None. The input (note, photos, the level a confirmation
    gives) is checked only when given. The order is part of the contract: state, who, level,
    facts, then the input."""
    if error := _standing_refusal(action, actor, facts):
        return error
    rule = RULES[action]
    if rule.subject:
        kind, statuses = rule.subject
        if not any(i == subject and s in statuses for i, s in facts.subjects(kind)):
            return TransitionError("state", action, "subject")
    if rule.unless and any(s == rule.unless[1] for _, s in facts.subjects(rule.unless[0])):
        return TransitionError("state", action, "exists")
    if action == Action.REQUEST_EXTENSION and facts.deadline_passed:
        return TransitionError("state", action, "late")  # asked for before the deadline only
    if action == Action.STOP_WORK and facts.stop_work:
        return TransitionError("state", action, "exists")
    if action == Action.APPLY_RESUME and not facts.stop_work:
        return TransitionError("state", action, "no_stop")
    if action == Action.VERIFY and (missing := closeout_missing(facts)):
        return TransitionError("closeout", action, missing)
    if note is not None and rule.needs_note and not note.strip():
        return TransitionError("note", action)
    if photos is not None and rule.needs_photo and photos < 1:
        return TransitionError("photo", action)
    if action == Action.CONFIRM and level is not None and level not in confirm_levels(actor, facts):
        return TransitionError("who", action, "grade")
    return None


def can(action: Action, actor: Actor, facts: Facts, subject: int | None = None) -> bool:
    """Whether the action is open to this actor now (before any input is given)."""
    return refusal(action, actor, facts, subject) is None


# What a work queue can ask of many hazards at once, in SQL: a hazard's state, level, source
# and whether it is under 督办. Its requests' ids, its papers and its deadline are checked on
# its own page, when the action is taken.
QUEUE_FACTS = ("status", "level", "source", "supervised")


def open_to(action: Action, actor: Actor) -> frozenset[tuple[str, str, str, bool]]:
    """The (status, level, source, supervised) under which `action` is the actor's to take at a
    site they act for: the work queue turns this into SQL, and access.site_filter narrows it
    to those sites. `who` rules look at the site only as "the actor's own" (their enterprise,
    their grids, or any for zone staff), which a stand-in site of the actor's answers."""
    site_id = actor.site_id or 0
    grid_id = min(actor.grid_ids, default=0)
    found = set()
    for status, level, source, supervised in product(sorted(ALL_STATES), Level, ALL_SOURCES,
                                                     (False, True)):
        facts = Facts(status=status, level=level, site_id=site_id, grid_id=grid_id, source=source,
                      supervisions=((0, SUPERVISION_ACTIVE),) if supervised else ())
        if _standing_refusal(action, actor, facts, own_work=False) is None:
            found.add((status, str(level), str(source), supervised))
    return frozenset(found)


def allowed_actions(actor: Actor, facts: Facts) -> list[tuple[Action, int | None]]:
    """Every action open to the actor, with the extension/supervision/referral it acts on
    (None for actions on the hazard itself), in the order of RULES."""
    offers: list[tuple[Action, int | None]] = []
    for action, rule in RULES.items():
        ids = [i for i, _ in facts.subjects(rule.subject[0])] if rule.subject else [None]
        offers += [(action, i) for i in ids if can(action, actor, facts, i)]
    return offers


def apply(action: Action, actor: Actor, facts: Facts, subject: int | None = None, *,
          note: str = "", photos: int = 0, level: str | None = None) -> State:
    """The state `action` leads to (the same state for a side-action), or TransitionError."""
    if error := refusal(action, actor, facts, subject, note=note, photos=photos, level=level):
        raise error
    return RULES[action].target or State(facts.status)


def replay(events: list[tuple[str | None, str]]) -> str | None:
    """The state an event log leads to: each (from, to) must start where the last ended."""
    state = None
    for from_status, to_status in events:
        if from_status != state:
            raise ValueError(f"event from {from_status} does not follow {state}")
        state = to_status
    return state


def level_for_item(item_major_flag: str) -> Level:
    """A failed item is a major hazard only when the judgement standard lists it (flag Y)."""
    return Level.MAJOR if item_major_flag == "Y" else Level.GENERAL


def default_deadline(level: str, found_on: date, days_by_level: dict[str, int]) -> date:
    """The deadline a new finding gets: found date plus the configured days for its level."""
    return found_on + timedelta(days=days_by_level[level])


def is_open(status: str) -> bool:
    return status in OPEN_STATES


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """Still open past its deadline (as SQL: models.overdue_clause)."""
    return is_open(status) and deadline < today


def reminder_due(deadline: date, today: date) -> str | None:
    """Which deadline reminder is due today: 3 days before, on the day, or after (overdue).
    Runs daily; a missed day still sends the latest one that applies."""
    days_left = (deadline - today).days
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due_today"
    if days_left <= 3:
        return "due_soon"
    return None


def needs_supervision(status: str, level: str, deadline: date, today: date,
                      when: str = "overdue") -> bool:
    """Whether a major hazard is proposed for 督办: from its confirmation (the plan's 督办制度,
    the default) or only once it is past its deadline, as configured."""
    if level != Level.MAJOR or not is_open(status) or status == State.REPORTED:
        return False
    return when == "confirmation" or is_overdue(status, deadline, today)


def review_due(submitted_on: date, days: int) -> date:
    """The authority reviews a major hazard's rectification on site within `days` (16号令 第23条:
    10) of the application."""
    return submitted_on + timedelta(days=days)


def review_overdue(status: str, level: str, submitted_on: date | None, today: date,
                   days: int) -> bool:
    """Flagged from the day after the review was due (day 11 with the default 10)."""
    return (status == State.SUBMITTED and level == Level.MAJOR and submitted_on is not None
            and today > review_due(submitted_on, days))


def extension_refusal(old_deadline: date, new_deadline: date, today: date,
                      approved_days: list[int], max_count: int, max_days: int) -> str:
    """Why an extension request breaks the rules ("" when it does not): asked for before the
    deadline, later than it, at most `max_count` approved ones and `max_days` in total."""
    if today > old_deadline:
        return "late"
    if new_deadline <= old_deadline:
        return "not_later"
    if len(approved_days) >= max_count:
        return "count"
    if sum(approved_days) + (new_deadline - old_deadline).days > max_days:
        return "length"
    return ""
