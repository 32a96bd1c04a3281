"""Admin screens: areas, grids, sites and users, with their rules and who may use them."""

import pytest
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Area, Grid, Site, User
from tests.factories import PASSWORD, make_area, make_grid, make_site, make_user

HX = {"HX-Request": "true"}
CODE = "91350583MA31234567"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def supervisor(ctx):
    return make_user("supervisor")


@pytest.fixture
def staff(client, login, supervisor):
    """A supervisor logged in, reading English (the messages tests look for)."""
    client.post("/lang/en", data={"next": "/"})
    login(supervisor)
    return client


def site_data(grid, **changes) -> dict:
    data = {"name": "雪峰机械有限公司", "credit_code": CODE, "address": "工业路1号",
            "site_type": "MECH", "subkind": "", "features": ["DUST", "SE"], "size_class": "large",
            "principal_name": "王五", "principal_phone": "13900000001",
            "controller_name": "赵六", "controller_phone": "0595-86281234",
            "grid_id": grid.id, "risk_color": "red", "notes": ""}
    return data | changes


# Who may use the admin pages ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["inspector", "enterprise", "worker"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/areas", "/admin/sites", "/admin/sites/new",
                                  "/admin/users", "/admin/users/new", "/admin/import/sites"])
def test_non_staff_get_403(client, login, ctx, role, path):
    login(make_user(role, site=make_site() if role != "inspector" else None))
    assert client.get(path).status_code == 403


def test_non_staff_cannot_post(client, login, ctx):
    grid = make_grid()
    login(make_user("inspector", grids=[grid]))
    assert client.post("/admin/sites/new", data=site_data(grid)).status_code == 403
    assert count(Site) == 0


def test_home_links_and_counts(staff, ctx):
    make_site(), make_site(active=False)
    page = staff.get("/admin/")
    assert page.status_code == 200
    for path in ("/admin/areas", "/admin/sites", "/admin/users", "/admin/import/sites"):
        assert f'href="{path}' in page.text
    assert "1 active · 1 inactive" in page.text


# Areas and grids ------------------------------------------------------------------------------

def test_create_rename_area(staff, ctx):
    resp = staff.post("/admin/areas/new", data={"name": "雪峰片区"})
    assert resp.status_code == 302 and resp.location.endswith("/admin/areas")
    area = db.session.scalar(select(Area))
    assert area.name == "雪峰片区"
    assert staff.post(f"/admin/areas/{area.id}/edit", data={"name": "南区片区"}).status_code == 302
    assert db.session.get(Area, area.id).name == "南区片区"
    assert "南区片区" in staff.get("/admin/areas").text


def test_area_name_required_and_unique(staff, ctx):
    make_area("雪峰片区")
    resp = staff.post("/admin/areas/new", data={"name": "雪峰片区"})
    assert resp.status_code == 422 and "This name is already used." in resp.text
    assert staff.post("/admin/areas/new", data={"name": " "}).status_code == 422
    assert count(Area) == 1


def test_create_grid_move_and_assign_inspectors(staff, ctx):
    a1, a2 = make_area(), make_area()
    i1, i2 = make_user("inspector"), make_user("inspector")
    resp = staff.post("/admin/grids/new", data={"name": "一网格", "area_id": a1.id,
                                                "inspector_ids": [i1.id]})
    assert resp.status_code == 302
    grid = db.session.scalar(select(Grid).where(Grid.name == "一网格"))
    assert grid.area_id == a1.id and grid.inspectors == [i1]
    staff.post(f"/admin/grids/{grid.id}/edit", data={"name": "一网格", "area_id": a2.id,
                                                     "inspector_ids": [i1.id, i2.id]})
    db.session.refresh(grid)
    assert grid.area_id == a2.id and {u.id for u in grid.inspectors} == {i1.id, i2.id}
    # The assigned inspector now sees the grid's sites.
    assert grid in db.session.get(User, i2.id).grids


