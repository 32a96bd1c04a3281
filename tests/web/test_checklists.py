"""Checklist files: validation, versioning, the seed content, and choosing by role."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inspect_app.checklists.loader import DATA_DIR, ChecklistFileError, load_all, parse
from inspect_app.checklists.models import ChecklistItem, ChecklistTemplate
from inspect_app.checklists.service import offered, templates_for
from inspect_app.extensions import db
from tests.factories import make_grid, make_site, make_user, template

SAMPLE = """
slug = "t-sample"
kind = "grid_guideline"
version = "2.0"
title = "测试导则"
applies_to = ["NINE"]

[[items]]
code = "T-01"
section = "作业现场"
requirement = "安全出口畅通"
basis = "《消防法》第二十八条"
std = "消防法"
major = "N"
guidance = "看通道"
"""


def test_seed_content_is_complete(ctx):
    templates = db.session.scalars(select(ChecklistTemplate)).all()
    kinds = {t.kind for t in templates}
    assert {"grid_guideline", "enterprise_checklist", "compliance_rules"} <= kinds
    assert db.session.scalar(select(func.count(ChecklistItem.id))) >= 150
    for item in db.session.scalars(select(ChecklistItem)):
        assert item.basis.strip() and item.major in ("Y", "C", "N") and item.requirement.strip()
    slugs = {t.slug for t in templates}
    assert {"grid-nine", "grid-self", "grid-gm-small", "ent-gm-general", "ent-mech", "ent-dust",
            "ent-gasu", "ent-haz", "ent-scon"} <= slugs


def test_reloading_unchanged_files_creates_nothing(ctx):
    before = db.session.scalar(select(func.count(ChecklistTemplate.id)))
    results = load_all()
    assert not any(r.created for r in results)
    assert db.session.scalar(select(func.count(ChecklistTemplate.id))) == before


def test_changed_file_makes_new_version_and_old_stays(ctx, tmp_path):
    path = tmp_path / "t-sample.toml"
    path.write_text(SAMPLE, encoding="utf-8")
    assert load_all(tmp_path)[0].version == "2.0"
    path.write_text(SAMPLE.replace("安全出口畅通", "安全出口和疏散通道畅通"), encoding="utf-8")
    result = load_all(tmp_path)[0]
    assert result.created and result.version == "2.1"
    versions = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == "t-sample").order_by(ChecklistTemplate.id)).all()
    assert [(v.version, v.is_current) for v in versions] == [("2.0", False), ("2.1", True)]
    assert versions[0].items[0].requirement == "安全出口畅通"


def test_the_site_page_offers_the_version_published_last(client, login, ctx, tmp_path):
    """The site page's checklists are kept per process by what it read of them: a new
    version, or an old one made current again, shows on the next request."""
    grid = make_grid()
    site = make_site(grid, site_type="NINE")
    login(make_user("inspector", grids=[grid]))
    path = tmp_path / "t-sample.toml"

    def publish(text):
        """Load `text` as t-sample, and the title and version of its Start button."""
        path.write_text(text, encoding="utf-8")
        load_all(tmp_path)
        page = client.get(f"/sites/{site.id}").text
        return re.findall(r"(测试导则二?)\s*<small>v([\d.]+) ·", page)

    assert publish(SAMPLE) == [("测试导则", "2.0")]
    assert publish(SAMPLE.replace('"测试导则"', '"测试导则二"')) == [("测试导则二", "2.1")]
    assert publish(SAMPLE) == [("测试导则", "2.0")]  # the first version current again


@pytest.mark.parametrize("broken,message", [
    ('section = "作业现场"', "unknown section"),
    ('major = "N"', "major must be"),
    ('basis = "《消防法》第二十八条"', "missing 'basis'"),
])
def test_bad_file_is_refused_whole(ctx, tmp_path, broken, message):
    replacement = {"section": 'section = "别的"', "major": 'major = "X"', "basis": 'basis = ""'}
    key = broken.split(" ")[0]
    (tmp_path / "t-sample.toml").write_text(SAMPLE.replace(broken, replacement[key]), "utf-8")
    (tmp_path / "a-first.toml").write_text(SAMPLE.replace("t-sample", "t-good"), "utf-8")
    with pytest.raises(ChecklistFileError, match=message):
        load_all(tmp_path)
    # The good file loaded before the bad one was rolled back with it.
    assert template("t-good") is None


def test_bundled_files_all_parse():
    for path in Path(DATA_DIR).glob("*.toml"):
        assert parse(path)["slug"] == path.stem


def test_cli_loads_checklists(app, tmp_path):
    (tmp_path / "t-sample.toml").write_text(SAMPLE, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["checklists", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 0 and "t-sample v2.0" in result.output


@pytest.mark.parametrize("role,site_type,features,expected", [
    ("inspector", "NINE", "", {"grid-nine", "ent-fire-general"}),  # + its majors (audit E10)
    ("inspector", "SELF", "", {"grid-self"}),
    ("inspector", "MECH", "", {"grid-gm-small", "ent-mech"}),  # + its majors (audit E10)
    ("inspector", "HAZ", "", {"ent-haz"}),  # no guideline for it: the enterprise list
    ("enterprise", "MECH", "DUST", {"ent-gm-general", "ent-mech", "ent-dust"}),
    ("supervisor", "GASU", "", {"ent-gasu"}),
])
def test_templates_for_site_and_role(ctx, role, site_type, features, expected):
    site = make_site(site_type=site_type, features=features)
    user = make_user(role, site=site if role == "enterprise" else None)
    slugs = {t.slug for t in templates_for(site, user)}
    # The site page's rows are the same versions, in the same order.
    assert [t.id for t in offered(site, user)] == [t.id for t in templates_for(site, user)]
    assert expected <= slugs
    if role == "inspector":
        assert slugs == expected
    assert "std-small" not in slugs
    assert template(next(iter(expected))) is not None


def test_reloading_changed_bundled_data_leaves_an_inspection_on_its_version(ctx, tmp_path):
    from inspect_app.inspections import service as inspections
    site = make_site(site_type="HAZ", haz_modes="PROD")
    user = make_user("enterprise", site=site)
    old = template("ent-haz")
    inspection = inspections.start(user, site, old.id, from_scan=False)
    before = {i.code: i.requirement for i in inspection.items}
    text = (DATA_DIR / "ent-haz.toml").read_text(encoding="utf-8")
    changed = text.replace("依法经安全生产知识和管理能力考核合格", "依法考核合格", 1)
    assert changed != text
    (tmp_path / "ent-haz.toml").write_text(changed, encoding="utf-8")
    result = load_all(tmp_path)[0]
    assert result.created and result.version != old.version
    new = template("ent-haz")
    assert new.id != old.id and not old.is_current
    db.session.refresh(inspection)
    assert inspection.template_id == old.id
    assert {i.code: i.requirement for i in inspection.items} == before
    assert next(i for i in new.items if i.code == "HZ-01").requirement.endswith("依法考核合格。")


def test_the_standardization_guide_is_run_by_the_enterprise_not_by_grid_patrols(ctx):
    site = make_site(site_type="MECH")
    enterprise = make_user("enterprise", site=site)
    own = templates_for(site, enterprise)
    assert own[-1].slug == "std-guide" and own[-1].kind == "standardization_guide"
    assert "std-guide" in {t.slug for t in templates_for(site, make_user("supervisor"))}
    assert "std-guide" not in {t.slug for t in templates_for(site, make_user("inspector"))}
    guide = template("std-guide")
    # The plan's three dimensions: 安全管理 (基础管理), 生产现场 (设备设施, 作业现场), 岗位作业 (作业行为).
    assert [s for s, _ in guide.sections] == ["基础管理", "设备设施", "作业现场", "作业行为"]
    assert len(guide.items) >= 25 and not [i for i in guide.items if i.major != "N"]
    assert {i.code: i.verify for i in guide.items}["SG-19"] == "U"  # 六有: no definition found
