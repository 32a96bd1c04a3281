"""The sign-in forms, through the one forms layer: each field bounded by what an account can
hold. They are read as filters (auth.views): a value no account can have (overlong, control
characters) reads as blank and is answered like any unknown name or wrong secret, with the
same one hash, so the answer tells nothing about which accounts exist."""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from .models import User

# A login is a username or a phone number: the longer of the two columns.
_LOGIN_MAX = max(User.username.type.length, User.phone.type.length)
# A password is hashed, so its cap is ours (as admin.forms.PASSWORD, which sets it).
_SECRET_MAX = 128

LOGIN = {"login": f.Text(_LOGIN_MAX, multiline=False, label=_l("Phone number or username")),
         "password": f.Text(_SECRET_MAX, multiline=False, label=_l("Password")),
         "remember": f.Bool()}
PIN = {"phone": f.Text(User.phone.type.length, multiline=False, label=_l("Mobile number")),
       "pin": f.Text(16, multiline=False, label=_l("PIN")),
       "remember": f.Bool()}