def test_grid_refuses_non_inspectors_and_inactive_areas(staff, ctx):
    area, closed = make_area(), Area(name="旧片区", active=False)
    db.session.add(closed)
    db.session.commit()
    boss = make_user("enterprise", site=make_site())
    resp = staff.post("/admin/grids/new", data={"name": "二网格", "area_id": closed.id,
                                                "inspector_ids": [boss.id]})
    assert resp.status_code == 422
    assert "Choose an active area." in resp.text and "grid inspectors only" in resp.text
    assert db.session.scalar(select(Grid).where(Grid.name == "二网格")) is None
    resp = staff.post("/admin/grids/new", data={"name": "二网格", "area_id": area.id})
    assert resp.status_code == 302


def test_deactivate_rules_for_areas_and_grids(staff, ctx):
    grid = make_grid()
    site = make_site(grid)
    assert staff.post(f"/admin/areas/{grid.area_id}/deactivate").status_code == 422
    resp = staff.post(f"/admin/grids/{grid.id}/deactivate")
    assert resp.status_code == 422 and "still has active sites" in resp.text
    assert staff.post(f"/admin/sites/{site.id}/deactivate").status_code == 302
    assert staff.post(f"/admin/grids/{grid.id}/deactivate").status_code == 302
    assert staff.post(f"/admin/areas/{grid.area_id}/deactivate").status_code == 302
    assert not db.session.get(Area, grid.area_id).active
    assert staff.post(f"/admin/grids/{grid.id}/reactivate").status_code == 422  # area first
    assert staff.post(f"/admin/areas/{grid.area_id}/reactivate").status_code == 302
    assert staff.post(f"/admin/grids/{grid.id}/reactivate").status_code == 302
    assert db.session.get(Grid, grid.id).active


# Sites ----------------------------------------------------------------------------------------

def test_create_site(staff, ctx):
    grid = make_grid()
    resp = staff.post("/admin/sites/new", data=site_data(grid, credit_code=CODE.lower()))
    assert resp.status_code == 302
    site = db.session.scalar(select(Site))
    assert resp.location.endswith(f"/admin/sites/{site.id}/edit")
    assert (site.name, site.credit_code, site.features, site.risk_color, site.grid_id) == (
        "雪峰机械有限公司", CODE, "DUST,SE", "red", grid.id)
    assert site.qr_token and site.active
    edit = staff.get(f"/admin/sites/{site.id}/edit")
    assert edit.status_code == 200 and CODE in edit.text and "Site saved." in edit.text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Enter the name."),
    ({"credit_code": "91350583MA3123456"}, "credit_code", "18 digits or capital letters"),
    ({"credit_code": "91350583MA3123456O"}, "credit_code", "not I, O, Z, S or V"),
    ({"site_type": "BAR"}, "site_type", "Choose a site type"),
    ({"subkind": "shop"}, "subkind", "Only nine small places have a kind"),
    ({"site_type": "NINE", "subkind": ""}, "subkind", "nine small places this is"),
    ({"features": ["DUST", "FIRE"]}, "features", "Unknown features: FIRE."),
    ({"size_class": "huge"}, "size_class", "Choose a size class"),
    ({"risk_color": "green"}, "risk_color", "Choose a risk colour"),
    ({"principal_phone": "1390000000"}, "principal_phone", "11-digit mobile"),
    ({"controller_phone": "0595 8628"}, "controller_phone", "landline"),
    ({"grid_id": ""}, "grid_id", "Choose a grid."),
])
def test_site_validation_422_and_nothing_saved(staff, ctx, changes, field, message):
    resp = staff.post("/admin/sites/new", data=site_data(make_grid(), **changes))
    assert resp.status_code == 422
    assert f'id="{field}-error"' in resp.text and message in resp.text
    assert count(Site) == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": "厂" * 129}, "name", "at most 128 characters"),
    ({"address": "工业路\x00一号"}, "address", "cannot be saved"),
    ({"principal_name": "王" * 65}, "principal_name", "at most 64 characters"),
    ({"grid_id": "9" * 5000}, "grid_id", "does not name a record"),
    ({"features": ["DUST" * 10]}, "features", "at most 16 characters"),
])
def test_site_fields_bounded_by_their_columns(staff, ctx, changes, field, message):
    """The site form parses with its field table: a value its column cannot hold is a 422
    beside that field, with what was typed kept, and nothing saved."""
    resp = staff.post("/admin/sites/new", data=site_data(make_grid(), **changes))
    assert resp.status_code == 422
    assert f'id="{field}-error"' in resp.text and message in resp.text
    assert f'value="{CODE}"' in resp.text  # what was typed is kept
    assert count(Site) == 0


