from flask import request
from flask_login import current_user

from ..access import FIELD_ROLES, allow
from ..sites.service import visible_grids
from ..sites.types import SITE_TYPES
from ..timeutil import local_today
from ..web import page
from . import bp, service, workflow


@bp.get("/")
@allow(*FIELD_ROLES)
def index():
    filters = service.Filters.from_args(request.args)
    result = service.queue(current_user, filters, cursor=request.args.get("after"))
    # "More" appends rows; a filter change replaces the whole list.
    fragment = "rows" if request.args.get("after") else "results"
    return page("hazards/index.html", fragment, result=result, filters=filters,
                grids=(grids := visible_grids(current_user)),
                areas=sorted({g.area for g in grids}, key=lambda a: a.name), site_types=SITE_TYPES, today=local_today(),
                workflow=workflow, args=request.args)


@bp.get("/<int:hazard_id>")
@allow(*FIELD_ROLES)
def detail(hazard_id: int):
    hazard = service.get_for(current_user, hazard_id)
    return page("hazards/detail.html", hazard=hazard, today=local_today(), workflow=workflow)
