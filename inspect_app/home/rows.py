"""The work queue's rows as HTML: where it is, what the checklist asked, when found, its id and
source, when due. Written here, one string per list, not row by row in Jinja: a macro call per
row, with its badge macro, three filters and two translations, was most of the home page's
rendering (zone PG, a supervisor's 15 rows). Every value is escaped."""

from collections.abc import Iterable

from flask import current_app, url_for
from flask_babel import gettext
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from ..labels import label


def html(rows: Iterable, section: str) -> Markup:
    """The <li> of each of a section's rows (home/queue.Row), in order."""
    env = current_app.jinja_env

    def cut(text: str, length: int) -> str:
        return escape(do_truncate(env, text, length))

    # The words once per list, their values escaped as Jinja's gettext escapes them.
    found, due = Markup(gettext("found %(d)s")), Markup(gettext("due %(date)s"))
    out = []
    for index, row in enumerate(rows, 1):
        parts = [f'<li class="work-row{" overdue" if row.late else ""}" '
                 f'id="work-{escape(section)}-{escape(row.key or index)}">\n'
                 f'  <a href="{escape(row.url)}"><strong>{escape(row.title)}</strong></a>\n']
        hazard = row.hazard
        if hazard:
            parts.append(f'  <span class="level level-{escape(hazard.level)}">'
                         f'{escape(label("level", hazard.level))}</span>\n')
            if row.item_code:
                parts.append(f'  <div class="work-item"><span class="code">'
                             f'{escape(row.item_code)}</span> {cut(row.requirement, 70)}</div>\n')
                if hazard.description != row.requirement:
                    parts.append(f'  <div class="work-detail">{cut(hazard.description, 70)}'
                                 '</div>\n')
            else:
                parts.append(f'  <div class="work-item">{cut(hazard.description, 70)}</div>\n')
        if row.detail:
            parts.append(f'  <div class="work-detail">{cut(row.detail, 90)}</div>\n')
        parts.append('  <small class="muted">\n    ')
        if hazard:
            parts.append(f'#{escape(hazard.id)} · {escape(label("source", hazard.source))} · '
                         f'<span class="when">{found % {"d": hazard.found_on.isoformat()}}'
                         '</span>')
        if row.due:
            parts.append(f'{" · " if hazard else ""}<span class="when{" warn" if row.late else ""}">'
                         f'{due % {"date": row.due.isoformat()}}</span>')
        parts.append("</small>\n</li>")
        out.append("".join(parts))
    return Markup("".join(out))  # noqa: S704 - every value above is escaped


def due_html(due: Iterable) -> Markup:
    """The <li> of each site due for inspection (sites.overview.due_sites: (site, due day)), as
    the home page's loop wrote them with the risk badge macro, here in one string."""
    words = Markup(gettext("due %(date)s"))
    out = []
    for site, due_on in due:
        color = escape(site.risk_color)
        out.append(f'\n    <li><a href="{escape(url_for("sites.detail", site_id=site.id))}">'
                   f'{escape(site.name)}</a>\n      <span class="risk risk-{color}">'
                   f'{escape(label("risk", site.risk_color))}</span>\n      <small>'
                   f'{words % {"date": due_on.isoformat()}}</small></li>\n    ')
    return Markup("".join(out))  # noqa: S704 - every value above is escaped
