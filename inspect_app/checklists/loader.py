"""Load checklist templates from the TOML files under checklists/data/.

A file whose content changed gets a new version row (the old one stays, so an
inspection keeps the version it was started on); an unchanged file is a no-op.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..timeutil import local_today
from . import standards
from .models import KINDS, SECTIONS, ChecklistItem, ChecklistTemplate

DATA_DIR = Path(__file__).parent / "data"
ITEM_KEYS = ("code", "section", "requirement", "basis", "major", "guidance")
# Optional item keys, and the column each one fills.
EXTRA_KEYS = ("std", "clause", "element")


class ChecklistFileError(ValueError):
    """A checklist file that cannot be loaded; the message names the file and the item."""


@dataclass
class LoadResult:
    slug: str
    version: str
    items: int
    created: bool


class SupersededError(ChecklistFileError):
    """Items cite an edition that has been replaced; the message names each item and citation."""


def parse(path: Path, day: date | None = None) -> dict:
    """Read and validate one checklist file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ChecklistFileError(f"{path.name}: {e}") from e
    return validate(data, path.name, day)


def validate(data: dict, name: str, day: date | None = None) -> dict:
    """Check a checklist (a file's or an upload's content) against the rules for its items on
    `day` (default today): structure first, then every item's basis (standards.item_problems).
    A superseded citation is refused with all such items named at once."""
    for key in ("slug", "kind", "version", "title", "applies_to", "items"):
        if not data.get(key):
            raise ChecklistFileError(f"{name}: missing '{key}'")
    if data["kind"] not in KINDS:
        raise ChecklistFileError(f"{name}: unknown kind {data['kind']!r}")
    if unknown := standards.unknown_codes(data["applies_to"]):
        raise ChecklistFileError(f"{name}: unknown applies_to codes {', '.join(unknown)}")
    day = day or local_today()
    seen, superseded = set(), []
    for n, item in enumerate(data["items"], 1):
        where = f"{name} item {n} ({item.get('code', '?')})"
        for key in ITEM_KEYS:
            if not str(item.get(key, "")).strip():
                raise ChecklistFileError(f"{where}: missing '{key}'")
        if item["section"] not in SECTIONS:
            raise ChecklistFileError(f"{where}: unknown section {item['section']!r}")
        if item["code"] in seen:
            raise ChecklistFileError(f"{where}: duplicate code")
        seen.add(item["code"])
        # Files are the developers' and the CLI's: their messages are in English.
        with force_locale("en"):
            problems = [(p.superseded, str(p.message))
                        for p in standards.item_problems(item, day)]
        superseded += [f"{item['code']} {message}" for old, message in problems if old]
        if others := [message for old, message in problems if not old]:
            raise ChecklistFileError(f"{where}: " + "; ".join(others))
    if superseded:
        raise SupersededError(f"{name}: refused, {len(superseded)} items cite a superseded "
                              "edition: " + "; ".join(superseded))
    return data


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _next_version(existing: list[ChecklistTemplate], declared: str) -> str:
    """The declared version unless taken; then bump the minor part past the highest one."""
    taken = {t.version for t in existing}
    if declared not in taken:
        return declared

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".") if p.isdigit())

    major, minor = (key(max(taken, key=key)) + (0, 0))[:2]
    return f"{major}.{minor + 1}"


def load_file(path: Path) -> LoadResult:
    """Load one file into the database (no commit)."""
    return load_data(parse(path))


def _item_row(n: int, item: dict) -> ChecklistItem:
    return ChecklistItem(
        position=n, weight=item.get("weight"),
        applies=",".join(item.get("applies") or []), reference=bool(item.get("reference")),
        **{k: str(item[k]).strip() for k in ITEM_KEYS},
        **{k: str(item.get(k, "")).strip() for k in EXTRA_KEYS},
        **standards.resolved(item))


def load_data(data: dict) -> LoadResult:
    """Load one validated checklist as its slug's current version (no commit): the version it
    matches if one does, else a new one."""
    # What the registry adds (edition, regime, verify) is part of the version too.
    digest = content_hash({**data, "resolved": [standards.resolved(i) for i in data["items"]]})
    existing = db.session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.slug == data["slug"])
    ).all()
    for t in existing:
        if t.content_hash == digest:
            if not t.is_current:
                for other in existing:
                    other.is_current = other is t
            return LoadResult(t.slug, t.version, len(data["items"]), created=False)
    for t in existing:
        t.is_current = False
    template = ChecklistTemplate(
        slug=data["slug"], kind=data["kind"], version=_next_version(existing, str(data["version"])),
        title=data["title"], title_en=data.get("title_en", ""),
        applies_to=",".join(data["applies_to"]), pass_mark=data.get("pass_mark"),
        content_hash=digest, is_current=True,
    )
    template.items = [_item_row(n, item) for n, item in enumerate(data["items"], 1)]
    db.session.add(template)
    return LoadResult(template.slug, template.version, len(template.items), created=True)


def load_all(directory: Path = DATA_DIR) -> list[LoadResult]:
    """Load every *.toml under `directory` in one transaction: all or nothing."""
    try:
        results = [load_file(p) for p in sorted(directory.glob("*.toml"))]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return results
