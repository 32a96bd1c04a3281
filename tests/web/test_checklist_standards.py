"""Checklists on the standards in force: every bundled item's basis, the audit's corrected flags
(E1–E8), applicability by site type and features, and the refusal of superseded editions."""

import tomllib
from datetime import date

import pytest
from sqlalchemy import func, select

from inspect_app.checklists import standards
from inspect_app.checklists.item_rows import items_for
from inspect_app.checklists.loader import DATA_DIR, SupersededError, load_all, parse
from inspect_app.checklists.models import ChecklistItem, ChecklistTemplate
from inspect_app.checklists.service import templates_for
from inspect_app.extensions import db
from inspect_app.inspections import service as inspections
from inspect_app.inspections.models import Result
from tests.factories import make_grid, make_site, make_user, template

TODAY = date(2026, 12, 1)
FILES = sorted(DATA_DIR.glob("*.toml"))


def _items():
    for path in FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for item in data["items"]:
            yield path.stem, data, item


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_data_file_loads_on_the_standards_in_force(path):
    parse(path, TODAY)  # the loader's own checks refuse a file that breaks any rule below
    reg = standards.registry()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert not standards.unknown_codes(data["applies_to"])
    for item in data["items"]:
        std = reg.standards[item["std"]]
        assert item["basis"].strip() and std.edition, item["code"]
        for text in (item["std"], item["basis"]):
            assert reg.superseded_in(text, TODAY) == [], (item["code"], text)
        if item["major"] in ("Y", "C"):
            assert std.is_judgement and item.get("clause", "").strip(), item["code"]
        if std.jurisdiction not in standards.HOME_JURISDICTIONS:
            assert item.get("reference") is True, item["code"]
        assert not standards.unknown_codes(item.get("applies", [])), item["code"]
        verify = item.get("verify") or std.verify
        if verify == "U":
            assert item.get("note") or std.note, item["code"]


def test_every_applicability_feature_exists():
    from inspect_app.sites.types import FEATURES, HAZ_MODES, SITE_TYPES
    named = {c.removeprefix("-") for _, _, i in _items() for c in i.get("applies", [])}
    assert {"CS", "FLAM", "HAZ:PROD", "HAZ:TRADE", "HAZ:USE"} <= named
    known = {*FEATURES, *SITE_TYPES, *(f"HAZ:{m}" for m in HAZ_MODES)}
    assert named <= known


def _flag(slug, code):
    for _s, data, item in _items():
        if data["slug"] == slug and item["code"] == code:
            return item["major"], item.get("applies", [])
    raise KeyError(code)


@pytest.mark.parametrize("slug,code,flag,applies", [
    ("ent-dust", "DST-01", "N", []),  # E1: a missing rule alone is general
    ("ent-dust", "DST-12", "Y", []),  # ... severe accumulation is the major
    ("ent-gm-general", "GMG-15", "Y", ["CS"]),  # E2: major only when both are missing
    ("ent-gm-general", "GMG-15A", "N", ["CS"]),
    ("grid-gm-small", "GMS-06", "Y", ["CS"]),
    ("grid-gm-small", "GMS-06A", "N", ["CS"]),
    ("ent-gm-general", "GMG-01", "Y", []),  # E3: the agreement is split out as N
    ("ent-gm-general", "GMG-01A", "N", []),
    ("grid-gm-small", "GMS-05A", "N", []),
    ("std-small", "STD-08A", "N", []),
    ("ent-gm-general", "GMG-02", "Y", ["MET", "NF"]),  # E4: 金属冶炼 only
    ("ent-mech", "MCH-01", "N", []),
    ("ent-haz", "HZ-01", "Y", ["HAZ:PROD", "HAZ:TRADE"]),  # E6: AQ 3067 scope
    ("ent-haz", "HZ-U1", "Y", ["HAZ:USE"]),  # ... use-only units: 10号令
    ("ent-gm-general", "GMG-28", "N", ["-FLAM"]),  # E7: direct element where FLAM
    ("ent-gm-general", "GMG-28F", "Y", ["FLAM"]),
    ("grid-gm-small", "GMS-15F", "Y", ["FLAM"]),
    ("grid-self", "SELF-12F", "Y", []),  # E8
])
def test_corrected_flags(slug, code, flag, applies):
    assert _flag(slug, code) == (flag, applies)


