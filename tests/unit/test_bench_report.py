"""`make bench`'s table: the growth exponent, the marks against issue 15's targets, and a run
that measured only part (a page that timed out, a city that never started) still reported."""

import math

from bench import report


def scale(name, hazards, pages, **extra):
    return {"scale": name, "database": "postgresql",
            "ids": {"rows": {"sites": 10, "hazards": hazards, "answers": 100}, "generate_s": 1.0},
            "one_client": pages, **extra}


def page(p50, p95, status="ok", n=40):
    return {"n": n, "status": status, "p50": p50, "p95": p95, "floor_p50": 1.0,
            "floor_p95": 2.0, "ratio_p95": None if p95 is None else p95 / 2.0}


def rows_of(secs, title_start):
    return next(s for s in secs if s.title.startswith(title_start)).rows


def test_exponent_of_a_power_law_and_of_missing_figures():
    assert math.isclose(report.exponent(10, 10 * 20 ** 0.5, 100_000, 2_000_000), 0.5)
    assert report.exponent(10, 10, 100_000, 2_000_000) == 0
    assert report.exponent(None, 10, 100_000, 2_000_000) is None
    assert report.exponent(10, 20, 100_000, 100_000) is None


def test_marks_against_targets():
    assert report.mark(14.9, 15) == report.PASS
    assert report.mark(15.1, 15) == report.MISS
    assert report.mark(0.30, 1 / 3, higher_is_better=True) == report.MISS
    assert report.mark(None, 15) == report.FAIL
    assert report.mark(3.0, None) == ""


def test_a_page_that_timed_out_fails_and_the_rest_is_reported():
    zone = scale("zone", 100_000, {"queue": page(5, 10),
                                   "inspections ledger": page(20, 30, "timeout > 60 s", n=2)})
    secs = report.sections([zone, {"scale": "city", "errors": ["interrupted"]}])
    one = {r[0]: r for r in rows_of(secs, "one client, zone")}
    assert one["queue"][8] == report.PASS and one["queue"][7] == "≤ 15 ms"
    assert one["inspections ledger"][8] == report.FAIL
    assert one["inspections ledger"][9] == "timeout > 60 s"
    assert not any(s.title.startswith("growth") for s in secs)  # no city figures
    assert any(s.title == "error: interrupted" for s in secs)
    assert secs[-1].title == "targets: 1 pass, 0 miss, 1 failed"


def test_growth_rows_for_the_pages_measured_at_both_scales():
    zone = scale("zone", 100_000, {"queue": page(10, 12), "major dashboard": page(10, 12),
                                   "checklist": page(5, 6)})
    city = scale("city", 2_000_000, {"queue": page(10, 12), "major dashboard": page(200, 240),
                                     "checklist": page(5, 6)})
    growth = {r[0]: r for r in rows_of(report.sections([zone, city]), "growth")}
    assert growth["queue"][3] == "0.00" and growth["queue"][8] == report.PASS
    assert growth["major dashboard"][3] == "1.00" and growth["major dashboard"][8] == report.MISS
    assert growth["checklist"][8] == ""  # no growth target for a page of one site
    assert report.growth(zone, city)["major dashboard"]["exponent_p95"] == 1.0


def test_markdown_has_one_table_row_per_page():
    text = report.render_markdown(report.sections([scale("zone", 100_000, {"queue": page(5, 10)})]))
    assert "| page | n | p50 ms | p95 ms |" in text
    assert "| queue | 40 | 5.0 | 10.0 | 1.0 | 2.0 | 5.00 | ≤ 15 ms | pass | ok |" in text


def test_growth_says_how_the_scales_were_measured_and_shows_both_floors():
    zone = scale("zone", 100_000, {"queue": page(10, 12)}, alternated_with=["city"],
                 blocks={"hit": 990, "read": 10, "hit_share": 0.99})
    city = scale("city", 2_000_000, {"queue": {**page(12, 14), "floor_p50": 1.5}},
                 alternated_with=["zone"])
    secs = report.sections([zone, city])
    g = next(s for s in secs if s.title.startswith("growth"))
    assert "served at once, their requests alternated" in g.title
    assert g.header[-2:] == ["floor p50 zone", "floor p50 city"]
    assert g.rows[0][-2:] == ["1.0", "1.5"]
    one = next(s for s in secs if s.title.startswith("one client, zone"))
    assert "in turn with the city's" in one.title
    assert "99.0% of 1,000 blocks in shared buffers (10 read)" in one.title
    apart = report.sections([scale("zone", 100_000, {"queue": page(10, 12)}),
                             scale("city", 2_000_000, {"queue": page(12, 14)})])
    assert "one after the other" in next(s for s in apart if s.title.startswith("growth")).title
