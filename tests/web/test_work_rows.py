"""The work queue's rows written in Python (home/rows.py) read as the Jinja macro wrote them."""

import itertools
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import render_template_string

from inspect_app.home.queue import Row, _HazardRow
from inspect_app.home.rows import html

# The macro the rows were written with before (templates/home/_work_row.html), the reference.
MACRO = (Path(__file__).parent / "former_work_row.html").read_text()


def _as_read(markup: str) -> str:
    """What a browser shows of it: runs of white space are one, none between tags."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(markup))).strip()


TEXTS = ["", "短", "配电箱门缺失 <b>&</b> \"引号\" 'x'", "字" * 80, "word " * 20,
         "a" * 69 + " b c", "x" * 75]


def _rows():
    """Every mix of what a row may hold (a few thousand rows)."""
    for n, (level, source, code, req, desc, detail, due, late) in enumerate(itertools.product(
            ["general", "major", "odd<code>"], ["patrol", "public"], ["", "A-1<"],
            TEXTS[:3], TEXTS[1:], ["", TEXTS[3], "d" * 95], [None, date(2026, 3, 1)],
            [False, True]), 1):
        key = n % 2  # a row without a key (a duty) is named by its place
        hazard = _HazardRow(n, level, "submitted", source, date(2026, 3, 1),
                            date(2025, 12, 1) + timedelta(days=n % 30), desc) \
            if n % 7 else None
        yield Row(key=n * key, url=f"/hazards/{n}#status-panel&x=<1>", title=f"企业 {n} & <i>",
                  hazard=hazard, item_code=code, requirement=req, detail=detail, due=due,
                  late=late)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rows_read_as_the_macro_wrote_them(app, lang):
    rows = list(_rows())
    assert len(rows) > 2000
    with app.test_request_context(f"/?lang={lang}"):
        from flask import session
        session["lang"] = lang
        for section in ("verify", "sites"):
            expected = render_template_string(MACRO, rows=rows, section=section)
            assert _as_read(html(rows, section)) == _as_read(expected)
        assert ("发现" in expected) == (lang == "zh")  # each in its own language
