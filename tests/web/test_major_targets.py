"""The plan's three targets on the major-hazard database: each shown with its definition, in
this deployment's days and years (config MAJOR_TARGETS), on the page and its print view."""

import pytest

from tests.factories import make_user


@pytest.mark.parametrize("url", ["/ledgers/major", "/ledgers/major?print=1"])
def test_each_target_shows_its_configured_definition(app, client, login, ctx, url):
    app.config["MAJOR_TARGETS"] = {
        "stock_cleared": {"closed_by": "2025-06-30"},
        "increment_curbed": {"year": 2026, "baseline_year": 2025},
        "dynamic_zero": {"from": "2026-03-01", "due": "2027-12-31"},
    }
    login(make_user("supervisor"))
    page = client.get(url).text
    definitions = {key: page.split(f'id="target-{key}"')[1].split("</li>")[0]
                   for key in ("stock_cleared", "increment_curbed", "dynamic_zero")}
    assert "2023-12-31 及以前排查发现的重大隐患，全部在 2025-06-30 前销号" in \
        definitions["stock_cleared"]
    assert "2026 年新发现的重大隐患数少于 2025 年" in definitions["increment_curbed"]
    assert "自 2026-03-01 起，每条重大隐患都在整改时限内" in definitions["dynamic_zero"]
    assert "2027-12-31" in definitions["dynamic_zero"]  # its due day
