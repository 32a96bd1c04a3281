"""Spreadsheet imports: every row checked with the forms' rules, all created or none."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Site, User
from tests.factories import make_grid, make_site, make_user

HX = {"HX-Request": "true"}
SITE_HEADERS = ["名称", "统一社会信用代码", "地址", "类型代码", "细分类型", "特征", "规模",
                "主要负责人", "负责人电话", "实际控制人", "控制人电话", "网格", "风险等级",
                "危化品经营方式"]
USER_HEADERS = ["用户名", "姓名", "手机号", "角色", "所属企业(信用代码或名称)", "职务", "网格",
                "初始密码"]
CODES = ["91350583MA31234567", "91350583MA31234568", "91350583MA31234569"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def xlsx(rows, headers=SITE_HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str, headers=SITE_HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, kind: str, data: bytes, filename: str, headers=None):
    return client.post(f"/admin/import/{kind}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", headers=headers)


@pytest.fixture
def grid(ctx):
    return make_grid(name="雪峰一网格")


@pytest.fixture
def staff(client, login, ctx):
    client.post("/lang/en", data={"next": "/"})
    login(make_user("supervisor"))
    return client


def site_rows(n: int = 3) -> list[list]:
    """Good rows, in the mix of codes, Chinese words and number cells a real export has."""
    rows = [
        ["鑫盛机械有限公司", CODES[0], "工业路1号", "MECH", "", "粉尘，特种设备", "规模以上",
         "王五", 13900000001, "赵六", "0595-86281234", "雪峰一网格", "红"],
        ["华泰鞋业有限公司", CODES[1], "创业大道2号", "轻工", "", "DUST", "small",
         "李四", "13900000002", "", "", "雪峰一网格", "yellow"],
        ["阿强小吃店", "", "兴业街3号", "NINE", "小餐饮", "", "", "阿强", "", "", "",
         "雪峰一网格", "蓝色"],
    ]
    return rows[:n]


def test_good_xlsx_creates_every_row(staff, grid):
    resp = upload(staff, "sites", xlsx(site_rows()), "企业.xlsx")
    assert resp.status_code == 200, resp.text
    assert "Imported 3 sites." in resp.text
    sites = {s.name: s for s in db.session.scalars(select(Site))}
    mech = sites["鑫盛机械有限公司"]
    assert (mech.site_type, mech.features, mech.size_class, mech.risk_color, mech.grid_id) == (
        "MECH", "DUST,SE", "large", "red", grid.id)
    assert mech.principal_phone == "13900000001"  # a number cell, not "13900000001.0"
    assert sites["华泰鞋业有限公司"].site_type == "LIGHT"
    shop = sites["阿强小吃店"]
    assert (shop.site_type, shop.subkind, shop.credit_code, shop.size_class, shop.risk_color) == (
        "NINE", "restaurant", None, "small", "blue")
    assert len({s.qr_token for s in sites.values()}) == 3


def test_one_bad_row_creates_none_and_names_row_and_column(staff, grid):
    rows = site_rows()
    rows[1][1] = "91350583MA3123456O"  # an O: not in the credit code alphabet
    rows[2][12] = "绿"
    resp = upload(staff, "sites", xlsx(rows), "企业.xlsx")
    assert resp.status_code == 422
    assert count(Site) == 0
    assert "Nothing was imported: 2 rows have errors." in resp.text
    assert "<td>3</td><td>统一社会信用代码</td>" in resp.text  # header is row 1: 2nd data row
    assert "<td>4</td><td>风险等级</td>" in resp.text


def test_unknown_grid_and_nine_kind_rules(staff, grid):
    rows = site_rows()
    rows[0][11] = "不存在网格"
    rows[2][4] = ""
    resp = upload(staff, "sites", xlsx(rows), "企业.xlsx")
    assert resp.status_code == 422 and count(Site) == 0
    assert "There is no grid named “不存在网格”." in resp.text
    assert "<td>4</td><td>细分类型</td>" in resp.text


def test_gbk_csv_imports(staff, grid):
    resp = upload(staff, "sites", csv_bytes(site_rows(), "gbk"), "export.csv")
    assert resp.status_code == 200, resp.text
    assert count(Site) == 3
    assert db.session.scalar(select(Site.name).where(Site.credit_code == CODES[1])) == "华泰鞋业有限公司"


def test_utf8_csv_with_bom_imports(staff, grid):
    resp = upload(staff, "sites", csv_bytes(site_rows(2), "utf-8-sig"), "sites.csv")
    assert resp.status_code == 200 and count(Site) == 2


def test_duplicate_credit_code_within_the_file(staff, grid):
    rows = site_rows()
    rows[2][1] = CODES[0]
    resp = upload(staff, "sites", xlsx(rows), "企业.xlsx")
    assert resp.status_code == 422 and count(Site) == 0
    assert "<td>4</td><td>统一社会信用代码</td><td>This credit code is also in row 2" in resp.text


def test_existing_credit_code_is_an_error_not_an_update(staff, grid):
    make_site(grid, name="老企业", credit_code=CODES[1])
    resp = upload(staff, "sites", xlsx(site_rows()), "企业.xlsx")
    assert resp.status_code == 422
    assert "already exists (老企业)" in resp.text and "never change existing ones" in resp.text
    assert count(Site) == 1


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"just some notes\n", "notes.txt", "Upload an Excel workbook (.xlsx) or a CSV file"),
    (b"PK\x03\x04 not really a zip", "企业.xlsx", "not a readable .xlsx workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.xlsx", "not a readable .xlsx workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "Upload an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "Old .xls workbooks"),
    (b"\x00\x01\x02garbage", "data.csv", "not a CSV text file"),
    (b"", "empty.csv", "The file is empty."),
])
def test_unusable_uploads_get_422(staff, grid, data, filename, message):
    resp = upload(staff, "sites", data, filename)
    assert resp.status_code == 422 and message in resp.text
    assert count(Site) == 0


def test_no_file_and_wrong_headers(staff, grid):
    resp = staff.post("/admin/import/sites", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "Choose a file to upload." in resp.text
    headers = SITE_HEADERS[:-1] + ["风险颜色"]
    resp = upload(staff, "sites", xlsx(site_rows(), headers), "企业.xlsx")
    assert resp.status_code == 422 and "Unknown column “风险颜色”" in resp.text
    resp = upload(staff, "sites", xlsx([["甲企业"]], ["名称"]), "企业.xlsx")
    assert resp.status_code == 422 and "Missing columns: 类型代码、网格、风险等级." in resp.text


def test_row_cap(staff, grid, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    resp = upload(staff, "sites", xlsx(site_rows()), "企业.xlsx")
    assert resp.status_code == 422 and "more than 2 rows" in resp.text
    assert count(Site) == 0


def test_htmx_upload_returns_the_result_block(staff, grid):
    resp = upload(staff, "sites", xlsx(site_rows(1)), "企业.xlsx", headers=HX)
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith('<div id="import-result">')


def test_template_round_trip(staff, grid):
    resp = staff.get("/admin/import/sites/template.xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == SITE_HEADERS
    assert any(row[1] == "MECH" for row in book.worksheets[1].iter_rows(values_only=True))
    for row in site_rows():
        sheet.append(row)
    filled = io.BytesIO()
    book.save(filled)
    assert upload(staff, "sites", filled.getvalue(), "filled.xlsx").status_code == 200
    assert count(Site) == 3
    users = load_workbook(io.BytesIO(staff.get("/admin/import/users/template.xlsx").data))
    assert [c.value for c in users.worksheets[0][1]] == USER_HEADERS


def test_inspectors_cannot_import(client, login, grid):
    login(make_user("inspector", grids=[grid]))
    assert client.get("/admin/import/sites").status_code == 403
    assert upload(client, "sites", xlsx(site_rows()), "企业.xlsx").status_code == 403
    assert client.get("/admin/import/users/template.xlsx").status_code == 403
    assert count(Site) == 0


# Users ----------------------------------------------------------------------------------------

def user_rows(site) -> list[list]:
    return [
        ["linzq", "林志强", 13800000011, "网格员", "", "", "雪峰一网格", "secret1"],
        ["boss", "王德明", "13800000012", "enterprise", site.credit_code, "主要负责人", "", "secret2"],
        ["zhangw", "张伟", "", "员工", site.name, "", "", "secret3"],
    ]


def test_user_import(staff, grid):
    site = make_site(grid, credit_code=CODES[0])
    resp = upload(staff, "users", xlsx(user_rows(site), USER_HEADERS), "用户.xlsx")
    assert resp.status_code == 200, resp.text
    assert "Imported 3 users." in resp.text
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert [g.id for g in users["linzq"].grids] == [grid.id]
    assert users["linzq"].phone == "13800000011"
    assert (users["boss"].role, users["boss"].site_id, users["boss"].position) == (
        "enterprise", site.id, "principal")
    assert (users["zhangw"].role, users["zhangw"].site_id) == ("worker", site.id)
    assert users["zhangw"].check_password("secret3")


def test_user_import_checks_every_row(staff, grid):
    site = make_site(grid, credit_code=CODES[0])
    make_user(username="taken")
    before = count(User)
    rows = user_rows(site) + [
        ["linzq", "重复", "", "网格员", "", "", "", "secret9"],  # username again in the file
        ["taken", "已有", "", "网格员", "", "", "", "secret9"],  # username in the database
        ["newboss", "新管理员", "", "管理员", "", "", "", "secret9"],  # supervisors can't
        ["orphan", "无企业", "", "员工", "没有这家企业", "", "", "secret9"],
    ]
    resp = upload(staff, "users", xlsx(rows, USER_HEADERS), "用户.xlsx")
    assert resp.status_code == 422 and count(User) == before
    assert "<td>5</td><td>用户名</td><td>This username or phone number is also in row 2" in resp.text
    assert "<td>6</td><td>用户名</td>" in resp.text
    assert "<td>7</td><td>角色</td><td>Only an admin can give the admin role." in resp.text
    assert "<td>8</td><td>所属企业(信用代码或名称)</td>" in resp.text


def test_import_cells_get_the_form_fields_bounds(staff, grid):
    """Rows parse with the site and user forms' field tables: a cell its column cannot hold is
    refused with its row and column, the same as the form would, and nothing is saved."""
    good = site_rows(1)[0]
    rows = [good, ["厂" * 129, *good[1:]], [good[0] + "二厂", "", "工业路\x01号", *good[3:]]]
    rows[1][1], rows[2][1] = CODES[1], CODES[2]
    # CSV: a workbook cannot even hold the control character a pasted text may carry
    resp = upload(staff, "sites", csv_bytes(rows, "utf-8"), "企业.csv")
    assert resp.status_code == 422 and count(Site) == 0
    assert "<td>3</td><td>名称</td><td>Name is too long (at most 128 characters)." in resp.text
    assert "<td>4</td><td>地址</td><td>Address contains characters that cannot be saved." \
        in resp.text
    site = make_site(grid, credit_code=CODES[0])
    before = count(User)
    users = user_rows(site)
    users[0][1] = "林" * 65
    resp = upload(staff, "users", xlsx(users, USER_HEADERS), "用户.xlsx")
    assert resp.status_code == 422 and count(User) == before
    assert "<td>2</td><td>姓名</td><td>Name is too long (at most 64 characters)." in resp.text


def test_import_reads_new_features_and_haz_modes(staff, grid):
    row = ["南安化工一厂", CODES[0], "工业路1号", "危险化学品", "", "易燃易爆物品存放、劳动密集型",
           "小微", "王五", "13900000000", "", "", grid.name, "红", "使用"]
    resp = upload(staff, "sites", xlsx([row]), "企业.xlsx")
    assert resp.status_code == 200 and "Imported 1 site." in resp.text, resp.text
    site = db.session.scalar(select(Site).where(Site.credit_code == CODES[0]))
    assert (site.features, site.haz_modes) == ("FLAM,LABOR", "USE")
