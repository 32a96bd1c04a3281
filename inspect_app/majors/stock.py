"""Importing historic hazards (the 2023-and-earlier stock) from a spreadsheet.

All or nothing: every row is checked first and each problem reported with its row and
column; only a file without problems creates hazards, in one transaction. The import itself
is recorded (file name, SHA-256, who, when) and each hazard points to it, so the stock figure
can say where its rows came from. The same file twice is refused by its checksum.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..hazards.models import Hazard, HazardEvent, HazardImport
from ..hazards.regimes import Authority, Regime, default_authority
from ..hazards.workflow import Level, State
from ..sites.models import Site
from ..spreadsheet import Column, Report, RowError, read_table
from ..spreadsheet import rows as table_rows
from ..timeutil import ZONE, local_today

IMPORTED = "imported"  # Hazard.source of a row that came from a register, not a channel

COLUMNS = (
    Column("统一社会信用代码", "credit_code", True), Column("发现日期", "found_on", True),
    Column("隐患等级", "level", True), Column("重大隐患类别", "regime"),
    Column("认定部门", "authority"), Column("隐患描述", "description", True),
    Column("状态", "status", True), Column("整改期限", "deadline", True),
    Column("销号日期", "closed_on"), Column("销号文书号", "doc_no"),
)
HEADERS = {c.field: c.header for c in COLUMNS}

# The words registers use (data, not interface text), and the codes themselves.
LEVEL_WORDS = {"一般": Level.GENERAL, "一般隐患": Level.GENERAL, "一般事故隐患": Level.GENERAL,
               "重大": Level.MAJOR, "重大隐患": Level.MAJOR, "重大事故隐患": Level.MAJOR,
               "重大火灾隐患": Level.MAJOR, "general": Level.GENERAL, "major": Level.MAJOR}
REGIME_WORDS = {"重大事故隐患": Regime.ACCIDENT, "事故": Regime.ACCIDENT, "安全生产": Regime.ACCIDENT,
                "重大火灾隐患": Regime.FIRE, "火灾": Regime.FIRE, "消防": Regime.FIRE,
                "accident": Regime.ACCIDENT, "fire": Regime.FIRE}
AUTHORITY_WORDS = {"应急管理": Authority.EMERGENCY, "应急管理局": Authority.EMERGENCY,
                   "应急": Authority.EMERGENCY, "住建": Authority.HOUSING,
                   "住房和城乡建设": Authority.HOUSING, "住建局": Authority.HOUSING,
                   "消防": Authority.FIRE_RESCUE, "消防救援": Authority.FIRE_RESCUE,
                   "消防救援机构": Authority.FIRE_RESCUE, "消防救援大队": Authority.FIRE_RESCUE,
                   "emergency": Authority.EMERGENCY, "housing": Authority.HOUSING,
                   "fire": Authority.FIRE_RESCUE}
# Open stock is recorded as confirmed (it was graded when found) or being fixed.
STATUS_WORDS = {"已销号": State.CLOSED, "销号": State.CLOSED, "已整改": State.CLOSED,
                "已核销": State.CLOSED, "已整改销号": State.CLOSED, "closed": State.CLOSED,
                "未整改": State.CONFIRMED, "已认定": State.CONFIRMED, "confirmed": State.CONFIRMED,
                "整改中": State.RECTIFYING, "rectifying": State.RECTIFYING}
DESCRIPTION_MAX = 2000
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")


def parse_day(text: str) -> date | None:
    """A date as registers write it: 2023-09-12, 2023/9/12, 2023.9.12, 2023年9月12日, or
    the "2023-09-12 00:00:00" a date cell reads as."""
    match = _DATE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


@dataclass
class StockRow:
    number: int
    site_id: int
    site_type: str
    found_on: date
    level: str
    regime: str
    authority: str
    description: str
    status: str
    deadline: date
    closed_on: date | None
    doc_no: str


def _check_row(number: int, raw: dict, sites: dict, today: date,
               low: date) -> tuple[StockRow | None, dict[str, str]]:
    problems: dict[str, str] = {}
    code = raw.get("credit_code", "").strip().upper()
    site = sites.get(code)
    if not code:
        problems["credit_code"] = _("Please fill in: %(field)s", field=HEADERS["credit_code"])
    elif site is None:
        problems["credit_code"] = _("No active site has this credit code.")

    def day(key: str, required: bool) -> date | None:
        text = raw.get(key, "").strip()
        if not text:
            if required:
                problems[key] = _("Please fill in: %(field)s", field=HEADERS[key])
            return None
        value = parse_day(text)
        if value is None:
            problems[key] = _("Please give a valid date for: %(field)s", field=HEADERS[key])
        elif value < low or value > today + timedelta(days=3660):
            problems[key] = _("%(field)s must be between %(low)s and %(high)s.",
                              field=HEADERS[key], low=low.isoformat(),
                              high=(today + timedelta(days=3660)).isoformat())
            value = None
        return value

    found_on, deadline, closed_on = day("found_on", True), day("deadline", True), \
        day("closed_on", False)
    if found_on and found_on > today:
        problems["found_on"] = _("The found date cannot be in the future.")
    if found_on and deadline and deadline < found_on:
        problems["deadline"] = _("The deadline cannot be before the found date.")
    level = LEVEL_WORDS.get(raw.get("level", "").strip().lower() or "-")
    if level is None:
        problems["level"] = _("Write 一般 or 重大.")
    regime_text = raw.get("regime", "").strip()
    regime = REGIME_WORDS.get(regime_text.lower(), "") if regime_text else ""
    if not regime and raw.get("level", "").strip() == "重大火灾隐患":
        regime = Regime.FIRE
    if level == Level.MAJOR and not regime:
        problems["regime"] = (_("Write 重大事故隐患 or 重大火灾隐患.") if regime_text
                              else _("A major hazard needs its category: 重大事故隐患 or 重大火灾隐患."))
    if level == Level.GENERAL:
        regime = ""
    authority_text = raw.get("authority", "").strip()
    authority = AUTHORITY_WORDS.get(authority_text.lower(), "") if authority_text else ""
    if authority_text and not authority:
        problems["authority"] = _("Write 应急管理, 住建 or 消防救援.")
    description = raw.get("description", "").strip()
    if not description:
        problems["description"] = _("Please fill in: %(field)s", field=HEADERS["description"])
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = _("At most %(n)s characters.", n=DESCRIPTION_MAX)
    status = STATUS_WORDS.get(raw.get("status", "").strip().lower() or "-")
    if status is None:
        problems["status"] = _("Write 已销号, 整改中 or 未整改.")
    doc_no = raw.get("doc_no", "").strip()
    if len(doc_no) > 60:
        problems["doc_no"] = _("At most %(n)s characters.", n=60)
    if status == State.CLOSED:
        if closed_on is None and "closed_on" not in problems:
            problems["closed_on"] = _("A closed hazard needs its closing date.")
        if closed_on and closed_on > today:
            problems["closed_on"] = _("The closing date cannot be in the future.")
        if closed_on and found_on and closed_on < found_on:
            problems["closed_on"] = _("The closing date cannot be before the found date.")
        if level == Level.MAJOR and not doc_no:
            problems["doc_no"] = _("A closed major hazard needs the document number of its "
                                   "closing (销号/核销).")
    elif status and closed_on:
        problems["closed_on"] = _("Only a closed hazard has a closing date.")
    if problems:
        return None, problems
    return StockRow(number, site.id, site.site_type, found_on, level, regime,
                    authority or (default_authority(regime, site.site_type) if regime else ""),
                    description, status, deadline, closed_on, doc_no), {}


def check(table) -> tuple[list[StockRow], list[RowError]]:
    """Every row checked against the sites and the hazards already recorded."""
    sites = dict(db.session.execute(
        select(Site.credit_code, Site).where(Site.active.is_(True), Site.credit_code.is_not(None))).all())
    today = local_today()
    low = date.fromisoformat(current_app.config.get("DATE_MIN", "1900-01-01"))
    good, errors, first_row = [], [], {}
    for number, raw in table_rows(table, COLUMNS):
        row, problems = _check_row(number, raw, sites, today, low)
        if row:
            key = (row.site_id, row.found_on, row.description)
            if key in first_row:
                problems["description"] = _("The same hazard (site, found date, description) is "
                                            "also in row %(row)s.", row=first_row[key])
            first_row.setdefault(key, number)
        errors += [RowError(number, HEADERS.get(k, k), m) for k, m in problems.items()]
        if row and not problems:
            good.append(row)
    if good:  # a hazard already in the database (another file, or keyed in) is not doubled
        keys = {(r.site_id, r.found_on, r.description): r for r in good}
        for site_id, found_on, desc in db.session.execute(
                select(Hazard.site_id, Hazard.found_on, Hazard.description).where(
                    tuple_(Hazard.site_id, Hazard.found_on).in_(
                        list({(r.site_id, r.found_on) for r in good})))):
            if (row := keys.get((site_id, found_on, desc))) is not None:
                errors.append(RowError(row.number, HEADERS["description"],
                                       _("This hazard is already recorded for this site.")))
    errors.sort(key=lambda e: e.row)
    return good, errors


def _closing_time(day: date) -> datetime:
    """Noon of a zone day as stored (naive UTC), so every reading gives back the same day."""
    return datetime.combine(day, time(12), tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


def run(upload: FileStorage | None, actor: User) -> Report:
    """Check every row, then create all the hazards and the import record at once, or none."""
    try:
        if upload is None or not upload.filename:
            raise UserError(_("Choose a file to upload."))
        data = upload.read()
        digest = hashlib.sha256(data).hexdigest()
        name = upload.filename[-255:]
        if (done := db.session.scalar(select(HazardImport).where(HazardImport.sha256 == digest))):
            raise UserError(_("This file was already imported on %(d)s (%(name)s); nothing was "
                              "imported again.", d=local_today(done.imported_at).isoformat(),
                              name=done.file_name))
        table = read_table(FileStorage(io.BytesIO(data), filename=name),
                           current_app.config["IMPORT_MAX_ROWS"])
        rows, errors = check(table)
    except UserError as e:
        return Report(problem=e.message)
    if errors:
        return Report(errors=errors)
    record = HazardImport(file_name=name, sha256=digest, rows=len(rows), imported_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    note = f"{name} sha256:{digest[:16]}"
    for row in rows:
        closed_at = _closing_time(row.closed_on) if row.closed_on else None
        hazard = Hazard(site_id=row.site_id, description=row.description, level=row.level,
                        reported_level=row.level,
                        regime=row.regime, authority=row.authority, status=row.status,
                        source=IMPORTED, deadline=row.deadline, found_on=row.found_on,
                        closed_at=closed_at, closing_doc_no=row.doc_no, import_id=record.id,
                        found_by_id=None)
        db.session.add(hazard)
        db.session.flush()
        db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=actor.id, action="import",
                                   from_status=None, to_status=row.status, note=note))
    try:
        db.session.commit()
    except IntegrityError:  # the same file, imported at the same moment by someone else
        db.session.rollback()
        return Report(problem=_("This file was imported by someone else a moment ago; nothing "
                                "was imported again."))
    return Report(created=len(rows))


def template_workbook() -> bytes:
    """An empty register with the header row and one example row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "历史隐患"
    sheet.append([c.header for c in COLUMNS])
    sheet.append(["91350583MA00X00000", "2023-09-12", "重大", "重大事故隐患", "应急管理",
                  "冲压机光电保护装置被拆除", "已销号", "2023-12-11", "2024-03-05",
                  "南雪安核〔2024〕5号"])
    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = \
            max(12, len(column.header) * 2 + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
