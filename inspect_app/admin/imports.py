"""Spreadsheet imports of sites and users: every row valid and all created, or nothing saved.

Rows go through the admin forms' field tables (admin/forms.py: the same bounds as a typed
field) and then the same rules (rules.check_site / check_user). This module
only reads the file (.xlsx, or .csv in UTF-8 or GB18030, which is what Chinese Excel writes),
maps the Chinese headers and values to codes, and finds duplicates inside the file.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..roles import Position, Role
from ..sites.models import Grid, Site
from ..sites.types import FEATURES, HAZ_MODES, NINE_KINDS, RISK_COLORS, SITE_TYPES, SIZE_CLASSES
from . import forms, rules, service


@dataclass(frozen=True)
class Column:
    header: str  # as in the template
    field: str
    required: bool = False


SITE_COLUMNS = (
    Column("名称", "name", True), Column("统一社会信用代码", "credit_code"),
    Column("地址", "address"), Column("类型代码", "site_type", True),
    Column("细分类型", "subkind"), Column("特征", "features"), Column("规模", "size_class"),
    Column("主要负责人", "principal_name"), Column("负责人电话", "principal_phone"),
    Column("实际控制人", "controller_name"), Column("控制人电话", "controller_phone"),
    Column("网格", "grid_id", True), Column("风险等级", "risk_color", True),
    Column("危化品经营方式", "haz_modes"),  # last, so files made from the older template still fit
)
USER_COLUMNS = (
    Column("用户名", "username", True), Column("姓名", "name", True), Column("手机号", "phone"),
    Column("角色", "role", True), Column("所属企业(信用代码或名称)", "site_id"),
    Column("职务", "position"), Column("网格", "grid_ids"), Column("初始密码", "password", True),
)
COLUMNS = {"sites": SITE_COLUMNS, "users": USER_COLUMNS}

# Codes, plus the Chinese words people type in spreadsheets (data, not interface text).
CHOICES = {
    "site_type": (SITE_TYPES, {
        "工贸": "GM", "冶金": "MET", "有色": "NF", "有色金属": "NF", "建材": "BM", "机械": "MECH",
        "轻工": "LIGHT", "纺织": "TEX", "烟草": "TOB", "危险化学品": "HAZ", "危化品": "HAZ",
        "燃气用户": "GASU", "燃气经营": "GASOP", "建筑施工": "CON", "建设工地": "CON",
        "零星工程": "SCON", "小型工程": "SCON", "九小场所": "NINE", "自建房": "SELF",
        "三合一": "MIX", "三合一场所": "MIX", "人员密集场所": "PDP", "仓库": "WH", "仓储": "WH"}),
    "subkind": (NINE_KINDS, {
        "小商店": "shop", "小商铺": "shop", "小餐饮": "restaurant", "小旅馆": "hotel",
        "小歌舞娱乐": "entertainment", "小娱乐": "entertainment", "小生产加工": "workshop",
        "小作坊": "workshop", "小医院": "clinic", "小诊所": "clinic", "小学校": "school",
        "小幼儿园": "school", "小美容洗浴": "salon", "小网吧": "internet"}),
    "features": (FEATURES, {
        "粉尘": "DUST", "可燃性粉尘": "DUST", "粉尘涉爆": "DUST", "涉氨制冷": "NH3",
        "液氨": "NH3", "有限空间": "CS", "有毒有害有限空间": "CS", "特种设备": "SE",
        "易燃易爆物品存放": "FLAM", "易燃易爆物品": "FLAM", "劳动密集型企业": "LABOR",
        "劳动密集型": "LABOR", "多业态混合生产经营场所": "MULTI", "多业态混合": "MULTI",
        "老年人照料设施": "ELDER", "养老机构": "ELDER", "儿童活动场所": "CHILD",
        "托育机构": "CHILD", "加油加气站": "FUEL", "加油站": "FUEL", "加气站": "FUEL"}),
    "haz_modes": (HAZ_MODES, {
        "生产": "PROD", "经营": "TRADE", "经营（有储存）": "TRADE", "经营(有储存)": "TRADE",
        "储存": "STORE", "使用": "USE"}),
    "size_class": (SIZE_CLASSES, {
        "规模以上": "large", "大型": "large", "中型": "medium", "小微": "small", "小型": "small"}),
    "risk_color": (RISK_COLORS, {
        "红": "red", "红色": "red", "橙": "orange", "橙色": "orange", "黄": "yellow",
        "黄色": "yellow", "蓝": "blue", "蓝色": "blue"}),
    "role": (rules.ROLE_LABELS, {
        "网格员": Role.INSPECTOR, "企业人员": Role.ENTERPRISE, "员工": Role.WORKER,
        "一线员工": Role.WORKER, "监管人员": Role.SUPERVISOR, "园区监管人员": Role.SUPERVISOR,
        "管理员": Role.ADMIN}),
    "position": (rules.POSITION_LABELS, {
        "主要负责人": Position.PRINCIPAL, "安全管理人员": Position.SAFETY_MANAGER,
        "安全员": Position.SAFETY_MANAGER, "普通员工": Position.STAFF, "员工": Position.STAFF}),
}
# value (lower-cased code or word) -> code, per column
LOOKUP = {key: {str(code).lower(): str(code) for code in codes}
          | {word: str(code) for word, code in words.items()}
          for key, (codes, words) in CHOICES.items()}


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it (the header is usually row 1)
    column: str
    message: str


@dataclass
class Report:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: str = ""  # the file as a whole could not be used

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problem

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


def run(kind: str, upload: FileStorage | None, actor: User) -> Report:
    """Check every row of the upload, then create them all in one transaction, or none."""
    try:
        if upload is None or not upload.filename:
            raise UserError(_("Choose a file to upload."))
        table = read_table(upload, current_app.config["IMPORT_MAX_ROWS"])
        checked, errors = (_check_sites(table) if kind == "sites" else _check_users(table, actor))
    except UserError as e:
        return Report(problem=e.message)
    if errors:
        return Report(errors=errors)
    if kind == "sites":
        db.session.add_all(Site(**values) for values in checked)
    else:
        for values in checked:
            service.build_user(values)
    try:
        db.session.commit()
    except IntegrityError:  # someone saved the same credit code or login a moment ago
        db.session.rollback()
        return Report(problem=_("Someone saved a conflicting record at the same time; nothing "
                                "was imported. Upload the file again."))
    return Report(created=len(checked))


# Reading the file -----------------------------------------------------------------------------

def read_table(upload: FileStorage, max_rows: int) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of every non-blank row, the header first."""
    name = (upload.filename or "").lower()
    data = upload.read()
    if not data:
        raise UserError(_("The file is empty."))
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(_("Old .xls workbooks cannot be read: save the file as .xlsx and upload "
                          "it again."))
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise UserError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    table = []
    try:
        for number, cells in rows:
            if any(cells):
                table.append((number, cells))
            if len(table) > max_rows + 1:
                raise UserError(_("The file has more than %(n)s rows: split it into smaller "
                                  "files.", n=max_rows))
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - a corrupt workbook fails in many different ways
        raise UserError(_("This file could not be read as a spreadsheet. Save it again as "
                          ".xlsx or .csv and upload it again.")) from e
    if len(table) < 2:
        raise UserError(_("The file has no rows below the header row."))
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores typed-in phone numbers as numbers
    return str(value).strip()


