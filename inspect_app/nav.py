"""The navigation each role gets: a couple of links in the bar, the rest in the menu."""

from dataclasses import dataclass
from functools import lru_cache

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .roles import Role


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: str
    primary: bool = False  # shown in the top bar as well as in the menu


HOME = Link("home.index", _l("Home"))
HAZARDS = Link("hazards.index", _l("Hazards"), primary=True)
LISTS = Link("ledgers.index", _l("Five lists"))
CHECKLISTS = Link("checklists.index", _l("Checklists"))
SCAN = Link("sites.scanner", _l("Scan"))

MENUS = {
    Role.INSPECTOR: [HOME, SCAN, Link("sites.index", _l("Sites"), primary=True), HAZARDS, LISTS,
                     CHECKLISTS],
    Role.SUPERVISOR: [HOME, SCAN, HAZARDS, Link("ledgers.major", _l("Major hazards"), primary=True),
                      Link("sites.index", _l("Sites")), LISTS,
                      Link("enterprise.overview", _l("Enterprises")),
                      Link("shifts.compliance", _l("Shift meetings")), CHECKLISTS,
                      Link("admin.index", _l("Admin"))],
    Role.ENTERPRISE: [Link("enterprise.home", _l("My enterprise"), primary=True), HAZARDS,
                      Link("enterprise.checks", _l("Self-checks")),
                      Link("shifts.index", _l("Teams")), Link("people.index", _l("People")),
                      Link("enterprise.drills", _l("Drills")),
                      Link("enterprise.training", _l("Training")), LISTS, CHECKLISTS],
    Role.WORKER: [HOME, Link("shifts.my_reports", _l("My reports"))],
}
MENUS[Role.ADMIN] = MENUS[Role.SUPERVISOR]


def links_for(user) -> list[tuple[str, str, bool]]:
    """(url, label, primary) for the user's role; empty when logged out. Every page draws
    them: built once per role, language and mount point, not per request."""
    if not user.is_authenticated:
        return []
    return list(_links(user.role, str(get_locale()), request.script_root))


@lru_cache(maxsize=64)
def _links(role, locale: str, script_root: str) -> tuple[tuple[str, str, bool], ...]:
    return tuple((url_for(link.endpoint), str(link.label), link.primary)
                 for link in MENUS.get(role, [HOME]))
