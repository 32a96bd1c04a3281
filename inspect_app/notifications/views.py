from flask import request, url_for
from flask_login import current_user

from .. import forms
from ..access import allow
from ..web import page, redirect_to, safe_next
from . import bp, service


@bp.get("/")
@allow()
def index():
    return page("notifications/index.html", notes=service.inbox(current_user))


@bp.post("/read")
@allow()
def read():
    service.mark_read(current_user, forms.parse(request.form, {"id": forms.Id()}).id)
    return redirect_to(safe_next(request.form.get("next")) or url_for(".index"))