def _xlsx_rows(data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise UserError(_("This file is not a readable .xlsx workbook.")) from e
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in row]
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    if b"\x00" in data:
        raise UserError(_("This is not a CSV text file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text."))
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, [cell.strip() for cell in row]


def _normal(header: str) -> str:
    return re.sub(r"[\s*]", "", header).replace("（", "(").replace("）", ")").lower()


def _header(number: int, cells: list[str], columns: tuple[Column, ...]) -> dict[int, Column]:
    """Which column holds which field; unknown, repeated or missing columns stop the import."""
    names = {_normal(c.header): c for c in columns} | {c.field: c for c in columns}
    found: dict[int, Column] = {}
    for i, cell in enumerate(cells):
        if not cell:
            continue
        column = names.get(_normal(cell))
        if column is None:
            raise UserError(_("Unknown column “%(name)s” in row %(row)s: use the column names of "
                              "the template.", name=cell, row=number))
        if column in found.values():
            raise UserError(_("The column “%(name)s” appears twice.", name=cell))
        found[i] = column
    if missing := [c.header for c in columns if c.required and c not in found.values()]:
        raise UserError(_("Missing columns: %(names)s.", names="、".join(missing)))
    return found


def _code(key: str, value: str) -> str:
    """The code for a spreadsheet value ('机械', 'mech' → 'MECH'); unknown values pass through
    unchanged, so the rules reject them with the forms' message."""
    return LOOKUP[key].get(value.lower(), value)


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[,，、;；\s]+", value) if part]


def _rows(table, columns):
    """(row number, {field: text}) for each data row."""
    (number, cells), *rows = table
    found = _header(number, cells, columns)
    for number, cells in rows:
        yield number, {col.field: cells[i] if i < len(cells) else "" for i, col in found.items()}


def _errors(number: int, problems: dict[str, str], columns) -> list[RowError]:
    headers = {c.field: c.header for c in columns}
    return [RowError(number, headers.get(key, key), message) for key, message in problems.items()]


# Checking the rows ----------------------------------------------------------------------------