def test_a_fields_own_error_and_a_broken_rule_are_marked_in_one_round(staff, ctx):
    """A value its column cannot hold and rules broken elsewhere come back together (the
    fields' own errors first, in form order, then the rules'), not one round after another."""
    resp = staff.post("/admin/sites/new", data=site_data(
        make_grid(), name="", principal_name="王" * 65, risk_color="green"))
    assert resp.status_code == 422
    for field, message in (("principal_name", "at most 64 characters"),
                           ("name", "Enter the name."), ("risk_color", "Choose a risk colour")):
        assert f'id="{field}-error"' in resp.text and message in resp.text, field
    resp = staff.post("/admin/users/new", data=user_data(name="林" * 65, role="boss"))
    assert resp.status_code == 422
    assert 'id="name-error"' in resp.text and 'id="role-error"' in resp.text
    assert count(Site) == 0


def test_site_refuses_inactive_grid_and_taken_credit_code(staff, ctx):
    grid, closed = make_grid(), make_grid()
    closed.active = False
    make_site(grid, credit_code=CODE, name="老企业")
    resp = staff.post("/admin/sites/new", data=site_data(closed))
    assert resp.status_code == 422
    assert "This grid is inactive" in resp.text
    assert "Another site already has this credit code: 老企业." in resp.text
    assert count(Site) == 1


def test_nine_small_place_with_landline(staff, ctx):
    data = site_data(make_grid(), site_type="NINE", subkind="restaurant", features=[],
                     credit_code="", principal_phone="86281234")
    assert staff.post("/admin/sites/new", data=data).status_code == 302
    site = db.session.scalar(select(Site))
    assert (site.subkind, site.credit_code, site.features) == ("restaurant", None, "")


def test_edit_site_moves_grid_and_keeps_own_credit_code(staff, ctx):
    site, other = make_site(credit_code=CODE), make_grid()
    resp = staff.post(f"/admin/sites/{site.id}/edit",
                      data=site_data(other, name="改名企业", risk_color="blue"))
    assert resp.status_code == 302
    db.session.refresh(site)
    assert (site.name, site.grid_id, site.risk_color, site.credit_code) == (
        "改名企业", other.id, "blue", CODE)


def test_site_form_errors_as_htmx_fragment(staff, ctx):
    grid = make_grid()
    resp = staff.post("/admin/sites/new", data=site_data(grid, name=""), headers=HX)
    assert resp.status_code == 422
    assert resp.text.lstrip().startswith('<form id="site-form"')
    assert "HX-Request" in resp.headers["Vary"]
    ok = staff.post("/admin/sites/new", data=site_data(grid), headers=HX)
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].endswith("/edit")


def test_site_list_search_and_filters(staff, ctx):
    g1, g2 = make_grid(), make_grid()
    a = make_site(g1, name="鑫盛机械", credit_code=CODE, risk_color="red")
    b = make_site(g2, name="华泰鞋业", site_type="LIGHT", risk_color="blue")
    c = make_site(g1, name="旧机械厂", active=False)

    def names(query: str, headers=None) -> set[str]:
        text = staff.get(f"/admin/sites?{query}", headers=headers).text
        return {s.name for s in (a, b, c) if s.name in text}

    assert names("") == {a.name, b.name, c.name}
    assert names("q=机械") == {a.name, c.name}
    assert names(f"q={CODE[-6:]}") == {a.name}
    assert names(f"grid={g2.id}") == {b.name}
    assert names("type=LIGHT") == {b.name}
    assert names("risk=red") == {a.name}
    assert names("active=0") == {c.name}
    fragment = staff.get("/admin/sites?q=机械", headers=HX).text
    assert fragment.lstrip().startswith('<div id="results">')


