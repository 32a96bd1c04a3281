"""Major-hazard screens of the zone: the historic stock import."""

import io

from flask import request, send_file
from flask_login import current_user
from sqlalchemy import select

from ..access import ZONE_STAFF, allow
from ..extensions import db
from ..hazards.models import HazardImport
from ..web import page
from . import bp, stock


@bp.route("/stock/import", methods=["GET", "POST"])
@allow(*ZONE_STAFF)
def stock_import():
    report = stock.run(request.files.get("file"), current_user) if request.method == "POST" else None
    imports = db.session.scalars(select(HazardImport).order_by(HazardImport.id.desc()).limit(50))
    return page("majors/stock_import.html", "import_result", 422 if report and not report.ok else 200,
                report=report, columns=stock.COLUMNS, imports=list(imports))


@bp.get("/stock/template.xlsx")
@allow(*ZONE_STAFF)
def stock_template():
    return send_file(io.BytesIO(stock.template_workbook()), as_attachment=True,
                     download_name="hazard-stock-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