def _check_sites(table) -> tuple[list[dict], list[RowError]]:
    known = service.known()
    grids = dict(db.session.execute(select(Grid.name, Grid.id)).all())
    first_row: dict[str, int] = {}  # credit code -> the row that has it first
    checked, errors = [], []
    for number, raw in _rows(table, SITE_COLUMNS):
        for key in ("site_type", "subkind", "size_class", "risk_color"):
            raw[key] = _code(key, raw.get(key, ""))
        raw["size_class"] = raw["size_class"] or "small"
        raw["features"] = [_code("features", f) for f in _split(raw.get("features", ""))]
        raw["haz_modes"] = [_code("haz_modes", m) for m in _split(raw.get("haz_modes", ""))]
        grid_name = raw.get("grid_id", "")
        raw["grid_id"] = grids.get(grid_name)
        typed, bad_cells = forms.parse_row(raw, forms.SITE)
        values, problems = rules.check_site(typed, known)
        problems.update(bad_cells)  # a refused cell says why, not "enter the name"
        if grid_name and grid_name not in grids:
            problems["grid_id"] = _("There is no grid named “%(name)s”.", name=grid_name)
        code = values["credit_code"]
        if code in known.credit_codes:
            problems["credit_code"] = _(
                "A site with this credit code already exists (%(name)s). Imports only add new "
                "sites and never change existing ones: edit that site instead, or remove the "
                "row.", name=known.credit_codes[code][1])
        elif code in first_row:
            problems["credit_code"] = _("This credit code is also in row %(row)s of the file.",
                                        row=first_row[code])
        if code:
            first_row.setdefault(code, number)
        errors += _errors(number, problems, SITE_COLUMNS)
        checked.append(values)
    return checked, errors


def _check_users(table, actor: User) -> tuple[list[dict], list[RowError]]:
    known = service.known()
    grids = dict(db.session.execute(select(Grid.name, Grid.id)).all())
    by_code, by_name = {}, {}
    for site_id, code, name in db.session.execute(
            select(Site.id, Site.credit_code, Site.name).where(Site.active.is_(True))):
        if code:
            by_code[code] = site_id
        by_name.setdefault(name, []).append(site_id)
    first_row: dict[str, int] = {}  # username or phone -> the row that has it first
    checked, errors = [], []
    for number, raw in _rows(table, USER_COLUMNS):
        own: dict[str, str] = {}
        raw["role"] = _code("role", raw.get("role", ""))
        raw["position"] = _code("position", raw.get("position", ""))
        enterprise = raw.get("site_id", "")
        matches = [by_code[enterprise.upper()]] if enterprise.upper() in by_code else \
            by_name.get(enterprise, [])
        raw["site_id"] = matches[0] if len(matches) == 1 else None
        if enterprise and len(matches) > 1:
            own["site_id"] = _("Several sites are named “%(name)s”: give the credit code.",
                               name=enterprise)
        elif enterprise and not matches:
            own["site_id"] = _("No active site has this credit code or name.")
        names = _split(raw.get("grid_ids", ""))
        raw["grid_ids"] = [grids[n] for n in names if n in grids]
        if unknown := [n for n in names if n not in grids]:
            own["grid_ids"] = _("There is no grid named “%(name)s”.", name="、".join(unknown))
        typed, bad_cells = forms.parse_row(raw, forms.USER)
        values, problems = rules.check_user(typed, known, actor)
        problems.update(bad_cells)
        if values["role"] in rules.ENTERPRISE_ROLES:
            problems.update(own)
        else:
            problems.update({k: v for k, v in own.items() if k != "site_id"})
        for key in ("username", "phone"):
            login = values[key]
            if login and login in first_row and key not in problems:
                problems[key] = _("This username or phone number is also in row %(row)s of the "
                                  "file.", row=first_row[login])
        for login in (values["username"], values["phone"]):
            if login:
                first_row.setdefault(login, number)
        errors += _errors(number, problems, USER_COLUMNS)
        checked.append(values)
    return checked, errors


# The template ---------------------------------------------------------------------------------

TEXT_FIELDS = {"credit_code", "principal_phone", "controller_phone", "phone", "password",
               "username"}


def template_workbook(kind: str) -> bytes:
    """An empty import sheet with the Chinese header row, and a sheet of accepted values."""
    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = "企业场所" if kind == "sites" else "用户"
    sheet.append([c.header for c in columns])
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.field in TEXT_FIELDS:
            # Text cells keep all 18 characters of a credit code and a phone's leading digits.
            for row in range(2, 1002):
                sheet.cell(row=row, column=i).number_format = "@"
    sheet.freeze_panes = "A2"
    values = book.create_sheet("填写说明")
    values.append(["列", "代码", "也可填写", "说明"])
    for column in columns:
        if column.field in CHOICES:
            codes, words = CHOICES[column.field]
            for code, label in codes.items():
                aliases = "、".join(w for w, c in words.items() if c == code)
                values.append([column.header, str(code), aliases, str(label)])
    values.append([])
    values.append(["红色表头", "", "", "必填列"])
    for letter, width in zip("ABCD", (24, 16, 30, 40), strict=True):
        values.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
