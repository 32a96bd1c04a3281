"""Review by the zone's experts in Excel: a checklist version as .xlsx, and the same layout
uploaded back as a new version (every row checked first, all or nothing, a diff shown first).

The rows go through the same rules as the data files (loader.validate, standards.item_problems),
so an upload can never load what `flask checklists load` would refuse.
"""

import base64
import hashlib
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl import load_workbook

from .. import xlsx
from ..errors import UserError
from ..extensions import db
from ..timeutil import local_today
from . import standards
from .loader import ChecklistFileError, LoadResult, load_data, validate
from .models import MAJOR_FLAGS, SECTIONS, VERIFY_STATUSES, ChecklistItem, ChecklistTemplate

MAX_BYTES = 2 * 1024 * 1024  # a checklist of a few hundred rows is far smaller
MAX_TEXT = 4000  # requirement, basis, guidance, note


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    width: int
    limit: int | None = None  # the column's length cap (None: MAX_TEXT)
    derived: bool = False  # shown for the reviewer, filled from standards.toml on upload


# Layout of the sheet. Edition and regime come from the standard (std) and are not read back.
COLUMNS = (
    Col("编号", "code", 10, 32), Col("类别", "section", 10, 16), Col("检查要求", "requirement", 50),
    Col("依据", "basis", 40), Col("依据键", "std", 14, 40), Col("版本", "edition", 8, derived=True),
    Col("条款", "clause", 14, 64), Col("重大标志", "major", 8, 1),
    Col("隐患类别", "regime", 12, derived=True), Col("综合判定要素", "element", 14, 32),
    Col("适用范围", "applies", 16, 128), Col("核实状态", "verify", 8, 1),
    Col("核实说明", "note", 30), Col("检查方法", "guidance", 40), Col("分值", "weight", 6, 4),
    Col("仅作参考", "reference", 8, 1),
)
HEADERS = [c.header for c in COLUMNS]
YES = {"是", "Y", "y", "1", "TRUE", "true"}
NO = {"", "否", "N", "n", "0", "FALSE", "false"}
REGIME_WORDS = {"accident": "重大事故隐患", "fire": "重大火灾隐患"}


def _row(item: ChecklistItem) -> list:
    return [item.code, item.section, item.requirement, item.basis, item.std, item.edition,
            item.clause, item.major, REGIME_WORDS.get(item.regime, ""), item.element,
            item.applies, item.verify, item.verify_note, item.guidance,
            item.weight, "是" if item.reference else ""]


def download(template: ChecklistTemplate):
    book = xlsx.Book()
    sheet = book.sheet("检查清单", HEADERS, ["text"] * 14 + ["int", "text"],
                       widths=[c.width for c in COLUMNS],
                       title=f"{template.title} v{template.version}",
                       subtitle=f"{template.slug} · {','.join(sorted(template.applies_codes))}")
    for item in template.items:
        sheet.append(_row(item))
    name = f"{template.slug}-v{template.version}"
    return book.response(f"{name}.xlsx", f"{template.title}-v{template.version}.xlsx")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Change:
    code: str
    kind: str  # added | removed | changed
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (column, old, new)