def test_e5_small_works_have_no_construction_majors():
    for _, data, item in _items():
        if data["slug"] == "ent-scon":
            assert item["major"] == "N" and item["std"] != "建质规〔2024〕5号", item["code"]
    assert _flag("ent-con", "SC-02")[0] == "Y"


def test_c_items_all_name_their_element_and_e28_wiring_is_general():
    for _, _, item in _items():
        if item["major"] == "C":
            assert item["element"] and item["std"] == "GB 35181"
    for code, slug in (("FG-13", "ent-fire-general"), ("GMG-25", "ent-gm-general"),
                       ("GMS-11", "grid-gm-small")):
        assert _flag(slug, code)[0] == "N"


SUPERSEDED = """
slug = "t-old"
kind = "grid_guideline"
version = "2.0"
title = "旧版"
applies_to = ["NINE"]

[[items]]
code = "OLD-01"
section = "设备设施"
requirement = "设自动喷水灭火系统"
basis = "GB 35181-2017《重大火灾隐患判定方法》6.6"
std = "GB 35181"
clause = "第5章"
major = "Y"
guidance = "看"

[[items]]
code = "OLD-02"
section = "作业行为"
requirement = "电气作业有防护"
basis = "GB/T 13869-2017《用电安全导则》第9章"
std = "GB/T 13869"
major = "N"
guidance = "看"

[[items]]
code = "OLD-03"
section = "基础管理"
requirement = "主要负责人考核合格"
basis = "安监总管三〔2017〕121号（一）"
std = "AQ 3067"
clause = "（一）"
major = "Y"
note = "x"
guidance = "看"
"""


def test_superseded_edition_is_refused_naming_items_and_citations(ctx, tmp_path):
    (tmp_path / "t-old.toml").write_text(SUPERSEDED, encoding="utf-8")
    before = db.session.scalar(select(func.count(ChecklistTemplate.id)))
    with pytest.raises(SupersededError) as e:
        load_all(tmp_path)
    message = str(e.value)
    assert "2 items" in message
    assert "OLD-01 cites “GB 35181-2017”" in message and "2025-11-01" in message
    assert "OLD-03 cites “安监总管三〔2017〕121号”" in message
    assert "OLD-02" not in message  # GB/T 13869-2017 is replaced only from 2027-02-01
    assert db.session.scalar(select(func.count(ChecklistTemplate.id))) == before


def test_an_edition_is_refused_from_the_day_its_replacement_takes_effect(tmp_path):
    path = tmp_path / "t-old.toml"
    text = SUPERSEDED.split("[[items]]")
    path.write_text(text[0] + "[[items]]" + text[2], encoding="utf-8")  # OLD-02 only
    assert parse(path, date(2027, 1, 31))["items"][0]["code"] == "OLD-02"
    with pytest.raises(SupersededError, match="OLD-02 cites “GB/T 13869-2017”"):
        parse(path, date(2027, 2, 1))


def test_major_item_on_a_non_judgement_basis_is_refused(tmp_path):
    text = SUPERSEDED.split("[[items]]")
    path = tmp_path / "t-old.toml"
    path.write_text(text[0] + "[[items]]" + text[2].replace('major = "N"', 'major = "Y"'),
                    encoding="utf-8")
    with pytest.raises(Exception, match="must be a judgement standard"):
        parse(path, date(2026, 12, 1))


def _slugs(site, role="inspector"):
    user = make_user(role, site=site if role == "enterprise" else None)
    return {t.slug for t in templates_for(site, user)}, user


def test_grid_inspector_at_dust_site_gets_the_dust_major_items(ctx):
    site = make_site(site_type="BM", features="DUST")
    slugs, inspector = _slugs(site)
    assert slugs == {"grid-gm-small", "ent-dust", "ent-gm-industry"}  # + 建材 majors
    inspection = inspections.start(inspector, site, template("ent-dust").id, from_scan=False)
    codes = {i.code for i in inspection.items}
    assert "DST-12" in codes and "DST-02" in codes
    assert "DST-01" not in codes and "DST-13" not in codes  # general items stay with the firm
    assert all(i.is_major for i in inspection.items)
    # The enterprise itself gets the whole list.
    site_user = make_user("enterprise", site=site)
    own = inspections.start(site_user, site, template("ent-dust").id, from_scan=False)
    assert len(own.items) == 15