def test_deactivated_site_code_no_longer_scans(staff, ctx):
    site = make_site()
    assert staff.post(f"/admin/sites/{site.id}/deactivate").status_code == 302
    assert staff.get(f"/s/{site.qr_token}").status_code == 404
    assert staff.post(f"/admin/sites/{site.id}/reactivate").status_code == 302
    assert staff.get(f"/s/{site.qr_token}").status_code == 302


def test_reissue_qr_retires_the_old_code(staff, ctx):
    site = make_site()
    old = site.qr_token
    edit = staff.get(f"/admin/sites/{site.id}/edit").text
    assert f'action="/admin/sites/{site.id}/qr"' in edit and "hx-confirm=" in edit
    resp = staff.post(f"/admin/sites/{site.id}/qr")
    assert resp.status_code == 302
    db.session.refresh(site)
    assert site.qr_token != old
    stale = staff.get(f"/s/{old}")
    assert stale.status_code == 404 and "This QR code is not valid" in stale.text
    assert staff.get(f"/s/{site.qr_token}").location.endswith(f"/sites/{site.id}")


def test_site_page_links_to_admin_edit(staff, ctx):
    site = make_site()
    assert f'href="/admin/sites/{site.id}/edit"' in staff.get(f"/sites/{site.id}").text


# Users ----------------------------------------------------------------------------------------

def user_data(**changes) -> dict:
    data = {"username": "linzq", "name": "林志强", "phone": "13800000011", "role": "inspector",
            "site_id": "", "position": "", "grid_ids": [], "password": "secret1"}
    return data | changes


def test_create_inspector_with_grids_who_can_log_in(staff, ctx):
    g1, g2 = make_grid(), make_grid()
    resp = staff.post("/admin/users/new", data=user_data(grid_ids=[g1.id, g2.id]))
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "linzq"))
    assert user.role == "inspector" and {g.id for g in user.grids} == {g1.id, g2.id}
    assert user.check_password("secret1")
    staff.post("/auth/logout")
    resp = staff.post("/auth/login", data={"login": "13800000011", "password": "secret1"})
    assert resp.status_code == 302


def test_enterprise_user_needs_an_enterprise(staff, ctx):
    resp = staff.post("/admin/users/new", data=user_data(role="enterprise"))
    assert resp.status_code == 422 and 'id="site_id-error"' in resp.text
    site = make_site()
    resp = staff.post("/admin/users/new", data=user_data(role="enterprise", site_id=site.id,
                                                         position="principal"))
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "linzq"))
    assert (user.site_id, user.position, user.grids) == (site.id, "principal", [])


@pytest.mark.parametrize(("changes", "field"), [
    ({"username": ""}, "username"),
    ({"username": "lin zq"}, "username"),
    ({"name": ""}, "name"),
    ({"phone": "12345"}, "phone"),
    ({"role": "boss"}, "role"),
    ({"password": "123"}, "password"),
])
def test_user_validation_422(staff, ctx, changes, field):
    before = count(User)
    resp = staff.post("/admin/users/new", data=user_data(**changes))
    assert resp.status_code == 422 and f'id="{field}-error"' in resp.text
    assert count(User) == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "林" * 65}, "name"),
    ({"username": "u" * 65}, "username"),
    ({"phone": "1" * 21}, "phone"),
    ({"site_id": "2147483648", "role": "enterprise"}, "site_id"),
    ({"grid_ids": ["1", "x"]}, "grid_ids"),
    ({"password": "secret\x01"}, "password"),
])
def test_user_fields_bounded_by_their_columns(staff, ctx, changes, field):
    before = count(User)
    resp = staff.post("/admin/users/new", data=user_data(**changes))
    assert resp.status_code == 422 and f'id="{field}-error"' in resp.text
    assert count(User) == before