@dataclass
class Upload:
    """A checked upload: its errors, or the checklist it would load and how that differs."""

    content: bytes
    errors: list[RowError]
    data: dict | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def token(self) -> str:
        return base64.b64encode(self.content).decode()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _sheet_rows(content: bytes):
    if not content:
        raise UserError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise UserError(_("The file is larger than %(n)s MB.", n=MAX_BYTES // (1024 * 1024)), 413)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise UserError(_("This file is not a readable .xlsx workbook.")) from e
    try:
        return [(n, [_text(v) for v in row])
                for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _header(rows) -> tuple[int, dict[str, int]]:
    """The header row (within the first five) and each key's column index."""
    for index, (number, cells) in enumerate(rows[:5]):
        if "编号" in cells:
            found = {}
            for col in COLUMNS:
                if col.header not in cells:
                    if col.derived:
                        continue
                    raise UserError(_("Row %(row)s lacks the column “%(name)s”: use the layout "
                                      "of the downloaded file.", row=number, name=col.header))
                found[col.key] = cells.index(col.header)
            return index, found
    raise UserError(_("No header row with “编号” in the first five rows: use the layout of the "
                      "downloaded file."))


def _item(number: int, cells: list[str], where: dict[str, int], errors: list[RowError]) -> dict:
    def cell(key):
        i = where.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    def bad(key, message):
        errors.append(RowError(number, next(c.header for c in COLUMNS if c.key == key), message))

    item: dict = {}
    for col in COLUMNS:
        if col.derived:
            continue
        value = cell(col.key)
        if len(value) > (col.limit or MAX_TEXT):
            bad(col.key, _("At most %(n)s characters.", n=col.limit or MAX_TEXT))
            value = value[:col.limit or MAX_TEXT]
        item[col.key] = value
    for key in ("code", "section", "requirement", "basis", "std", "major", "guidance"):
        if not item[key]:
            bad(key, _("Required."))
    if item["section"] and item["section"] not in SECTIONS:
        bad("section", _("One of %(values)s.", values="、".join(SECTIONS)))
    item["major"] = item["major"].upper()
    if item["major"] and item["major"] not in MAJOR_FLAGS:
        bad("major", _("One of %(values)s.", values="/".join(MAJOR_FLAGS)))
    item["verify"] = item["verify"].upper()
    if item["verify"] and item["verify"] not in VERIFY_STATUSES:
        bad("verify", _("One of %(values)s.", values="/".join(VERIFY_STATUSES)))
    item["applies"] = [c.strip() for c in item["applies"].replace("，", ",").split(",") if c.strip()]
    weight, item["weight"] = item.pop("weight"), None
    if weight:
        if weight.isdigit():
            item["weight"] = int(weight)
        else:
            bad("weight", _("A whole number of points."))
    reference = item.pop("reference")
    if reference not in YES | NO:
        bad("reference", _("是 or empty."))
    item["reference"] = reference in YES
    return {k: v for k, v in item.items() if v not in ("", None, [], False)}


FIELD_COLUMN = {c.key: c.header for c in COLUMNS} | {"std": "依据键", "basis": "依据"}


def check(template: ChecklistTemplate, content: bytes) -> Upload:
    """Every row checked against the rules; with no error, the checklist to load and its diff
    against `template` (the current version)."""
    rows = _sheet_rows(content)
    header_index, where = _header(rows)
    errors: list[RowError] = []
    items, seen = [], {}
    for number, cells in rows[header_index + 1:]:
        if not any(cells):
            continue
        item = _item(number, cells, where, errors)
        code = item.get("code", "")
        if code in seen:
            errors.append(RowError(number, "编号", _("The same code as row %(row)s.",
                                                     row=seen[code])))
        seen[code] = number
        if {"code", "section", "requirement", "basis", "std", "major", "guidance"} <= set(item):
            for p in standards.item_problems(item, local_today()):
                errors.append(RowError(number, FIELD_COLUMN.get(p.field, p.field),
                                       str(p.message)))
        items.append(item)
    if not items and not errors:
        errors.append(RowError(header_index + 2, "编号", _("The sheet has no items.")))
    upload = Upload(content, errors)
    if errors:
        return upload
    data = {"slug": template.slug, "kind": template.kind, "version": template.version,
            "title": template.title, "title_en": template.title_en,
            "applies_to": sorted(template.applies_codes), "items": items}
    if template.pass_mark is not None:
        data["pass_mark"] = template.pass_mark
    try:
        validate(data, f"{template.slug}.xlsx")
    except ChecklistFileError as e:  # the per-row checks above should have caught it
        upload.errors.append(RowError(0, "", str(e)))
        return upload
    upload.data, upload.changes = data, diff(template, items)
    return upload


def _comparable(item: ChecklistItem) -> dict[str, str]:
    return {"code": item.code, "section": item.section, "requirement": item.requirement,
            "basis": item.basis, "std": item.std, "clause": item.clause, "major": item.major,
            "element": item.element, "applies": item.applies, "verify": item.verify,
            "note": item.verify_note, "guidance": item.guidance,
            "weight": "" if item.weight is None else str(item.weight),
            "reference": "是" if item.reference else ""}


def _uploaded(item: dict, std_verify: str, std_note: str) -> dict[str, str]:
    verify = item.get("verify") or std_verify
    return {"code": item["code"], "section": item["section"], "requirement": item["requirement"],
            "basis": item["basis"], "std": item["std"], "clause": item.get("clause", ""),
            "major": item["major"], "element": item.get("element", ""),
            "applies": ",".join(item.get("applies", [])), "verify": verify,
            "note": item.get("note") or (std_note if verify != "V" else ""),
            "guidance": item["guidance"],
            "weight": "" if item.get("weight") is None else str(item["weight"]),
            "reference": "是" if item.get("reference") else ""}


def diff(template: ChecklistTemplate, items: list[dict]) -> list[Change]:
    """Added, removed and changed items (with each changed column's old and new value)."""
    reg = standards.registry()
    old = {i.code: _comparable(i) for i in template.items}
    new = {}
    for item in items:
        std = reg.standards[item["std"]]
        new[item["code"]] = _uploaded(item, std.verify, std.note)
    changes = []
    for code, values in new.items():
        if code not in old:
            changes.append(Change(code, "added"))
            continue
        fields = [(FIELD_COLUMN[k], old[code][k], v) for k, v in values.items() if old[code][k] != v]
        if fields:
            changes.append(Change(code, "changed", fields))
    changes += [Change(code, "removed") for code in old if code not in new]
    if [c for c in old if c in new] != [c for c in new if c in old]:
        changes.append(Change("", "reordered"))
    return changes


def load(template: ChecklistTemplate, token: str, digest: str) -> LoadResult:
    """Load a previewed upload as a new version: the same file (by digest), checked again
    against the version still current, all or nothing."""
    try:
        content = base64.b64decode(token.encode(), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise UserError(_("The upload was lost on the way: upload the file again.")) from e
    if hashlib.sha256(content).hexdigest() != digest:
        raise UserError(_("The upload was lost on the way: upload the file again."))
    if not template.is_current:
        raise UserError(_("Another version was loaded meanwhile: download it, re-apply your "
                          "changes and upload again."), 409)
    upload = check(template, content)
    if upload.errors:
        raise UserError(_("The file no longer passes the checks: upload it again."))
    try:
        result = load_data(upload.data)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
