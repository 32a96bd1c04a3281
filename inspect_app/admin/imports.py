"""Spreadsheet imports of sites and users: every row valid and all created, or nothing saved.

Rows go through the admin forms' field tables (admin/forms.py: the same bounds as a typed
field) and then the same rules (rules.check_site / check_user). The file is read by
inspect_app/spreadsheet.py; this module maps the Chinese headers and values to codes, and finds
duplicates inside the file.
"""

import io
import re

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..errors import UserError
from ..extensions import db
from ..forms import combine
from ..roles import Position, Role
from ..sites.models import Grid, Site
from ..sites.types import FEATURES, HAZ_MODES, NINE_KINDS, RISK_COLORS, SITE_TYPES, SIZE_CLASSES
from ..spreadsheet import Column, Report, RowError, commit, read, row_errors, rows
from . import forms, rules, service

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


def run(kind: str, upload: FileStorage | None, actor: User) -> Report:
    """Check every row of the upload, then create them all in one transaction, or none."""
    try:
        table = read(upload)
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
    return commit(len(checked))


# Codes from the cells -------------------------------------------------------------------------

def _code(key: str, value: str) -> str:
    """The code for a spreadsheet value ('机械', 'mech' → 'MECH'); unknown values pass through
    unchanged, so the rules reject them with the forms' message."""
    return LOOKUP[key].get(value.lower(), value)


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[,，、;；\s]+", value) if part]


# Checking the rows ----------------------------------------------------------------------------

def _check_sites(table) -> tuple[list[dict], list[RowError]]:
    known = service.known()
    grids = dict(db.session.execute(select(Grid.name, Grid.id)).all())
    first_row: dict[str, int] = {}  # credit code -> the row that has it first
    checked, errors = [], []
    for number, raw in rows(table, SITE_COLUMNS):
        for key in ("site_type", "subkind", "size_class", "risk_color"):
            raw[key] = _code(key, raw.get(key, ""))
        raw["size_class"] = raw["size_class"] or "small"
        raw["features"] = [_code("features", f) for f in _split(raw.get("features", ""))]
        raw["haz_modes"] = [_code("haz_modes", m) for m in _split(raw.get("haz_modes", ""))]
        grid_name = raw.get("grid_id", "")
        raw["grid_id"] = grids.get(grid_name)
        typed, bad_cells = forms.parse_row(raw, forms.SITE)
        values, problems = rules.check_site(typed, known)
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
        errors += row_errors(number, combine(bad_cells, problems, forms.SITE), SITE_COLUMNS)
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
    for number, raw in rows(table, USER_COLUMNS):
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
        if values["role"] in rules.ENTERPRISE_ROLES:
            problems.update(own)
        else:
            problems.update({k: v for k, v in own.items() if k != "site_id"})
        for key in ("username", "phone"):
            login = values[key]
            if login and login in first_row and key not in problems and key not in bad_cells:
                problems[key] = _("This username or phone number is also in row %(row)s of the "
                                  "file.", row=first_row[login])
        for login in (values["username"], values["phone"]):
            if login:
                first_row.setdefault(login, number)
        errors += row_errors(number, combine(bad_cells, problems, forms.USER), USER_COLUMNS)
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
