"""What a checklist page repeats for every item, rendered once per process and language.

A checklist of 40 items used to translate ~13 fixed words and escape its requirement, basis
and guidance for every item on every request (most of the page's CPU). An item's text never
changes within its template version (a changed file is a new version with new items), so its
rendered fixed part is kept, keyed by the language and the text itself (not by row id: a row id
may be reused after a version is deleted); the buttons' words are translated once per language.
"""

from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape


def item_static(item) -> Markup:
    """The item's code, requirement, major-hazard tag, basis and guidance as HTML."""
    return _render(str(get_locale()), item.code, item.requirement, bool(item.is_major),
                   item.basis or "", item.guidance or "")


@lru_cache(maxsize=8192)
def _render(locale: str, code: str, requirement: str, is_major: bool, basis: str,
            guidance: str) -> Markup:
    # The template alone, without the context processors (no query for the inbox count).
    template = current_app.jinja_env.get_template("inspections/_item_static.html")
    return Markup(template.render(code=code, requirement=requirement,  # noqa: S704
                                  is_major=is_major, basis=basis, guidance=guidance).strip())


def item_words() -> dict[str, Markup]:
    """The words on every item's buttons and forms, in the current language."""
    return _words(str(get_locale()))


@lru_cache(maxsize=16)
def _words(locale: str) -> dict[str, Markup]:
    words = {
        "pass": _("Pass"), "fail": _("Fail"), "na": _("N/A"),
        "confirm_major": _("This is a major accident hazard item. Confirm that it fails?"),
        "what_is_wrong": _("What is wrong"), "note_placeholder": _("Where, what, how serious"),
        "save_note": _("Save note"), "take_photo": _("Take photo"), "uploading": _("Uploading…"),
        "upload": _("Upload"), "photo": _("Photo"), "remove": _("Remove"),
    }
    return {k: escape(v) for k, v in words.items()}
