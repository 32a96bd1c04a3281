"""The people form and the workers' import row, through the one forms layer.

The account fields are the admin's (admin.forms.USER), so a name or a phone number has the same
bounds on every page and in every file; the enterprise adds a worker's PIN, team and post.
"""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from ..admin.forms import PASSWORD, USER
from ..shifts.models import Post, Team

# Any text that fits; the PIN rule (4 to 6 digits, not too easy) gives the message.
PIN = f.Text(16, multiline=False, label=_l("PIN"))

PERSON = {
    **{key: USER[key] for key in ("role", "name", "phone", "username", "position")},
    "password": PASSWORD,
    "pin": PIN,
    "team_id": f.Id(label=_l("Team")),
    "post_id": f.Id(label=_l("Post")),
}
PIN_FORM = {"pin": PIN}

# A spreadsheet row names the team and the post; service.placement looks them up.
ROW = {
    "name": USER["name"], "phone": USER["phone"], "pin": PIN,
    "team": f.Text(column=Team.name, multiline=False, label=_l("Team")),
    "post": f.Text(column=Post.name, multiline=False, label=_l("Post")),
}
