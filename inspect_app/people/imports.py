"""Importing an enterprise's workers from a spreadsheet: every row valid and all created,
or nothing saved.

The file is read by inspect_app/spreadsheet.py (.xlsx, or .csv in UTF-8 or GB18030, Chinese
headers); each row is parsed with the field table people/forms.ROW (the "new worker" form's
bounds) and goes through the same rules as that form (service.worker_values).
"""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.datastructures import FileStorage

from ..admin import forms as admin_forms
from ..admin import service as admin
from ..auth.models import User
from ..auth.service import set_pin
from ..errors import UserError
from ..extensions import db
from ..forms import combine
from ..shifts.models import TeamMember
from ..spreadsheet import Column, Report, commit, read, row_errors, rows
from . import forms, service

COLUMNS = (
    Column("姓名", "name", True), Column("手机号", "phone", True), Column("班组", "team"),
    Column("岗位", "post"), Column("初始PIN", "pin"),
)


def run(upload: FileStorage | None, actor: User) -> Report:
    """Check every row of the upload, then create every worker in one transaction, or none."""
    try:
        table = read(upload)
        checked, errors = _check(table, actor)
    except UserError as e:
        return Report(problem=e.message)
    if errors:
        return Report(errors=errors)
    for values, pin, team, post_id in checked:
        user = admin.build_user(values)
        if pin:
            set_pin(user, pin)
        if team is not None:
            db.session.flush()
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, post_id=post_id))
    return commit(len(checked))


def _check(table, actor: User):
    known = admin.known()
    teams = {t.name: t for t in service.site_teams(actor.site_id)}
    first_row: dict[str, int] = {}  # phone -> the row that has it first
    checked, errors = [], []
    for number, raw in rows(table, COLUMNS):
        row, bad_cells = admin_forms.parse_row(raw, forms.ROW)
        values, problems = service.worker_values(row, actor.site_id, known)
        team = teams.get(row.team)
        post_id = None
        if row.team and team is None:
            problems["team"] = _("This enterprise has no active team named “%(name)s”.",
                                 name=row.team)
        if row.post:
            post = next((p for p in team.posts if p.name == row.post), None) if team else None
            if post is None:
                problems["post"] = _("The team has no post named “%(name)s”.", name=row.post)
            else:
                post_id = post.id
        pin = row.pin
        if pin and (problem := service.pin_error(pin)):
            problems["pin"] = problem
        phone = values["phone"]
        if phone and phone in first_row and "phone" not in problems and "phone" not in bad_cells:
            problems["phone"] = _("This phone number is also in row %(row)s of the file.",
                                  row=first_row[phone])
        if phone:
            first_row.setdefault(phone, number)
        errors += row_errors(number, combine(bad_cells, problems, forms.ROW), COLUMNS)
        checked.append((values, pin, team, post_id))
    return checked, errors


def template_workbook() -> bytes:
    """An empty sheet with the Chinese header row; phone and PIN cells are text (leading 0s)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "员工"
    sheet.append([c.header for c in COLUMNS])
    for i, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        sheet.column_dimensions[cell.column_letter].width = 16
        if column.field in ("phone", "pin"):
            for row in range(2, 1002):
                sheet.cell(row=row, column=i).number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
