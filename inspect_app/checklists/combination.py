"""GB 35181's combination rule: comprehensive elements failed together in one inspection.

Each C item names the element it counts as; the distinct elements failed in one inspection are
counted under the rule for the site's kind of place (fire_combination.toml, overridable by the
FIRE_COMBINATION_THRESHOLDS setting). At the threshold a FireProposal goes to the supervisors;
a supervisor decides whether it is one 重大火灾隐患, and an accepted one becomes one major hazard
of the fire regime (not one per element: the combination is the hazard).
"""

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..auth.recipients import supervisors
from ..errors import UserError
from ..extensions import db
from ..hazards import service as hazards
from ..hazards.workflow import Level
from ..notifications.messages import register
from ..notifications.service import notify
from ..timeutil import utcnow
from ..web import path_for
from .models import FireProposal
from .standards import registry

RULES_FILE = Path(__file__).parent / "fire_combination.toml"


@dataclass(frozen=True)
class Place:
    kind: str
    sites: frozenset[str]
    features: frozenset[str]
    threshold: int


@cache
def _places(path: Path = RULES_FILE) -> tuple[Place, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(Place(p["kind"], frozenset(p.get("sites", [])), frozenset(p.get("features", [])),
                       int(p["threshold"])) for p in data["places"])


def places(overrides: dict[str, int] | None = None) -> tuple[Place, ...]:
    overrides = overrides or {}
    return tuple(Place(p.kind, p.sites, p.features, int(overrides.get(p.kind, p.threshold)))
                 for p in _places())


def place_for(site_codes: set[str], rules: tuple[Place, ...]) -> Place:
    """The strictest (lowest-threshold) kind of place the site is."""
    matching = [p for p in rules if p.sites & site_codes or p.features & site_codes]
    return min(matching, key=lambda p: p.threshold)


@dataclass(frozen=True)
class Finding:
    place: Place
    elements: tuple[str, ...]  # one "code requirement" per distinct element, in item order

    @property
    def met(self) -> bool:
        return len(self.elements) >= self.place.threshold


def count(failed_items, site_codes: set[str], rules: tuple[Place, ...]) -> Finding:
    """The distinct comprehensive elements among failed items, under the site's rule."""
    seen: dict[str, str] = {}
    for item in failed_items:
        if item.major == "C" and item.element and item.element not in seen:
            seen[item.element] = f"{item.code} {item.requirement}"
    return Finding(place_for(site_codes, rules), tuple(seen.values()))


def _rules() -> tuple[Place, ...]:
    return places(current_app.config.get("FIRE_COMBINATION_THRESHOLDS"))


# Rendered in each reader's language when read (notifications/messages.py).
POSSIBLE_FIRE_HAZARD = register(
    "fire.combination", _l("Possible major fire hazard at %(site)s: %(n)s comprehensive elements"),
    "%(elements)s")

def propose_for(inspection, now: datetime) -> FireProposal | None:
    """At submit (in its transaction): a proposal when the failed C items reach the threshold."""
    # Answers come back in no set order; the proposal lists elements in checklist order.
    failed = sorted((a.item for a in inspection.answers if a.result == "fail"),
                    key=lambda item: item.position)
    finding = count(failed, inspection.site.checklist_codes, _rules())
    if not finding.met:
        return None
    proposal = FireProposal(inspection_id=inspection.id, site_id=inspection.site_id,
                            place_kind=finding.place.kind, threshold=finding.place.threshold,
                            elements="\n".join(finding.elements), created_at=now)
    db.session.add(proposal)
    db.session.flush()
    notify(supervisors(), kind="fire_combination", message=POSSIBLE_FIRE_HAZARD,
           params={"site": inspection.site.name, "n": len(finding.elements),
                   "elements": "\n".join(finding.elements)[:500]},
           link=path_for("checklists.proposals"), dedupe_key=f"fire-proposal:{proposal.id}")
    return proposal


def pending() -> list[FireProposal]:
    return list(db.session.scalars(select(FireProposal).where(FireProposal.status == "proposed")
                                   .order_by(FireProposal.created_at)))


def recent(limit: int = 20) -> list[FireProposal]:
    return list(db.session.scalars(select(FireProposal).where(FireProposal.status != "proposed")
                                   .order_by(FireProposal.decided_at.desc()).limit(limit)))


def decide(proposal_id: int, supervisor, accept: bool, note: str) -> FireProposal:
    """The supervisor's decision; accepting makes the one major fire hazard. A decided proposal
    is not decided again (a double tap returns it unchanged)."""
    proposal = db.session.get(FireProposal, proposal_id)
    if proposal is None:
        raise UserError(_("Not found, or you do not have access to it."), 404)
    if proposal.status != "proposed":
        return proposal
    note = (note or "").strip()[:2000]
    if not note:
        raise UserError(_("Give the reason for the decision (who judged it, and how)."))
    now = utcnow()
    # Claim it with one conditional UPDATE, so two supervisors deciding at once make one hazard.
    claimed = db.session.execute(
        update(FireProposal).where(FireProposal.id == proposal.id,
                                   FireProposal.status == "proposed")
        .values(status="accepted" if accept else "declined")
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return db.session.get(FireProposal, proposal_id)
    std = registry().standards["GB 35181"]
    if accept:
        inspection = proposal.inspection
        hazard = hazards.report(
            site_id=proposal.site_id, level=Level.MAJOR,
            description=_("Major fire hazard by the combination rule: %(n)s comprehensive "
                          "elements (threshold %(t)s)", n=len(proposal.element_lines),
                          t=proposal.threshold) + "\n" + proposal.elements,
            source=hazards.SOURCE_FOR_KIND[inspection.kind], reporter=supervisor, now=now,
            inspection_id=inspection.id, note=note, regime="fire",
            judgement=f"{std.name} 第6章 综合判定")
        proposal.hazard_id = hazard.id
    proposal.status = "accepted" if accept else "declined"
    proposal.decided_by_id, proposal.decided_at, proposal.note = supervisor.id, now, note
    db.session.commit()
    return proposal
