from ..access import STAFF_ROLES, allow
from ..web import page
from . import bp


@bp.get("/")
@allow(*STAFF_ROLES)
def index():
    return page("admin/index.html")
