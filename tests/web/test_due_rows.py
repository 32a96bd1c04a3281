"""The home page's sites due written in Python (home/rows.due_html) are the bytes its Jinja loop
wrote, with the risk badge macro (templates/home/index.html before)."""

from collections import namedtuple
from datetime import date, timedelta

import pytest
from flask import render_template_string

from inspect_app.home.rows import due_html
from inspect_app.labels import RISK_COLORS

LOOP = """{% from "_macros.html" import risk_badge %}
    {% for site, due_on in due %}
    <li><a href="{{ url_for('sites.detail', site_id=site.id) }}">{{ site.name }}</a>
      {{ risk_badge(site.risk_color) }}
      <small>{{ _("due %(date)s", date=due_on.isoformat()) }}</small></li>
    {% endfor %}
  """

Due = namedtuple("Due", "id name risk_color next_due_on")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sites_due_are_written_as_the_loop_wrote_them(app, lang):
    names = ["雪峰企业1001001", "A & B <化工> \"有限\" '公司'", "x" * 90]
    due = [(Due(n, names[n % 3], color, None), date(2026, 10, 1) + timedelta(days=n))
           for n, color in enumerate([*RISK_COLORS, "odd<c>"] * 2, 1)]
    with app.test_request_context(f"/?lang={lang}"):
        from flask import session
        session["lang"] = lang
        expected = render_template_string(LOOP, due=due)
        assert "\n    " + str(due_html(due)) + "\n  " == expected
        assert str(due_html([])) == ""
    assert ("到期" in expected) == (lang == "zh")  # each in its own language