def test_username_and_phone_are_unique_logins(staff, ctx):
    make_user(username="13800000011", phone="13900000099")
    resp = staff.post("/admin/users/new", data=user_data(username="13900000099"))
    assert resp.status_code == 422
    assert 'id="username-error"' in resp.text and 'id="phone-error"' in resp.text


def test_supervisor_cannot_create_or_edit_an_admin(staff, ctx):
    resp = staff.post("/admin/users/new", data=user_data(role="admin"))
    assert resp.status_code == 422 and "Only an admin can give the admin role." in resp.text
    assert db.session.scalar(select(User).where(User.username == "linzq")) is None
    assert 'value="admin"' not in staff.get("/admin/users/new").text
    admin = make_user("admin")
    assert staff.get(f"/admin/users/{admin.id}/edit").status_code == 403
    assert staff.post(f"/admin/users/{admin.id}/deactivate").status_code == 403
    resp = staff.post(f"/admin/users/{admin.id}/password", data={"password": "x" * 8})
    assert resp.status_code == 403
    assert db.session.get(User, admin.id).active


def test_admin_can_create_an_admin(client, login, ctx):
    login(make_user("admin"))
    assert client.post("/admin/users/new", data=user_data(role="admin")).status_code == 302
    assert db.session.scalar(select(User.role).where(User.username == "linzq")) == "admin"


def test_edit_user_role_and_enterprise(staff, ctx):
    grid, site = make_grid(), make_site()
    user = make_user("inspector", grids=[grid])
    resp = staff.post(f"/admin/users/{user.id}/edit", data=user_data(
        username=user.username, phone=user.phone, name="改名", role="worker", site_id=site.id,
        grid_ids=[grid.id]))
    assert resp.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.role, user.site_id, user.grids) == ("改名", "worker", site.id, [])
    assert user.check_password(PASSWORD)  # editing leaves the password alone


def test_reset_password(staff, ctx):
    user = make_user("inspector")
    resp = staff.post(f"/admin/users/{user.id}/password", data={"password": "abc"})
    assert resp.status_code == 422 and "at least 6 characters" in resp.text
    for bad in ("p" * 129, "new-pass\x00"):
        resp = staff.post(f"/admin/users/{user.id}/password", data={"password": bad})
        assert resp.status_code == 422 and 'id="password-error"' in resp.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    resp = staff.post(f"/admin/users/{user.id}/password", data={"password": "new-pass-1"})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.check_password("new-pass-1")


def test_deactivate_and_reactivate_user(staff, ctx):
    user = make_user("inspector")
    assert staff.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert not db.session.get(User, user.id).active
    assert "inactive" in staff.get("/admin/users?active=0").text
    assert staff.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    assert db.session.get(User, user.id).active


def test_nobody_deactivates_themself_or_changes_own_role(staff, supervisor):
    resp = staff.post(f"/admin/users/{supervisor.id}/deactivate")
    assert resp.status_code == 422 and "your own account" in resp.text
    assert db.session.get(User, supervisor.id).active
    resp = staff.post(f"/admin/users/{supervisor.id}/edit", data=user_data(
        username=supervisor.username, phone=supervisor.phone, role="inspector"))
    assert resp.status_code == 422 and "You cannot change your own role." in resp.text


def test_user_list_filters(staff, ctx):
    a = make_user("inspector", name="网格员甲")
    b = make_user("worker", name="员工乙", site=make_site())
    c = make_user("inspector", name="网格员丙", active=False)
    text = staff.get("/admin/users?role=inspector").text
    assert a.name in text and c.name in text and b.name not in text
    text = staff.get("/admin/users?role=inspector&active=1").text
    assert a.name in text and c.name not in text
    assert b.name in staff.get("/admin/users?q=员工").text
