"""The standards the checklist items cite, the editions they replaced, and the rules an item
must meet to be loaded (one place: the loader, the xlsx upload and the data-file test ask it).

The data is `standards.toml`; dates are compared with the day of loading, so an edition that is
replaced in future stays loadable until its replacement takes effect.
"""

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from ..sites.types import FEATURES, GM_FAMILY, HAZ_MODES, SITE_TYPES
from .models import MAJOR_FLAGS, VERIFY_STATUSES

STANDARDS_FILE = Path(__file__).parent / "standards.toml"
# Where a basis may come from without being marked as a reference (the zone is in Nan'an,
# Quanzhou, Fujian).
HOME_JURISDICTIONS = frozenset({"national", "fujian", "quanzhou", "nanan", "zone"})


@dataclass(frozen=True)
class Standard:
    key: str
    name: str
    edition: str
    in_force: date
    kind: str
    jurisdiction: str
    regime: str = ""
    verify: str = "V"
    note: str = ""

    @property
    def is_judgement(self) -> bool:
        return self.kind == "judgement"


@dataclass(frozen=True)
class Superseded:
    standard: str
    edition: str
    replaced_by: str
    from_date: date
    cited_as: tuple[str, ...]
    verify: str = "V"
    note: str = ""


@dataclass(frozen=True)
class Registry:
    standards: dict[str, Standard]
    superseded: tuple[Superseded, ...]

    def superseded_in(self, text: str, day: date) -> list[tuple[str, Superseded]]:
        """Each citation of an edition replaced on or before `day` found in `text`."""
        hits = []
        for s in self.superseded:
            name = next((n for n in s.cited_as if n in text), None) if s.from_date <= day else None
            if name:
                hits.append((name, s))
        return hits


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@cache
def registry(path: Path = STANDARDS_FILE) -> Registry:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    standards = {key: Standard(key=key, name=s["name"], edition=str(s["edition"]),
                               in_force=_date(s["in_force"]), kind=s["kind"],
                               jurisdiction=s["jurisdiction"], regime=s.get("regime", ""),
                               verify=s.get("verify", "V"), note=s.get("note", ""))
                 for key, s in data["standards"].items()}
    superseded = tuple(Superseded(standard=s["standard"], edition=s["edition"],
                                  replaced_by=s["replaced_by"], from_date=_date(s["from"]),
                                  cited_as=tuple(s["cited_as"]), verify=s.get("verify", "V"),
                                  note=s.get("note", ""))
                       for s in data.get("superseded", []))
    return Registry(standards, superseded)


def site_codes() -> set[str]:
    """Every code an `applies_to` may name."""
    return ({"ALL", "GM", *SITE_TYPES, *GM_FAMILY, *FEATURES}
            | {f"HAZ:{m}" for m in HAZ_MODES})


def unknown_codes(codes) -> list[str]:
    known = site_codes()
    return [c for c in codes if c.removeprefix("-") not in known]


@dataclass
class Problem:
    code: str  # the item's code
    field: str  # the key (or xlsx column) at fault
    message: object  # a lazy string: rendered in the reader's language
    superseded: bool = False  # a citation of a replaced edition


def item_problems(item: dict, day: date, reg: Registry | None = None) -> list[Problem]:
    """Why this item (a data-file dict) may not be loaded on `day`; empty when it may."""
    reg = reg or registry()
    code = str(item.get("code", "?"))
    out: list[Problem] = []

    def bad(field, message, superseded=False):
        out.append(Problem(code, field, message, superseded))

    std = reg.standards.get(str(item.get("std", "")))
    basis = str(item.get("basis", ""))
    for text in (str(item.get("std", "")), basis):
        for cited, s in reg.superseded_in(text, day):
            bad("basis", _l("cites “%(cited)s”, replaced by %(by)s from %(day)s", cited=cited,
                            by=s.replaced_by, day=s.from_date.isoformat()), superseded=True)
    if std is None:
        bad("std", _l("unknown standard “%(std)s” (not in standards.toml)",
                      std=str(item.get("std") or "")))
    elif not std.edition:
        bad("std", _l("the standard has no edition"))
    if item.get("major") not in MAJOR_FLAGS:
        bad("major", _l("major must be one of Y/C/N"))
    elif item["major"] in ("Y", "C") and std is not None:
        if not std.is_judgement:
            bad("std", _l("a %(flag)s item's basis must be a judgement standard, not %(name)s",
                          flag=item["major"], name=std.name))
        if not str(item.get("clause", "")).strip():
            bad("clause", _l("a major item needs the clause of its judgement standard"))
    if item.get("major") == "C" and not str(item.get("element", "")).strip():
        bad("element", _l("a C item needs the comprehensive element it counts as"))
    if std is not None and std.jurisdiction not in HOME_JURISDICTIONS and not item.get("reference"):
        bad("reference", _l("%(name)s is not a Fujian or national source: mark the item as a "
                            "reference or cite another basis", name=std.name))
    if unknown := unknown_codes(item.get("applies") or []):
        bad("applies", _l("unknown site codes %(codes)s", codes=", ".join(unknown)))
    verify = item.get("verify") or (std.verify if std else "V")
    if verify not in VERIFY_STATUSES:
        bad("verify", _l("verify must be one of V/P/U"))
    elif verify == "U" and not (item.get("note") or (std.note if std else "")):
        bad("note", _l("an unconfirmed (U) item needs a note saying what to check"))
    return out


def resolved(item: dict, reg: Registry | None = None) -> dict:
    """The item's columns derived from its standard: edition, regime, judgement, verify."""
    reg = reg or registry()
    std = reg.standards[item["std"]]
    judged = item["major"] in ("Y", "C") and std.is_judgement
    return {"edition": std.edition, "regime": std.regime if judged else "",
            "judgement": std.name if judged else "",
            "verify": item.get("verify") or std.verify,
            "verify_note": (item.get("note") or (std.note if (item.get("verify") or std.verify)
                                                 != "V" else "")).strip()}