def test_chemicals_using_unit_gets_no_aq3067_majors(ctx):
    user_site = make_site(site_type="HAZ", haz_modes="USE")
    prod_site = make_site(site_type="HAZ", haz_modes="PROD")
    haz = template("ent-haz")
    use_items = items_for(haz, user_site.checklist_codes)
    assert not [i for i in use_items if i.std == "AQ 3067"]
    assert {"HZ-U1", "HZ-U2", "HZ-13", "HZ-16"} <= {i.code for i in use_items}
    prod_items = items_for(haz, prod_site.checklist_codes)
    assert [i for i in prod_items if i.std == "AQ 3067" and i.is_major]
    assert "HZ-U1" not in {i.code for i in prod_items}


def test_small_works_site_gets_no_construction_majors(ctx):
    for role in ("inspector", "supervisor"):
        slugs, user = _slugs(make_site(site_type="SCON"), role)
        assert slugs == {"ent-scon"}
        assert not [i for t in templates_for(make_site(site_type="SCON"), user) for i in t.items
                    if i.is_major]
    assert "ent-con" in _slugs(make_site(site_type="CON"))[0]


def test_flammable_goods_feature_turns_the_dormitory_item_major(ctx):
    plain = make_site(site_type="MECH")
    flam = make_site(site_type="MECH", features="FLAM")
    grid = template("grid-gm-small")
    assert "GMS-15" in {i.code for i in items_for(grid, plain.checklist_codes)}
    assert "GMS-15F" not in {i.code for i in items_for(grid, plain.checklist_codes)}
    codes = {i.code for i in items_for(grid, flam.checklist_codes)}
    assert "GMS-15F" in codes and "GMS-15" not in codes


def test_hazard_from_a_major_item_carries_regime_and_judgement_standard(ctx):
    _nine_patrol_with_a_major_fire_item()


def _nine_patrol_with_a_major_fire_item():
    grid = make_grid()
    site = make_site(grid=grid, site_type="NINE", subkind="shop")
    inspector = make_user("inspector", grids=[grid])
    inspection = inspections.start(inspector, site, template("grid-nine").id, from_scan=False)
    by_code = {i.code: i for i in inspection.items}
    for item in inspection.items:
        result = Result.FAIL if item.code in ("NINE-10", "NINE-03") else Result.PASS
        inspections.record_answer(inspector, inspection, item.id, result, "现场不合格")
    inspections.submit(inspector, inspection.id)
    hazards = {h.item.code: h for h in inspection.hazards}
    assert hazards["NINE-10"].level == "major" and hazards["NINE-10"].regime == "fire"
    assert hazards["NINE-10"].judgement.startswith("GB 35181-2025《重大火灾隐患判定规则》")
    assert hazards["NINE-03"].level == "general" and hazards["NINE-03"].regime == ""
    assert by_code["NINE-10"].verify == "U"
    return hazards["NINE-10"]


def test_hazard_page_shows_its_regime_and_judgement_standard(client, login, ctx):
    hazard = _nine_patrol_with_a_major_fire_item()
    login(make_user("supervisor"))
    page = client.get(f"/hazards/{hazard.id}").text
    assert hazard.judgement in page and "重大火灾隐患" in page


def test_admin_sees_the_verify_status(client, login, ctx):
    admin = make_user("admin")
    login(admin)
    t = template("ent-haz")
    page = client.get(f"/checklists/{t.id}").text
    assert "待核" in page or "Unconfirmed" in page
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.template_id == t.id,
                                                         ChecklistItem.code == "HZ-01"))
    assert item.verify_note in page


def test_admin_site_form_saves_features_and_haz_modes(client, login, ctx):
    from inspect_app.sites.models import Site
    admin = make_user("admin")
    grid = make_grid()
    login(admin)
    form = client.get("/admin/sites/new").text
    assert 'name="haz_modes"' in form and 'value="FLAM"' in form
    resp = client.post("/admin/sites/new", data={
        "name": "南安测试化工", "site_type": "HAZ", "grid_id": grid.id, "risk_color": "red",
        "size_class": "small", "features": ["FLAM", "LABOR"], "haz_modes": ["USE"]})
    assert resp.status_code in (302, 303)
    site = db.session.scalar(select(Site).where(Site.name == "南安测试化工"))
    assert site.features == "FLAM,LABOR" and site.haz_modes == "USE"
    bad = client.post("/admin/sites/new", data={
        "name": "南安测试机械", "site_type": "MECH", "grid_id": grid.id, "risk_color": "red",
        "size_class": "small", "haz_modes": ["USE"]})
    assert bad.status_code == 422
    assert db.session.scalar(select(Site).where(Site.name == "南安测试机械")) is None


