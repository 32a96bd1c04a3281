"""The inspection screen's forms, through the one forms layer (inspect_app/forms.py)."""

from flask_babel import lazy_gettext as _l

from .. import forms as f
from ..photos.models import Photo
from .models import Answer, Result

START = {"template": f.Id(label=_l("Checklist"))}
# No result: a note saved on its own (the tick stays as it was).
ANSWER = {"result": f.Choice(Result, label=_l("Result")),
          "note": f.Text(column=Answer.note, label=_l("Note"))}
# Several photos picked together each carry the phone's capture time, in the files' order.
PHOTO = {"upload_key": f.Text(column=Photo.upload_key, multiline=False)}
TAKEN_AT = f.Text(40, multiline=False)
REMOVE_PHOTO = {"item": f.Id()}


def taken_at(data) -> list[str]:
    """The capture times sent with a photo upload, each bounded (raises forms.Invalid)."""
    return [f.check(raw, TAKEN_AT, "taken_at") for raw in data.getlist("taken_at")]