# 10号令's 64 situations: 第三条 3, 第四条 13 (冶金), 第五条 8 (有色), 第六条 8 (建材), 第七条 7 (机械),
# 第八条 7 (轻工), 第九条 2 (纺织), 第十条 2 (烟草), 第十一条 10 (粉尘), 第十二条 2 (液氨), 第十三条 2.
ORDER_10 = {"三": 3, "四": 13, "五": 8, "六": 8, "七": 7, "八": 7, "九": 2, "十": 2, "十一": 10,
            "十二": 2, "十三": 2}


def test_all_64_situations_of_10hao_ling_and_article_14_are_covered():
    import re
    covered: dict[str, set] = {}
    for _, _, item in _items():
        if item["std"] == "10号令" and item["major"] == "Y":
            m = re.match(r"第(.+?)条(?:第（(.+?)）项)?", item["clause"])
            covered.setdefault(m.group(1), set()).add(m.group(2))
    assert {k: len(v) for k, v in covered.items() if k != "十四"} == ORDER_10
    assert sum(ORDER_10.values()) == 64
    assert "十四" in covered


def test_every_specification_and_sector_has_a_list():
    kinds = {}
    for path in FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        kinds.setdefault(data["kind"], set()).update(data["applies_to"])
    assert set(kinds) == {"enterprise_checklist", "grid_guideline", "compliance_rules",
                          "standardization_guide"}
    assert {"GASOP", "SELF", "NH3", "CON", "SCON", "MET", "NF", "BM", "LIGHT", "TEX",
            "TOB"} <= kinds["enterprise_checklist"]


def test_grid_inspector_at_ammonia_site_gets_its_majors(ctx):
    site = make_site(site_type="GM", features="NH3")
    slugs, inspector = _slugs(site)
    assert slugs == {"grid-gm-small", "ent-nh3"}
    inspection = inspections.start(inspector, site, template("ent-nh3").id, from_scan=False)
    assert {i.code for i in inspection.items} == {"NH3-01", "NH3-02", "NH3-03"}


@pytest.mark.parametrize("site_type,subkind,slug,codes", [
    ("MECH", "", "ent-mech", {"MCH-03", "MCH-09"}),  # the machinery list's majors (E10)
    ("NINE", "hotel", "ent-fire-general", {"FG-06", "FG-15"}),  # 6.6 / 6.5 analogues (E10)
])
def test_grid_inspector_reaches_the_majors_the_audit_found_hidden(ctx, site_type, subkind, slug,
                                                                   codes):
    site = make_site(site_type=site_type, subkind=subkind)
    slugs, inspector = _slugs(site)
    assert slug in slugs
    inspection = inspections.start(inspector, site, template(slug).id, from_scan=False)
    assert codes <= {i.code for i in inspection.items}
    assert all(i.is_major for i in inspection.items)


# AQ 3067—2026 ch.5: 5.1 重点从业人员 5, 5.2 设计与规划 10, 5.3 工艺技术 6, 5.4 设备设施 9,
# 5.5 生产运行 12, 5.6 作业安全 4, 5.7 安全管理 7 (53, as the public locator index numbers them).
AQ3067_CLAUSES = {f"5.{g}.{n}" for g, count in enumerate([5, 10, 6, 9, 12, 4, 7], 1)
                  for n in range(1, count + 1)}


def test_all_53_situations_of_aq3067_are_covered_for_units_in_its_scope_only():
    assert len(AQ3067_CLAUSES) == 53
    aq = [i for _, _, i in _items() if i["std"] == "AQ 3067"]
    assert {i["clause"] for i in aq} == AQ3067_CLAUSES
    for item in aq:
        assert item["major"] == "Y"
        assert item["applies"] and set(item["applies"]) <= {"HAZ:PROD", "HAZ:TRADE"}, item["code"]
        assert item["verify"] in ("P", "U") and item["note"], item["code"]


@pytest.mark.parametrize("site_type,features,patrol,own", [
    # 劳动密集型企业: its workshops and dormitories are crowded places (消防法 第七十三条).
    ("TEX", "LABOR", {"FP-05", "FP-06"}, {"FP-05", "FP-06", "FP-07", "FP-08", "FP-09", "FP-10"}),
    ("GM", "MULTI", {"FP-11"}, {"FP-09", "FP-10", "FP-11", "FP-12", "FP-13", "FP-14"}),
    ("NINE", "CHILD", {"FP-01"}, {"FP-01", "FP-03", "FP-04"}),
    ("PDP", "ELDER", {"FP-01"}, {"FP-01", "FP-02", "FP-03", "FP-04"}),
    ("HAZ", "FUEL", {"FP-15"}, {"FP-15"}),  # the 2017 6.3 storage element, missing before
])
def test_gb35181_2025_places_get_their_elements_by_feature(ctx, site_type, features, patrol, own):
    grid = make_grid()
    site = make_site(grid=grid, site_type=site_type, features=features)
    inspector = make_user("inspector", grids=[grid])
    assert "ent-fire-places" in {t.slug for t in templates_for(site, inspector)}
    t = template("ent-fire-places")
    patrol_run = inspections.start(inspector, site, t.id, from_scan=False)
    assert {i.code for i in patrol_run.items} == patrol
    assert {i.code for i in items_for(t, site.checklist_codes)} == own
    assert not items_for(t, make_site(site_type=site_type).checklist_codes)


SE_MAJORS = {f"SE-{n:02d}" for n in range(1, 12)}  # GB 45067-2024 4.1–4.7, 4.10


@pytest.mark.parametrize("site_type,features,lists,slug,codes", [
    # Confined spaces: the grid guideline for CS is added beside the type's guideline; a 工贸
    # site is asked 13(二) as major (13(一) is GMS-06 of its own guideline).
    ("LIGHT", "CS", {"grid-gm-small", "grid-cs"}, "grid-cs",
     {"CS-01", "CS-05", "CS-06", "CS-07", "CS-08"}),
    # A site whose type has no guideline keeps its enterprise list beside the CS guideline.
    ("HAZ", "CS", {"ent-haz", "grid-cs"}, "grid-cs",
     {"CS-02", "CS-03", "CS-04", "CS-05", "CS-06", "CS-07", "CS-08"}),
    # Special equipment: GB 45067-2024's majors, merged into the machinery patrol.
    ("MECH", "SE", {"grid-gm-small", "ent-mech", "ent-se"}, "ent-se", SE_MAJORS),
    ("BM", "DUST,SE", {"grid-gm-small", "ent-dust", "ent-se"}, "ent-dust", None),
])
def test_grid_inspector_gets_the_guideline_plus_the_features_lists(ctx, site_type, features,
                                                                    lists, slug, codes):
    grid = make_grid()
    site = make_site(grid=grid, site_type=site_type, features=features)
    inspector = make_user("inspector", grids=[grid])
    offered = [t.slug for t in templates_for(site, inspector)]
    assert lists <= set(offered)
    assert offered[0] in lists and offered[0] not in ("grid-cs", "ent-se", "ent-dust")  # type first
    run = inspections.start(inspector, site, template(slug).id, from_scan=False)
    if codes is not None:
        assert {i.code for i in run.items} == codes
    if template(slug).kind == "enterprise_checklist":
        assert run.items and all(i.is_major for i in run.items)


def test_special_equipment_majors_cite_gb45067_and_the_enterprise_gets_the_whole_list(ctx):
    site = make_site(site_type="MECH", features="SE")
    own = items_for(template("ent-se"), site.checklist_codes)
    assert {i.code for i in own if i.is_major} == SE_MAJORS and len(own) == 15
    for item in own:
        if item.is_major:
            assert item.std == "GB 45067" and item.clause.startswith("第4.")
            assert item.regime == "accident" and item.judgement.startswith("GB 45067-2024")
    assert "ent-se" not in {t.slug for t in templates_for(make_site(site_type="MECH"),
                                                           make_user("inspector"))}
